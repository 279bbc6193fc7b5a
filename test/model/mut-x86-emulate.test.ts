// Mutation tests of src/model/xen/4.21/arch/x86/hvm/emulate.ts (issue #16), the model of the access path of
// xen/arch/x86/hvm/emulate.c (hvmemul_do_io), hvm/io.c (handle_pio, handle_mmio) and hvm/stdvga.c at RELEASE-4.21.0.
// `emulate.c:N`, `io.c:N`, `stdvga.c:N` below mean those files of xen/arch/x86/hvm at RELEASE-4.21.0.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { loadListing } from '../../src/debug/listing';
import type { Build } from '../../src/model/driver421';
import { Rec421 } from './rec421';
import * as X from '../../src/model/xen';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { X86_EXC_GP } from '../../src/model/xen/4.21/arch/x86/hvm/emulate';

const G = 1;

class Rec extends Rec421 {}
const guest = (build: Build = 'flat'): Rec => Rec.make('4.21', build, 2, G);
/** QEMU in dom0 with the given ranges mapped (ATOMIC buffering, QEMU's default). */
function qemu(t: Rec, ranges: Array<[number, bigint, bigint]>): void {
  const dm = t.addDm('qemu', 'qemu', 0, G);
  dm.want_ranges = ranges;
  assert.equal(t.dmInit('qemu').value, 0, dm.last_error ?? '');
  assert.equal(t.mapRanges('qemu').value, 0);
}
const PORT: [number, bigint, bigint] = [I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn];
const MEM: [number, bigint, bigint] = [I.XEN_DMOP_IO_RANGE_MEMORY, 0xe0000000n, 0xe0000fffn];
const VGA: [number, bigint, bigint] = [I.XEN_DMOP_IO_RANGE_MEMORY, 0x90000n, 0xc0fffn];
/** The slot of vcpu i in server 0's ioreq page. */
const slot = (t: Rec, i: number) => A.readIoreq(t.domain(G).x421.server[0]!.ioreq.va!, i * 32);
const waiting = (t: Rec, i: number) => t.vcpu(G, i).pause_flags.blocked_in_xen;
/** A request of vcpu i's left in v->io.req (as a completion or an earlier access leaves it). */
function latch(t: Rec, i: number, r: Partial<A.Ioreq>): void {
  t.vcpu(G, i).io.req = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, dir: A.IOREQ_READ, ...r };
}
const crashed = (t: Rec) => t.domain(G).crashed?.reason ?? null;

