// Issue 16, src/model/xen/4.4/io.ts: 4.4's io.c, shared by the legacy and seed profiles, driven on the seed. [X44] is
// xen/arch/x86/hvm/io.c @RELEASE-4.4.0: hvm_buffered_io_send 49-126, send_timeoffset_req 128-148,
// send_invalidate_req 150-172, handle_mmio 174-217, handle_pio 227-266, hvm_io_assist 268-307. Where a test sets a
// ring pointer or io_state by hand, it is what earlier accesses (or a device model) leave there.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import * as X from '../../src/model/xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../../src/model/xen/common/outcome';
import { TRAP_gp_fault } from '../../src/model/xen/4.4/io';
import { G44 } from './x44-guest';
import { labels, localsAt } from './x45-guest';

const pio = (g: G44, port: number, size: number, dir: number, value = 0n) => g.stepped(g.v(), (h) => h.handlePio(g.v(), port, size, dir, value));
const mmio = (g: G44, gpa: bigint, size: number, dir: number, value = 0n) => g.stepped(g.v(), (h) => h.handleMmio(g.v(), gpa, size, dir, value, false));
const ptrs = (s: X.HvmIoreqServer) => A.readBufPointers(s.buf_ioreq.va!);
const bslot = (s: X.HvmIoreqServer, i: number) => A.readBufIoreq(s.buf_ioreq.va!, A.bufSlotOffset(i));
const req = (r: Partial<ProtoIoreq>): ProtoIoreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 1, count: 1, dir: A.IOREQ_WRITE, ...r });

describe('mutation (issue 16): 4.4 handle_pio ([X44] io.c:227-266)', () => {
  it('a read sent to the server: RETRY awaiting becomes HVMIO_handle_pio_awaiting_completion; the answer lands in rax (1 byte keeps the rest, io.c:293-297)', () => {
    const g = new G44();
    const s = g.server();
    g.v().rax = 0x1122334455667788n;
    const r = pio(g, 0x3f8, 1, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_RETRY);
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'pio_awaiting', 'ret']);
    assert.equal(g.vio.io_state, X.HVMIO_handle_pio_awaiting_completion);
    assert.equal(g.v().rax, 0x1122334455667788n);
    const from = g.m.x.events.length;
    g.answer(s, 0xabcdn);
    assert.equal(g.v().rax, 0x11223344556677cdn);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    const ev = g.events('io_assist', from);
    assert.deepEqual(ev.map((e) => [e.fn, e.detail]), [['hvm_io_assist', { io_state: 'HVMIO_handle_pio_awaiting_completion', data: '0xabcd' }]]);
    assert.equal(g.events('slot_state', from).filter((e) => e.fn === 'hvm_io_assist').length, 1, 'the slot back to NONE');
  });

  it('a read with no server: OKAY, rax loaded from io_data (4 bytes zero-extend); a write leaves rax alone (io.c:241-250)', () => {
    const g = new G44();
    g.vio.io_data = 0xaabbccdd11223344n;
    g.v().rax = 0x1122334455667788n;
    let r = pio(g, 0x3f8, 4, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'okay_read', 'load_rax', 'ret']);
    const l = localsAt(r.stops, 'handle_pio', 'load_rax');
    assert.deepEqual([l.io_data, l.rax], ['0xaabbccdd11223344', '0x1122334455667788']);
    assert.equal(localsAt(r.stops, 'handle_pio', 'okay_read').io_state, '"HVMIO_none"');
    assert.equal(g.v().rax, 0x11223344n);
    g.v().rax = 0x55n;
    r = pio(g, 0x3f8, 1, A.IOREQ_WRITE, 0x41n);
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'okay_read', 'unhandleable', 'ret']);
    assert.equal(g.v().rax, 0x55n);
    assert.equal(g.d.crashed, null);
  });

  it('an IN while the previous one awaits: UNHANDLEABLE, "Weird HVM ioemulation status 1." and the domain crashed (io.c:259-262)', () => {
    const g = new G44();
    g.server();
    pio(g, 0x3f8, 1, A.IOREQ_READ);
    const r = pio(g, 0x3f8, 1, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'okay_read', 'unhandleable', 'weird', 'crash', 'ret']);
    assert.equal(localsAt(r.stops, 'handle_pio', 'crash').d, 'd1 (HVM)');
    const line = g.m.x.console.find((c) => c.fn === 'handle_pio')!;
    assert.deepEqual([line.level, line.text], ['XENLOG_ERR', `Weird HVM ioemulation status ${X86EMUL_UNHANDLEABLE}.`]);
    assert.deepEqual([g.d.crashed!.fn, g.d.crashed!.reason], ['handle_pio', `Weird HVM ioemulation status ${X86EMUL_UNHANDLEABLE}`]);
  });

  it('RETRY that is not awaiting (not sent: the domain is shutting down): no crash, nothing loaded (io.c:252-254)', () => {
    const g = new G44();
    g.server();
    g.flat('toolstack', null, () => g.h.domainShutdown(g.d, 0));
    g.v().rax = 0x55n;
    const r = pio(g, 0x3f8, 1, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_RETRY);
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'okay_read', 'unhandleable', 'ret']);
    assert.equal(g.d.crashed, null);
    assert.equal(g.v().rax, 0x55n);
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });
});

