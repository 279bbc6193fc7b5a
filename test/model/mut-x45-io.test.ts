// Issue 16, src/model/xen/4.5/io.ts and src/model/xen/4.5/emulate.ts: the vcpu's I/O path of Xen 4.5 the mutation run
// found unpinned. [X45] is xen/arch/x86/hvm/*.c @RELEASE-4.5.0: io.c (handle_mmio 80-116, handle_pio 131-170,
// send_invalidate_req 68-78), emulate.c (hvmemul_do_io 53-262), hvm.c (hvm_send_assist_req and its helpers
// 2510-2625, hvm_access_cf8 566-576). Where a test sets a vcpu's io_state or a slot by hand, it is the state an
// earlier access (or a misbehaving device model) leaves there.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import * as X from '../../src/model/xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE } from '../../src/model/xen/common/outcome';
import { TRAP_gp_fault } from '../../src/model/xen/4.4/io';
import { HVMOP_IO_RANGE_PORT } from '../../src/model/xen/4.5/hvm';
import { G45, labels, localsAt } from './x45-guest';

const OK = String(X86EMUL_OKAY), RETRY = String(X86EMUL_RETRY);
const bufPointers = (g: G45, s: X.HvmIoreqServer45) => A.readBufPointers(s.bufioreq.va!);

