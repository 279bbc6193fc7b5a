// What Variables shows in Arm's MMIO path (xen/arch/arm/ioreq.c and io.c @RELEASE-4.21.0): try_fwd_ioserv and
// try_handle_mmio keep their result in an `enum io_state rc` (mmio.h:52-58), which a Xen developer reads by name.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { locateLabel } from '../../src/debug/listing';
import { show } from '../../src/debug/values';
import { variablesOf, type RtVar } from '../../src/debug/variables';
import { IO_ABORT, IO_HANDLED, IO_RETRY, IO_UNHANDLED } from '../../src/model/xen/4.21/arch/arm/ioreq';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');
const F36 = path.join(ROOT, 'scenarios', '36-x421-arm-virtio-bufioreq-einval.ioreq.json');

/** The Locals rows of the first stop at `fn@label` along scenario 36, stepping the guest's vcpu. */
function localsAt(fn: string, label: string): RtVar[] {
  const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F36, 'utf8'), F36));
  for (let n = 0; n < 100000; n++) {
    const next = rt.returned ? rt.sc.steps[rt.pos.step + 1] : rt.currentStep;
    assert.ok(next, `no stop at ${fn}@${label}`);
    assert.notEqual(rt.stepIn(next.actor).reason, 'end', `no stop at ${fn}@${label}`);
    const frames = rt.frames();
    const top = frames.at(-1);
    if (top?.fn === fn && top.at === label) return variablesOf(rt, { kind: 'locals', frame: { actor: next.actor, k: frames.length - 1 } });
  }
  assert.fail('too many stops');
}

describe('debugger: Arm MMIO stops show enum io_state by name (4.21-arm)', () => {
  it("the listings declare rc as enum io_state, and the parameters with their C types", () => {
    const fwd = locateLabel('4.21-arm', 'try_fwd_ioserv', 'entry')!.listing.fns.get('try_fwd_ioserv')!.ctypes;
    assert.equal(fwd.get('rc'), 'enum io_state');
    assert.equal(fwd.get('v'), 'struct vcpu *');
    assert.equal(fwd.get('info'), 'mmio_info_t *');
    assert.equal(fwd.get('s'), 'struct ioreq_server *');
    const mmio = locateLabel('4.21-arm', 'try_handle_mmio', 'entry')!.listing.fns.get('try_handle_mmio')!.ctypes;
    assert.equal(mmio.get('rc'), 'enum io_state');
  });

  it('try_fwd_ioserv at its last stop: the request went to the server, rc reads IO_RETRY (3)', () => {
    const rc = localsAt('try_fwd_ioserv', 'rc').find((r) => r.name === 'rc');
    assert.deepEqual({ value: rc?.value, type: rc?.type }, { value: 'IO_RETRY (3)', type: 'enum io_state' });
  });

  it("try_handle_mmio after try_fwd_ioserv returned: its own rc is the same IO_RETRY", () => {
    const rows = localsAt('try_handle_mmio', 'fwd');
    const rc = rows.find((r) => r.name === 'rc');
    assert.deepEqual({ value: rc?.value, type: rc?.type }, { value: 'IO_RETRY (3)', type: 'enum io_state' });
    assert.equal(rows.find((r) => r.name === 'v')?.type, 'struct vcpu *');
  });

  it('each enum io_state value by its name; a value outside the enum says so; an int rc keeps its errno reading', () => {
    assert.equal(show('rc', IO_ABORT, 'enum io_state').value, 'IO_ABORT (0)');
    assert.equal(show('rc', IO_HANDLED, 'enum io_state').value, 'IO_HANDLED (1)');
    assert.equal(show('rc', IO_UNHANDLED, 'enum io_state').value, 'IO_UNHANDLED (2)');
    assert.equal(show('rc', IO_RETRY, 'enum io_state').value, 'IO_RETRY (3)');
    assert.equal(show('rc', 7, 'enum io_state').value, 'invalid (7)');
    assert.equal(show('rc', -22, 'int').value, '-EINVAL');
  });
});