describe('mutation (issue 16): 4.4 handle_mmio ([X44] io.c:174-217) and hvm_io_assist ([X44] io.c:268-307)', () => {
  it('a read sent to the server: mmio_gpa set, HVMIO_handle_mmio_awaiting_completion; the answer re-runs it into rax and io_state ends none', () => {
    const g = new G44();
    const s = g.server();
    g.v().rax = 0x1122334455667788n;
    const r = mmio(g, 0xe0000010n, 2, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_RETRY);
    assert.deepEqual(labels(r.stops, 'handle_mmio'), ['init_vio', 'do_mmio', 'do_io', 'rc', 'mmio_awaiting', 'ret']);
    assert.equal(g.vio.mmio_gpa, 0xe0000010n);
    assert.equal(g.vio.io_state, X.HVMIO_handle_mmio_awaiting_completion);
    const steps = g.stepped(g.v(), (h) => { const p = h.getIoreq(s, 0); p.va.setBigUint64(p.off + A.OFF_DATA, 0xbeefn, true); p.state = A.STATE_IORESP_READY; return h.hvmDoResume(g.v()); });
    assert.equal(g.v().rax, 0x112233445566beefn);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.vio.io_data, 0xbeefn);
    assert.equal(localsAt(steps.stops, 'hvm_io_assist', 'handle_mmio').io_data, '0xbeef');
    assert.deepEqual(labels(steps.stops, 'hvm_io_assist').slice(-7), ['mmio_completed', 'mmio_io_data', 'handle_mmio', 'mmio_break', 'end', 'msix', 'end_deferral']);
    assert.equal(localsAt(steps.stops, 'hvm_io_assist', 'switch').io_state, 'HVMIO_handle_mmio_awaiting_completion (3)');
    assert.equal(localsAt(steps.stops, 'hvm_io_assist', 'rmb').io_state, '"HVMIO_handle_mmio_awaiting_completion"');
  });

  it('an MMIO access while one awaits: UNHANDLEABLE, #GP injected, io_state left as it was (io.c:203-212)', () => {
    const g = new G44();
    g.server();
    mmio(g, 0xe0000010n, 4, A.IOREQ_READ);
    const r = mmio(g, 0xe0000010n, 4, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'handle_mmio').slice(-4), ['okay_read', 'unhandleable', 'inject_gp', 'ret']);
    assert.equal(g.v().arch.hvm_vcpu.inject_trap.vector, TRAP_gp_fault);
  });

  it('an MMIO read with no server: OKAY, rax from io_data (finish_access); a write: no #GP, rax kept', () => {
    const g = new G44();
    g.vio.io_data = 0x99n;
    g.v().rax = 0x1100n;
    let r = mmio(g, 0xe0000010n, 1, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(labels(r.stops, 'handle_mmio').slice(-3), ['okay_read', 'load_rax', 'ret']);
    const l = localsAt(r.stops, 'handle_mmio', 'load_rax');
    assert.deepEqual([l.io_data, l.rax], ['0x99', '0x1100']);
    assert.equal(localsAt(r.stops, 'handle_mmio', 'okay_read').io_state, '"HVMIO_none"');
    assert.equal(g.v().rax, 0x1199n);
    r = mmio(g, 0xe0000010n, 1, A.IOREQ_WRITE, 5n);
    assert.deepEqual(labels(r.stops, 'handle_mmio').slice(-3), ['okay_read', 'unhandleable', 'ret']);
    assert.equal(g.v().rax, 0x1199n);
    assert.equal(g.v().arch.hvm_vcpu.inject_trap.vector, -1);
  });

  it('hvm_io_assist with HVMIO_awaiting_completion: io_data and HVMIO_completed for the re-executed instruction; with nothing awaited: only the slot freed; each ends the shutdown deferral and counts one completion', () => {
    const g = new G44();
    const s = g.server();
    const p = g.h.getIoreq(s, 0);
    p.va.setBigUint64(p.off + A.OFF_DATA, 0x42n, true);
    p.state = A.STATE_IORESP_READY;
    g.vio.io_state = X.HVMIO_awaiting_completion;
    g.v().defer_shutdown = true;
    g.v().rax = 7n;
    const r = g.stepped(g.v(), (h) => h.hvmIoAssist(p));
    assert.deepEqual([g.vio.io_state, g.vio.io_data, g.v().rax], [X.HVMIO_completed, 0x42n, 7n]);
    assert.deepEqual(labels(r.stops, 'hvm_io_assist'), ['init_curr', 'init_vio', 'init_regs', 'rmb', 'free_slot', 'read_io_state', 'clear_io_state', 'switch', 'completed', 'io_data', 'completed_break', 'end', 'msix', 'end_deferral']);
    assert.equal(p.state, A.STATE_IOREQ_NONE);
    assert.equal(g.v().defer_shutdown, false);
    assert.equal(g.v().io_done, 1);
    // Nothing awaited (a write's HVMIO_dispatched): only the slot and the state are reset.
    p.state = A.STATE_IORESP_READY;
    g.vio.io_state = X.HVMIO_dispatched;
    g.vio.io_data = 0n;
    const r2 = g.stepped(g.v(), (h) => h.hvmIoAssist(p));
    assert.deepEqual([g.vio.io_state, g.vio.io_data, g.v().rax], [X.HVMIO_none, 0n, 7n]);
    assert.ok(labels(r2.stops, 'hvm_io_assist').includes('default_break'));
    assert.equal(g.v().io_done, 2);
    // With events off nothing is recorded.
    g.m.x.on = false;
    p.state = A.STATE_IORESP_READY;
    const n = g.m.x.events.length;
    g.flat('vcpu0', g.v(), () => g.h.hvmIoAssist(p));
    assert.equal(g.m.x.events.length, n);
  });

  it('a load into a 64-bit register: 4 bytes zero-extend, 8 replace it all, 1 and 2 keep the upper bytes (io.c:293-297)', () => {
    const g = new G44();
    const old = 0x1122334455667788n, data = 0xa1a2a3a4a5a6a7a8n;
    assert.equal(g.h.mergeReg(old, data, 1), 0x11223344556677a8n);
    assert.equal(g.h.mergeReg(old, data, 2), 0x112233445566a7a8n);
    assert.equal(g.h.mergeReg(old, data, 4), 0xa5a6a7a8n);
    assert.equal(g.h.mergeReg(old, data, 8), data);
  });
});