describe('4.21 x86 emulate.c (mutation): hvmemul_do_io (emulate.c:212-470)', () => {
  it('a port write to a server: the data is eax cut to the access size, and the write needs no completion: done at once (emulate.c:441-445)', () => {
    const t = guest();
    qemu(t, [PORT]);
    const v = t.vcpu(G, 0);
    assert.equal(t.pio(G, 0, 0x3f8, 2, A.IOREQ_WRITE, 0xdeadbeef00001234n).value, true);
    assert.equal(slot(t, 0).data, 0x1234n);
    assert.equal(slot(t, 0).state, A.STATE_IOREQ_READY);
    assert.equal(v.io_done, 1, 'RETRY turned into OKAY');
    assert.equal(v.rax, 0xdeadbeef00001234n, 'a write leaves rax alone');
    assert.equal(v.io.completion, X.VIO_no_completion);
    // A 4-byte OUT does not zero-extend anything either (only IN writes rax, io.c:115-122).
    const w = t.vcpu(G, 1);
    t.pio(G, 1, 0x3f8, 4, A.IOREQ_WRITE, 0xdeadbeef00001234n);
    assert.equal(slot(t, 1).data, 0x1234n);
    assert.equal(w.rax, 0xdeadbeef00001234n);
    assert.equal(w.io_done, 1);
  });

  it('a port read waits for the server: not done, rax untouched, the completion is VIO_pio_completion; serving it merges the byte into rax', () => {
    const t = guest();
    qemu(t, [PORT]);
    const v = t.vcpu(G, 0);
    v.rax = 0x1122334455667788n;
    assert.equal(t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ).value, true);
    assert.equal(waiting(t, 0), true);
    assert.equal(v.io_done, 0);
    assert.equal(v.rax, 0x1122334455667788n);
    assert.equal(v.io.completion, X.VIO_pio_completion);
    t.serve('qemu', 0, { data: 0x5an });
    t.resume(G, 0);
    assert.equal(v.rax, 0x112233445566775an, 'a one-byte IN keeps the upper bytes (io.c:118-121)');
    assert.equal(v.io_done, 1);
  });

  it('a 4-byte IN zero-extends into rax (io.c:117-118); an 8-byte MMIO read replaces it; a 4-byte MMIO write sends the low 32 bits only', () => {
    const t = guest();
    qemu(t, [PORT, MEM]);
    const v = t.vcpu(G, 0);
    v.rax = 0xffffffffffffffffn;
    t.pio(G, 0, 0x3f8, 4, A.IOREQ_READ);
    t.serve('qemu', 0, { data: 0x12345678n });
    t.resume(G, 0);
    assert.equal(v.rax, 0x12345678n);
    v.rax = 0xffffffffffffffffn;
    t.mmio(G, 0, 0xe0000000n, 8, A.IOREQ_READ);
    assert.equal(v.rax, 0xffffffffffffffffn, 'not before the answer');
    t.serve('qemu', 0, { data: 0x0123456789abcdefn });
    t.resume(G, 0);
    assert.equal(v.rax, 0x0123456789abcdefn);
    t.mmio(G, 1, 0xe0000010n, 4, A.IOREQ_WRITE, 0xaabbccdd11223344n);
    assert.equal(slot(t, 1).data, 0x11223344n);
    assert.equal(t.vcpu(G, 1).rax, 0xaabbccdd11223344n, 'a write leaves rax alone');
    t.serve('qemu', 1);
    t.resume(G, 1);
    assert.equal(t.vcpu(G, 1).io_done, 1, 'the write completed through handle_mmio again');
    assert.equal(t.vcpu(G, 1).rax, 0xaabbccdd11223344n, 'and still left rax alone');
    t.mmio(G, 0, 0xe0000018n, 8, A.IOREQ_WRITE, 0xaabbccdd11223344n);
    assert.equal(slot(t, 0).data, 0xaabbccdd11223344n, 'all 8 bytes');
  });

  it('an MMIO read completes through arch_ioreq_complete_mmio: handle_mmio again, the answer from v->io.req (x86 ioreq.c:28-31)', () => {
    const t = guest('stepped');
    qemu(t, [MEM]);
    const v = t.vcpu(G, 1);
    v.rax = 0x1111111111111111n;
    t.mmio(G, 1, 0xe0000020n, 2, A.IOREQ_READ);
    assert.equal(v.io_done, 0);
    assert.equal(v.io.completion, X.VIO_mmio_completion);
    t.serve('qemu', 1, { data: 0xbeefn });
    const from = t.stops.length;
    t.resume(G, 1);
    assert.equal(v.rax, 0x111111111111beefn);
    assert.equal(v.io_done, 1);
    assert.deepEqual(t.pick('arch_ioreq_complete_mmio', 'reissue', ['addr', 'size', 'dir'], from), [{ addr: '0xe0000020', size: 2, dir: A.IOREQ_READ }]);
    assert.deepEqual(t.pick('hvmemul_do_io', 'req_state', ['state'], from), [{ state: 'STATE_IORESP_READY' }]);
    assert.deepEqual(t.pick('handle_mmio', 'rc', ['rc', 'completion'], from), [{ rc: 0, completion: 'VIO_no_completion' }]);
  });

  it('a rep MMIO read (data is a guest address) needs no completion and never touches rax', () => {
    const t = guest();
    qemu(t, [MEM]);
    const v = t.vcpu(G, 0);
    v.rax = 0x77n;
    assert.equal(t.mmio(G, 0, 0xe0000000n, 4, A.IOREQ_READ, 0n, 4, 0).value, true);
    assert.equal(slot(t, 0).data_is_ptr, 1);
    assert.equal(slot(t, 0).count, 4);
    assert.equal(v.io.completion, X.VIO_no_completion);
    assert.equal(v.io_done, 1);
    assert.equal(v.rax, 0x77n);
  });

  it('a weird size (above 8, or not a power of two) is X86EMUL_UNHANDLEABLE with "bad mmio size"; handle_mmio then has #GP injected', () => {
    for (const size of [3, 16]) {
      const t = guest();
      qemu(t, [MEM]);
      const v = t.vcpu(G, 0);
      assert.equal(t.mmio(G, 0, 0xe0000000n, size, A.IOREQ_READ).value, false);
      assert.equal(v.arch.hvm_vcpu.inject_trap.vector, X86_EXC_GP);
      assert.deepEqual(t.m.x.console.filter((l) => l.fn === 'hvmemul_do_io').map((l) => [l.level, l.text]), [['XENLOG_WARNING', `bad mmio size ${size}`]]);
      assert.equal(v.io.req.state, A.STATE_IOREQ_NONE, 'nothing latched');
      assert.equal(waiting(t, 0), false);
    }
  });

  it('a request still in flight in v->io.req refuses a new access (emulate.c:259-260): handle_pio prints "Unexpected PIO status 1" with the data and crashes the domain', () => {
    const t = guest();
    qemu(t, [PORT]);
    latch(t, 0, { state: A.STATE_IOREQ_READY });
    const from = t.m.x.events.length;
    assert.equal(t.pio(G, 0, 0x60, 1, A.IOREQ_READ).value, false);
    assert.equal(t.vcpu(G, 0).io_stale, 1);
    const ev = t.m.x.events.slice(from).filter((e) => e.fn === 'hvmemul_do_io').map(({ seq: _s, actor: _a, ...e }) => e);
    assert.deepEqual(ev, [{ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: G, vcpu: 0, detail: { addr: '0x60', dir: A.IOREQ_READ, state: 'STATE_IOREQ_READY' },
      text: 'd1v0 port read 0x60 refused: v->io.req is still STATE_IOREQ_READY (X86EMUL_UNHANDLEABLE)' }]);
    assert.deepEqual(t.m.x.console.filter((l) => l.fn === 'handle_pio').map((l) => [l.level, l.text]), [['XENLOG_ERR', 'Unexpected PIO status 1, port 0x60 read 0xff']]);
    assert.equal(crashed(t), 'Unexpected PIO status 1');
    assert.equal(t.domain(G).crashed!.fn, 'handle_pio');
    // A write shows eax cut to the access, zero-padded to two digits a byte (io.c:138-140).
    const w = guest();
    qemu(w, [PORT]);
    latch(w, 1, { state: A.STATE_IOREQ_INPROCESS });
    const f2 = w.m.x.events.length;
    w.pio(G, 1, 0x70, 2, A.IOREQ_WRITE, 0xabcd0012n);
    assert.deepEqual(w.m.x.console.filter((l) => l.fn === 'handle_pio').map((l) => l.text), ['Unexpected PIO status 1, port 0x70 write 0x0012']);
    assert.equal(w.m.x.events.slice(f2).find((e) => e.kind === 'io_dropped')!.text, 'd1v1 port write 0x70 refused: v->io.req is still STATE_IOREQ_INPROCESS (X86EMUL_UNHANDLEABLE)');
    // MMIO: the same refusal, #GP.
    const m = guest();
    qemu(m, [MEM]);
    latch(m, 0, { state: A.STATE_IOREQ_READY });
    const f3 = m.m.x.events.length;
    assert.equal(m.mmio(G, 0, 0xe0000000n, 4, A.IOREQ_WRITE, 1n).value, false);
    assert.equal(m.m.x.events.slice(f3).find((e) => e.kind === 'io_dropped')!.text, 'd1v0 MMIO write 0xe0000000 refused: v->io.req is still STATE_IOREQ_READY (X86EMUL_UNHANDLEABLE)');
  });

  it('with event recording off the refusal and the null handler record no event (the counters still count)', () => {
    const t = guest();
    t.m.x.on = false;
    latch(t, 0, { state: A.STATE_IOREQ_READY });
    t.pio(G, 0, 0x60, 1, A.IOREQ_READ);
    t.pio(G, 1, 0x61, 1, A.IOREQ_WRITE, 1n);
    assert.deepEqual([t.vcpu(G, 0).io_stale, t.vcpu(G, 1).io_dropped], [1, 1]);
    assert.deepEqual(t.m.x.events.filter((e) => e.fn === 'hvmemul_do_io'), []);
  });

  it('the state shown when it has no name is the number itself', () => {
    const t = guest('stepped');
    qemu(t, [PORT]);
    latch(t, 0, { state: 7 });
    const from = t.stops.length;
    t.pio(G, 0, 0x60, 1, A.IOREQ_READ);
    assert.deepEqual(t.pick('hvmemul_do_io', 'req_state', ['state'], from), [{ state: 7 }]);
  });

  describe('a re-issued access must match the request it completes, field by field (emulate.c:262-273)', () => {
    const done: Partial<A.Ioreq> = { type: A.IOREQ_TYPE_COPY, addr: 0xe0000000n, size: 4, count: 1, dir: A.IOREQ_READ, df: 0, data_is_ptr: 0, state: A.STATE_IORESP_READY, data: 0x42n };
    const cases: Array<[string, Partial<A.Ioreq>]> = [
      ['type (a port access)', { type: A.IOREQ_TYPE_PIO }],
      ['addr', { addr: 0xe0000004n }],
      ['size', { size: 2 }],
      ['count (more reps than re-issued)', { count: 2 }],
      ['dir', { dir: A.IOREQ_WRITE }],
      ['df', { df: 1 }],
      ['data_is_ptr', { data_is_ptr: 1 }],
    ];
    for (const [what, diff] of cases) {
      it(`${what} differing crashes the domain`, () => {
        const t = guest();
        qemu(t, [MEM]);
        latch(t, 0, { ...done, ...diff });
        t.mmio(G, 0, 0xe0000000n, 4, A.IOREQ_READ);
        assert.equal(crashed(t), 'the emulation request was not re-issued as it was made');
        assert.equal(t.domain(G).crashed!.fn, 'hvmemul_do_io');
      });
    }
    it('a match takes the answer without a new request; fewer reps than re-issued is a match', () => {
      const t = guest();
      qemu(t, [MEM]);
      latch(t, 0, done);
      const v = t.vcpu(G, 0);
      v.rax = 0n;
      assert.equal(t.mmio(G, 0, 0xe0000000n, 4, A.IOREQ_READ).value, true);
      assert.equal(crashed(t), null);
      assert.equal(v.rax, 0x42n);
      assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
      assert.equal(waiting(t, 0), false);
      // A rep access (data is an address) re-issued: UNHANDLEABLE (emulate.c:275-276), handle_mmio's #GP.
      latch(t, 1, { ...done, count: 2, data_is_ptr: 1 });
      assert.equal(t.mmio(G, 1, 0xe0000000n, 4, A.IOREQ_READ, 0n, 4, 0).value, false);
      assert.equal(crashed(t), null);
      assert.equal(t.vcpu(G, 1).arch.hvm_vcpu.inject_trap.vector, X86_EXC_GP);
    });
  });

  it('no server: the null handler reads all-ones and drops writes, with an io_dropped event each (emulate.c:89-101, 434-437)', () => {
    const t = guest();
    const from = t.m.x.events.length;
    t.pio(G, 0, 0x61, 1, A.IOREQ_WRITE, 1n);
    t.mmio(G, 1, 0xfed00000n, 4, A.IOREQ_READ);
    const ev = t.m.x.events.slice(from).filter((e) => e.kind === 'io_dropped').map(({ seq: _s, actor: _a, ...e }) => e);
    assert.deepEqual(ev, [
      { kind: 'io_dropped', fn: 'hvmemul_do_io', domid: G, vcpu: 0, detail: { addr: '0x61', dir: A.IOREQ_WRITE }, text: 'd1v0 port write 0x61: no server, null handler (dropped)' },
      { kind: 'io_dropped', fn: 'hvmemul_do_io', domid: G, vcpu: 1, detail: { addr: '0xfed00000', dir: A.IOREQ_READ }, text: 'd1v1 MMIO read 0xfed00000: no server, null handler (all-ones)' },
    ]);
    assert.equal(t.vcpu(G, 1).rax, 0xffffffffn);
    assert.deepEqual([t.vcpu(G, 0).io_dropped, t.vcpu(G, 1).io_dropped], [1, 1]);
    assert.deepEqual([t.vcpu(G, 0).io_done, t.vcpu(G, 1).io_done], [1, 1]);
  });

  it('p2m_ioreq_server frames: a write goes to the server holding the type, even without a range of it; with no holder the access is retried (emulate.c:350-367)', () => {
    const t = guest();
    qemu(t, []);
    const d = t.domain(G);
    const v = t.vcpu(G, 0);
    assert.equal(t.dmOp('qemu', { op: I.XEN_DMOP_map_mem_type_to_ioreq_server, u: { id: 0, type: I.HVMMEM_ioreq_server, flags: I.XEN_DMOP_IOREQ_MEM_ACCESS_WRITE } }).value, 0);
    // A frame typed p2m_ioreq_server (HVMOP_set_mem_type, not modelled).
    d.x421.p2m_ioreq_gfns = [0xd0000];
    t.mmio(G, 0, 0xd0000010n, 4, A.IOREQ_WRITE, 5n);
    assert.equal(slot(t, 0).state, A.STATE_IOREQ_READY, 'sent to server 0');
    assert.equal(slot(t, 0).addr, 0xd0000010n);
    assert.equal(v.io_done, 0, 'an MMIO write waits for its completion (ioreq.h:76-81)');
    t.serve('qemu', 0);
    t.resume(G, 0);
    assert.equal(v.io_done, 1);
    // A frame of another type takes the range lookup: no range, the null handler.
    t.mmio(G, 1, 0xd0001010n, 4, A.IOREQ_WRITE, 5n);
    assert.equal(t.vcpu(G, 1).io_dropped, 1);
    // The server destroyed: the frame keeps its type and has no holder, so the write is X86EMUL_RETRY with nothing
    // pending: handle_mmio returns true without completing, and it is not the null handler's either.
    assert.equal(t.dmOp('qemu', { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 0 } }).value, 0);
    const w = t.vcpu(G, 1);
    assert.equal(t.mmio(G, 1, 0xd0000010n, 4, A.IOREQ_WRITE, 5n).value, true);
    assert.equal(w.io.req.state, A.STATE_IOREQ_NONE);
    assert.deepEqual([w.io_done, w.io_dropped], [1, 1], 'neither done nor dropped this time');
  });

  it('stops: p2m_ioreq_server shows the gfn and the holder', () => {
    const t = guest('stepped');
    qemu(t, []);
    t.domain(G).x421.p2m_ioreq_gfns = [0xd0000];
    const from = t.stops.length;
    t.mmio(G, 0, 0xd0000010n, 4, A.IOREQ_WRITE, 5n);
    assert.deepEqual(t.pick('hvmemul_do_io', 'p2m_ioreq_server', ['gfn', 'holder'], from), [{ gfn: 0xd0000, holder: -1 }]);
  });
});

