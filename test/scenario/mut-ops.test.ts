// The table of scenario operations (src/scenario/ops.ts) under issue 16's mutation testing: each op's arguments and
// their parse-time checks word for word, what its enabling rule says when it cannot run, what its call does to the
// model and the step's result (rc, value), and the debugger's name for its frame.
import assert from 'node:assert/strict';
import { parseScenario } from '../../src/scenario/parse';
import { Session, type StepResult } from '../../src/scenario/exec';
import { OPS, stepFrameName, type OpSpec } from '../../src/scenario/ops';

const F = 'ops.ioreq.json';
type Out = string | StepResult;
interface PlayOpts { profile?: string; dms?: unknown[] }
const QEMU = [{ name: 'qemu', domid: 0, target: 1 }];
const doc = (steps: unknown[], o: PlayOpts = {}) => JSON.stringify({ profile: o.profile ?? 'seed', deviceModels: o.dms ?? QEMU, steps }, null, 1);
/** Runs the steps in order on the flat build: each step's result, or why it could not run (then it is skipped). */
function play(steps: unknown[], o: PlayOpts = {}) {
  const sc = parseScenario(doc(steps, o), F);
  const s = new Session(sc);
  const out: Out[] = sc.steps.map((st) => s.blocked(st) ?? s.runFlat(st));
  return { s, out, sc, last: out[out.length - 1], d1: () => s.m.x.domains.get(1)! };
}
/** The message parseScenario throws, or 'OK'. */
const err = (steps: unknown[], o: PlayOpts = {}): string => {
  try { parseScenario(doc(steps, o), F); return 'OK'; } catch (e) { return (e as Error).message; }
};
const frames = (steps: unknown[], o: PlayOpts = {}) => parseScenario(doc(steps, o), F).steps.map(stepFrameName);
const TS = 'toolstack';
const CREATE = { actor: TS, op: 'xc_domain_create', domid: 1, vcpus: 1 };
const BUILD = { actor: TS, op: 'xc_hvm_build', domid: 1 };
const UNPAUSE = { actor: TS, op: 'xc_domain_unpause', domid: 1 };
const BOOT = [CREATE, BUILD, UNPAUSE];
const INIT = { actor: 'qemu', op: 'xen_hvm_init' };

describe("ops: the actor's own checks (actorBlocked)", () => {
  it("a vcpu step: its domain missing, the vcpu missing, the domain dying or destroyed, paused, crashed", () => {
    assert.equal(play([{ actor: 'd1v0', op: 'pio_read', port: 1, size: 1 }]).last, 'd1 does not exist');
    assert.equal(play([CREATE, { actor: 'd1v1', op: 'pio_read', port: 1, size: 1 }]).last, 'd1 has no vcpu 1');
    assert.equal(play([CREATE, { actor: 'd1v0', op: 'pio_read', port: 1, size: 1 }]).last, 'd1 is paused (pause count 1)');
  });
});