describe('mutation (issue 16): 4.4 hvm_buffered_io_send ([X44] io.c:49-126)', () => {
  it('no server: 0 at once, right after the server pointer is read (NULL)', () => {
    const g = new G44();
    const r = g.stepped(g.v(), (h) => h.hvmBufferedIoSend(g.v(), req({})));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send'), ['init_d', 'init_s', 'init_qw', 'entry']);
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'entry').s, 'NULL');
  });

  it('what it cannot carry: an address above 1 MiB, data_is_ptr, a count other than 1, or an odd size ("unexpected ioreq size"): 0, nothing queued', () => {
    const g = new G44();
    const s = g.server();
    const send = (p: ProtoIoreq) => g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), p));
    assert.equal(send(req({ addr: 0x100000n })), 0);
    assert.equal(send(req({ addr: 0xfffffn })), 1, '0xfffff is the last address a slot holds');
    assert.equal(send(req({ data_is_ptr: 1 })), 0);
    assert.equal(send(req({ count: 2 })), 0);
    assert.equal(send(req({ count: 0 })), 0);
    assert.equal(send(req({ size: 3 })), 0);
    const line = g.m.x.console.at(-1)!;
    assert.deepEqual([line.level, line.fn, line.text], ['XENLOG_WARNING', 'hvm_buffered_io_send', 'unexpected ioreq size: 3']);
    assert.equal(ptrs(s).write_pointer, 1);
  });

  it('each size\'s code in the slot (1, 2, 4 bytes: 0, 1, 2), the data cut to 32 bits, the pointer one on; an 8-byte write takes two slots, the high half in the second (io.c:73-117)', () => {
    const g = new G44();
    const s = g.server();
    const from = g.m.x.events.length;
    const send = (p: ProtoIoreq) => g.stepped(g.v(), (h) => h.hvmBufferedIoSend(g.v(), p));
    for (const [size, code] of [[1, 0], [2, 1], [4, 2]]) assert.equal(send(req({ size, addr: 0xa0000n + BigInt(size), data: 0x1122334455n })).value, 1);
    assert.deepEqual([0, 1, 2].map((i) => [bslot(s, i).size, bslot(s, i).addr, bslot(s, i).data]), [[0, 0xa0001, 0x22334455], [1, 0xa0002, 0x22334455], [2, 0xa0004, 0x22334455]]);
    const r = send(req({ size: 8, type: A.IOREQ_TYPE_TIMEOFFSET, addr: 0n, data: 0xaabbccdd11223344n }));
    assert.equal(r.value, 1);
    assert.deepEqual([bslot(s, 3).size, bslot(s, 3).type, bslot(s, 3).data, bslot(s, 4).size, bslot(s, 4).data], [3, A.IOREQ_TYPE_TIMEOFFSET, 0x11223344, 3, 0xaabbccdd]);
    assert.equal(ptrs(s).write_pointer, 5);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send').slice(-9), ['write_slot', 'copy', 'data_hi', 'write_slot_hi', 'copy_hi', 'write_pointer', 'notify', 'unlock', 'ret']);
    const hi = localsAt(r.stops, 'hvm_buffered_io_send', 'copy_hi');
    assert.deepEqual([hi.slot, hi.data_hi], ['4', '0xaabbccdd']);
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'copy').slot, '3');
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'notify').port, String(s.buf_ioreq_evtchn));
    assert.deepEqual(localsAt(r.stops, 'hvm_buffered_io_send', 'size').size, '8');
    const ev = g.events('buffered_write', from);
    assert.deepEqual(ev.map((e) => [e.fn, e.before, e.after]), [['hvm_buffered_io_send', 0, 1], ['hvm_buffered_io_send', 1, 2], ['hvm_buffered_io_send', 2, 3], ['hvm_buffered_io_send', 3, 5]]);
    assert.deepEqual(ev[3].detail, { addr: '0x0', size: 8, data: '0xaabbccdd11223344' });
    assert.equal(ev[0].text, 'd1v0 buffered write 0xa0001 size 1 data 0x1122334455: write_pointer 0 -> 1');
    // A single slot's copy_hi stop names nothing.
    const one = send(req({}));
    assert.deepEqual(Object.keys(localsAt(one.stops, 'hvm_buffered_io_send', 'copy_hi')).filter((k) => k === 'slot' || k === 'data_hi'), []);
  });

  it('the ring full (write - read >= 511, one less for a quad word): 0, the synchronous path, recorded; the slot index wraps modulo 511 (io.c:97-112)', () => {
    const g = new G44();
    const s = g.server();
    const pg = s.buf_ioreq.va!;
    pg.setUint32(A.BUF_OFF_READ_POINTER, 1000, true);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, 1000 + 510, true);
    const from = g.m.x.events.length;
    const send = (p: ProtoIoreq) => g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), p));
    assert.equal(send(req({ size: 8, addr: 0n })), 0, 'a quad word needs two free slots');
    const full = g.events('buffered_full', from);
    assert.deepEqual(full.map((e) => [e.fn, e.domid, e.vcpu, e.detail, e.text]), [['hvm_buffered_io_send', 1, 0, { read_pointer: 1000, write_pointer: 1510 },
      'd1 buffered ring full (510 used): synchronous path']]);
    assert.equal(send(req({ data: 0x77n })), 1, 'one slot is still free');
    assert.equal(bslot(s, 1510).data, 0x77);
    assert.equal(A.bufSlotOffset(1510), A.bufSlotOffset(1510 % 511));
    assert.equal(ptrs(s).write_pointer, 1511);
    assert.equal(send(req({})), 0, 'now full for one slot too');
    // With events off, nothing recorded.
    g.m.x.on = false;
    const n = g.m.x.events.length;
    assert.equal(send(req({})), 0);
    assert.equal(g.m.x.events.length, n);
  });

  it('the write pointer wraps at 2^32 as an unsigned counter: a quad word at 0xffffffff lands at 0 (io.c:116)', () => {
    const g = new G44();
    const s = g.server();
    const pg = s.buf_ioreq.va!;
    pg.setUint32(A.BUF_OFF_READ_POINTER, 0xffffffff, true);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, 0xffffffff, true);
    assert.equal(g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({ size: 8, addr: 0n, data: 0x1_00000002n }))), 1);
    assert.equal(ptrs(s).write_pointer, 1);
    assert.equal(bslot(s, 0xffffffff).data, 2);
    assert.equal(bslot(s, 0).data, 1);
  });
});

