// What the debugger stops on in today's common ioreq code (xen/common/ioreq.c @RELEASE-4.21.0, the model
// src/model/xen/4.21/common/ioreq.ts), stepping scenario 28 (QEMU's port round trip) statement by statement: each stop
// is a statement of the 4.21 listing, ioreq_send and wait_for_io stop in ioreq.c's order, and the locals there hold
// what the C code holds.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { loadListing, locateLabel } from '../../src/debug/listing';
import { variablesOf, type RtVar } from '../../src/debug/variables';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');
const F28 = path.join(ROOT, 'scenarios', '28-x421-qemu-port-round-trip.ioreq.json');
const COMMON = loadListing('4.21/common/ioreq.c');

interface Stop { step: number; fn: string; at: string; line: number; locals: Record<string, unknown> }

function allStops(): { stops: Stop[]; ops: string[] } {
  const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F28, 'utf8'), F28));
  const stops: Stop[] = [];
  for (;;) {
    const next = rt.returned ? rt.sc.steps[rt.pos.step + 1] : rt.currentStep;
    if (!next) break;
    const s = rt.stepIn(next.actor);
    if (s.reason === 'end') break;
    if (rt.returned) continue;
    const top = rt.frames().at(-1)!;
    if (!COMMON.fns.has(top.fn)) continue;
    const loc = locateLabel('4.21', top.fn, top.at)!;
    stops.push({ step: rt.pos.step, fn: top.fn, at: top.at, line: loc.line, locals: { ...top.locals } });
  }
  return { stops, ops: rt.sc.steps.map((x) => x.op) };
}

describe('debugger: stops in 4.21 common/ioreq.c along scenario 28 (QEMU port round trip)', () => {
  it('every stop is a statement ioreq.c\'s listing marks, on a line inside its function', () => {
    const { stops } = allStops();
    assert.ok(stops.length > 50);
    for (const s of stops) {
      const f = COMMON.fns.get(s.fn)!;
      assert.ok(f.labels.has(s.at), `${s.fn}@${s.at}`);
      assert.ok(s.line >= f.line && s.line <= f.endLine, `${s.fn}@${s.at} line ${s.line}`);
    }
  });

  it('ioreq_send of the port write stops in ioreq.c:1249-1311\'s order, and shows the slot NONE and vp_eport equal to the port', () => {
    const { stops, ops } = allStops();
    const w = ops.indexOf('pio_write');
    const send = stops.filter((s) => s.step === w && s.fn === 'ioreq_send');
    assert.deepEqual(send.map((s) => s.at), ['buffered', 'deferral', 'check_state', 'check_port', 'copy', 'prepare_wait', 'notify', 'pending']);
    const lines = send.map((s) => s.line);
    for (let k = 1; k < lines.length; k++) assert.ok(lines[k] > lines[k - 1], `${send[k].at} after ${send[k - 1].at}`);
    const cs = send.find((s) => s.at === 'check_state')!.locals;
    assert.equal(cs.state, 0, 'STATE_IOREQ_NONE before the copy');
    const cp = send.find((s) => s.at === 'check_port')!.locals;
    assert.equal(cp.vp_eport, cp.port, 'QEMU bound the port Xen wrote into the slot');
    assert.equal(send[0].locals.buffered, false);
  });

  it('hvm_do_resume after QEMU answered: wait_for_io reads IORESP_READY, takes the data and sets the slot NONE (ioreq.c:175-186)', () => {
    const { stops, ops } = allStops();
    const r = ops.lastIndexOf('hvm_do_resume');
    const wait = stops.filter((s) => s.step === r && s.fn === 'wait_for_io');
    assert.deepEqual(wait.map((s) => s.at), ['read_state', 'check_order', 'switch', 'take_data', 'complete']);
    assert.equal(wait[0].locals.state, 3, 'STATE_IORESP_READY');
    assert.equal(wait[0].locals.prev_state, 0);
    assert.equal(wait[4].locals.needs_completion, true, 'a port read needs completion (ioreq.h:76-81)');
  });

  it('wait_for_io and ioreq_send as C: their lines are the statements, Variables types them as the listing declares', () => {
    // The listing's lines at the stops are the C statements (ioreq.c:154-209 and 1249-1311 @RELEASE-4.21.0).
    const text = COMMON.text.split('\n');
    const lineOf = (fn: string, at: string) => text[locateLabel('4.21', fn, at)!.line - 1];
    assert.match(lineOf('wait_for_io', 'take_data'), /p->state = STATE_IOREQ_NONE; data = p->data;/);
    assert.match(lineOf('wait_for_io', 'read_state'), /state = p->state;/);
    assert.match(lineOf('ioreq_send', 'check_port'), /if \( p->vp_eport != port \)/);
    assert.match(lineOf('ioreq_send', 'prepare_wait'), /prepare_wait_on_xen_event_channel\(port\);/);
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F28, 'utf8'), F28));
    const rowsAt = (fn: string, label: string, step: number): RtVar[] => {
      for (let n = 0; n < 100000; n++) {
        const next = rt.returned ? rt.sc.steps[rt.pos.step + 1] : rt.currentStep;
        assert.ok(next, `no stop at ${fn}@${label}`);
        assert.notEqual(rt.stepIn(next.actor).reason, 'end', `no stop at ${fn}@${label}`);
        const frames = rt.frames(), top = frames.at(-1);
        if (rt.pos.step >= step && top?.fn === fn && top.at === label) return variablesOf(rt, { kind: 'locals', frame: { actor: next.actor, k: frames.length - 1 } });
      }
      assert.fail('too many stops');
    };
    const ops = rt.sc.steps.map((x) => x.op);
    const typeOf = (rows: RtVar[], name: string) => { const r = rows.find((x) => x.name === name); return r && { value: r.value, type: r.type }; };
    const send = rowsAt('ioreq_send', 'prepare_wait', ops.indexOf('pio_write'));
    assert.equal(typeOf(send, 's')?.type, 'struct ioreq_server *');
    assert.equal(typeOf(send, 'proto_p')?.type, 'ioreq_t *');
    assert.deepEqual(typeOf(send, 'buffered'), { value: '0', type: 'bool' });
    assert.equal(typeOf(send, 'curr')?.type, 'struct vcpu *');
    const wait = rowsAt('wait_for_io', 'take_data', ops.lastIndexOf('hvm_do_resume'));
    assert.equal(typeOf(wait, 'sv')?.type, 'struct ioreq_vcpu *');
    assert.equal(typeOf(wait, 'p')?.type, 'ioreq_t *');
    assert.deepEqual(typeOf(wait, 'state'), { value: 'STATE_IORESP_READY (3)', type: 'unsigned int' });
    assert.deepEqual(typeOf(wait, 'prev_state'), { value: 'STATE_IORESP_READY (3)', type: 'unsigned int' });
    assert.deepEqual(typeOf(wait, 'data'), { value: '0x41', type: 'uint64_t' }, "the byte QEMU answered the port read with");
    // ioreq_send's prototype request, held by value in the model, reads as the ioreq_t it is declared.
    assert.deepEqual(typeOf(send, 'proto_p'), { value: 'IOREQ_TYPE_PIO write 0x3f8 size 1, STATE_IOREQ_NONE', type: 'ioreq_t *' });
  });
});