describe("ops: the debugger's name for each step's frame (the op's title)", () => {
  it('seed: params by the toolstack, a device model and a vcpu; event channels; faults; the p2m; misbehaviour; string I/O', () => {
    const V = 'd1v0';
    assert.deepEqual(frames([
      { actor: TS, op: 'hvmop_set_param', domid: 1, param: 'IOREQ_PFN', value: 16 },
      { actor: 'qemu', op: 'hvmop_get_param', param: 'BUFIOREQ_PFN' },
      { actor: 'qemu', op: 'hvmop_get_param', domid: 2, param: 'HVM_PARAM_STORE_PFN' },
      { actor: V, op: 'hvmop_get_param', param: 'IOREQ_PFN' },
      { actor: TS, op: 'evtchn_alloc_unbound', domid: 1, remote: 0 },
      { actor: TS, op: 'inject_fault', kind: 'xzalloc' },
      { actor: TS, op: 'inject_fault', kind: 'evtchn', nth: 3 },
      { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', pagedOut: true },
      { actor: 'qemu', op: 'xc_map_foreign_range', page: 'bufioreq' },
      { actor: 'qemu', op: 'write_state', vcpu: 0, state: 9 },
      { actor: 'qemu', op: 'write_bytes', page: 'ioreq', offset: 31, bytes: 'abcd' },
      { actor: 'qemu', op: 'evtchn_send', port: 3 },
      { actor: 'qemu', op: 'evtchn_close', port: 4 },
      { actor: V, op: 'rep_outs', port: '0x3f8', size: 2, count: 3, gpa: '0x1000' },
      { actor: V, op: 'rep_ins', port: 1016, size: 1, count: 1, gpa: 0 },
      { actor: V, op: 'rep_movs', src: '0x1000', dst: '0xa0000', size: 4, count: 2 },
      { actor: V, op: 'write_guest_memory', gpa: '0x2000', bytes: '0102' },
      { actor: V, op: 'read_guest_memory', gpa: '0x2abc', size: 4 },
      { actor: V, op: 'misbehave_buffered_send', addr: '0xa0010', size: 1, value: 1 },
      { actor: V, op: 'sched_shutdown', reason: 'reboot' },
      { actor: V, op: 'sched_shutdown', reason: 4 },
      { actor: TS, op: 'xc_domain_shutdown', domid: 1, reason: 'crash' },
      { actor: 'qemu', op: 'xc_domain_shutdown', reason: 0 },
      { actor: TS, op: 'xen_domctl_destroydomain', domid: 1 },
      { actor: TS, op: 'xc_domain_set_target', domid: 2, target: 1 },
      { actor: TS, op: 'xen_domctl_resumedomain', domid: 1 },
      { actor: V, op: 'pio_read', port: 1, size: 1 },
    ]), [
      'step 0: HVMOP_set_param(d1, HVM_PARAM_IOREQ_PFN, 0x10)',
      'step 1: HVMOP_get_param(target, HVM_PARAM_BUFIOREQ_PFN)',
      'step 2: HVMOP_get_param(d2, HVM_PARAM_STORE_PFN)',
      'step 3: HVMOP_get_param(DOMID_SELF, HVM_PARAM_IOREQ_PFN)',
      'step 4: EVTCHNOP_alloc_unbound(d1, remote d0)',
      'step 5: fault: fail xzalloc allocation #0 from now',
      'step 6: fault: fail evtchn allocation #3 from now',
      'step 7: p2m: d1 pfn 0xfeff9',
      'step 8: xc_map_foreign_range(bufioreq page)',
      "step 9: misbehave: vcpu 0's slot state = 9",
      'step 10: misbehave: write 2 byte(s) at ioreq page +0x1f',
      'step 11: EVTCHNOP_send(port 3)',
      'step 12: EVTCHNOP_close(port 4)',
      'step 13: REP OUTS 3 x 2 byte(s) to port 0x3f8',
      'step 14: REP INS 1 x 1 byte(s) from port 0x3f8',
      'step 15: REP MOVS 2 x 4 byte(s) 0x1000 -> 0xa0000',
      'step 16: guest store of 2 byte(s) at 0x2000',
      'step 17: guest load of 4 byte(s) at 0x2abc',
      'step 18: misbehave: MMIO write 0xa0010 forced onto the buffered ring',
      'step 19: SCHEDOP_shutdown(SHUTDOWN_reboot)',
      'step 20: SCHEDOP_shutdown(SHUTDOWN_watchdog)',
      'step 21: SCHEDOP_remote_shutdown(d1, SHUTDOWN_crash)',
      'step 22: SCHEDOP_remote_shutdown(target, SHUTDOWN_poweroff)',
      'step 23: XEN_DOMCTL_destroydomain(d1)',
      'step 24: XEN_DOMCTL_set_target(d2, target d1)',
      'step 25: XEN_DOMCTL_resumedomain(d1)',
      'step 26: pio_read',
    ]);
  });

  it("an unnamed param's number stands for its name", () => {
    assert.deepEqual(frames([{ actor: TS, op: 'hvmop_get_param', domid: 1, param: 200 }]), ['step 0: HVMOP_get_param(d1, HVM_PARAM_200)']);
  });

  it("4.5: the ioreq-server HVMOPs name the server ('own' for a device model's), the range and the state", () => {
    const Q = 'qemu';
    assert.deepEqual(frames([
      { actor: Q, op: 'hvmop_create_ioreq_server' },
      { actor: TS, op: 'hvmop_create_ioreq_server', domid: 1, handle_bufioreq: 0 },
      { actor: Q, op: 'hvmop_get_ioreq_server_info' },
      { actor: TS, op: 'hvmop_get_ioreq_server_info', domid: 1, id: 2 },
      { actor: Q, op: 'hvmop_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
      { actor: TS, op: 'hvmop_unmap_io_range_from_ioreq_server', domid: 1, id: 1, type: 'memory', start: 0, end: 4095 },
      { actor: Q, op: 'hvmop_set_ioreq_server_state', enabled: true },
      { actor: TS, op: 'hvmop_set_ioreq_server_state', domid: 1, id: 3, enabled: false },
      { actor: Q, op: 'hvmop_destroy_ioreq_server' },
      { actor: TS, op: 'hvmop_destroy_ioreq_server', domid: 1, id: 4 },
      { actor: Q, op: 'xen_hvm_init_ioreq_server' },
    ], { profile: '4.5' }), [
      'step 0: HVMOP_create_ioreq_server(target, handle_bufioreq 1)',
      'step 1: HVMOP_create_ioreq_server(d1, handle_bufioreq 0)',
      'step 2: HVMOP_get_ioreq_server_info(id own)',
      'step 3: HVMOP_get_ioreq_server_info(id 2)',
      'step 4: HVMOP_map_io_range_to_ioreq_server(id own, port 0x3f8-0x3ff)',
      'step 5: HVMOP_unmap_io_range_from_ioreq_server(id 1, memory 0x0-0xfff)',
      'step 6: HVMOP_set_ioreq_server_state(id own, enabled)',
      'step 7: HVMOP_set_ioreq_server_state(id 3, disabled)',
      'step 8: HVMOP_destroy_ioreq_server(id own)',
      'step 9: HVMOP_destroy_ioreq_server(id 4)',
      'step 10: xen_hvm_init (QEMU with its own ioreq server)',
    ]);
  });

  it('4.21: the DMOPs, the start-ups, the raw dm_op, the resource map, an exit, the guest ops', () => {
    const Q = 'qemu', V = 'd1v0';
    const dms = [{ name: 'qemu', domid: 0, target: 1 }, { name: 'vio', domid: 0, target: 1, kind: 'virtio' }, { name: 'k', domid: 0, target: 1, kind: 'ioeventfd' }];
    assert.deepEqual(frames([
      { actor: Q, op: 'xen_register_ioreq' },
      { actor: Q, op: 'xen_register_ioreq', bufioreq: 'legacy' },
      { actor: 'vio', op: 'virtio_backend_init' },
      { actor: 'vio', op: 'virtio_backend_init', bufioreq: 'atomic' },
      { actor: Q, op: 'xendevicemodel_create_ioreq_server' },
      { actor: Q, op: 'xendevicemodel_create_ioreq_server', bufioreq: 'off', pad: 3 },
      { actor: Q, op: 'xendevicemodel_get_ioreq_server_info' },
      { actor: Q, op: 'xendevicemodel_get_ioreq_server_info', gfns: false },
      { actor: Q, op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'pci', start: 16, end: '0x1f' },
      { actor: Q, op: 'xendevicemodel_unmap_io_range_from_ioreq_server', type: 'port', start: 1, end: 2 },
      { actor: Q, op: 'xendevicemodel_set_ioreq_server_state', enabled: true },
      { actor: Q, op: 'xendevicemodel_set_ioreq_server_state', enabled: false },
      { actor: Q, op: 'xendevicemodel_destroy_ioreq_server' },
      { actor: Q, op: 'xendevicemodel_map_mem_type_to_ioreq_server', flags: 2 },
      { actor: Q, op: 'xen_dm_op', dmop: 1 },
      { actor: Q, op: 'xen_dm_op', dmop: 30, pad: 2 },
      { actor: Q, op: 'xenforeignmemory_map_resource', frame: 0 },
      { actor: Q, op: 'xenforeignmemory_map_resource', frame: 0, nr: 2 },
      { actor: Q, op: 'dm_exit' },
      { actor: Q, op: 'dm_exit', clean: true },
      { actor: V, op: 'xenmem_decrease_reservation', gfn: '0x1ff' },
      { actor: V, op: 'hvm_io_continue' },
      { actor: V, op: 'wait_for_io' },
      { actor: V, op: 'wait_for_io', reads: 1 },
      { actor: V, op: 'wait_for_io', reads: 3 },
      { actor: 'k', op: 'privcmd_ioeventfd', of: 'vio', addr: '0x2000000' },
      { actor: 'k', op: 'privcmd_ioeventfd', of: 'vio', addr: '0x2000000', ownOnly: true },
      { actor: 'k', op: 'ioeventfd_interrupt', vcpu: 0 },
      { actor: 'k', op: 'ioeventfd_interrupt', vcpu: 1, part: 'inprocess' },
      { actor: Q, op: 'xen_map_ioreq_server' },
    ], { profile: '4.21', dms }), [
      'step 0: xen_register_ioreq(bufioreq atomic)',
      'step 1: xen_register_ioreq(bufioreq legacy)',
      'step 2: virtio_backend_init(bufioreq off)',
      'step 3: virtio_backend_init(bufioreq atomic)',
      'step 4: xendevicemodel_create_ioreq_server(atomic)',
      'step 5: xendevicemodel_create_ioreq_server(off, pad 3)',
      'step 6: xendevicemodel_get_ioreq_server_info(with gfns)',
      'step 7: xendevicemodel_get_ioreq_server_info(XEN_DMOP_no_gfns)',
      'step 8: xendevicemodel_map_io_range_to_ioreq_server(pci 0x10-0x1f)',
      'step 9: xendevicemodel_unmap_io_range_from_ioreq_server(port 0x1-0x2)',
      'step 10: xendevicemodel_set_ioreq_server_state(enabled)',
      'step 11: xendevicemodel_set_ioreq_server_state(disabled)',
      'step 12: xendevicemodel_destroy_ioreq_server',
      'step 13: xendevicemodel_map_mem_type_to_ioreq_server(HVMMEM_ioreq_server, flags 2)',
      'step 14: dm_op(op 1)',
      'step 15: dm_op(op 30, pad 2)',
      'step 16: xenforeignmemory_map_resource(XENMEM_resource_ioreq_server, frame 0, nr 1)',
      'step 17: xenforeignmemory_map_resource(XENMEM_resource_ioreq_server, frame 0, nr 2)',
      'step 18: the device model dies (SIGKILL)',
      'step 19: xen_exit_notifier',
      'step 20: XENMEM_decrease_reservation(gfn 0x1ff)',
      'step 21: hvmemul_do_io after ioreq_send, then handle_pio',
      "step 22: hvm_do_resume up to wait_for_io's next read of the slot state",
      "step 23: hvm_do_resume up to wait_for_io's next read of the slot state",
      "step 24: hvm_do_resume up to wait_for_io's next 3 reads of the slot state",
      'step 25: IOCTL_PRIVCMD_IOEVENTFD(of vio, addr 0x2000000)',
      'step 26: IOCTL_PRIVCMD_IOEVENTFD(of vio, addr 0x2000000, own requests only)',
      'step 27: ioeventfd_interrupt(vcpu 0)',
      'step 28: ioeventfd_interrupt(vcpu 1, inprocess)',
      'step 29: xen_map_ioreq_server',
    ]);
  });
});

/** The located message for one step's parse-time check: `F:line:col: message` where line:col is `"key"` of the step, or the step's `{`. */
function checked(step: Record<string, unknown>, key: string | null, message: string, o: PlayOpts = {}): [string, string] {
  const text = doc([step], o);
  const i = key === null ? text.indexOf('{', text.indexOf('"steps"')) : text.indexOf(`"${key}"`, text.indexOf('"steps"'));
  const before = text.slice(0, i).split('\n');
  return [err([step], o), `${F}:${before.length}:${before[before.length - 1].length + 1}: ${message}`];
}
const V = 'd1v0';

describe("ops: the parse-time checks across arguments, word for word at the argument they blame", () => {
  it("a written value must fit the access size (pio_write, mmio_write, misbehave_buffered_send); the largest that fits passes", () => {
    assert.deepEqual(...checked({ actor: V, op: 'pio_write', port: 1, size: 1, value: 256 }, 'value', "'value' does not fit in 1 byte(s)"));
    assert.deepEqual(...checked({ actor: V, op: 'pio_write', port: 1, size: 2, value: '0x10000' }, 'value', "'value' does not fit in 2 byte(s)"));
    assert.deepEqual(...checked({ actor: V, op: 'mmio_write', addr: 0, size: 4, value: '0x100000000' }, 'value', "'value' does not fit in 4 byte(s)"));
    assert.deepEqual(...checked({ actor: V, op: 'misbehave_buffered_send', addr: 0, size: 1, value: 300 }, 'value', "'value' does not fit in 1 byte(s)"));
    assert.equal(err([{ actor: V, op: 'pio_write', port: 1, size: 1, value: 255 }]), 'OK');
    assert.equal(err([{ actor: V, op: 'pio_write', port: 1, size: 4, value: '0xffffffff' }]), 'OK');
    assert.equal(err([{ actor: V, op: 'mmio_write', addr: 0, size: 8, value: '0xffffffffffffffff' }]), 'OK');
    assert.equal(err([{ actor: V, op: 'misbehave_buffered_send', addr: 0, size: 2, value: 65535 }]), 'OK');
  });

  it("the toolstack names the domain (and for 4.5's server ops the server id); a device model and a vcpu need not", () => {
    for (const op of ['hvmop_set_param', 'hvmop_get_param']) {
      assert.deepEqual(...checked({ actor: TS, op, param: 1, ...(op === 'hvmop_set_param' ? { value: 1 } : {}) }, null, `'${op}' by the toolstack needs 'domid'`));
    }
    assert.deepEqual(...checked({ actor: TS, op: 'xc_domain_shutdown', reason: 'crash' }, null, "'xc_domain_shutdown' by the toolstack needs 'domid'"));
    assert.equal(err([{ actor: 'qemu', op: 'xc_domain_shutdown', reason: 'crash' }, { actor: V, op: 'hvmop_get_param', param: 1 }, { actor: 'qemu', op: 'hvmop_get_param', param: 1 }]), 'OK');
    const P45 = { profile: '4.5' };
    assert.deepEqual(...checked({ actor: TS, op: 'hvmop_create_ioreq_server' }, null, "'hvmop_create_ioreq_server' by the toolstack needs 'domid'", P45));
    for (const op of ['hvmop_get_ioreq_server_info', 'hvmop_destroy_ioreq_server']) {
      assert.deepEqual(...checked({ actor: TS, op, id: 1 }, null, `'${op}' by the toolstack needs 'domid'`, P45));
      assert.deepEqual(...checked({ actor: TS, op, domid: 1 }, null, `'${op}' by the toolstack needs 'id'`, P45));
      assert.equal(err([{ actor: TS, op, domid: 1, id: 1 }, { actor: 'qemu', op }], P45), 'OK');
    }
    assert.deepEqual(...checked({ actor: TS, op: 'hvmop_set_ioreq_server_state', domid: 1, enabled: true }, null, "'hvmop_set_ioreq_server_state' by the toolstack needs 'id'", P45));
    assert.deepEqual(...checked({ actor: TS, op: 'hvmop_map_io_range_to_ioreq_server', domid: 1, type: 'port', start: 1, end: 2 }, null, "'hvmop_map_io_range_to_ioreq_server' by the toolstack needs 'id'", P45));
    assert.deepEqual(...checked({ actor: TS, op: 'hvmop_unmap_io_range_from_ioreq_server', id: 0, type: 'port', start: 1, end: 2 }, null, "'hvmop_unmap_io_range_from_ioreq_server' by the toolstack needs 'domid'", P45));
  });

  it("4.5's range ops keep start and end below 2^53 (the model's numbers)", () => {
    const P45 = { profile: '4.5' };
    const r = (start: string, end: string) => ({ actor: 'qemu', op: 'hvmop_map_io_range_to_ioreq_server', type: 'memory', start, end });
    assert.deepEqual(...checked(r('0x20000000000000', '0x20000000000000'), 'start', "'start' is above 2^53, past what the 4.5 model keeps", P45));
    assert.deepEqual(...checked(r('0', '0x20000000000000'), 'end', "'end' is above 2^53, past what the 4.5 model keeps", P45));
    assert.deepEqual(...checked({ ...r('0x20000000000001', '1'), op: 'hvmop_unmap_io_range_from_ioreq_server' }, 'start', "'start' is above 2^53, past what the 4.5 model keeps", P45));
    assert.equal(err([r('0x1fffffffffffff', '0x1fffffffffffff')], P45), 'OK');
  });

  it("holdAfterSend is 4.21's (x86): refused elsewhere on pio_read and pio_write", () => {
    const msg = "'holdAfterSend' is for the 4.21 profile (x86 hvmemul_do_io)";
    assert.deepEqual(...checked({ actor: V, op: 'pio_read', port: 1, size: 1, holdAfterSend: true }, 'holdAfterSend', msg));
    assert.deepEqual(...checked({ actor: V, op: 'pio_write', port: 1, size: 1, value: 1, holdAfterSend: false }, 'holdAfterSend', msg, { profile: '4.5' }));
    assert.equal(err([{ actor: V, op: 'pio_read', port: 1, size: 1, holdAfterSend: true }, { actor: V, op: 'pio_write', port: 1, size: 1, value: 1, holdAfterSend: true }], { profile: '4.21' }), 'OK');
    // The size check comes first on a write.
    assert.deepEqual(...checked({ actor: V, op: 'pio_write', port: 1, size: 1, value: 256, holdAfterSend: true }, 'value', "'value' does not fit in 1 byte(s)"));
  });

  it("evtchn_bind_interdomain takes a vcpu or buffered: true, not both, not neither", () => {
    const msg = "'evtchn_bind_interdomain' needs either 'vcpu' or 'buffered': true";
    assert.deepEqual(...checked({ actor: 'qemu', op: 'evtchn_bind_interdomain' }, null, msg));
    assert.deepEqual(...checked({ actor: 'qemu', op: 'evtchn_bind_interdomain', buffered: false }, null, msg));
    assert.deepEqual(...checked({ actor: 'qemu', op: 'evtchn_bind_interdomain', vcpu: 0, buffered: true }, null, msg));
    assert.equal(err([{ actor: 'qemu', op: 'evtchn_bind_interdomain', vcpu: 0 }, { actor: 'qemu', op: 'evtchn_bind_interdomain', vcpu: 1, buffered: false }, { actor: 'qemu', op: 'evtchn_bind_interdomain', buffered: true }]), 'OK');
  });

  it('write_bytes stays inside the page: the last byte at 4095 passes, one more runs past', () => {
    assert.deepEqual(...checked({ actor: 'qemu', op: 'write_bytes', page: 'ioreq', offset: 4095, bytes: 'abcd' }, 'bytes', "'bytes' run past the end of the page: offset 4095 + 2 byte(s) > 4096"));
    assert.deepEqual(...checked({ actor: 'qemu', op: 'write_bytes', page: 'bufioreq', offset: 0, bytes: '00'.repeat(4097) }, 'bytes', "'bytes' run past the end of the page: offset 0 + 4097 byte(s) > 4096"));
    assert.equal(err([{ actor: 'qemu', op: 'write_bytes', page: 'ioreq', offset: 4094, bytes: 'abcd' }, { actor: 'qemu', op: 'write_bytes', page: 'ioreq', offset: 0, bytes: '00'.repeat(4096) }]), 'OK');
  });

  it("xen_dm_op refuses the DMOPs the model does not have (7-19), and takes 1-6, 20 and unknown numbers", () => {
    const P = { profile: '4.21' };
    for (const n of [7, 12, 15, 19]) assert.deepEqual(...checked({ actor: 'qemu', op: 'xen_dm_op', dmop: n }, 'dmop', `DMOP ${n} is not modelled (the model has 1-6, 20 and unknown numbers; 15 has its own op)`, P));
    assert.equal(err([1, 6, 20, 21, 0, 65535].map((dmop) => ({ actor: 'qemu', op: 'xen_dm_op', dmop })), P), 'OK');
  });

  it('xenforeignmemory_map_resource: frame 1 with nr 2 runs past the two frames; frame 0 with nr 2 and frame 1 alone do not', () => {
    const P = { profile: '4.21' };
    assert.deepEqual(...checked({ actor: 'qemu', op: 'xenforeignmemory_map_resource', frame: 1, nr: 2 }, 'nr', 'an ioreq server has two frames (0: buffered, 1: ioreq): frame 1 with nr 2 runs past them', P));
    assert.equal(err([{ actor: 'qemu', op: 'xenforeignmemory_map_resource', frame: 0, nr: 2 }, { actor: 'qemu', op: 'xenforeignmemory_map_resource', frame: 1 }, { actor: 'qemu', op: 'xenforeignmemory_map_resource', frame: 1, nr: 1 }], P), 'OK');
  });

  it("privcmd_ioeventfd's 'of' names another device model of the file, a process (not a kernel ioeventfd)", () => {
    const k = { name: 'k', domid: 0, target: 1, kind: 'ioeventfd' };
    const vio = { name: 'vio', domid: 0, target: 1, kind: 'virtio' };
    const q = { name: 'q', domid: 0, target: 1 };
    const step = (of: string) => ({ actor: 'k', op: 'privcmd_ioeventfd', of, addr: 0 });
    const P = (dms: unknown[]) => ({ profile: '4.21-arm', dms });
    assert.deepEqual(...checked(step('nobody'), 'of', "'of' must name another device model of the file (vio, q)", P([vio, k, q])));
    assert.deepEqual(...checked(step('k'), 'of', "'of' must name another device model of the file (vio)", P([k, vio])));
    assert.deepEqual(...checked(step('k'), 'of', "'of' must name another device model of the file (there is none)", P([k])));
    assert.deepEqual(...checked(step('k2'), 'of', "'of' names a kernel ioeventfd, not a device model process with its own page and ports", P([k, { ...k, name: 'k2' }])));
    assert.equal(err([step('vio'), step('q')], P([k, vio, q])), 'OK');
  });
});

const Q = 'qemu';
const SEED = [CREATE, BUILD, INIT, UNPAUSE];
const PR = { actor: V, op: 'pio_read', port: 1, size: 1 };
const B21 = [CREATE, BUILD, { actor: Q, op: 'xen_register_ioreq' }, { actor: Q, op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' }, UNPAUSE];
const P421 = { profile: '4.21' };

describe("ops: the actor's own checks (actorBlocked), word for word", () => {
  it('a vcpu whose domain is dying (a preempted destroydomain) or destroyed', () => {
    assert.deepEqual(play([CREATE, BUILD, UNPAUSE, { actor: TS, op: 'xen_domctl_destroydomain', domid: 1, preempt: true }, PR]).out.slice(3), [{ rc: -11 }, 'd1 is dying']);
    assert.deepEqual(play([CREATE, BUILD, UNPAUSE, { actor: TS, op: 'xc_domain_destroy', domid: 1 }, PR, BUILD]).out.slice(3), [{ rc: 0 }, 'd1 is destroyed', 'domain d1 has been destroyed']);
  });

  it("a vcpu paused for its domain's shutdown, a blocked one, one with an I/O in flight; ops that may run with one", () => {
    const shut = play([CREATE, BUILD, UNPAUSE, { actor: V, op: 'sched_shutdown', reason: 'reboot' }, PR]);
    assert.equal(shut.last, "d1v0 is paused for d1's shutdown (SHUTDOWN_reboot): it no longer runs");
    const blocked = play([...SEED, { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, PR, { actor: V, op: 'hvm_do_resume' }]);
    assert.deepEqual(blocked.out.slice(5), ['d1v0 is blocked in Xen until its ioreq port is notified', 'd1v0 is blocked in Xen until its ioreq port is notified']);
    const inFlight = play([...SEED, { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, PR,
      { actor: V, op: 'hvmop_get_param', param: 'IOREQ_PFN' }, { actor: V, op: 'hvm_do_resume' }, PR]);
    assert.deepEqual(inFlight.out.slice(6), ['d1v0 has an I/O in flight (HVMIO_dispatched): it re-enters the guest through hvm_do_resume first',
      { rc: 0, value: 0xfeff9n }, { rc: 0, value: 0n }, { rc: 3 }]);
  });

  it("a crashed domain's vcpus no longer run, but a wait_for_io slice runs and does nothing (rc 2)", () => {
    const r = play([...B21, { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, { actor: Q, op: 'write_state', vcpu: 0, state: 9 },
      { actor: Q, op: 'evtchn_send', port: 1 }, { actor: V, op: 'hvm_do_resume' }, { actor: V, op: 'wait_for_io' }, PR], P421);
    assert.deepEqual(r.out.slice(8), [{ rc: 2, value: 1n }, { rc: 2 }, 'd1 has crashed (Weird HVM iorequest state 9); its vcpus no longer run']);
  });

  it("hvm_io_continue runs in Xen: a vcpu blocked there goes on; without a held access it cannot", () => {
    const r = play([...B21, { actor: V, op: 'hvm_io_continue' }, { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1, holdAfterSend: true },
      PR, { actor: V, op: 'hvm_io_continue' }, { actor: V, op: 'hvm_io_continue' }], P421);
    const none = 'the vcpu has no port access held after ioreq_send (pio_read / pio_write with holdAfterSend first)';
    assert.deepEqual(r.out.slice(5), [none, { rc: 1 }, 'd1v0 is blocked in Xen until its ioreq port is notified', { rc: 1 }, none]);
  });

  it("a device model's domain must exist and be live; its target too, unless the hypercall looks the domain up itself (-ESRCH)", () => {
    const noDom = play([CREATE, { actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' }], { dms: [{ name: 'qemu', domid: 2, target: 1 }] });
    assert.equal(noDom.last, "the device model's domain d2 does not exist");
    const noTarget = play([{ actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' }, INIT, { actor: Q, op: 'xc_domain_shutdown', reason: 'crash' }, { actor: Q, op: 'destroy_hvm_domain' }]);
    assert.deepEqual(noTarget.out, [{ rc: -3, value: undefined }, 'target domain d1 does not exist', { rc: -3 }, { rc: -3 }]);
    const gone = play([CREATE, BUILD, { actor: TS, op: 'xc_domain_destroy', domid: 1 }, { actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' }, INIT]);
    assert.deepEqual(gone.out.slice(3), [{ rc: -3, value: undefined }, 'target domain d1 has been destroyed']);
    const deadDmDom = play([CREATE, { actor: TS, op: 'xc_domain_create', domid: 2, vcpus: 1 }, { actor: TS, op: 'xc_domain_destroy', domid: 2 }, INIT], { dms: [{ name: 'qemu', domid: 2, target: 1 }] });
    assert.equal(deadDmDom.last, "the device model's domain d2 has been destroyed");
  });

  it('the toolstack is never blocked as an actor: only by the domain its op names', () => {
    assert.deepEqual(play([BUILD, { actor: TS, op: 'inject_fault', kind: 'map' }, CREATE, CREATE, UNPAUSE, BUILD, UNPAUSE, UNPAUSE]).out,
      ['domain d1 does not exist', { rc: 0 }, { rc: 0 }, 'd1 already exists', { rc: 0 }, { rc: 0 }, 'd1 is not paused', 'd1 is not paused']);
  });
});

describe("ops: each op's own enabling rule, word for word", () => {
  it("seed's device model: nothing learnt, nothing mapped, no such port", () => {
    assert.deepEqual(play([CREATE, BUILD,
      { actor: Q, op: 'xc_map_foreign_range', page: 'ioreq' }, { actor: Q, op: 'xc_map_foreign_range', page: 'bufioreq' },
      { actor: Q, op: 'evtchn_bind_interdomain', vcpu: 0 }, { actor: Q, op: 'evtchn_bind_interdomain', buffered: true },
      { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: Q, op: 'handle_buffered_iopage' }, { actor: Q, op: 'write_state', vcpu: 0, state: 1 },
      { actor: Q, op: 'write_bytes', page: 'ioreq', offset: 0, bytes: '00' }, { actor: Q, op: 'write_bytes', page: 'bufioreq', offset: 0, bytes: '00' },
      { actor: Q, op: 'evtchn_send', port: 7 }, { actor: Q, op: 'evtchn_close', port: 7 },
      { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 }, { actor: Q, op: 'handle_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 0 },
    ]).out.slice(2), [
      'the device model has not read IOREQ_PFN yet', 'the device model has not read BUFIOREQ_PFN yet',
      'the ioreq page is not mapped (vp_eport is read from it)', 'the device model has not read BUFIOREQ_EVTCHN yet',
      'the ioreq page is not mapped', 'the buffered page is not mapped', 'the ioreq page is not mapped',
      'the ioreq page is not mapped', 'the bufioreq page is not mapped', 'd0 has no port 7', 'd0 has no port 7',
      'the ioreq page is not mapped', "the device model has not taken vcpu 0's request (cpu_get_ioreq first)", "the device model has not handled vcpu 0's request (handle_ioreq first)",
    ]);
  });

  it("cpu_handle_ioreq and cpu_get_ioreq: a port bound, pending, the slot READY; wake 'event' serves on the event alone", () => {
    assert.deepEqual(play([CREATE, BUILD,
      { actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' }, { actor: Q, op: 'xc_map_foreign_range', page: 'bufioreq' }, { actor: Q, op: 'xc_map_foreign_range', page: 'ioreq' },
      { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 }, { actor: Q, op: 'evtchn_bind_interdomain', vcpu: 0 },
      { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0, wake: 'event' }, { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 }, UNPAUSE,
      { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, { actor: Q, op: 'write_state', vcpu: 0, state: 5 },
      { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0, wake: 'event' },
    ]).out.slice(2), [
      { rc: 0, value: 0xfeff9n }, 'the device model has not read BUFIOREQ_PFN yet', { rc: 0 },
      'the device model has no port bound for vcpu 0', 'the device model has no port bound for vcpu 0', { rc: 0, value: 1n },
      "vcpu 0's slot is STATE_IOREQ_NONE, not STATE_IOREQ_READY: nothing to serve yet", { rc: 0, value: 0n },
      'port 1 (vcpu 0) is not pending: no request has been signalled', { rc: 0 }, { rc: 0 }, { rc: 0 },
      "vcpu 0's slot is state 5, not STATE_IOREQ_READY: nothing to serve yet", "vcpu 0's slot is state 5, not STATE_IOREQ_READY: nothing to serve yet", { rc: 0, value: 0n },
    ]);
  });

  it("QEMU's split service follows one vcpu: take, handle (a read's data), answer; another vcpu waits its turn", () => {
    const r = play([...SEED, { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }, { actor: Q, op: 'handle_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 },
      { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 0 }, { actor: Q, op: 'handle_ioreq', vcpu: 1 }, { actor: Q, op: 'handle_ioreq', vcpu: 0, data: 66 },
      { actor: Q, op: 'handle_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 1 }, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 0 }, { actor: V, op: 'hvm_do_resume' }]);
    assert.deepEqual(r.out.slice(4), [{ rc: 3 }, "the device model has not taken vcpu 0's request (cpu_get_ioreq first)", { rc: 0, value: 1n },
      'port 1 (vcpu 0) is not pending: no request has been signalled', "the device model has not handled vcpu 0's request (handle_ioreq first)",
      "the device model has not taken vcpu 1's request (cpu_get_ioreq first)", { rc: 0 }, "the device model has not taken vcpu 0's request (cpu_get_ioreq first)",
      "the device model has not handled vcpu 1's request (handle_ioreq first)", { rc: 0, value: 1n }, { rc: 0, value: 0x42n }]);
  });

  it('cpu_get_ioreq waits while the device model serves another vcpu', () => {
    const two = [{ ...CREATE, vcpus: 2 }, BUILD, INIT, UNPAUSE];
    const r = play([...two, { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }, { actor: 'd1v1', op: 'pio_read', port: '0x3f8', size: 1 },
      { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_get_ioreq', vcpu: 1 }]);
    assert.deepEqual(r.out.slice(6), [{ rc: 0, value: 1n }, 'the device model is still serving vcpu 0']);
  });
});

describe("ops: what each call does to the model and the step's result", () => {
  it("the guest's own stores and loads: little-endian across a page boundary, -EFAULT in the VGA hole (0xa0000-0xbffff) after the bytes before it", () => {
    const r = play([CREATE, BUILD, UNPAUSE, { actor: V, op: 'write_guest_memory', gpa: '0x1ffe', bytes: '0102a0ff' }, { actor: V, op: 'read_guest_memory', gpa: '0x1ffe', size: 4 },
      { actor: V, op: 'read_guest_memory', gpa: '0x1fff', size: 2 }, { actor: V, op: 'write_guest_memory', gpa: '0x9ffff', bytes: '0102' }, { actor: V, op: 'read_guest_memory', gpa: '0x9ffff', size: 1 },
      { actor: V, op: 'read_guest_memory', gpa: '0x9ffff', size: 2 }, { actor: V, op: 'read_guest_memory', gpa: '0xc0000', size: 1 }, { actor: V, op: 'write_guest_memory', gpa: '0xbffff', bytes: '01' },
      { actor: V, op: 'write_guest_memory', gpa: '0xc0000', bytes: '01' }, { actor: V, op: 'read_guest_memory', gpa: '0xc0000', size: 8 }]);
    assert.deepEqual(r.out.slice(3), [{ rc: 0 }, { rc: 0, value: 0xffa00201n }, { rc: 0, value: 0xa002n }, { rc: -14 }, { rc: 0, value: 1n },
      { rc: -14, value: undefined }, { rc: 0, value: 0n }, { rc: -14 }, { rc: 0 }, { rc: 0, value: 1n }]);
    assert.equal(r.d1().page(2)!.data().getUint8(0), 0xa0);
    assert.equal(r.d1().page(1)!.data().getUint8(0xfff), 0x02);
  });

  it('set_page: the p2m flags of a frame, its removal into a hole; -EINVAL for a frame with no page', () => {
    const r = play([CREATE, BUILD, { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', pagedOut: true, shared: true, notWritable: true }]);
    const pg = r.d1().page(0xfeff9)!;
    assert.deepEqual([r.last, pg.paged_out, pg.shared, pg.not_writable], [{ rc: 0 }, true, true, true]);
    const r2 = play([CREATE, BUILD, { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', pagedOut: true, shared: true, notWritable: true },
      { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', shared: false }]);
    const pg2 = r2.d1().page(0xfeff9)!;
    assert.deepEqual([pg2.paged_out, pg2.shared, pg2.not_writable], [true, false, true], 'an absent flag is left as it is');
    const gone = play([CREATE, BUILD, { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', remove: true }, { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', remove: true },
      { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', shared: false }]);
    assert.deepEqual(gone.out.slice(2), [{ rc: 0 }, { rc: -22 }, { rc: -22 }]);
    assert.deepEqual([gone.d1().page(0xfeff9), gone.d1().physmap.has(0xfeff9), gone.d1().holes.has(0xfeff9)], [null, false, true]);
  });

  it('evtchn_alloc_unbound gives the port as the value; xc_domain_set_target needs an existing target (-ESRCH) and sets it', () => {
    const r = play([CREATE, BUILD, { actor: TS, op: 'evtchn_alloc_unbound', domid: 1, remote: 0 }, { actor: TS, op: 'evtchn_alloc_unbound', domid: 1, remote: 0 },
      { actor: TS, op: 'xc_domain_set_target', domid: 0, target: 5 }, { actor: TS, op: 'xc_domain_set_target', domid: 0, target: 1 }]);
    assert.deepEqual(r.out.slice(2), [{ rc: 0, value: 3n }, { rc: 0, value: 4n }, { rc: -3 }, { rc: 0 }]);
    assert.equal(r.d1().evtchn.ports[3].remote_domid, 0);
    assert.equal(r.s.m.x.domains.get(0)!.target, 1);
    const dying = play([CREATE, BUILD, UNPAUSE, { actor: TS, op: 'xen_domctl_destroydomain', domid: 1, preempt: true }, { actor: TS, op: 'evtchn_alloc_unbound', domid: 1, remote: 0 }]);
    assert.deepEqual(dying.last, { rc: -22, value: undefined });
  });

  it("inject_fault plans the nth next allocation of its kind to fail (default: the next)", () => {
    assert.deepEqual({ ...play([{ actor: TS, op: 'inject_fault', kind: 'map' }]).s.m.x.faults }, { xzalloc: -1, map: 0, evtchn: -1 });
    assert.deepEqual({ ...play([{ actor: TS, op: 'inject_fault', kind: 'xzalloc', nth: 2 }]).s.m.x.faults }, { xzalloc: 2, map: -1, evtchn: -1 });
  });

  it("params: a get's value only when it succeeds; by a vcpu its own domain; by a device model its target", () => {
    const r = play([CREATE, BUILD, { actor: TS, op: 'hvmop_set_param', domid: 1, param: 'ACPI_S_STATE', value: 0 }, { actor: TS, op: 'hvmop_get_param', domid: 1, param: 'STORE_PFN' },
      { actor: TS, op: 'hvmop_get_param', domid: 1, param: 99 }, { actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' }, { actor: Q, op: 'hvmop_set_param', param: 'STORE_PFN', value: 5 },
      { actor: Q, op: 'hvmop_get_param', param: 'STORE_PFN' }, UNPAUSE, { actor: V, op: 'hvmop_get_param', param: 'STORE_PFN' }, { actor: V, op: 'hvmop_set_param', param: 'STORE_PFN', value: 6 },
      { actor: TS, op: 'hvmop_get_param', domid: 1, param: 'STORE_PFN' }]);
    assert.deepEqual(r.out.slice(2), [{ rc: 0, value: undefined }, { rc: 0, value: 0xfeffcn }, { rc: -22, value: undefined }, { rc: 0, value: 0xfeff9n }, { rc: 0, value: undefined },
      { rc: 0, value: 5n }, { rc: 0 }, { rc: 0, value: 5n }, { rc: 0, value: undefined }, { rc: 0, value: 6n }]);
    assert.equal(r.s.m.dms.get(Q)!.ioreq_pfn, 0xfeff9, "a device model's get records what it learnt");
  });

  it('xc_hvm_build: 128 MiB of RAM unless memMb says; alloc_vcpu brings up the vcpu named', () => {
    const dflt = play([CREATE, BUILD]), small = play([CREATE, { ...BUILD, memMb: 2 }]);
    assert.deepEqual([128 * 256 - 1, 128 * 256].map((p) => !!dflt.d1().page(p)), [true, false], 'RAM ends at 128 MiB');
    assert.deepEqual([2 * 256 - 1, 2 * 256].map((p) => !!small.d1().page(p)), [true, false], 'RAM ends at 2 MiB');
    const v = play([CREATE, BUILD, { actor: TS, op: 'alloc_vcpu', domid: 1, vcpu: 1 }]);
    assert.equal(v.d1().vcpu.length, 2);
  });
});

describe("ops: the 4.5 and 4.21 ioreq-server calls and what the device model keeps", () => {
  it("4.5: a device model's server ops default to its first server; the toolstack names domid and id; the results' values", () => {
    const r = play([CREATE, BUILD,
      { actor: Q, op: 'hvmop_get_ioreq_server_info' }, { actor: TS, op: 'hvmop_get_ioreq_server_info', domid: 5, id: 0 },
      { actor: Q, op: 'hvmop_create_ioreq_server' }, { actor: Q, op: 'hvmop_create_ioreq_server', handle_bufioreq: 0 },
      { actor: Q, op: 'hvmop_get_ioreq_server_info' }, { actor: Q, op: 'hvmop_get_ioreq_server_info', id: 2 },
      { actor: TS, op: 'hvmop_create_ioreq_server', domid: 1 }, { actor: TS, op: 'hvmop_get_ioreq_server_info', domid: 1, id: 3 },
      { actor: Q, op: 'hvmop_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
      { actor: Q, op: 'hvmop_map_io_range_to_ioreq_server', id: 2, type: 'pci', start: 8, end: 8 },
      { actor: Q, op: 'hvmop_unmap_io_range_from_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
      { actor: Q, op: 'hvmop_unmap_io_range_from_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
      { actor: Q, op: 'hvmop_set_ioreq_server_state', enabled: true },
      { actor: Q, op: 'hvmop_destroy_ioreq_server', id: 2 }, { actor: Q, op: 'hvmop_destroy_ioreq_server', id: 2 },
      { actor: TS, op: 'hvmop_create_ioreq_server', domid: 7 },
    ], { profile: '4.5' });
    assert.deepEqual(r.out.slice(2), ["the device model has no server yet (create one first, or give 'id')", 'domain d5 does not exist',
      { rc: 0, value: 1n }, { rc: 0, value: 2n }, { rc: 0, value: 0xfeff0n }, { rc: 0, value: 0xfeff2n }, { rc: 0, value: 3n }, { rc: 0, value: 0xfeff3n },
      { rc: 0 }, { rc: 0 }, { rc: 0 }, { rc: -2 }, { rc: 0 }, { rc: 0 }, { rc: -2 }, 'domain d7 does not exist']);
    const dm = r.s.m.dms.get(Q)!;
    // The first server stays the device model's; the last get_info's answer is what it keeps (server 2: no buffering).
    assert.deepEqual([dm.ioservid, dm.ioreq_pfn, dm.bufioreq_pfn, dm.bufioreq_remote_port], [1, 0xfeff2, 0, 0]);
    const info = play([CREATE, BUILD, { actor: Q, op: 'hvmop_create_ioreq_server' }, { actor: Q, op: 'hvmop_get_ioreq_server_info' }], { profile: '4.5' }).s.m.dms.get(Q)!;
    assert.deepEqual([info.ioreq_pfn, info.bufioreq_pfn, info.bufioreq_remote_port > 0], [0xfeff0, 0xfeff1, true]);
  });

  it("4.5: a stub-domain device model calls as its own domain: -EPERM until the toolstack makes it the target's device-model domain", () => {
    const r = play([CREATE, BUILD, { actor: TS, op: 'xc_domain_create', domid: 2, vcpus: 1 }, { actor: Q, op: 'hvmop_create_ioreq_server' },
      { actor: TS, op: 'xc_domain_set_target', domid: 2, target: 1 }, { actor: Q, op: 'hvmop_create_ioreq_server' }, { actor: Q, op: 'hvmop_get_ioreq_server_info' }],
    { profile: '4.5', dms: [{ name: 'qemu', domid: 2, target: 1 }] });
    assert.deepEqual(r.out.slice(3), [{ rc: -1, value: undefined }, { rc: 0 }, { rc: 0, value: 1n }, { rc: 0, value: 0xfeff0n }]);
    assert.equal(r.s.m.dms.get(Q)!.ioservid, 1, 'a failed create leaves the device model without a server');
    const seed = play([CREATE, BUILD, { actor: TS, op: 'xc_domain_create', domid: 2, vcpus: 1 }, { actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' },
      { actor: Q, op: 'xc_domain_shutdown', reason: 'crash' }, { actor: TS, op: 'xc_domain_set_target', domid: 2, target: 1 }, { actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' }],
    { dms: [{ name: 'qemu', domid: 2, target: 1 }] });
    assert.deepEqual(seed.out.slice(3), [{ rc: -1, value: undefined }, { rc: -1 }, { rc: 0 }, { rc: 0, value: 0xfeff9n }]);
  });

  it('4.21: no server yet, create (pad: the raw DMOP, -EINVAL), get_info with and without gfns, ranges, DMOPs raw, state, destroy, exit', () => {
    const r = play([CREATE, BUILD,
      { actor: Q, op: 'xendevicemodel_get_ioreq_server_info' }, { actor: Q, op: 'xendevicemodel_destroy_ioreq_server' }, { actor: Q, op: 'xenforeignmemory_map_resource', frame: 0 },
      { actor: Q, op: 'xendevicemodel_create_ioreq_server', pad: 1 }, { actor: Q, op: 'xendevicemodel_create_ioreq_server', bufioreq: 'legacy' }, { actor: Q, op: 'xendevicemodel_create_ioreq_server' },
      { actor: Q, op: 'xendevicemodel_get_ioreq_server_info', gfns: false }, { actor: Q, op: 'xendevicemodel_get_ioreq_server_info' },
      { actor: Q, op: 'xenforeignmemory_map_resource', frame: 0, nr: 2 }, { actor: Q, op: 'xc_map_foreign_range', page: 'ioreq' },
      { actor: Q, op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: 16, end: 15 },
      { actor: Q, op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: 16, end: 17 },
      { actor: Q, op: 'xendevicemodel_unmap_io_range_from_ioreq_server', type: 'port', start: 16, end: 17 },
      { actor: Q, op: 'xendevicemodel_unmap_io_range_from_ioreq_server', type: 'port', start: 16, end: 17 },
      { actor: Q, op: 'xendevicemodel_map_mem_type_to_ioreq_server', flags: 2 },
      { actor: Q, op: 'xen_dm_op', dmop: 99 }, { actor: Q, op: 'xen_dm_op', dmop: 5, pad: 1 }, { actor: Q, op: 'xen_dm_op', dmop: 5, enabled: true }, { actor: Q, op: 'xen_dm_op', dmop: 5, id: 3 },
      { actor: Q, op: 'xendevicemodel_set_ioreq_server_state', enabled: true }, { actor: Q, op: 'xendevicemodel_destroy_ioreq_server' },
      { actor: Q, op: 'dm_exit' }, { actor: Q, op: 'dm_exit' }, { actor: Q, op: 'xen_register_ioreq' }, { actor: Q, op: 'xen_dm_op', dmop: 1 }, { actor: Q, op: 'xendevicemodel_create_ioreq_server' },
    ], P421);
    const none = 'the device model has no ioreq server yet', exited = 'the device model has exited';
    assert.deepEqual(r.out.slice(2), [none, none, none, { rc: -22 }, { rc: 0, value: 0n }, { rc: 0, value: 1n }, { rc: 0, value: 6n }, { rc: 0, value: 0xfeff0n },
      { rc: -1 }, { rc: 0 }, { rc: -22 }, { rc: 0 }, { rc: 0 }, { rc: -2 }, { rc: 0 }, { rc: -95 }, { rc: -22 }, { rc: 0 }, { rc: -2 }, { rc: 0 }, { rc: 0 }, { rc: 0 },
      exited, exited, exited, exited]);
    const dm = r.s.m.dms.get(Q)!;
    assert.deepEqual([dm.ioservid, dm.ioreq_pfn, dm.bufioreq_remote_port, dm.pages_how, !!dm.shared_page, !!dm.buffered_io_page, dm.dead], [-1, 0xfeff0, 6, 'gfn', true, false, true]);
  });

  it("4.21: the resource frames go where they belong (0 buffered, 1 ioreq), and a refused map keeps nothing", () => {
    const map = (frame: number, nr?: number) => play([CREATE, BUILD, { actor: Q, op: 'xendevicemodel_create_ioreq_server' }, { actor: Q, op: 'xenforeignmemory_map_resource', frame, nr }], P421);
    const both = map(0, 2), one = map(1), buf = map(0);
    const pages = (r: ReturnType<typeof play>) => { const dm = r.s.m.dms.get(Q)!; return [r.last, !!dm.buffered_io_page, !!dm.shared_page, dm.pages_how]; };
    assert.deepEqual(pages(both), [{ rc: 0 }, true, true, 'resource']);
    assert.deepEqual(pages(one), [{ rc: 0 }, false, true, 'resource']);
    assert.deepEqual(pages(buf), [{ rc: 0 }, true, false, 'resource']);
    const unsupported = play([CREATE, BUILD, { actor: Q, op: 'xendevicemodel_create_ioreq_server' }, { actor: Q, op: 'xenforeignmemory_map_resource', frame: 0, nr: 2 }],
      { profile: '4.21', dms: [{ name: 'qemu', domid: 0, target: 1, resourceUnsupported: true }] });
    assert.deepEqual(pages(unsupported), [{ rc: -95 }, false, false, unsupported.s.m.dms.get(Q)!.pages_how]);
    assert.notEqual(unsupported.s.m.dms.get(Q)!.pages_how, 'resource');
  });

  it("4.21: xc_map_foreign_range maps get_info's gfns (the buffered one too); refused once the server is enabled", () => {
    const steps = [CREATE, BUILD, { actor: Q, op: 'xendevicemodel_create_ioreq_server' }, { actor: Q, op: 'xendevicemodel_get_ioreq_server_info' },
      { actor: Q, op: 'xc_map_foreign_range', page: 'bufioreq' }];
    const r = play(steps, P421);
    const dm = r.s.m.dms.get(Q)!;
    assert.deepEqual([r.last, !!dm.buffered_io_page, !!dm.shared_page, dm.pages_how], [{ rc: 0 }, true, false, 'gfn']);
    const late = play([...steps.slice(0, 4), { actor: Q, op: 'xendevicemodel_set_ioreq_server_state', enabled: true }, { actor: Q, op: 'xc_map_foreign_range', page: 'ioreq' }], P421);
    const dl = late.s.m.dms.get(Q)!;
    assert.deepEqual([late.last, !!dl.shared_page], [{ rc: -22 }, false]);
  });

  it("4.21: dm_exit clean runs QEMU's exit notifier (the server goes); without clean the server stays", () => {
    const servers = (clean: boolean) => play([CREATE, BUILD, { actor: Q, op: 'xen_register_ioreq' }, { actor: Q, op: 'dm_exit', clean }], P421).d1().x421!.server.filter(Boolean).length;
    assert.deepEqual([servers(true), servers(false)], [0, 1]);
  });
});

describe("ops: 4.21's other device models, the kernel's ioeventfd and the vcpu's finer steps", () => {
  it("privcmd_ioeventfd waits for the other device model's page; ioeventfd_interrupt for the ioeventfd, and (whole or 'check') for an upcall", () => {
    const dms = [{ name: 'vio', domid: 0, target: 1, kind: 'virtio' }, { name: 'k', domid: 0, target: 1, kind: 'ioeventfd' }];
    const K = (part?: string) => ({ actor: 'k', op: 'ioeventfd_interrupt', vcpu: 0, ...(part ? { part } : {}) });
    const r = play([CREATE, BUILD, { actor: 'k', op: 'privcmd_ioeventfd', of: 'vio', addr: '0x2000000' }, K(), { actor: 'vio', op: 'virtio_backend_init' },
      { actor: 'k', op: 'privcmd_ioeventfd', of: 'vio', addr: '0x2000000' }, K(), K('check'), K('state'), K('inprocess')], { profile: '4.21-arm', dms });
    const noUpcall = "no upcall for port 1 (vcpu 0) has reached the kernel's handler";
    assert.deepEqual(r.out.slice(2), ['vio has not mapped its ioreq page yet', "the kernel has no ioeventfd on this vcpu's port (privcmd_ioeventfd first)",
      { rc: 0 }, { rc: 0 }, noUpcall, noUpcall, { rc: 0 }, { rc: 0 }]);
  });

  it("privcmd_ioeventfd's defaults: a 4-byte access on virtqueue 0, not own-only; the fields given are kept", () => {
    const dms = [{ name: 'vio', domid: 0, target: 1, kind: 'virtio' }, { name: 'k', domid: 0, target: 1, kind: 'ioeventfd' }];
    const kio = (extra: Record<string, unknown>) => {
      const r = play([CREATE, BUILD, { actor: 'vio', op: 'virtio_backend_init' }, { actor: 'k', op: 'privcmd_ioeventfd', of: 'vio', addr: '0x2000000', ...extra }], { profile: '4.21-arm', dms });
      assert.deepEqual(r.last, { rc: 0 });
      const k = r.s.m.dms.get('k')! as unknown as Record<string, unknown>;
      return JSON.stringify(k, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof DataView || ArrayBuffer.isView(v) ? undefined : v));
    };
    const dflt = kio({}), given = kio({ addrLen: 2, vq: 3, ownOnly: true });
    assert.notEqual(dflt, given);
    assert.equal(kio({ addrLen: 4, vq: 0, ownOnly: false }), dflt);
    assert.notEqual(kio({ addrLen: 2 }), dflt);
    assert.notEqual(kio({ vq: 3 }), dflt);
    assert.notEqual(kio({ ownOnly: true }), dflt);
  });

  it("varstored: no buffered port to bind (no buffering); its own loop serves the slot", () => {
    const r = play([CREATE, BUILD, { actor: 'vs', op: 'varstored_initialize' }, { actor: 'vs', op: 'evtchn_bind_interdomain', buffered: true },
      { actor: 'vs', op: 'evtchn_bind_interdomain', vcpu: 0 }, UNPAUSE, { actor: V, op: 'pio_write', port: '0x100', size: 4, value: 1 }, { actor: 'vs', op: 'cpu_handle_ioreq', vcpu: 0 },
      { actor: V, op: 'hvm_do_resume' }], { profile: '4.21', dms: [{ name: 'vs', domid: 0, target: 1, kind: 'varstored' }] });
    assert.deepEqual(r.out.slice(2), [{ rc: 0 }, 'the device model has not read BUFIOREQ_EVTCHN yet', { rc: -22, value: undefined }, { rc: 0 }, { rc: 1 }, { rc: 0, value: 1n }, { rc: 0, value: 1n }]);
  });

  it('wait_for_io: nothing to wait for does nothing (rc 0, no value); slices of reads until the answer lands in rax', () => {
    const r = play([...B21, { actor: V, op: 'wait_for_io' }, { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0, data: 7 },
      { actor: V, op: 'wait_for_io' }, { actor: V, op: 'wait_for_io' }, { actor: V, op: 'wait_for_io' }], P421);
    assert.deepEqual(r.out.slice(5), [{ rc: 0 }, { rc: 1 }, { rc: 0, value: 1n }, { rc: 3, value: 0n }, { rc: 0, value: 7n }, { rc: 0 }]);
    const two = play([...B21, { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0, data: 7 }, { actor: V, op: 'wait_for_io', reads: 2 }], P421);
    assert.deepEqual(two.last, { rc: 0, value: 7n }, 'two reads in one slice');
  });

  it("xenmem_decrease_reservation's value is nr_done: 1, then the vcpu waits for the servers' invalidate answers", () => {
    const r = play([...B21, { actor: V, op: 'xenmem_decrease_reservation', gfn: 16 }, { actor: V, op: 'xenmem_decrease_reservation', gfn: '0xfffff' }], P421);
    assert.deepEqual(r.out.slice(5), [{ rc: 0, value: 1n }, 'd1v0 is blocked in Xen until its ioreq port is notified']);
    assert.equal(r.d1().page(16), null);
  });

  it("4.21 guest accesses: a write's value goes into rax first; holdAfterSend holds the exit for hvm_io_continue", () => {
    const r = play([...B21, { actor: V, op: 'pio_write', port: '0x3f8', size: 2, value: '0x4142' }], P421);
    assert.equal(r.d1().vcpu[0].rax, 0x4142n);
    assert.deepEqual(r.last, { rc: 1 });
    const held = play([...B21, { actor: V, op: 'pio_read', port: '0x3f8', size: 1, holdAfterSend: true }], P421);
    assert.equal(held.d1().vcpu[0].io.hold_after_send, false, 'used up by the send');
    assert.ok(held.d1().vcpu[0].io.held_rc >= 0);
    const plain = play([...B21, { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }], P421);
    assert.equal(plain.d1().vcpu[0].io.held_rc, -1);
  });
});

describe("ops: what each vcpu op declares it may write (footprint.ts's reduction)", () => {
  const writes = (steps: unknown[], o: PlayOpts = {}) => parseScenario(doc(steps, o), F).steps.map((st) => {
    const fp = (OPS as Record<string, OpSpec>)[st.op].footprint!(st, { dm: () => undefined, ptrRequests: () => false } as never);
    return [fp.writes.join(' '), fp.reads.includes('d1.vga') && !fp.writes.includes('d1.vga') ? 'reads vga' : ''].join('|');
  });
  it("a port access touches stdvga's ports (0x3b0-0x3df, and its ring) or the CF8 latch (0xcf8-0xcff) when any byte falls inside", () => {
    const pio = (port: number, size: number) => ({ actor: V, op: 'pio_read', port, size });
    assert.deepEqual(writes([pio(0x3ad, 4), pio(0x3ac, 4), pio(0x3df, 1), pio(0x3e0, 1), pio(0xcf5, 4), pio(0xcf4, 4), pio(0xcff, 1), pio(0xd00, 1)]), [
      'd1.v0 d1.buf* d1.vga|', 'd1.v0|', 'd1.v0 d1.buf* d1.vga|', 'd1.v0|', 'd1.v0 d1|', 'd1.v0|', 'd1.v0 d1|', 'd1.v0|']);
    assert.deepEqual(writes([{ actor: V, op: 'pio_write', port: 0x3c0, size: 1, value: 1 }]), ['d1.v0 d1.buf* d1.vga|']);
  });
  it("an MMIO access touches stdvga (and the ring) when any byte falls in 0xa0000-0xbffff", () => {
    const mm = (addr: number, size: number) => ({ actor: V, op: 'mmio_read', addr, size });
    assert.deepEqual(writes([mm(0x9fffd, 4), mm(0x9fffc, 4), mm(0xbffff, 1), mm(0xc0000, 1), { actor: V, op: 'mmio_write', addr: 0xa0000, size: 1, value: 0 }]), [
      'd1.v0 d1.buf* d1.vga|', 'd1.v0|', 'd1.v0 d1.buf* d1.vga|', 'd1.v0|', 'd1.v0 d1.buf* d1.vga|']);
  });
  it('the other vcpu ops: completions read stdvga and RAM; string I/O may touch everything of the domain; timeoffset the ring', () => {
    assert.deepEqual(writes([{ actor: V, op: 'hvm_do_resume' }, { actor: V, op: 'send_timeoffset_req', value: 1 }, { actor: V, op: 'send_invalidate_req' },
      { actor: V, op: 'rep_outs', port: 1, size: 1, count: 1, gpa: 0 }, { actor: V, op: 'rep_ins', port: 1, size: 1, count: 1, gpa: 0 },
      { actor: V, op: 'rep_movs', src: 0, dst: 0, size: 1, count: 1 }, { actor: V, op: 'write_guest_memory', gpa: 0, bytes: '00' }, { actor: V, op: 'read_guest_memory', gpa: 0, size: 1 },
      { actor: V, op: 'misbehave_buffered_send', addr: 0, size: 1, value: 0 }]), [
      'd1.v0|reads vga', 'd1.v0 d1.buf*|', 'd1.v0|', 'd1.v0 d1.buf* d1.vga d1.ram d1|', 'd1.v0 d1.buf* d1.vga d1.ram d1|', 'd1.v0 d1.buf* d1.vga d1.ram d1|',
      'd1.v0 d1.ram|', 'd1.v0 d1.ram|', 'd1.v0 d1.buf* d1.vga|']);
    assert.deepEqual(writes([{ actor: V, op: 'wait_for_io' }, { actor: V, op: 'hvm_io_continue' }], P421), ['d1.v0|reads vga', 'd1.v0|']);
  });
});

describe('ops: shutdowns by name or number, by whom; QEMU\'s answers and its ring', () => {
  const code = (steps: unknown[]) => { const r = play([...SEED, ...steps]); return [r.d1().shutdown_code, r.d1().is_shutting_down]; };
  it("SHUTDOWN_* by name or number: the vcpu's own, the device model's (its target by default), the toolstack's, QEMU's destroy_hvm_domain", () => {
    assert.deepEqual(code([{ actor: V, op: 'sched_shutdown', reason: 'suspend' }]), [2, true]);
    assert.deepEqual(code([{ actor: V, op: 'sched_shutdown', reason: 3 }]), [3, true]);
    assert.deepEqual(code([{ actor: Q, op: 'xc_domain_shutdown', reason: 'reboot' }]), [1, true]);
    assert.deepEqual(code([{ actor: TS, op: 'xc_domain_shutdown', domid: 1, reason: 'watchdog' }]), [4, true]);
    assert.deepEqual(code([{ actor: Q, op: 'destroy_hvm_domain', reboot: true }]), [1, true]);
    assert.deepEqual(code([{ actor: Q, op: 'destroy_hvm_domain' }]), [0, true]);
    assert.deepEqual(code([]), [-1, false]);
  });

  it("QEMU's answer passes on a reset or shutdown it was asked for; notify: false leaves the vcpu blocked", () => {
    const take = [{ actor: V, op: 'pio_read', port: '0x3f8', size: 1 }, { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 }, { actor: Q, op: 'handle_ioreq', vcpu: 0 }];
    assert.deepEqual(code([...take, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 0, requested: 'reset' }]), [1, true]);
    const quiet = play([...SEED, ...take, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 0, requested: 'shutdown', notify: false }, { actor: V, op: 'hvm_do_resume' }]);
    assert.deepEqual([quiet.d1().shutdown_code, quiet.last], [0, 'd1v0 is blocked in Xen until its ioreq port is notified']);
    const answered = play([...SEED, ...take, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 0 }, { actor: V, op: 'hvm_do_resume' }]);
    assert.deepEqual(answered.out.slice(7), [{ rc: 0, value: 1n }, { rc: 0, value: 0xffn }]);
    const one = play([...SEED, { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0, notify: false }, { actor: V, op: 'hvm_do_resume' }]);
    assert.equal(one.last, 'd1v0 is blocked in Xen until its ioreq port is notified');
  });

  it("the buffered ring: each step's value is the count it consumed; timeoffset takes two slots", () => {
    const r = play([...SEED, { actor: V, op: 'mmio_write', addr: '0xa0000', size: 1, value: 1 }, { actor: V, op: 'send_timeoffset_req', value: 5 },
      { actor: V, op: 'misbehave_buffered_send', addr: '0x1000', size: 1, value: 2 }, { actor: Q, op: 'handle_buffered_iopage' }, { actor: Q, op: 'handle_buffered_iopage' },
      { actor: V, op: 'send_invalidate_req' }]);
    assert.deepEqual(r.out.slice(4), [{ rc: 0 }, { rc: 0, value: 1n }, { rc: 0 }, { rc: 0, value: 3n }, { rc: 0, value: 0n }, { rc: 0, value: 1n }]);
  });
});

describe("ops: a device model's vcpu count", () => {
  it("xen_hvm_init, 4.5's own-server init and 4.21's calls take the target's vcpu count unless the file gave maxCpus", () => {
    const two = [{ ...CREATE, vcpus: 2 }, BUILD];
    const cpus = (steps: unknown[], profile: string, maxCpus?: number) =>
      play([...two, ...steps], { profile, dms: [{ name: 'qemu', domid: 0, target: 1, ...(maxCpus ? { maxCpus } : {}) }] }).s.m.dms.get(Q)!.max_cpus;
    assert.deepEqual([cpus([INIT], 'seed'), cpus([INIT], 'seed', 3)], [2, 3]);
    assert.deepEqual([cpus([{ actor: Q, op: 'xen_hvm_init_ioreq_server' }], '4.5'), cpus([{ actor: Q, op: 'xen_hvm_init_ioreq_server' }], '4.5', 3)], [2, 3]);
    assert.deepEqual([cpus([{ actor: Q, op: 'xen_register_ioreq' }], '4.21'), cpus([{ actor: Q, op: 'xen_register_ioreq' }], '4.21', 3)], [2, 3]);
    assert.equal(cpus([], 'seed'), 0);
  });
});

describe("ops: XEN_DOMCTL_resumedomain", () => {
  it("undoes a suspend: the shutdown forgotten, the vcpus run again; its events are the toolstack's", () => {
    const r = play([...SEED, { actor: V, op: 'sched_shutdown', reason: 'suspend' }, PR]);
    assert.equal(r.last, "d1v0 is paused for d1's shutdown (SHUTDOWN_suspend): it no longer runs");
    const from = r.s.m.x.events.length;
    const res = r.s.runFlat(parseScenario(doc([{ actor: TS, op: 'xen_domctl_resumedomain', domid: 1 }]), F).steps[0]);
    assert.deepEqual(res, { rc: 0 });
    const evs = r.s.m.x.events.slice(from);
    assert.ok(evs.some((e) => e.kind === 'domain_shutdown' && e.after === 'resumed'));
    assert.deepEqual([...new Set(evs.map((e) => e.actor))], ['toolstack']);
    assert.deepEqual([r.d1().shutdown_code, r.d1().is_shutting_down, r.d1().vcpu[0].paused_for_shutdown], [-1, false, false]);
    assert.equal(r.s.blocked(r.sc.steps[r.sc.steps.length - 1]), null);
  });
});

describe("ops: 4.21's I/O in flight", () => {
  it("a completion still to run (VIO_*), or an ioreq still pending at its server, keeps a vcpu op waiting; hvm_io_continue runs regardless", () => {
    const inFlight = (what: string) => `d1v0 has an I/O in flight (${what}): it re-enters the guest through hvm_do_resume first`;
    const read = play([...B21, { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, PR], P421);
    assert.deepEqual(read.out.slice(5), [{ rc: 1 }, { rc: 0, value: 1n }, inFlight('VIO_pio_completion')]);
    const write = play([...B21, { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, PR], P421);
    assert.equal(write.last, inFlight('an ioreq pending at its server'));
    const held = play([...B21, { actor: V, op: 'pio_read', port: '0x3f8', size: 1, holdAfterSend: true }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, PR,
      { actor: V, op: 'hvm_io_continue' }, PR], P421);
    assert.deepEqual(held.out.slice(7), [inFlight('an ioreq pending at its server'), { rc: 1 }, inFlight('VIO_pio_completion')]);
    const dropped = play([...B21, { actor: V, op: 'mmio_write', addr: '0xfed00000', size: 4, value: 1 }, PR], P421);
    assert.deepEqual(dropped.out.slice(5), [{ rc: 1 }, { rc: 1 }], 'no server claims it: nothing in flight');
  });
});

describe("ops: who each step runs as (the actor its model events carry)", () => {
  it("every step's events are its actor's: the toolstack's ops, a device model's, a vcpu's", () => {
    const sc = parseScenario(doc([CREATE, BUILD, { actor: TS, op: 'alloc_vcpu', domid: 1, vcpu: 1 }, { actor: TS, op: 'evtchn_alloc_unbound', domid: 1, remote: 0 },
      { actor: TS, op: 'set_page', domid: 1, pfn: 5, remove: true }, INIT, UNPAUSE,
      { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: V, op: 'hvm_do_resume' },
      { actor: TS, op: 'xc_domain_destroy', domid: 1 }, { actor: TS, op: 'inject_fault', kind: 'map' }]), F);
    const s = new Session(sc);
    const actors = sc.steps.map((st) => {
      assert.equal(s.blocked(st), null, st.op);
      const from = s.m.x.events.length;
      s.runFlat(st);
      return [st.op, [...new Set(s.m.x.events.slice(from).map((e) => e.actor))].join(',')];
    });
    assert.deepEqual(actors, sc.steps.map((st) => [st.op, st.op === 'inject_fault' || st.op === 'set_page' ? '' : st.actor]));
    assert.equal(s.m.x.actor, TS, "the last step's actor is the model's");
    const shut = new Session(parseScenario(doc([CREATE, BUILD, { actor: TS, op: 'inject_fault', kind: 'map' }, { actor: TS, op: 'set_page', domid: 1, pfn: 5, pagedOut: true },
      { actor: TS, op: 'xc_domain_set_target', domid: 0, target: 1 }, { actor: TS, op: 'xen_domctl_resumedomain', domid: 1 }, { actor: TS, op: 'alloc_vcpu', domid: 1, vcpu: 1 },
      { actor: TS, op: 'evtchn_alloc_unbound', domid: 1, remote: 0 }, UNPAUSE, { actor: TS, op: 'xen_domctl_destroydomain', domid: 1 }, { actor: TS, op: 'xc_domain_destroy', domid: 1 }]), F));
    for (const st of shut.sc.steps) { shut.m.x.actor = 'nobody'; shut.runFlat(st); assert.equal(shut.m.x.actor, TS, st.op); }
  });
});

describe('ops: the pages a misbehaving device model writes, a failed bind, rax across a 4.21 read', () => {
  it("write_bytes waits for the page it names and writes into that page only", () => {
    const r = play([CREATE, BUILD, { actor: Q, op: 'hvmop_get_param', param: 'IOREQ_PFN' }, { actor: Q, op: 'xc_map_foreign_range', page: 'ioreq' },
      { actor: Q, op: 'write_bytes', page: 'bufioreq', offset: 0, bytes: '00' }, { actor: Q, op: 'write_bytes', page: 'ioreq', offset: 8, bytes: 'ab' },
      { actor: Q, op: 'hvmop_get_param', param: 'BUFIOREQ_PFN' }, { actor: Q, op: 'xc_map_foreign_range', page: 'bufioreq' }, { actor: Q, op: 'write_bytes', page: 'bufioreq', offset: 9, bytes: 'cd' }]);
    assert.deepEqual(r.out.slice(3), [{ rc: 0 }, 'the bufioreq page is not mapped', { rc: 0 }, { rc: 0, value: 0xfeff8n }, { rc: 0 }, { rc: 0 }]);
    const dm = r.s.m.dms.get(Q)!;
    assert.deepEqual([dm.shared_page!.getUint8(8), dm.shared_page!.getUint8(9), dm.buffered_io_page!.getUint8(9), dm.buffered_io_page!.getUint8(8)], [0xab, 0, 0xcd, 0]);
  });

  it("hvmop_set_param by a device model whose target is gone: the hypercall's -ESRCH, not a blocked step", () => {
    assert.deepEqual(play([{ actor: Q, op: 'hvmop_set_param', param: 'STORE_PFN', value: 1 }]).last, { rc: -3, value: undefined });
  });

  it("a bind that fails has no value", () => {
    const r = play([CREATE, BUILD, { actor: Q, op: 'xendevicemodel_create_ioreq_server' }, { actor: Q, op: 'xendevicemodel_get_ioreq_server_info', gfns: false },
      { actor: Q, op: 'evtchn_bind_interdomain', buffered: true }, { actor: Q, op: 'evtchn_bind_interdomain', buffered: true }], P421);
    assert.deepEqual(r.out.slice(4), [{ rc: 0, value: 1n }, { rc: -22, value: undefined }]);
  });

  it("4.21: a read leaves rax as it was until its answer lands", () => {
    const r = play([...B21, { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 0x41 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: V, op: 'hvm_do_resume' },
      { actor: V, op: 'pio_read', port: '0x3f8', size: 1 }], P421);
    assert.deepEqual([r.last, r.d1().vcpu[0].rax], [{ rc: 1 }, 0x41n]);
  });

  it("a device model's service footprint is everything when the context does not know it", () => {
    const sc = parseScenario(doc([{ actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: Q, op: 'handle_buffered_iopage' }, { actor: Q, op: 'cpu_get_ioreq', vcpu: 0 },
      { actor: Q, op: 'handle_ioreq', vcpu: 0 }, { actor: Q, op: 'cpu_handle_ioreq_answer', vcpu: 0 }]), F);
    for (const st of sc.steps) assert.deepEqual((OPS as Record<string, OpSpec>)[st.op].footprint!(st, { dm: () => undefined } as never), { reads: ['*'], writes: ['*'] }, st.op);
  });
});

describe('ops: evtchn_close, a shutdown with an I/O in flight, a 4.21 MMIO read with no server', () => {
  it("evtchn_close frees the device model's port: closing or sending on it again is -EINVAL", () => {
    const r = play([...SEED, { actor: Q, op: 'evtchn_close', port: 1 }, { actor: Q, op: 'evtchn_close', port: 1 }, { actor: Q, op: 'evtchn_send', port: 1 }]);
    assert.deepEqual(r.out.slice(4), [{ rc: 0 }, { rc: -22 }, { rc: -22 }]);
    assert.equal(r.s.m.x.domains.get(0)!.evtchn.ports[1].state, 0, 'ECS_FREE');
  });

  it('sched_shutdown runs while the vcpu has an I/O in flight', () => {
    assert.deepEqual(play([...SEED, { actor: V, op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, { actor: Q, op: 'cpu_handle_ioreq', vcpu: 0 },
      { actor: V, op: 'sched_shutdown', reason: 'poweroff' }]).last, { rc: 0 });
  });

  it("4.21: an MMIO read no server claims gets all-ones (handle_mmio's null handler), through hvm_do_resume", () => {
    const r = play([CREATE, BUILD, { actor: Q, op: 'xen_register_ioreq' }, UNPAUSE, { actor: V, op: 'mmio_read', addr: '0xfed00000', size: 4 }, { actor: V, op: 'hvm_do_resume' }], P421);
    assert.deepEqual(r.out.slice(4), [{ rc: 1 }, { rc: 0, value: 0xffffffffn }]);
  });
});

describe('ops: failed server calls keep no value and change nothing the device model knows', () => {
  it('4.21: the ninth create is -ENOSPC with no value; map_mem_type and xen_map_ioreq_server wait for a server, then map its pages', () => {
    const r = play([CREATE, BUILD, ...Array(9).fill({ actor: Q, op: 'xendevicemodel_create_ioreq_server' })], P421);
    assert.deepEqual(r.out.slice(9), [{ rc: 0, value: 7n }, { rc: -28, value: undefined }]);
    const m = play([CREATE, BUILD, { actor: Q, op: 'xen_map_ioreq_server' }, { actor: Q, op: 'xendevicemodel_map_mem_type_to_ioreq_server', flags: 2 },
      { actor: Q, op: 'xendevicemodel_create_ioreq_server' }, { actor: Q, op: 'xen_map_ioreq_server' }], P421);
    assert.deepEqual(m.out.slice(2), ['the device model has no ioreq server yet', 'the device model has no ioreq server yet', { rc: 0, value: 0n }, { rc: 0 }]);
    const dm = m.s.m.dms.get(Q)!;
    assert.deepEqual([!!dm.shared_page, !!dm.buffered_io_page], [true, true]);
  });

  it("4.5: get_info of a server that does not exist is -ENOENT with no value, and the device model keeps what it learnt", () => {
    const r = play([CREATE, BUILD, { actor: Q, op: 'hvmop_create_ioreq_server' }, { actor: Q, op: 'hvmop_get_ioreq_server_info' }, { actor: Q, op: 'hvmop_get_ioreq_server_info', id: 9 }], { profile: '4.5' });
    assert.deepEqual(r.out.slice(3), [{ rc: 0, value: 0xfeff0n }, { rc: -2, value: undefined }]);
    const dm = r.s.m.dms.get(Q)!;
    assert.deepEqual([dm.ioreq_pfn, dm.bufioreq_pfn], [0xfeff0, 0xfeff1]);
  });
});

describe('ops: server rules before any server, set_page flags left alone', () => {
  it("a 4.21 range op waits for the device model's server; a 4.5 get_info naming an id goes to Xen (-ENOENT)", () => {
    assert.equal(play([CREATE, BUILD, { actor: Q, op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: 1, end: 2 }], P421).last, 'the device model has no ioreq server yet');
    assert.deepEqual(play([CREATE, BUILD, { actor: Q, op: 'hvmop_get_ioreq_server_info', id: 4 }], { profile: '4.5' }).last, { rc: -2, value: undefined });
  });

  it('set_page with one flag leaves the others false', () => {
    const pg = play([CREATE, BUILD, { actor: TS, op: 'set_page', domid: 1, pfn: '0xfeff9', pagedOut: true }]).d1().page(0xfeff9)!;
    assert.deepEqual([pg.paged_out, pg.shared, pg.not_writable], [true, false, false]);
  });
});