describe('mutation (issue 16): 4.4 hvm_buffered_io_send, what each stop shows ([X44] io.c:49-126)', () => {
  it('a 1-byte send stops at size1 with the request\'s limits shown; a 2- and 4-byte one at size2 and size4; the single slot leaves the next slot alone', () => {
    const g = new G44();
    const s = g.server();
    A.writeBufIoreq(s.buf_ioreq.va!, A.bufSlotOffset(1), { type: 7, pad: 0, dir: 1, size: 1, addr: 0x1234, data: 0x5678 });
    const send = (p: ProtoIoreq) => g.stepped(g.v(), (h) => h.hvmBufferedIoSend(g.v(), p));
    const r = send(req({ addr: 0xa0010n, data: 0x12n }));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send').slice(4, 9), ['iorp', 'pg', 'limits', 'size', 'size1']);
    const lim = localsAt(r.stops, 'hvm_buffered_io_send', 'limits');
    assert.deepEqual([lim.addr, lim.data_is_ptr, lim.count], ['0xa0010', '0', '1']);
    const full = localsAt(r.stops, 'hvm_buffered_io_send', 'full');
    assert.deepEqual([full.read_pointer, full.write_pointer], ['0', '0']);
    assert.deepEqual(bslot(s, 1), { type: 7, pad: 0, dir: 1, size: 1, addr: 0x1234, data: 0x5678 }, 'qw 0: no second slot written');
    assert.ok(labels(send(req({ size: 2 })).stops, 'hvm_buffered_io_send').includes('size2'));
    assert.ok(labels(send(req({ size: 4 })).stops, 'hvm_buffered_io_send').includes('size4'));
    const bad = send(req({ size: 3 }));
    assert.deepEqual(labels(bad.stops, 'hvm_buffered_io_send').slice(-3), ['size', 'bad_size', 'bad_size_ret']);
  });

  it('a full ring stops at full_unlock and full_ret; a read sent this way is recorded as a read; with events off a send records nothing', () => {
    const g = new G44();
    const s = g.server();
    s.buf_ioreq.va!.setUint32(A.BUF_OFF_WRITE_POINTER, 511, true);
    const r = g.stepped(g.v(), (h) => h.hvmBufferedIoSend(g.v(), req({})));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send').slice(-3), ['full', 'full_unlock', 'full_ret']);
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'full').write_pointer, '511');
    s.buf_ioreq.va!.setUint32(A.BUF_OFF_WRITE_POINTER, 0, true);
    const from = g.m.x.events.length;
    assert.equal(g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({ dir: A.IOREQ_READ, data: 3n }))), 1);
    assert.equal(g.events('buffered_write', from)[0].text, 'd1v0 buffered read 0xa0000 size 1 data 0x3: write_pointer 0 -> 1');
    g.m.x.on = false;
    const n = g.m.x.events.length;
    assert.equal(g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({}))), 1);
    assert.equal(g.m.x.events.length, n);
  });

  it('a server whose buffered page is not mapped: the NULL page is dereferenced (the model reports the panic); a freed server is reported as used after free', () => {
    const g = new G44();
    const s = g.server();
    s.buf_ioreq.va = null;
    const r = g.m.flatRun('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({})));
    assert.match(String(r.panic), /NULL dereference: no buffered page mapped for d1/);
    assert.equal(g.m.x.panic?.fn, 'hvm_buffered_io_send', 'the panic names the function that dereferenced it');
    const g2 = new G44();
    const s2 = g2.server();
    s2.freed = true;
    g2.m.flatRun('vcpu0', g2.v(), () => g2.h.hvmBufferedIoSend(g2.v(), req({})));
    assert.ok(g2.m.x.bugs.some((b) => b.fn === 'hvm_buffered_io_send' && b.kind === 'use-after-free'));
  });
});