describe('4.21 x86 emulate.c (mutation): hvm_io_intercept\'s CF8 latch and stdvga (x86 ioreq.c:311-326, stdvga.c:49-82)', () => {
  it('only a 4-byte port write to 0xcf8 latches: not an MMIO write there, not a 4-byte OUT to 0xcfc', () => {
    const t = guest();
    const d = t.domain(G);
    t.mmio(G, 0, 0xcf8n, 4, A.IOREQ_WRITE, 0x80001810n);
    assert.equal(d.x421.pci_cf8, 0);
    t.pio(G, 0, 0xcfc, 4, A.IOREQ_WRITE, 0x80001810n);
    assert.equal(d.x421.pci_cf8, 0);
    t.pio(G, 0, 0xcf8, 4, A.IOREQ_WRITE, 0x80001810n);
    assert.equal(d.x421.pci_cf8, 0x80001810);
    assert.equal(t.vcpu(G, 0).io_dropped, 3, 'the latch falls through to the null handler too');
  });

  it('the CF8 handler takes every port access lying wholly inside 0xcf8-0xcfb (hvm_portio_accept, intercept.c:66-75; registered as 4 ports, x86 ioreq.c:323-326); only a 4-byte write latches', () => {
    const t = guest('stepped');
    const d = t.domain(G);
    const cases: Array<[number, number, number, boolean]> = [
      // port, size, dir, reaches hvm_access_cf8
      [0xcfa, 2, A.IOREQ_WRITE, true], [0xcfb, 1, A.IOREQ_WRITE, true], [0xcf8, 1, A.IOREQ_READ, true], [0xcf8, 4, A.IOREQ_READ, true],
      [0xcf9, 4, A.IOREQ_WRITE, false], [0xcf7, 1, A.IOREQ_WRITE, false], [0xcf7, 2, A.IOREQ_WRITE, false], [0xcfc, 1, A.IOREQ_WRITE, false],
    ];
    for (const [port, size, dir, hit] of cases) {
      const from = t.stops.length;
      t.pio(G, 0, port, size, dir, 0x80001810n);
      assert.deepEqual(t.pick('hvm_access_cf8', 'latch', ['dir', 'bytes'], from), hit ? [{ dir, bytes: size }] : [], `${A.hex(port)}/${size}`);
      assert.equal(d.x421.pci_cf8, 0, `${A.hex(port)}/${size}: not latched`);
    }
    const from = t.stops.length;
    t.mmio(G, 0, 0xcf8n, 4, A.IOREQ_WRITE, 0x80001810n);
    assert.deepEqual(t.labels('hvm_access_cf8', from), [], 'an MMIO access is not a port one');
    t.pio(G, 0, 0xcf8, 4, A.IOREQ_WRITE, 0x80001810n);
    assert.equal(d.x421.pci_cf8, 0x80001810);
  });

  it('a single direct MMIO write inside 0xa0000-0xbffff goes to its server buffered: the vcpu does not wait', () => {
    const t = guest();
    qemu(t, [VGA]);
    const s = t.domain(G).x421.server[0]!;
    const v = t.vcpu(G, 0);
    assert.equal(t.mmio(G, 0, 0xa0010n, 2, A.IOREQ_WRITE, 0x1234n).value, true);
    assert.equal(waiting(t, 0), false);
    assert.equal(slot(t, 0).state, A.STATE_IOREQ_NONE, 'not through the synchronous slot');
    assert.equal(s.bufioreq.va!.getUint32(4, true), 1, 'one slot written in the buffered ring');
    assert.equal(v.io_done, 1);
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
    // The last byte of the window still counts.
    t.mmio(G, 0, 0xbffffn, 1, A.IOREQ_WRITE, 1n);
    assert.equal(waiting(t, 0), false);
    assert.equal(s.bufioreq.va!.getUint32(4, true), 2);
  });

  const sync: Array<[string, (t: Rec) => unknown]> = [
    ['a read', (t) => t.mmio(G, 0, 0xa0010n, 2, A.IOREQ_READ)],
    ['a rep write (data is a guest address)', (t) => t.mmio(G, 0, 0xa0010n, 2, A.IOREQ_WRITE, 0n, 4, 0)],
    ['a write below the window (0x9fff0)', (t) => t.mmio(G, 0, 0x9fff0n, 2, A.IOREQ_WRITE, 1n)],
    ['a write whose last byte is 0xc0000', (t) => t.mmio(G, 0, 0xbffffn, 2, A.IOREQ_WRITE, 1n)],
    ['a write at 0xc0000', (t) => t.mmio(G, 0, 0xc0000n, 1, A.IOREQ_WRITE, 1n)],
  ];
  for (const [what, go] of sync) {
    it(`${what} is not stdvga's (stdvga_mem_accept): it goes to the server synchronously`, () => {
      const t = guest();
      qemu(t, [VGA]);
      go(t);
      assert.equal(slot(t, 0).state, A.STATE_IOREQ_READY);
      assert.equal(t.domain(G).x421.server[0]!.bufioreq.va!.getUint32(4, true), 0, 'nothing buffered');
    });
  }

  it('a VGA write with no server for it: stdvga_mem_write finds none, and the null handler drops it', () => {
    const t = guest();
    assert.equal(t.mmio(G, 0, 0xa0010n, 1, A.IOREQ_WRITE, 1n).value, true);
    assert.equal(t.vcpu(G, 0).io_dropped, 1);
    assert.equal(t.vcpu(G, 0).io_done, 1);
  });

  it('stops: hvm_io_intercept shows the type, address and size; stdvga_mem_write the server it selected', () => {
    const t = guest('stepped');
    qemu(t, [VGA]);
    const from = t.stops.length;
    t.mmio(G, 0, 0xa0010n, 2, A.IOREQ_WRITE, 0x1234n);
    assert.deepEqual(t.pick('hvm_io_intercept', 'handlers', ['type', 'addr', 'size'], from), [{ type: A.IOREQ_TYPE_COPY, addr: '0xa0010', size: 2 }]);
    assert.deepEqual(t.labels('stdvga_mem_write', from), ['select']);
    assert.deepEqual(t.labels('hvmemul_do_io', from), ['size', 'req_state', 'intercept', 'rc']);
  });
});

