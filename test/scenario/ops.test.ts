// The table of operations is the one declaration of each op: the shipped schema is exactly what it gives, the
// parser takes its actors, argument conversions, cross-argument checks and profiles from it, and the runner and the
// explorer its enabling rules and model calls.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Model } from '../../src/model/model';
import { actorBlocked, OPS, OP_NAMES, opSpec, stepFrameName, type OpSpec } from '../../src/scenario/ops';
import { parseScenario } from '../../src/scenario/parse';
import { buildSchema } from '../../src/scenario/schema';
import { ScenarioError } from '../../src/scenario/errors';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function scenario(steps: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps, ...extra }, null, 1);
}
function parseErr(text: string): string {
  try { parseScenario(text, 'x.ioreq.json'); } catch (e) { if (e instanceof ScenarioError) return e.message; throw e; }
  return '';
}

describe('scenario: the table of operations', () => {
  it('schema/scenario.schema.json is exactly what the table gives (run tools/gen-schema.js after changing ops.ts)', () => {
    const shipped = fs.readFileSync(path.join(ROOT, 'schema', 'scenario.schema.json'), 'utf8');
    assert.strictEqual(shipped, JSON.stringify(buildSchema(), null, 1) + '\n');
  });

  it("the schema has one clause per op, naming the op's arguments and requiring the required ones", () => {
    const s = buildSchema() as any;
    assert.deepStrictEqual(s.definitions.step.properties.op.enum, OP_NAMES);
    for (const [i, name] of OP_NAMES.entries()) {
      const clause = s.definitions.step.allOf[i];
      const spec = opSpec(name)!;
      assert.strictEqual(clause.if.properties.op.const, name);
      const args = Object.keys(clause.then.properties).filter((k) => !['op', 'actor', 'expect', 'after', 'note', 'when'].includes(k));
      assert.deepStrictEqual(args, Object.keys(spec.args), name);
      assert.deepStrictEqual(clause.then.required, ['op', 'actor', ...Object.entries(spec.args).filter(([, a]) => a.required).map(([k]) => k)], name);
      assert.strictEqual(clause.then.additionalProperties, false);
    }
  });

  it("refuses an op by an actor the table does not list, naming who does it", () => {
    assert.match(parseErr(scenario([{ op: 'pio_read', actor: 'toolstack', port: 1, size: 1 }])), /x\.ioreq\.json:\d+:\d+: op 'pio_read' is done by a vcpu \(d<domid>v<n>\), not by 'toolstack'/);
    assert.match(parseErr(scenario([{ op: 'cpu_handle_ioreq', actor: 'd1v0', vcpu: 0 }])), /op 'cpu_handle_ioreq' is done by a device model, not by 'd1v0'/);
  });

  it('refuses an op in a profile the table does not give it, with its location', () => {
    const saved = (OPS.send_invalidate_req as OpSpec).profiles;
    (OPS.send_invalidate_req as OpSpec).profiles = ['legacy'];
    try {
      const text = scenario([{ op: 'send_invalidate_req', actor: 'd1v0' }]);
      assert.match(parseErr(text), /x\.ioreq\.json:\d+:\d+: op 'send_invalidate_req' does not exist in profile seed \(it is in legacy\)/);
    } finally {
      (OPS.send_invalidate_req as OpSpec).profiles = saved;
    }
  });

  it("converts arguments as the table says: params by name, 64-bit values, I/O ports (and only pio's port)", () => {
    const sc = parseScenario(scenario([
      { op: 'hvmop_get_param', actor: 'qemu', param: 'HVM_PARAM_IOREQ_PFN' },
      { op: 'pio_write', actor: 'd1v0', port: '0xcf8', size: 4, value: '0x80000000' },
      { op: 'evtchn_send', actor: 'qemu', port: 3 },
      { op: 'mmio_write', actor: 'd1v0', addr: '0xfffffffffffff000', size: 8, value: '0xffffffffffffffff' },
    ]), 'x.ioreq.json');
    assert.strictEqual(sc.steps[0].args.param, 5);
    assert.strictEqual(sc.steps[1].args.port, 0xcf8);
    assert.strictEqual(sc.steps[1].args.value, 0x80000000n);
    assert.strictEqual(sc.steps[2].args.port, 3);
    assert.strictEqual(sc.steps[3].args.addr, 0xfffffffffffff000n);
    assert.match(parseErr(scenario([{ op: 'pio_read', actor: 'd1v0', port: '0x10000', size: 1 }])), /'port' must be an I\/O port from 0 to 0xffff/);
  });

  it("runs the table's cross-argument checks at the argument they blame", () => {
    assert.match(parseErr(scenario([{ op: 'pio_write', actor: 'd1v0', port: 1, size: 1, value: 256 }])), /:\d+:\d+: 'value' does not fit in 1 byte\(s\)/);
    assert.match(parseErr(scenario([{ op: 'hvmop_get_param', actor: 'toolstack', param: 'IOREQ_PFN' }])), /'hvmop_get_param' by the toolstack needs 'domid'/);
    assert.match(parseErr(scenario([{ op: 'evtchn_bind_interdomain', actor: 'qemu' }])), /needs either 'vcpu' or 'buffered': true/);
  });

  it("gives the enabling rules: the actor's own checks, then the op's, and ops that may run with an I/O in flight", () => {
    const sc = parseScenario(scenario([
      { op: 'xc_domain_unpause', actor: 'toolstack', domid: 1 },
      { op: 'hvm_do_resume', actor: 'd1v0' },
      { op: 'pio_read', actor: 'd1v0', port: 1, size: 1 },
      { op: 'xc_domain_create', actor: 'toolstack', domid: 0, vcpus: 1 },
    ]), 'x.ioreq.json');
    const m = new Model('seed').boot();
    m.addDeviceModel('qemu', 0, 1, 0);
    assert.strictEqual(OPS.xc_domain_unpause.blocked(m, sc.steps[0]), 'domain d1 does not exist');
    assert.strictEqual(actorBlocked(m, sc.steps[1], opSpec('hvm_do_resume')!), 'd1 does not exist');
    assert.strictEqual(OPS.xc_domain_create.blocked(m, sc.steps[3]), 'd0 already exists');
    assert.strictEqual(opSpec('hvm_do_resume')!.whileIoInFlight, true);
    assert.strictEqual(opSpec('pio_read')!.whileIoInFlight, undefined);
  });

  it("names the debugger's step frame after the C-level call where the table gives one", () => {
    const sc = parseScenario(scenario([
      { op: 'hvmop_get_param', actor: 'qemu', param: 'IOREQ_PFN' },
      { op: 'hvmop_set_param', actor: 'toolstack', domid: 1, param: 'DM_DOMAIN', value: 0 },
      { op: 'pio_read', actor: 'd1v0', port: 1, size: 1 },
    ]), 'x.ioreq.json');
    assert.strictEqual(stepFrameName(sc.steps[0]), 'step 0: HVMOP_get_param(target, HVM_PARAM_IOREQ_PFN)');
    assert.strictEqual(stepFrameName(sc.steps[1]), 'step 1: HVMOP_set_param(d1, HVM_PARAM_DM_DOMAIN, 0x0)');
    assert.strictEqual(stepFrameName(sc.steps[2]), 'step 2: pio_read');
  });
});