describe('mutation (issue 16): 4.4 hvm_io_assist\'s stops and events, and handle_mmio\'s RETRY not awaiting ([X44] io.c:203-206, 268-307)', () => {
  it('a port read answered: the slot event (IORESP_READY to NONE), the io_assist event, and the pio_rax stops', () => {
    const g = new G44();
    const s = g.server();
    pio(g, 0x3f8, 2, A.IOREQ_READ);
    const from = g.m.x.events.length;
    const r = g.stepped(g.v(), (h) => { const p = h.getIoreq(s, 0); p.va.setBigUint64(p.off + A.OFF_DATA, 0x1234n, true); p.state = A.STATE_IORESP_READY; return h.hvmDoResume(g.v()); });
    assert.deepEqual(labels(r.stops, 'hvm_io_assist').slice(7, 10), ['switch', 'pio_rax', 'pio_break']);
    const slotEv = g.events('slot_state', from).find((e) => e.fn === 'hvm_io_assist')!;
    assert.deepEqual([slotEv.before, slotEv.after, slotEv.text, slotEv.domid, slotEv.vcpu], ['STATE_IORESP_READY', 'STATE_IOREQ_NONE', 'd1v0 slot IORESP_READY -> NONE', 1, 0]);
    const ev = g.events('io_assist', from)[0];
    assert.equal(ev.text, 'd1v0 I/O completed (HVMIO_handle_pio_awaiting_completion, data 0x1234)');
  });

  it('an MMIO read not sent (the domain is shutting down): RETRY, but nothing awaits, so io_state stays HVMIO_none', () => {
    const g = new G44();
    g.server();
    g.flat('toolstack', null, () => g.h.domainShutdown(g.d, 0));
    const r = mmio(g, 0xe0000010n, 4, A.IOREQ_READ);
    assert.equal(r.value, X86EMUL_RETRY);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.deepEqual(labels(r.stops, 'handle_mmio').slice(-3), ['okay_read', 'unhandleable', 'ret']);
  });
});

