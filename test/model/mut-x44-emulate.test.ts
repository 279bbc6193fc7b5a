// Issue 16, src/model/xen/4.4/emulate.ts: 4.4's hvmemul_do_io and the string-I/O callbacks, shared by the legacy and
// seed profiles, driven on the seed. [X44] is xen/arch/x86/hvm/emulate.c @RELEASE-4.4.0: hvmemul_do_io 52-298,
// hvmemul_rep_ins 718-754, hvmemul_rep_outs 756-792, hvmemul_rep_movs 794-901; io.c's handle_mmio 174-217 for the
// string path. Where a test sets io_state or a slot by hand, it is what an earlier access (or a misbehaving device
// model) leaves there.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import * as X from '../../src/model/xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE } from '../../src/model/xen/common/outcome';
import { G44 } from './x44-guest';
import { labels, localsAt } from './x45-guest';

const RAM = 0x100000n; // a RAM frame (gfn 0x100) of the guest

describe('mutation (issue 16): 4.4 hvmemul_do_io ([X44] emulate.c:52-298)', () => {
  it('a string access whose guest buffer is paged out: the pager is asked to populate it, RETRY, nothing sent (emulate.c:72-80)', () => {
    const g = new G44();
    const s = g.server();
    g.d.page(0x100)!.paged_out = true;
    const from = g.m.x.events.length;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0n, false, 4, RAM + 0x10n, 0, true));
    assert.equal(r.value, X86EMUL_RETRY);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-3), ['ram_page', 'populate', 'paged_ret']);
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'ram_page').ram_gfn, '256');
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'ram_page').p2mt, '"p2m_ram_paged"');
    assert.deepEqual(g.d.paging_requests, [0x100]);
    assert.deepEqual(g.events('p2m_paging', from).map((e) => e.detail), [{ gfn: 0x100, by: 'hvmemul_do_io' }]);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_NONE);
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('a shared buffer frame: RETRY without asking the pager (emulate.c:81-86)', () => {
    const g = new G44();
    g.server();
    g.d.page(0x100)!.shared = true;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0n, false, 4, RAM, 0, true));
    assert.equal(r.value, X86EMUL_RETRY);
    assert.equal(labels(r.stops, 'hvmemul_do_io').at(-1), 'shared');
    assert.deepEqual(g.d.paging_requests, []);
  });

  it('a weird size (3, or above 8): "bad mmio size", a read gives all-ones in io_data, a write is dropped; UNHANDLEABLE (emulate.c:88-101)', () => {
    const g = new G44();
    const s = g.server();
    g.vio.io_data = 0x1234n;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), true, 0xe0000000n, 3, A.IOREQ_WRITE, 0x55n, false));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-4), ['size', 'bad_size', 'all_ones', 'bad_size_ret']);
    assert.equal(g.vio.io_data, 0x1234n, 'a write leaves io_data');
    const line = g.m.x.console.at(-1)!;
    assert.deepEqual([line.level, line.fn, line.domid, line.text], ['XENLOG_WARNING', 'hvmemul_do_io', 1, 'bad mmio size 3']);
    assert.equal(g.doIo(true, 0xe0000000n, 16, A.IOREQ_READ), X86EMUL_UNHANDLEABLE);
    assert.equal(g.vio.io_data, 0xffffffffffffffffn);
    assert.equal(g.m.x.console.at(-1)!.text, 'bad mmio size 16');
    for (const size of [1, 2, 4, 8]) { assert.notEqual(g.doIo(true, 0xe0000000n, size, A.IOREQ_WRITE, 1n), X86EMUL_UNHANDLEABLE, `size ${size}`); g.answer(s, 0n); }
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('io_state not HVMIO_none: UNHANDLEABLE, nothing changes (emulate.c:143-165)', () => {
    const g = new G44();
    const s = g.server();
    g.vio.io_state = X.HVMIO_dispatched;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n, false));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'io_state').io_state, '"HVMIO_dispatched"');
    assert.equal(labels(r.stops, 'hvmemul_do_io').at(-1), 'io_state');
    assert.equal(g.vio.io_state, X.HVMIO_dispatched);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_NONE);
  });

  it('the server\'s slot for the vcpu still busy: "WARNING: io already pending?", UNHANDLEABLE (emulate.c:167-173)', () => {
    const g = new G44();
    const s = g.server();
    g.h.getIoreq(s, 0).state = A.STATE_IOREQ_INPROCESS;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n, false));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-3), ['pending', 'pending_printk', 'pending_ret']);
    const line = g.m.x.console.at(-1)!;
    assert.deepEqual([line.level, line.fn, line.text], ['XENLOG_WARNING', 'hvmemul_do_io', 'WARNING: io already pending?']);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    // Another vcpu's busy slot is not this vcpu's business.
    const g2 = new G44(2);
    const s2 = g2.server();
    g2.h.getIoreq(s2, 1).state = A.STATE_IOREQ_INPROCESS;
    assert.equal(g2.doIo(false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n), X86EMUL_OKAY);
  });

  it('the request as sent: PIO or COPY, the address, size, count, df, data_is_ptr; data is a write\'s value cut to size, a read\'s 0, a string access\'s buffer address (emulate.c:52-66, 175-190)', () => {
    const g = new G44();
    const s = g.server();
    assert.equal(g.doIo(false, 0x3f8n, 1, A.IOREQ_WRITE, 0xdead1234n), X86EMUL_OKAY, 'a write needs no answer');
    let p = g.slot(s);
    assert.deepEqual([p.type, p.addr, p.size, p.count, p.dir, p.df, p.data_is_ptr, p.data], [A.IOREQ_TYPE_PIO, 0x3f8n, 1, 1, A.IOREQ_WRITE, 0, 0, 0x34n]);
    assert.equal(g.vio.io_state, X.HVMIO_dispatched);
    assert.equal(g.vio.io_size, 1);
    g.answer(s, 0n);
    assert.equal(g.doIo(true, 0xe0000000n, 2, A.IOREQ_READ, 0xdead1234n), X86EMUL_RETRY, 'a read waits for its answer');
    p = g.slot(s);
    assert.deepEqual([p.type, p.addr, p.size, p.dir, p.data_is_ptr, p.data], [A.IOREQ_TYPE_COPY, 0xe0000000n, 2, A.IOREQ_READ, 0, 0n]);
    assert.equal(g.vio.io_state, X.HVMIO_awaiting_completion);
    assert.equal(g.vio.io_size, 2);
    g.answer(s, 0x77n);
    assert.equal(g.vio.io_data, 0x77n);
    g.vio.io_state = X.HVMIO_none;
    // A string read (REP INS): data_is_ptr, the buffer's address as data, count and df; no p_data, so dispatched.
    assert.equal(g.doIo(false, 0x3f8n, 2, A.IOREQ_READ, 0n, false, 5, RAM + 0x20n, 1, true), X86EMUL_OKAY);
    p = g.slot(s);
    assert.deepEqual([p.count, p.df, p.data_is_ptr, p.data, p.dir], [5, 1, 1, RAM + 0x20n, A.IOREQ_READ]);
    assert.equal(g.vio.io_state, X.HVMIO_dispatched);
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0n, false));
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'io_state').io_state, '"HVMIO_dispatched"');
  });

  it('no server yet: the access is ignored, OKAY, io_data left for a read; counted and recorded (emulate.c:214-221)', () => {
    const g = new G44();
    g.vio.io_data = 0x99n;
    const from = g.m.x.events.length;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-4), ['intercept_rc', 'has_dm', 'no_dm_none', 'no_dm_ret']);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.vio.io_data, 0x99n);
    assert.equal(g.v().io_dropped, 1);
    assert.deepEqual(g.events('io_dropped', from).map((e) => [e.fn, e.domid, e.vcpu, e.text]), [['hvmemul_do_io', 1, 0, 'd1v0 I/O to 0x3f8 ignored: no device model (no ioreq server yet)']]);
    g.m.x.on = false;
    const n = g.m.x.events.length;
    assert.equal(g.doIo(false, 0x3f8n, 1, A.IOREQ_READ), X86EMUL_OKAY);
    assert.equal(g.m.x.events.length, n);
    assert.equal(g.v().io_dropped, 2);
  });

  it('not sent (the domain is shutting down): RETRY, io_state back to none, recorded (emulate.c:222-232)', () => {
    const g = new G44();
    const s = g.server();
    g.flat('toolstack', null, () => g.h.domainShutdown(g.d, 0));
    const from = g.m.x.events.length;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n, false));
    assert.equal(r.value, X86EMUL_RETRY);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-4), ['send', 'sent', 'not_sent', 'not_sent_ret']);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_NONE);
    assert.deepEqual(g.events('io_dropped', from).filter((e) => e.fn === 'hvmemul_do_io').map((e) => [e.domid, e.vcpu, e.text]), [[1, 0, 'd1v0 I/O to 0x3f8 not sent: the instruction will restart']]);
    g.m.x.on = false;
    const n = g.m.x.events.length;
    assert.equal(g.doIo(false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n), X86EMUL_RETRY);
    assert.equal(g.m.x.events.length, n);
  });

  it('Xen\'s own MMIO handler (the vlapic page) completes a read at once through hvm_io_assist on the stack copy: OKAY, io_data 0, no slot (emulate.c:192-212)', () => {
    const g = new G44();
    const s = g.server();
    g.vio.io_data = 0x5555n;
    const from = g.m.x.events.length;
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), true, 0xfee00030n, 4, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-6), ['buffered_intercept', 'intercept_rc', 'resp_ready', 'io_assist', 'io_state_none', 'finish_access']);
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'buffered_intercept').rc, String(X86EMUL_OKAY));
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'finish_access').io_data, '0x0');
    assert.equal(g.vio.io_data, 0n);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_NONE);
    assert.deepEqual(g.events('slot_state', from), [], 'the stack copy is no slot');
    // The second such access reuses the same stack copy and behaves the same.
    assert.equal(g.doIo(true, 0xfee00030n, 4, A.IOREQ_READ), X86EMUL_OKAY);
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('a write into stdvga\'s window (not caching) goes on the buffered ring: OKAY, no synchronous slot (emulate.c:192-195, stdvga.c:545-588)', () => {
    const g = new G44();
    const s = g.server();
    const wp = A.readBufPointers(s.buf_ioreq.va!).write_pointer;
    assert.equal(g.doIo(true, 0xa0010n, 1, A.IOREQ_WRITE, 0x5an), X86EMUL_OKAY);
    assert.equal(A.readBufPointers(s.buf_ioreq.va!).write_pointer, wp + 1);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_NONE);
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('the model\'s forced-buffered switch: queued is OKAY; a request the ring refuses (a read) goes on to the server synchronously', () => {
    const g = new G44();
    const s = g.server();
    const wp = A.readBufPointers(s.buf_ioreq.va!).write_pointer;
    assert.equal(g.doIo(true, 0xd0000n, 4, A.IOREQ_WRITE, 0x1234n, true), X86EMUL_OKAY);
    assert.equal(A.readBufPointers(s.buf_ioreq.va!).write_pointer, wp + 1);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_NONE);
    assert.equal(g.doIo(true, 0xe0000000n, 4, A.IOREQ_WRITE, 0x1234n, true), X86EMUL_OKAY, 'above 1 MiB the ring refuses it: synchronous');
    assert.equal(A.readBufPointers(s.buf_ioreq.va!).write_pointer, wp + 1);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_READY);
  });
});