describe('mutation (issue 16): 4.5 handle_pio ([X45] io.c:131-170)', () => {
  it('a read no server claims: Xen completes it (all-ones), RETRY with HVMIO_completed is not retired, and the second pass takes the value (io.c:155-157, emulate.c:143-151)', () => {
    const g = new G45();
    g.secondary(); // a server exists (hvm_has_dm) but claims no port: hvm_select_ioreq_server finds none
    g.v().rax = 0x1122334455667788n;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handlePio(g.v(), 0x60, 1, A.IOREQ_READ, 0n));
    assert.equal(r.value, 1);
    assert.equal(g.v().rax, 0x11223344556677ffn, 'a 1-byte IN replaces only al');
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'check_awaiting', 'not_retired', 'do_pio', 'rc', 'okay_read', 'okay_ret']);
    assert.equal(localsAt(r.stops, 'handle_pio', 'do_pio', 0).pass, '0');
    assert.equal(localsAt(r.stops, 'handle_pio', 'do_pio', 1).pass, '1', 'the second pass of the loop');
    const rc0 = localsAt(r.stops, 'handle_pio', 'rc', 0), rc1 = localsAt(r.stops, 'handle_pio', 'rc', 1);
    assert.deepEqual([rc0.rc, rc0.io_state, rc1.rc, rc1.io_state], [RETRY, '"HVMIO_completed"', OK, '"HVMIO_none"']);
    assert.equal(localsAt(r.stops, 'handle_pio', 'check_awaiting').io_state, '"HVMIO_completed"');
    assert.equal(localsAt(r.stops, 'handle_pio', 'not_retired').io_state, '"HVMIO_completed"');
    const ok = localsAt(r.stops, 'handle_pio', 'okay_read');
    assert.deepEqual([ok.io_data, ok.rax], ['0xffffffffffffffff', '0x1122334455667788'], 'the stop is before rax is written');
    // hvmemul_do_io's second pass: the completed case, finish_access copies io_data (emulate.c:143-151).
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-6), ['init_p', 'io_state', 'completed_none', 'check_p_data', 'finish_access', 'completed_ret']);
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'finish_access').io_data, '0xffffffffffffffff');
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'io_state', 1).io_state, '"HVMIO_completed"');
    assert.equal(g.v().io_done, 2, 'hvm_io_assist on the request, then the second pass');
  });

  it('a read sent to a server: RETRY with HVMIO_awaiting_completion becomes HVMIO_handle_pio_awaiting_completion and returns 1; the answer lands in rax (io.c:158-163, 193-197)', () => {
    const g = new G45();
    const def = g.defaultServer();
    g.v().rax = 0x1122334455667788n;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handlePio(g.v(), 0x3f8, 4, A.IOREQ_READ, 0n));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'check_awaiting', 'pio_awaiting', 'retry_ret']);
    assert.equal(localsAt(r.stops, 'handle_pio', 'check_awaiting').io_state, '"HVMIO_awaiting_completion"');
    assert.equal(g.vio.io_state, X.HVMIO_handle_pio_awaiting_completion);
    assert.equal(g.v().rax, 0x1122334455667788n, 'nothing written before the answer');
    const p = g.slot(def);
    assert.deepEqual([p.type, p.addr, p.size, p.dir, p.data, p.state], [A.IOREQ_TYPE_PIO, 0x3f8n, 4, A.IOREQ_READ, 0n, A.STATE_IOREQ_READY]);
    g.answer(def, 0xaabbccdd99887766n);
    assert.equal(g.v().rax, 0x99887766n, 'a 4-byte IN zero-extends');
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('an IN while the previous one still awaits its answer: hvmemul_do_io says UNHANDLEABLE, and handle_pio\'s default case logs and crashes the domain (io.c:164-167, emulate.c:152-164)', () => {
    const g = new G45();
    g.defaultServer();
    assert.equal(g.pio(0x3f8, 1, A.IOREQ_READ), 1);
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handlePio(g.v(), 0x3f8, 1, A.IOREQ_READ, 0n));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'weird', 'crash', 'weird_ret']);
    assert.equal(localsAt(r.stops, 'handle_pio', 'crash').d, 'd1 (HVM)');
    assert.equal(labels(r.stops, 'hvmemul_do_io').at(-1), 'busy_ret');
    const line = g.m.x.console.find((c) => c.fn === 'handle_pio')!;
    assert.deepEqual([line.level, line.text], ['XENLOG_ERR', `Weird HVM ioemulation status ${X86EMUL_UNHANDLEABLE}.`]);
    assert.deepEqual(g.d.crashed && [g.d.crashed.fn, g.d.crashed.reason], ['handle_pio', `Weird HVM ioemulation status ${X86EMUL_UNHANDLEABLE}`]);
  });

  it('a write no server takes because the domain is shutting down: RETRY with HVMIO_none returns 0 at once, one pass, counted as a restart (io.c:155-157, emulate.c:231-237, hvm.c:2523-2524)', () => {
    const g = new G45();
    const def = g.defaultServer();
    g.flat('toolstack', null, () => g.h.domainShutdown(g.d, 0));
    const from = g.m.x.events.length;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handlePio(g.v(), 0x3f8, 1, A.IOREQ_WRITE, 0x41n));
    assert.equal(r.value, 0, 'not retired');
    assert.deepEqual(labels(r.stops, 'handle_pio'), ['init_vio', 'do_pio', 'rc', 'check_awaiting', 'not_retired']);
    assert.equal(localsAt(r.stops, 'handle_pio', 'not_retired').io_state, '"HVMIO_none"');
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.v().io_restarts, 1);
    assert.equal(g.slot(def).state, A.STATE_IOREQ_NONE, 'nothing was sent');
    const ev = g.events('io_dropped', from);
    assert.deepEqual(ev.map((e) => [e.fn, e.domid, e.vcpu, e.text]), [['hvmemul_do_io', 1, 0, 'd1v0 I/O to 0x3f8 not sent: the instruction will restart']]);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-3), ['send', 'sent', 'ret']);
    // With events off (the explorer's runs) the restart is counted and nothing recorded.
    g.m.x.on = false;
    const n = g.m.x.events.length;
    assert.equal(g.pio(0x3f8, 1, A.IOREQ_WRITE, 0x41n), 0);
    assert.equal(g.v().io_restarts, 2);
    assert.equal(g.m.x.events.length, n);
  });

  it('with no server at all an OUT is ignored (OKAY): rax is not loaded from io_data; an IN gets whatever io_data holds (emulate.c:222-227, io.c:146-152)', () => {
    const g = new G45();
    g.vio.io_data = 0xabcdn;
    g.v().rax = 0x1122334455667788n;
    const from = g.m.x.events.length;
    assert.equal(g.pio(0x3f8, 1, A.IOREQ_WRITE, 0x41n), 1);
    assert.equal(g.v().rax, 0x1122334455667788n);
    assert.equal(g.pio(0x3f8, 2, A.IOREQ_READ), 1);
    assert.equal(g.v().rax, 0x112233445566abcdn);
    assert.equal(g.v().io_dropped, 2);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    const ev = g.events('io_dropped', from);
    assert.deepEqual(ev.map((e) => [e.fn, e.domid, e.vcpu, e.text]), [0, 1].map(() => ['hvmemul_do_io', 1, 0, 'd1v0 I/O to 0x3f8 ignored: no ioreq server (hvm_has_dm is false)']));
    // With events off (the explorer's runs) nothing is recorded, the access is still ignored.
    g.m.x.on = false;
    const n = g.m.x.events.length;
    assert.equal(g.pio(0x3f8, 1, A.IOREQ_WRITE, 0x41n), 1);
    assert.equal(g.m.x.events.length, n);
    assert.equal(g.v().io_dropped, 3);
  });
});

