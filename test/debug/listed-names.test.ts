// Issue 12: the Variables of a stop name what the listed C function names. A model local the listing spells
// differently (its `@names`) is shown under the C name, and a name the C function declares that the model does not
// keep reads `<not modelled>`, so watch and hover on it say so instead of "not a local of this frame".
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { ListingError, parseListing } from '../../src/debug/listing';
import { asListed, frameContext } from '../../src/debug/variables';
import { EvalError, evaluate, NotModelled, show } from '../../src/debug/values';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');

/** Steps the scenario until the top frame is `fn`, and returns that frame's context. */
function contextAt(scenario: string, fn: string) {
  const f = path.join(ROOT, 'scenarios', scenario);
  const rt = new IoreqRuntime(parseScenario(fs.readFileSync(f, 'utf8'), f));
  for (let n = 0; n < 5000; n++) {
    const next = rt.returned ? rt.sc.steps[rt.pos.step + 1] : rt.currentStep;
    if (!next) break;
    if (rt.stepIn(next.actor).reason === 'end') break;
    const fr = rt.frames();
    if (fr.at(-1)?.fn === fn) return { rt, ctx: frameContext(rt, { actor: next.actor, k: fr.length - 1 }) };
  }
  throw new Error(`${fn} never stopped in ${scenario}`);
}

describe('debugger: locals under the listing\'s C names (issue 12)', () => {
  it('a listing\'s @names maps a C name to the model\'s local; a malformed one is a located error', () => {
    const l = parseListing('t.c', '@fn f\n@names state=dm value=out\nint f(XenIOState *state, int param, unsigned long *value)\n{\n    x;  @x\n}\n');
    const fn = l.fns.get('f')!;
    assert.deepEqual([...fn.names], [['state', 'dm'], ['value', 'out']]);
    assert.deepEqual(fn.params, ['state', 'param', 'value']);
    assert.equal(fn.labels.get('x'), 3, 'neither @fn nor @names is served: the labelled line is the third');
    assert.throws(() => parseListing('t.c', '@fn f\n@names state\nf()\n'), (e: Error) => e instanceof ListingError && /t\.c: f: @names wants listing=model pairs/.test(e.message));
  });

  it('asListed: parameters in signature order, renamed locals, the rest kept, undeclared C names not modelled', () => {
    const fn = parseListing('t.c', '@fn f\n@names state=dm\nint f(XenIOState *state, int i, struct cpu_user_regs *regs)\n{\n    int rc;\n    x;  @x\n}\n').fns.get('f')!;
    const out = asListed({ i: 2, dm: { domid: 0 }, extra: 7 }, fn);
    assert.deepEqual(Object.keys(out), ['state', 'i', 'regs', 'extra', 'rc']);
    assert.deepEqual(out.state, { domid: 0 });
    assert.ok(out.regs instanceof NotModelled && out.rc instanceof NotModelled);
    assert.equal(show('regs', out.regs, 'struct cpu_user_regs *').value, '<not modelled>');
    // A C name that is a model local too keeps that local.
    assert.deepEqual(asListed({ dm: 1, state: 3 }, fn).state, 3);
  });

  it('QEMU\'s xc_get_hvm_param (seed era) shows state, param and value, as its listing declares them', () => {
    const { rt, ctx } = contextAt('07-two-vcpus-race.ioreq.json', 'xc_get_hvm_param');
    assert.deepEqual(Object.keys(ctx.locals).slice(0, 3), ['state', 'param', 'value']);
    assert.ok(!('dm' in ctx.locals) && !('index' in ctx.locals) && !('out' in ctx.locals));
    assert.equal(typeof ctx.locals.param, 'number');
    assert.equal(ctx.ctypes?.get('state'), 'XenIOState *');
    // evaluate resolves the C name; a name the model does not keep says so.
    assert.equal(evaluate('param', ctx.locals, rt.session.m, ctx.domain), ctx.locals.param);
    assert.throws(() => evaluate('arg', ctx.locals, rt.session.m, ctx.domain), (e: Error) => e instanceof EvalError && /does not keep it/.test(e.message));
  });

  it('QEMU\'s cpu_get_ioreq: `state` is the XenIOState, the slot\'s state is req_state (req->state), read by name', () => {
    let { ctx } = contextAt('07-two-vcpus-race.ioreq.json', 'cpu_get_ioreq');
    assert.equal(ctx.ctypes?.get('state'), 'XenIOState *');
    assert.equal(typeof ctx.locals.state, 'object', 'state is the device model, not a number');
    ({ ctx } = contextAt('07-two-vcpus-race.ioreq.json', 'cpu_handle_ioreq_take'));
    assert.ok(!('lport' in ctx.locals), 'the model\'s lport is shown as QEMU\'s port');
    assert.ok('port' in ctx.locals);
    assert.match(show('req_state', 1).value, /^STATE_IOREQ_READY \(1\)$/);
  });
});