describe('mutation (issue 16): 4.4 send_timeoffset_req and send_invalidate_req ([X44] io.c:128-172)', () => {
  it('send_timeoffset_req: nothing for 0; otherwise an 8-byte TIMEOFFSET write on the buffered ring (two slots); a refusal logs "Unsuccessful timeoffset update"', () => {
    const g = new G44();
    const s = g.server();
    let r = g.stepped(g.v(), (h) => h.sendTimeoffsetReq(g.v(), 0n));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'send_timeoffset_req'), ['zero']);
    assert.equal(ptrs(s).write_pointer, 0);
    r = g.stepped(g.v(), (h) => h.sendTimeoffsetReq(g.v(), -2n));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'send_timeoffset_req'), ['zero', 'memset', 'set_type', 'set_size', 'set_count', 'set_dir', 'set_data', 'set_state', 'send', 'check_ok', 'ret']);
    assert.deepEqual([bslot(s, 0).type, bslot(s, 0).size, bslot(s, 0).dir, bslot(s, 0).data, bslot(s, 1).data], [A.IOREQ_TYPE_TIMEOFFSET, 3, A.IOREQ_WRITE, 0xfffffffe, 0xffffffff]);
    assert.equal(ptrs(s).write_pointer, 2);
    const n = g.m.x.console.length;
    s.buf_ioreq.va!.setUint32(A.BUF_OFF_WRITE_POINTER, 510, true);
    assert.equal(g.flat('vcpu0', g.v(), () => g.h.sendTimeoffsetReq(g.v(), 5n)), 0);
    const line = g.m.x.console.at(-1)!;
    assert.equal(g.m.x.console.length, n + 1);
    assert.deepEqual([line.level, line.fn, line.text], ['XENLOG_INFO', 'send_timeoffset_req', 'Unsuccessful timeoffset update']);
  });

  it('send_invalidate_req: an INVALIDATE write of 4 bytes, count 1, data all-ones to the server; sent, io_state HVMIO_dispatched; not sent, io_state untouched', () => {
    const g = new G44();
    const s = g.server();
    const r = g.stepped(g.v(), (h) => h.sendInvalidateReq(g.v()));
    assert.equal(r.value, 1);
    const p = g.slot(s);
    assert.deepEqual([p.type, p.size, p.count, p.dir, p.data, p.state], [A.IOREQ_TYPE_INVALIDATE, 4, 1, A.IOREQ_WRITE, 0xffffffffffffffffn, A.STATE_IOREQ_READY]);
    assert.equal(g.vio.io_state, X.HVMIO_dispatched);
    assert.deepEqual(labels(r.stops, 'send_invalidate_req'), ['memset', 'set_type', 'set_size', 'set_count', 'set_dir', 'set_data', 'send', 'check_sent', 'ret']);
    const g2 = new G44();
    g2.server();
    g2.flat('toolstack', null, () => g2.h.domainShutdown(g2.d, 0));
    assert.equal(g2.flat('vcpu0', g2.v(), () => g2.h.sendInvalidateReq(g2.v())), 0);
    assert.equal(g2.vio.io_state, X.HVMIO_none);
  });
});