describe('mutation (issue 16): 4.5 handle_mmio ([X45] io.c:80-116)', () => {
  it('a read sent to a server: an MMIO (COPY) request, io_state HVMIO_handle_mmio_awaiting_completion, rax untouched until the answer (io.c:94-97)', () => {
    const g = new G45();
    const def = g.defaultServer();
    g.vio.io_data = 0x5555n;
    g.v().rax = 0x1122334455667788n;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handleMmio(g.v(), 0xe0000000n, 2, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'handle_mmio'), ['init_vio', 'do_mmio', 'rc', 'check_awaiting', 'unhandleable', 'writeback', 'ret']);
    assert.equal(localsAt(r.stops, 'handle_mmio', 'rc').io_state, '"HVMIO_awaiting_completion"');
    assert.equal(localsAt(r.stops, 'handle_mmio', 'check_awaiting').io_state, '"HVMIO_awaiting_completion"');
    assert.equal(g.vio.io_state, X.HVMIO_handle_mmio_awaiting_completion);
    assert.equal(g.vio.mmio_gpa, 0xe0000000n);
    assert.equal(g.v().rax, 0x1122334455667788n, 'RETRY: no writeback');
    const p = g.slot(def);
    assert.deepEqual([p.type, p.addr, p.size, p.dir], [A.IOREQ_TYPE_COPY, 0xe0000000n, 2, A.IOREQ_READ]);
    assert.equal(g.v().arch.hvm_vcpu.inject_trap.vector, -1);
    g.answer(def, 0xbeefn);
    assert.equal(g.v().rax, 0x112233445566beefn);
  });

  it('a read no server claims is re-executed: the second pass finds HVMIO_completed and the all-ones land in rax (io.c:94-97 with hvm.c:2574-2602)', () => {
    const g = new G45();
    g.secondary();
    g.v().rax = 0x1122334455667788n;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handleMmio(g.v(), 0xe0000000n, 4, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'handle_mmio'), ['init_vio', 'do_mmio', 'rc', 'check_awaiting', 'do_mmio', 'rc', 'check_awaiting', 'unhandleable', 'writeback', 'ret']);
    assert.equal(localsAt(r.stops, 'handle_mmio', 'do_mmio', 1).pass, '1');
    assert.equal(localsAt(r.stops, 'handle_mmio', 'rc', 0).io_state, '"HVMIO_completed"');
    assert.equal(localsAt(r.stops, 'handle_mmio', 'check_awaiting', 0).io_state, '"HVMIO_completed"');
    const w = localsAt(r.stops, 'handle_mmio', 'writeback');
    assert.deepEqual([w.io_data, w.rax], ['0xffffffffffffffff', '0x1122334455667788']);
    assert.equal(g.v().rax, 0xffffffffn, 'a 4-byte load zero-extends');
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('an access while the previous read still awaits: UNHANDLEABLE sets io_state back to HVMIO_none and the caller injects #GP; handle_mmio returns 0 (io.c:94-105)', () => {
    const g = new G45();
    g.defaultServer();
    g.v().rax = 0x77n;
    assert.equal(g.mmio(0xe0000000n, 4, A.IOREQ_READ), 1);
    assert.equal(g.vio.io_state, X.HVMIO_handle_mmio_awaiting_completion);
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handleMmio(g.v(), 0xe0000000n, 4, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'handle_mmio'), ['init_vio', 'do_mmio', 'rc', 'check_awaiting', 'unhandleable']);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.v().arch.hvm_vcpu.inject_trap.vector, TRAP_gp_fault);
    assert.equal(g.v().rax, 0x77n);
  });

  it('an MMIO write no server takes because the domain is shutting down: RETRY with HVMIO_none is not re-executed, one pass, returns 1 (io.c:94-97, emulate.c:231-237)', () => {
    const g = new G45();
    const def = g.defaultServer();
    g.flat('toolstack', null, () => g.h.domainShutdown(g.d, 0));
    g.v().rax = 0x99n;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handleMmio(g.v(), 0xe0000000n, 4, A.IOREQ_WRITE, 0x41n, false));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'handle_mmio'), ['init_vio', 'do_mmio', 'rc', 'check_awaiting', 'unhandleable', 'writeback', 'ret']);
    assert.equal(localsAt(r.stops, 'handle_mmio', 'rc').rc, RETRY);
    assert.equal(g.v().io_restarts, 1);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.slot(def).state, A.STATE_IOREQ_NONE);
    assert.equal(g.v().rax, 0x99n);
  });

  it('with no server an MMIO write is ignored and rax keeps its value; a read gets io_data, merged by size (emulate.c:222-227, 240-243)', () => {
    const g = new G45();
    g.vio.io_data = 0xabcdn;
    g.v().rax = 0x1122334455667788n;
    assert.equal(g.mmio(0xe0000000n, 1, A.IOREQ_WRITE, 0x41n), 1);
    assert.equal(g.v().rax, 0x1122334455667788n);
    assert.equal(g.v().arch.hvm_vcpu.inject_trap.vector, -1, 'an ignored access is no #GP');
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handleMmio(g.v(), 0xe0000000n, 1, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, 1);
    assert.equal(g.v().rax, 0x11223344556677cdn);
    const w = localsAt(r.stops, 'handle_mmio', 'writeback');
    assert.deepEqual([w.io_data, w.rax], ['0xabcd', '0x1122334455667788']);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-3), ['has_dm', 'no_dm_none', 'no_dm_ret']);
  });

  it('an access Xen\'s own MMIO handler claims (the vlapic page): done inside Xen, a read lands through hvm_io_assist on the request, no slot and no server (emulate.c:187-212)', () => {
    const g = new G45();
    const def = g.defaultServer();
    g.v().rax = 0x1122334455667788n;
    g.vio.io_data = 0x5555n;
    const from = g.m.x.events.length;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handleMmio(g.v(), 0xfee00030n, 4, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, 1);
    assert.equal(g.v().rax, 0n, 'the handler read 0; 4 bytes zero-extend');
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.v().io_done, 2, 'hvm_io_assist, then hvmemul_do_io itself');
    assert.equal(g.slot(def).state, A.STATE_IOREQ_NONE, 'the default server never sees it');
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-6), ['intercept', 'intercept_rc', 'resp_ready', 'io_assist', 'intercept_none', 'intercept_ret']);
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'io_assist').dir, String(A.IOREQ_READ));
    assert.ok(labels(r.stops, 'hvm_io_assist').length > 0, 'hvm_io_assist runs for the read');
    // The request is hvm_io_assist's, not a slot (vcpu_id -1): no slot event.
    assert.deepEqual(g.events('slot_state', from), []);
    assert.equal(g.events('io_assist', from).length, 1);
    // A write the vlapic takes needs no completion: no hvm_io_assist call.
    const n = g.m.x.events.length;
    assert.equal(g.mmio(0xfee00030n, 4, A.IOREQ_WRITE, 0x1234n), 1);
    assert.deepEqual(g.events('io_assist', n), []);
    assert.equal(g.v().io_done, 3);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.slot(def).state, A.STATE_IOREQ_NONE);
    assert.equal(g.v().rax, 0n);
  });

  it('a write in stdvga\'s window (not caching) goes on the buffered ring after the MMIO handlers refuse it: OKAY, no synchronous slot (emulate.c:187-191, stdvga.c:545-588 @RELEASE-4.4.0)', () => {
    const g = new G45();
    const def = g.defaultServer();
    const before = bufPointers(g, def).write_pointer;
    assert.equal(g.mmio(0xa0010n, 1, A.IOREQ_WRITE, 0x5an), 1);
    assert.equal(bufPointers(g, def).write_pointer, before + 1);
    assert.equal(g.slot(def).state, A.STATE_IOREQ_NONE);
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('the model\'s buffered switch: a write goes straight to hvm_buffered_io_send; a read, or a write the full ring refuses, goes synchronously to the server', () => {
    const g = new G45();
    const def = g.defaultServer();
    const wp = bufPointers(g, def).write_pointer;
    assert.equal(g.mmio(0xd0000n, 4, A.IOREQ_WRITE, 0x12345678n, true), 1);
    assert.equal(bufPointers(g, def).write_pointer, wp + 1);
    assert.equal(g.slot(def).state, A.STATE_IOREQ_NONE);
    // The ring full: hvm_buffered_io_send returns 0, the write is sent synchronously.
    def.bufioreq.va!.setUint32(A.BUF_OFF_WRITE_POINTER, (bufPointers(g, def).read_pointer + A.IOREQ_BUFFER_SLOT_NUM) >>> 0, true);
    assert.equal(g.mmio(0xd0000n, 4, A.IOREQ_WRITE, 0x12345678n, true), 1);
    assert.deepEqual([g.slot(def).state, g.slot(def).data], [A.STATE_IOREQ_READY, 0x12345678n]);
    // A buffered read is no buffered write: the synchronous path.
    const g2 = new G45();
    const def2 = g2.defaultServer();
    const wp2 = bufPointers(g2, def2).write_pointer;
    assert.equal(g2.mmio(0xd0000n, 4, A.IOREQ_READ, 0n, true), 1);
    assert.equal(bufPointers(g2, def2).write_pointer, wp2);
    assert.equal(g2.slot(def2).state, A.STATE_IOREQ_READY);
  });
});