describe('4.21 x86 emulate.c (mutation): handle_pio and a port access held after ioreq_send (io.c:94-144, emulate.c:441-445)', () => {
  it('stops along a port read: handle_pio, hvmemul_do_io and hvmemul_do_io_sent, with the values each statement names', () => {
    const t = guest('stepped');
    qemu(t, [PORT]);
    const from = t.stops.length;
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    assert.deepEqual(t.labels('handle_pio', from), ['do_pio', 'held', 'pio_rc']);
    assert.deepEqual(t.pick('handle_pio', 'held', ['held'], from), [{ held: false }]);
    assert.deepEqual(t.labels('hvmemul_do_io', from), ['size', 'req_state', 'intercept', 'selected', 'send', 'rc']);
    assert.deepEqual(t.pick('hvmemul_do_io', 'req_state', ['state'], from), [{ state: 'STATE_IOREQ_NONE' }]);
    assert.deepEqual(t.pick('hvm_io_intercept', 'handlers', ['type', 'addr', 'size'], from), [{ type: A.IOREQ_TYPE_PIO, addr: '0x3f8', size: 1 }]);
    assert.deepEqual(t.pick('hvmemul_do_io_sent', 'sent', ['rc', 'suspended', 'is_shutting_down'], from), [{ rc: 3, suspended: false, is_shutting_down: false }]);
    assert.deepEqual(t.pick('handle_pio_rc', 'rc', ['rc', 'completion'], from), [{ rc: 3, completion: 'VIO_pio_completion' }]);
  });

  it('held after the send: handle_pio returns at once; hvm_io_continue finishes it, resets held_rc and shows the request', () => {
    const t = guest('stepped');
    qemu(t, [PORT]);
    const v = t.vcpu(G, 0);
    v.io.hold_after_send = true;
    let from = t.stops.length;
    assert.equal(t.pio(G, 0, 0x3f8, 2, A.IOREQ_WRITE, 0x4142n).value, true);
    assert.deepEqual(t.labels('handle_pio', from), ['do_pio', 'held']);
    assert.deepEqual(t.pick('handle_pio', 'held', ['held'], from), [{ held: true }]);
    assert.equal(v.io_done, 0);
    from = t.stops.length;
    assert.equal(t.continueIo(G, 0).value, true);
    assert.equal(v.io.held_rc, -1);
    assert.equal(v.io_done, 1);
    assert.deepEqual(t.labels('hvm_io_continue', from), ['continue', 'sent_rc']);
    assert.deepEqual(t.pick('hvm_io_continue', 'continue', ['rc', 'port', 'size', 'dir'], from), [{ rc: 3, port: '0x3f8', size: 2, dir: A.IOREQ_WRITE }]);
  });

  it('a held access ioreq_send refused (a slot not NONE): the crash message shows the request\'s data for a write, all-ones for a read', () => {
    for (const [dir, text] of [[A.IOREQ_WRITE, 'Unexpected PIO status 1, port 0x3f8 write 0x41'], [A.IOREQ_READ, 'Unexpected PIO status 1, port 0x3f8 read 0xff']] as const) {
      const t = guest();
      qemu(t, [PORT]);
      const v = t.vcpu(G, 0);
      const s = t.domain(G).x421.server[0]!;
      A.setState(s.ioreq.va!, 0, A.STATE_IOREQ_INPROCESS);
      v.io.hold_after_send = true;
      t.pio(G, 0, 0x3f8, 1, dir, 0x41n);
      assert.equal(t.continueIo(G, 0).value, false);
      assert.deepEqual(t.m.x.console.filter((l) => l.fn === 'handle_pio').map((l) => l.text), [text]);
      assert.equal(crashed(t), 'Unexpected PIO status 1');
    }
  });
});

describe('4.21 x86 emulate.c (mutation): every stop is a statement of the emulate.c listing', () => {
  it('stops inside emulate.c\'s functions are all labels the listing marks', () => {
    const L = loadListing('4.21/arch/x86/hvm/emulate.c');
    const t = guest('stepped');
    qemu(t, [PORT, MEM, VGA]);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    t.serve('qemu', 0, { data: 1n });
    t.resume(G, 0);
    t.mmio(G, 1, 0xe0000000n, 4, A.IOREQ_READ);
    t.serve('qemu', 1, { data: 1n });
    t.resume(G, 1);
    t.mmio(G, 0, 0xa0000n, 1, A.IOREQ_WRITE, 1n);
    t.vcpu(G, 0).io.hold_after_send = true;
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 1n);
    t.continueIo(G, 0);
    let n = 0;
    for (const s of t.stops) {
      if (!L.fns.has(s.fn)) continue;
      n++;
      assert.ok(L.fns.get(s.fn)!.labels.has(s.at), `${s.fn}@${s.at}`);
    }
    assert.ok(n > 30, `${n}`);
  });
});
