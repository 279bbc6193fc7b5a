// Issue 12 along the I/O path: what the debugger stops on in handle_pio, handle_mmio, hvmemul_do_io,
// send_timeoffset_req and send_invalidate_req (common/io.c and common/emulate.c for the seed, 4.5/io.c and
// 4.5/emulate.c for 4.5), stepping one scenario step at a time. Each exit path stops at every statement its listing
// writes on it, in the listing's order (a call of a function without a loop never goes back up its listing), and the
// stops change nothing: the same return codes, crashes and #GP as the flat build gives.
import { strict as assert } from 'node:assert';
import { IoreqRuntime } from '../../src/debug/runtime';
import { locateLabel } from '../../src/debug/listing';
import type { Frame } from '../../src/model/step';
import type { ProfileName } from '../../src/model/layout';
import { Model } from '../../src/model/model';
import * as A from '../../src/model/abi';
import * as X from '../../src/model/xen';
import { X86EMUL_OKAY, X86EMUL_UNHANDLEABLE } from '../../src/model/xen/common/outcome';
import { parseScenario } from '../../src/scenario/parse';

interface Stop { fn: string; at: string; line: number; frame: Frame }

/** A scenario of the given profile: the steps after the domain is built (and its device model attached, if any). */
function scenario(profile: ProfileName, dm: string | null, steps: object[]): string {
  const setup = [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
    { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    ...(dm === 'qemu' ? [{ actor: 'qemu', op: 'xen_hvm_init' }] : []),
    ...(dm === 'qemu45' ? [{ actor: 'qemu45', op: 'xen_hvm_init_ioreq_server' },
      { actor: 'qemu45', op: 'hvmop_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' }] : []),
    { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
  ];
  return JSON.stringify({ name: 'io stops', profile, deviceModels: dm ? [{ name: dm, domid: 0, target: 1 }] : [], steps: [...setup, ...steps] });
}

/** Every stop of each step of the scenario from `first` on, by step index; and the runtime at the end. */
function stopsOfSteps(text: string, first: number): { steps: Stop[][]; rt: IoreqRuntime } {
  const rt = new IoreqRuntime(parseScenario(text, 'io-stops.ioreq.json'));
  const steps: Stop[][] = rt.sc.steps.map(() => []);
  for (;;) {
    // stepIn follows one thread: the next position's (after a step's return, the next step's actor).
    const next = rt.returned ? rt.sc.steps[rt.pos.step + 1] : rt.currentStep;
    if (!next) break;
    const stop = rt.stepIn(next.actor);
    if (stop.reason === 'end') break;
    if (rt.returned || rt.pos.step < first) continue;
    const top = rt.frames().at(-1);
    assert.ok(top, `step ${rt.pos.step}: ${stop.description ?? stop.reason}`);
    const loc = locateLabel(rt.sc.profile, top.fn, top.at)!;
    assert.ok(loc.listing.fns.get(top.fn)!.labels.has(top.at), `${top.fn}@${top.at} is a label of its listing`);
    steps[rt.pos.step].push({ fn: top.fn, at: top.at, line: loc.line, frame: top });
  }
  return { steps, rt };
}

/** The calls of `fn` among the stops (each call's stops in order), told apart by their frames. */
function calls(stops: Stop[], fn: string): Stop[][] {
  const out = new Map<Frame, Stop[]>();
  for (const s of stops) if (s.fn === fn) out.set(s.frame, [...(out.get(s.frame) ?? []), s]);
  return [...out.values()];
}
const labels = (c: Stop[]) => c.map((s) => s.at);

/** A call of a function without a loop goes down its listing: each stop on a later line than the one before. */
function downward(c: Stop[]): void {
  for (let k = 1; k < c.length; k++) assert.ok(c[k].line > c[k - 1].line, `${c[k].fn}: @${c[k].at} (line ${c[k].line}) after @${c[k - 1].at} (line ${c[k - 1].line})`);
}

const DO_IO_HEAD = ['init_d', 'init_vio', 'init_s', 'init_ram_gfn', 'init_p2mt', 'init_p_data_null', 'ram_page', 'shared', 'size', 'io_state', 'pending'];
const DO_IO_FILL = ['set_io_state', 'set_io_size', 'p_type', 'p_addr', 'p_size', 'p_count', 'p_dir', 'p_df', 'p_data_is_ptr', 'p_data'];

describe('debugger: every statement of the I/O path is stopped on (issue 12, common/io.c and common/emulate.c, seed)', () => {
  const text = scenario('seed', 'qemu', [
    { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' }, // 4
    { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 },
    { actor: 'd1v0', op: 'hvm_do_resume' },
    { actor: 'd1v0', op: 'send_timeoffset_req', value: '0x10' }, // 7
    { actor: 'd1v0', op: 'send_invalidate_req' }, // 8
    { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 },
    { actor: 'd1v0', op: 'hvm_do_resume' },
    { actor: 'qemu', op: 'write_state', vcpu: 0, state: A.STATE_IORESP_READY },
    { actor: 'd1v0', op: 'mmio_write', addr: '0xfe000000', size: 4, value: '0x1' }, // 12
    { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x42' }, // 13
  ]);
  // Stepped in each test that reads it (not when the file loads), so that a mutant breaking the stepping fails the
  // tests instead of the file's load.
  let run: { steps: Stop[][]; rt: IoreqRuntime } | null = null;
  beforeEach(() => { run = null; });
  const stepped = () => (run ??= stopsOfSteps(text, 4));

  it('an OUT the device model gets: hvmemul_do_io from its declarations to its return, each field of the request on its own line', () => {
    const [doIo] = calls(stepped().steps[4], 'hvmemul_do_io');
    assert.deepEqual(labels(doIo), [...DO_IO_HEAD, ...DO_IO_FILL, 'intercept', 'is_mmio', 'portio_intercept', 'intercept_rc', 'has_dm', 'send', 'sent', 'ret']);
    downward(doIo);
    // handle_pio's else-if chain: a write is not RETRY, not a read, not unhandleable
    assert.deepEqual(labels(calls(stepped().steps[4], 'handle_pio')[0]), ['init_vio', 'do_pio', 'rc', 'okay_read', 'unhandleable', 'ret']);
    assert.equal(stepped().rt.results[4]!.result.rc, X86EMUL_OKAY);
  });

  it('send_timeoffset_req and send_invalidate_req fill the request field by field, then send and return', () => {
    const to = calls(stepped().steps[7], 'send_timeoffset_req')[0];
    assert.deepEqual(labels(to), ['zero', 'memset', 'set_type', 'set_size', 'set_count', 'set_dir', 'set_data', 'set_state', 'send', 'check_ok', 'ret']);
    downward(to);
    const inv = calls(stepped().steps[8], 'send_invalidate_req')[0];
    assert.deepEqual(labels(inv), ['memset', 'set_type', 'set_size', 'set_count', 'set_dir', 'set_data', 'send', 'check_sent', 'ret']);
    downward(inv);
  });

  it('a busy slot: the pending exit stops at its printk and its return; handle_mmio injects #GP, handle_pio crashes the domain', () => {
    const mmioDoIo = calls(stepped().steps[12], 'hvmemul_do_io')[0];
    assert.deepEqual(labels(mmioDoIo), [...DO_IO_HEAD, 'pending_printk', 'pending_ret']);
    downward(mmioDoIo);
    assert.deepEqual(labels(calls(stepped().steps[12], 'handle_mmio')[0]), ['init_vio', 'do_mmio', 'do_io', 'rc', 'okay_read', 'unhandleable', 'inject_gp', 'ret']);
    assert.deepEqual(labels(calls(stepped().steps[13], 'handle_pio')[0]), ['init_vio', 'do_pio', 'rc', 'okay_read', 'unhandleable', 'weird', 'crash', 'ret']);
    const d = stepped().rt.session.m.x.domains.get(1)!;
    assert.equal(d.crashed?.fn, 'handle_pio');
    assert.equal(stepped().rt.results[12]!.result.rc, X86EMUL_UNHANDLEABLE);
  });

  it('with no device model an MMIO read is ignored: the no-DM exit, and handle_mmio loads io_data into rax', () => {
    const r = stopsOfSteps(scenario('seed', null, [{ actor: 'd1v0', op: 'mmio_read', addr: '0xfe000000', size: 4 }]), 3);
    const doIo = calls(r.steps[3], 'hvmemul_do_io')[0];
    assert.deepEqual(labels(doIo), [...DO_IO_HEAD, ...DO_IO_FILL, 'intercept', 'is_mmio', 'mmio_intercept', 'buffered_intercept', 'intercept_rc', 'has_dm', 'no_dm_none', 'no_dm_ret']);
    downward(doIo);
    assert.deepEqual(labels(calls(r.steps[3], 'handle_mmio')[0]), ['init_vio', 'do_mmio', 'do_io', 'rc', 'okay_read', 'load_rax', 'ret']);
  });

  it('a size that is no power of two: the bad-size exit stops at its printk, the all-ones read and its return', () => {
    const m = new Model('seed').boot();
    m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
    const v = m.x.domains.get(1)!.vcpu[0];
    const seen: string[] = [];
    const g = m.steppedRun('vcpu0', v, (s) => s.hvm.hvmemulDoIo(v, true, 0xfe000000n, 3, A.IOREQ_READ, 0n, false));
    let r = g.next();
    for (; !r.done; r = g.next()) seen.push(r.value.at(-1)!.at);
    assert.deepEqual(seen, [...DO_IO_HEAD.slice(0, 9), 'bad_size', 'all_ones', 'bad_size_ret']);
    assert.equal(r.value.value, X86EMUL_UNHANDLEABLE);
    assert.equal(v.arch.hvm_vcpu.hvm_io.io_data, 0xffffffffffffffffn);
  });
});

describe('debugger: every statement of the I/O path is stopped on (issue 12, 4.5/io.c and 4.5/emulate.c)', () => {
  const text = scenario('4.5', 'qemu45', [
    { actor: 'd1v0', op: 'pio_read', port: '0x60', size: 1 }, // 5: no server claims it: Xen completes it
    { actor: 'd1v0', op: 'hvm_do_resume' },
    { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' }, // 7: the secondary's port
    { actor: 'qemu45', op: 'cpu_handle_ioreq', vcpu: 0 },
    { actor: 'd1v0', op: 'hvm_do_resume' },
    { actor: 'd1v0', op: 'send_invalidate_req' }, // 10
    { actor: 'qemu45', op: 'cpu_handle_ioreq', vcpu: 0 },
    { actor: 'd1v0', op: 'hvm_do_resume' },
    { actor: 'qemu45', op: 'write_state', vcpu: 0, state: A.STATE_IORESP_READY },
    { actor: 'd1v0', op: 'mmio_write', addr: '0xfe000000', size: 4, value: '0x1' }, // 14
    { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x42' }, // 15
  ]);
  // Stepped in each test that reads it (not when the file loads), so that a mutant breaking the stepping fails the
  // tests instead of the file's load.
  let run: { steps: Stop[][]; rt: IoreqRuntime } | null = null;
  beforeEach(() => { run = null; });
  const stepped = () => (run ??= stopsOfSteps(text, 5));
  const HEAD45 = ['init_curr', 'init_vio', 'init_p', 'io_state'];
  const SEND45 = ['none_break', 'pending', 'set_io_state', 'set_io_size', 'intercept', 'intercept_rc', 'has_dm', 'set_retry', 'send', 'sent', 'check_write', 'ret'];

  it('an IN Xen completes itself: handle_pio runs hvmemul_do_io twice, the second pass through HVMIO_completed', () => {
    const [first, second] = calls(stepped().steps[5], 'hvmemul_do_io');
    assert.deepEqual(labels(first), [...HEAD45, ...SEND45]);
    assert.deepEqual(labels(second), [...HEAD45, 'completed_none', 'check_p_data', 'finish_access', 'completed_ret']);
    for (const c of [first, second]) downward(c);
    assert.deepEqual(labels(calls(stepped().steps[5], 'handle_pio')[0]), ['init_vio', 'do_pio', 'rc', 'check_awaiting', 'not_retired', 'do_pio', 'rc', 'okay_read', 'okay_ret']);
    assert.equal(stepped().rt.results[5]!.result.rc, 1);
  });

  it('an OUT a server takes: sent, and a write is done at once', () => {
    const [doIo] = calls(stepped().steps[7], 'hvmemul_do_io');
    assert.deepEqual(labels(doIo), [...HEAD45, ...SEND45]);
    downward(doIo);
    assert.deepEqual(labels(calls(stepped().steps[7], 'handle_pio')[0]), ['init_vio', 'do_pio', 'rc', 'okay_read', 'okay_ret']);
  });

  it('send_invalidate_req: the request, then the broadcast', () => {
    assert.deepEqual(labels(calls(stepped().steps[10], 'send_invalidate_req')[0]), ['init_p', 'broadcast']);
  });

  it('a busy slot: the pending exit; handle_mmio leaves #GP to its caller, handle_pio crashes the domain', () => {
    assert.deepEqual(labels(calls(stepped().steps[14], 'hvmemul_do_io')[0]), [...HEAD45, 'none_break', 'pending', 'pending_printk', 'pending_ret']);
    assert.deepEqual(labels(calls(stepped().steps[14], 'handle_mmio')[0]), ['init_vio', 'do_mmio', 'rc', 'check_awaiting', 'unhandleable']);
    assert.equal(stepped().rt.results[14]!.result.rc, 0);
    assert.deepEqual(labels(calls(stepped().steps[15], 'handle_pio')[0]), ['init_vio', 'do_pio', 'rc', 'weird', 'crash', 'weird_ret']);
    assert.equal(stepped().rt.session.m.x.domains.get(1)!.crashed?.fn, 'handle_pio');
  });

  it('an access while another is on its way (io_state not none or completed) stops at the default case\'s return', () => {
    const m = new Model('4.5').boot();
    m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
    const v = m.x.domains.get(1)!.vcpu[0];
    v.arch.hvm_vcpu.hvm_io.io_state = X.HVMIO_dispatched;
    const seen: string[] = [];
    const g = m.steppedRun('vcpu0', v, (s) => s.hvm.hvmemulDoIo(v, false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n, false));
    let r = g.next();
    for (; !r.done; r = g.next()) seen.push(r.value.at(-1)!.at);
    assert.deepEqual(seen, [...HEAD45, 'busy_ret']);
    assert.equal(r.value.value, X86EMUL_UNHANDLEABLE);
  });
});