describe('mutation (issue 16): 4.5 hvmemul_do_io ([X45] emulate.c:53-262)', () => {
  it('a write\'s data is the value cut to the access size; a read carries no data (emulate.c:58-66, 101-105)', () => {
    const g = new G45();
    const def = g.defaultServer();
    assert.equal(g.pio(0x3f8, 1, A.IOREQ_WRITE, 0xdeadbeef1234n), 1);
    assert.equal(g.slot(def).data, 0x34n);
    g.answer(def, 0n);
    assert.equal(g.pio(0x3f8, 2, A.IOREQ_WRITE, 0xdeadbeef1234n), 1);
    assert.equal(g.slot(def).data, 0x1234n);
    g.answer(def, 0n);
    assert.equal(g.pio(0x3f8, 4, A.IOREQ_READ, 0xdeadbeef1234n), 1);
    assert.equal(g.slot(def).data, 0n);
    assert.equal(g.slot(def).dir, A.IOREQ_READ);
  });

  it('io_state HVMIO_completed: a read takes io_data and is done; a write (no p_data) is UNHANDLEABLE; both leave HVMIO_none (emulate.c:143-151)', () => {
    const g = new G45();
    g.defaultServer();
    g.vio.io_state = X.HVMIO_completed; g.vio.io_data = 0x42n;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_READ, 0n, false));
    assert.equal(r.value, X86EMUL_OKAY);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.v().io_done, 1);
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'io_state').io_state, '"HVMIO_completed"');
    g.vio.io_state = X.HVMIO_completed;
    const w = g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n, false));
    assert.equal(w.value, X86EMUL_UNHANDLEABLE);
    assert.equal(g.vio.io_state, X.HVMIO_none);
    assert.equal(g.v().io_done, 1, 'the write is not done');
    assert.deepEqual(labels(w.stops, 'hvmemul_do_io').slice(-2), ['completed_none', 'check_p_data']);
  });

  it('a slot of the vcpu still busy: "WARNING: io already pending?" and UNHANDLEABLE, nothing sent (emulate.c:167-173, hvm.c:383-399)', () => {
    const g = new G45();
    const def = g.defaultServer();
    g.h.ioreqOf(def, g.v()).state = A.STATE_IOREQ_INPROCESS;
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmemulDoIo(g.v(), false, 0x3f8n, 1, A.IOREQ_WRITE, 0x41n, false));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'hvmemul_do_io').slice(-3), ['pending', 'pending_printk', 'pending_ret']);
    const line = g.m.x.console.at(-1)!;
    assert.deepEqual([line.level, line.fn, line.domid, line.text], ['XENLOG_WARNING', 'hvmemul_do_io', 1, 'WARNING: io already pending?']);
    assert.equal(g.vio.io_state, X.HVMIO_none);
  });

  it('port 0xcf8: a 4-byte OUT latches CF8 (and still goes to the device model); a 2-byte OUT, a 4-byte IN, or a 4-byte OUT at 0xcfc or elsewhere does not (hvm.c:566-576)', () => {
    const g = new G45();
    const latch = () => g.d.hvm45.pci_cf8;
    assert.equal(g.pio(0xcf8, 2, A.IOREQ_WRITE, 0x80001234n), 1);
    assert.equal(latch(), 0);
    assert.equal(g.pio(0xcf8, 4, A.IOREQ_READ, 0x80001234n), 1);
    assert.equal(latch(), 0);
    assert.equal(g.pio(0xcfc, 4, A.IOREQ_WRITE, 0x80001234n), 1);
    assert.equal(latch(), 0);
    assert.equal(g.pio(0x80, 4, A.IOREQ_WRITE, 0x80001234n), 1);
    assert.equal(latch(), 0);
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.handlePio(g.v(), 0xcf8, 4, A.IOREQ_WRITE, 0x180001800n));
    assert.equal(latch(), 0x80001800);
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'intercept_rc').pci_cf8, '0x80001800');
    assert.equal(localsAt(r.stops, 'hvmemul_do_io', 'intercept_rc').rc, String(X86EMUL_UNHANDLEABLE));
    assert.equal(g.v().io_dropped, 5, 'no server: every one of them went on and was ignored');
  });

  it('stdvga\'s port pairs are snooped on the way to the device model: a sequencer index write reaches stdvga_outb (emulate.c:192-195, stdvga.c:157-188 @RELEASE-4.4.0)', () => {
    const g = new G45();
    const def = g.defaultServer();
    assert.equal(g.pio(0x3c4, 2, A.IOREQ_WRITE, 0x0007n), 1);
    assert.equal(g.d.stdvga.sr_index, 7);
    assert.equal(g.slot(def).state, A.STATE_IOREQ_READY, 'and the device model gets it');
  });
});

describe('mutation (issue 16): 4.5 send_invalidate_req ([X45] io.c:68-78)', () => {
  it('every server gets an INVALIDATE write of 4 bytes, data all-ones, through hvm_broadcast_assist_req; returns 1', () => {
    const g = new G45();
    const def = g.defaultServer();
    const sec = g.secondary([[HVMOP_IO_RANGE_PORT, 0x3f8, 0x3ff]]);
    const r = g.flat('vcpu0', g.v(), () => g.h.sendInvalidateReq(g.v()));
    assert.equal(r, 1);
    for (const s of [def, sec]) {
      const p = g.slot(s);
      assert.deepEqual([p.type, p.size, p.dir, p.data, p.count, p.state], [A.IOREQ_TYPE_INVALIDATE, 4, A.IOREQ_WRITE, 0xffffffffffffffffn, 0, A.STATE_IOREQ_READY]);
    }
  });
});