describe('mutation (issue 16): 4.4 string I/O ([X44] emulate.c:718-901, io.c:174-217)', () => {
  const str = (g: G44, kind: 'outs' | 'ins' | 'movs', a: bigint, b: bigint, size: number, reps: number, df = 0) =>
    g.stepped(g.v(), (h) => h.handleStringIo(g.v(), kind, a, b, size, reps, df));

  it('REP OUTS from RAM: one PIO write with data_is_ptr, count and df; done at once (OKAY), io_state none', () => {
    const g = new G44();
    const s = g.server();
    const r = str(g, 'outs', 0x3f8n, RAM, 1, 4, 1);
    assert.equal(r.value, X86EMUL_OKAY);
    const p = g.slot(s);
    assert.deepEqual([p.type, p.dir, p.count, p.df, p.data_is_ptr, p.data], [A.IOREQ_TYPE_PIO, A.IOREQ_WRITE, 4, 1, 1, RAM]);
    assert.deepEqual(labels(r.stops, 'handle_string_io'), ['init_vio', 'emulate', 'outs', 'rc', 'ret']);
    assert.deepEqual(labels(r.stops, 'hvmemul_rep_outs'), ['p2mt', 'do_io']);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(localsAt(r.stops, 'handle_string_io', 'rc').io_state, '"HVMIO_dispatched"');
  });

  it('REP INS into RAM: one PIO read with data_is_ptr; dispatched (no p_data), so OKAY too', () => {
    const g = new G44();
    const s = g.server();
    const r = str(g, 'ins', 0x3f8n, RAM + 8n, 2, 3);
    assert.equal(r.value, X86EMUL_OKAY);
    const p = g.slot(s);
    assert.deepEqual([p.type, p.dir, p.count, p.size, p.data_is_ptr, p.data], [A.IOREQ_TYPE_PIO, A.IOREQ_READ, 3, 2, 1, RAM + 8n]);
    assert.deepEqual(labels(r.stops, 'handle_string_io').slice(0, 3), ['init_vio', 'emulate', 'ins']);
    assert.deepEqual(labels(r.stops, 'hvmemul_rep_ins'), ['p2mt', 'do_io']);
    // Xen's port intercepts see it first (stdvga's ports would be snooped); it is not offered to the buffered ring.
    assert.ok(labels(r.stops, 'hvm_portio_intercept').length > 0);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send'), []);
  });

  it('REP OUTS to stdvga\'s sequencer port: the port intercept snoops the first element read from the buffer (intercept.c:181-301 @RELEASE-4.4.0), then the device model gets the request', () => {
    const g = new G44();
    const s = g.server();
    g.d.page(0x100)!.data().setUint8(0, 0x07);
    const r = str(g, 'outs', 0x3c4n, RAM, 1, 2);
    assert.equal(r.value, X86EMUL_OKAY);
    assert.equal(g.d.stdvga.sr_index, 7);
    assert.equal(g.slot(s).state, A.STATE_IOREQ_READY);
  });

  it('a REP OUTS/INS buffer in MMIO (no RAM): the callback refuses it, UNHANDLEABLE, and the fallback is recorded (emulate.c:770-774)', () => {
    const g = new G44();
    const s = g.server();
    const from = g.m.x.events.length;
    for (const kind of ['outs', 'ins'] as const) {
      const r = str(g, kind, 0x3f8n, 0xe0000000n, 1, 2);
      assert.equal(r.value, X86EMUL_UNHANDLEABLE);
      assert.equal(localsAt(r.stops, `hvmemul_rep_${kind}`, 'p2mt').p2mt, '"p2m_mmio_dm"');
    }
    assert.equal(g.slot(s).state, A.STATE_IOREQ_NONE);
    assert.deepEqual(g.events('io_dropped', from).map((e) => [e.fn, e.text]), [
      ['hvmemul_rep_outs', 'd1v0 REP OUTS: the callback gives X86EMUL_UNHANDLEABLE; x86_emulate would go one element at a time (not modelled)'],
      ['hvmemul_rep_ins', 'd1v0 REP INS: the callback gives X86EMUL_UNHANDLEABLE; x86_emulate would go one element at a time (not modelled)']]);
    g.m.x.on = false;
    const n = g.m.x.events.length;
    str(g, 'outs', 0x3f8n, 0xe0000000n, 1, 2);
    assert.equal(g.m.x.events.length, n);
  });

  it('REP MOVS from MMIO into RAM: one COPY read at the source, data the destination; into MMIO: a COPY write at the destination, data the source; both MMIO: UNHANDLEABLE', () => {
    const g = new G44();
    const s = g.server();
    let r = str(g, 'movs', 0xe0000000n, RAM, 4, 2);
    assert.equal(r.value, X86EMUL_OKAY);
    let p = g.slot(s);
    assert.deepEqual([p.type, p.addr, p.dir, p.data, p.count, p.data_is_ptr], [A.IOREQ_TYPE_COPY, 0xe0000000n, A.IOREQ_READ, RAM, 2, 1]);
    assert.deepEqual(labels(r.stops, 'hvmemul_rep_movs'), ['init_p2mt', 'init_bytes', 'p2mt', 'mmio_src']);
    assert.deepEqual(labels(r.stops, 'handle_string_io').slice(0, 3), ['init_vio', 'emulate', 'movs']);
    // Xen's MMIO intercepts see it first; it is not offered to the buffered ring.
    assert.ok(labels(r.stops, 'hvm_mmio_intercept').length > 0);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send'), []);
    g.answer(s, 0n);
    g.vio.io_state = X.HVMIO_none;
    r = str(g, 'movs', RAM, 0xe0000100n, 4, 2);
    assert.equal(r.value, X86EMUL_OKAY);
    p = g.slot(s);
    assert.deepEqual([p.type, p.addr, p.dir, p.data], [A.IOREQ_TYPE_COPY, 0xe0000100n, A.IOREQ_WRITE, RAM]);
    assert.deepEqual(labels(r.stops, 'hvmemul_rep_movs'), ['init_p2mt', 'init_bytes', 'p2mt', 'mmio_src', 'mmio_dst']);
    g.answer(s, 0n);
    r = str(g, 'movs', 0xe0000000n, 0xe0000100n, 4, 2);
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'hvmemul_rep_movs'), ['init_p2mt', 'init_bytes', 'p2mt']);
  });

  it('REP MOVS RAM to RAM: Xen copies it, forwards or backwards (df), and refuses an overlapping copy', () => {
    const g = new G44();
    for (let i = 0; i < 16; i++) g.d.page(0x100)!.data().setUint8(i, 0x10 + i);
    const bytes = (off: number) => Array.from({ length: 8 }, (_, i) => g.d.page(0x100)!.data().getUint8(off + i));
    let r = str(g, 'movs', RAM, RAM + 0x100n, 2, 4);
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(bytes(0x100), [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
    assert.equal(g.v().io_done, 1);
    assert.equal(localsAt(r.stops, 'hvmemul_rep_movs', 'ram_copy').bytes, '0x8');
    assert.deepEqual(labels(r.stops, 'hvmemul_rep_movs'), ['init_p2mt', 'init_bytes', 'p2mt', 'mmio_src', 'mmio_dst', 'df_sgpa', 'ram_copy', 'df_dgpa', 'copy']);
    // df: src and dst are the last elements; the block below them is copied.
    r = str(g, 'movs', RAM + 6n, RAM + 0x206n, 2, 4, 1);
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(bytes(0x200), [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
    const c = localsAt(r.stops, 'hvmemul_rep_movs', 'ram_copy');
    assert.deepEqual([c.sgpa, c.dgpa], ['0x100000', '0x100206'], 'the source adjusted before the overlap test, the destination after');
    // The first element's destination inside the source block: refused (emulate.c:861-867).
    assert.equal(str(g, 'movs', RAM, RAM + 2n, 2, 4).value, X86EMUL_UNHANDLEABLE);
    assert.equal(str(g, 'movs', RAM, RAM + 7n, 2, 4).value, X86EMUL_UNHANDLEABLE);
    assert.equal(str(g, 'movs', RAM + 2n, RAM + 1n, 2, 4).value, X86EMUL_UNHANDLEABLE, 'its last byte in the block');
    // Just clear of it on either side: copied (a destination below the source is a plain forward copy).
    assert.equal(str(g, 'movs', RAM, RAM + 8n, 2, 4).value, X86EMUL_OKAY);
    assert.equal(str(g, 'movs', RAM + 2n, RAM, 2, 4).value, X86EMUL_OKAY);
    assert.deepEqual(bytes(0), [0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x10, 0x11], 'bytes 8-9 hold the copy made just before');
  });

  it('REP MOVS RAM to RAM whose source runs into a paged-out frame: the whole source is read before anything is written, so the destination is untouched; RETRY (emulate.c:880-890)', () => {
    const g = new G44();
    g.d.page(0x100)!.data().setUint8(0xfff, 0xab);
    g.d.page(0x101)!.paged_out = true;
    assert.equal(str(g, 'movs', RAM + 0xfffn, RAM + 0x2000n, 1, 2).value, X86EMUL_RETRY);
    assert.equal(g.d.page(0x102)!.data().getUint8(0), 0, 'hvm_copy_from_guest_phys failed: nothing reaches the destination');
    assert.deepEqual(g.d.paging_requests, [0x101]);
  });

  it('REP MOVS RAM to RAM: a source ending at a frame\'s last byte reads nothing beyond it; a source starting in a paged-out frame fails even if the rest is RAM; a shared frame retries without a warning', () => {
    const g = new G44();
    g.d.page(0x100)!.data().setUint8(0xffe, 0x5a);
    g.d.page(0x101)!.paged_out = true;
    assert.equal(str(g, 'movs', RAM + 0xffen, RAM + 0x2000n, 1, 2).value, X86EMUL_OKAY, 'the paged frame after the source is not touched');
    assert.equal(g.d.page(0x102)!.data().getUint8(0), 0x5a);
    assert.equal(str(g, 'movs', RAM + 0x1fffn, RAM + 0x3000n, 1, 2).value, X86EMUL_RETRY, 'its first byte is paged out');
    assert.equal(g.d.page(0x103)!.data().getUint8(1), 0);
    const g2 = new G44();
    g2.d.page(0x101)!.shared = true;
    const n = g2.m.x.console.length;
    assert.equal(str(g2, 'movs', RAM + 0x1000n, RAM, 1, 2).value, X86EMUL_RETRY);
    assert.equal(g2.m.x.console.length, n);
  });

  it('REP MOVS RAM to RAM that runs into a frame with no RAM: "Failed memory-to-memory REP MOVS", UNHANDLEABLE (emulate.c:891-897)', () => {
    const g = new G44();
    g.d.holes.add(0x101);
    assert.equal(str(g, 'movs', RAM + 0xfffn, RAM + 0x2000n, 1, 2).value, X86EMUL_UNHANDLEABLE);
    const line = g.m.x.console.at(-1)!;
    assert.deepEqual([line.level, line.fn, line.text], ['XENLOG_WARNING', 'hvmemul_rep_movs', 'Failed memory-to-memory REP MOVS: sgpa=0000000000100fff dgpa=0000000000102000 reps=2 bytes_per_rep=1']);
    assert.equal(g.d.page(0x102)!.data().getUint8(0), 0);
  });

  it('REP MOVS RAM to RAM with a paged-out frame: RETRY; a read-only destination drops the writes; every byte copied counts once', () => {
    const g = new G44();
    g.d.page(0x101)!.paged_out = true;
    const r = str(g, 'movs', RAM, RAM + 0x1000n, 1, 2);
    assert.equal(r.value, X86EMUL_RETRY);
    assert.deepEqual(labels(r.stops, 'handle_string_io').slice(-2), ['check_awaiting', 'ret']);
    assert.equal(localsAt(r.stops, 'handle_string_io', 'check_awaiting').io_state, '"HVMIO_none"');
    assert.equal(g.v().io_done, 0);
    const r2 = str(g, 'movs', RAM + 0x1000n, RAM, 1, 2);
    assert.equal(r2.value, X86EMUL_RETRY, 'a paged source too');
    g.d.page(0x102)!.not_writable = true;
    g.d.page(0x100)!.data().setUint8(0, 0xab);
    assert.equal(str(g, 'movs', RAM, RAM + 0x2000n, 1, 1).value, X86EMUL_OKAY);
    assert.equal(g.d.page(0x102)!.data().getUint8(0), 0);
  });

});
