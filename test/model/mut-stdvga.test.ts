// Issue 16, src/model/xen/4.4/stdvga.ts: Xen 4.4's stdvga (the VGA register snoop, the cached video memory, the
// buffered window) and the intercept dispatch that reaches it, driven on the seed. [X44] is RELEASE-4.4.0:
// xen/arch/x86/hvm/stdvga.c (the register masks 62-83, stdvga_outb 104-155, stdvga_out/intercept_pio 157-188,
// stdvga_mem_offset 190-222, stdvga_mem_readb 226-276, stdvga_mem_read 278-317, stdvga_mem_writeb 319-425,
// stdvga_mem_write 427-463, mmio_move 467-543, stdvga_intercept_mmio 545-588, stdvga_init 590-621) and
// xen/arch/x86/hvm/intercept.c (hvm_mmio_intercept 166-179, process_portio_intercept 181-301, hvm_io_intercept
// 307-338). Where a test builds a request or an HvmHwStdvga by hand, it is what hvmemul_do_io or a guest's earlier
// register writes would leave. A few tests call a C function directly to reach a defensive branch its callers never
// take in 4.4 (another port in stdvga_outb, a size other than 1/2/4/8, a request that is not a COPY): they pin what
// that branch does in the source.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { HVM_PARAM_HPET_ENABLED } from '../../src/model/params';
import * as X from '../../src/model/xen';
import { X86EMUL_OKAY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../../src/model/xen/common/outcome';
import { G44 } from './x44-guest';
import { labels, localsAt } from './x45-guest';


/** A request as hvmemul_do_io fills it ([X44] emulate.c:196-203). */
function req(type: number, addr: number | bigint, size: number, dir: number, data: bigint = 0n, count = 1, ptr = 0, df = 0): ProtoIoreq {
  return { ...A.emptyIoreq(), type, addr: BigInt(addr), size, dir, data, count, data_is_ptr: ptr, df };
}
const pio = (port: number, size: number, dir: number, data = 0n) => req(A.IOREQ_TYPE_PIO, port, size, dir, data);

/** Guest RAM at gpa (the page must be populated). */
function poke32(g: G44, gpa: number, v: number): void { g.d.page(gpa >>> 12)!.data().setUint32(gpa & 0xfff, v >>> 0, true); }
function peek32(g: G44, gpa: number): number { return g.d.page(gpa >>> 12)!.data().getUint32(gpa & 0xfff, true); }
function poke8(g: G44, gpa: number, v: number): void { g.d.page(gpa >>> 12)!.data().setUint8(gpa & 0xfff, v); }

/** The guest programs the sequencer / graphics registers (outb pairs to 0x3c4/0x3c5, 0x3ce/0x3cf). */
function sr(g: G44, i: number, v: number): void { g.h.stdvgaOutb(g.d, 0x3c4, i); g.h.stdvgaOutb(g.d, 0x3c5, v); }
function gr(g: G44, i: number, v: number): void { g.h.stdvgaOutb(g.d, 0x3ce, i); g.h.stdvgaOutb(g.d, 0x3cf, v); }
/** Standard VGA and caching modes, chain-4 with every plane enabled: video memory byte n is window byte n. */
function chain4(g: G44): void { sr(g, 2, 0x0f); sr(g, 4, 0x08); assert.equal(g.d.stdvga.stdvga && g.d.stdvga.cache, true); }
/** The byte of video memory at offset a, little-endian words of n bytes. */
const vb = (g: G44, a: number) => g.h.vramByte(g.d.stdvga, a);
const vw = (g: G44, a: number) => (vb(g, a) | (vb(g, a + 1) << 8) | (vb(g, a + 2) << 16) | (vb(g, a + 3) << 24)) >>> 0;
function fill(g: G44, a: number, v: number): void { for (let k = 0; k < 4; k++) g.h.vramByte(g.d.stdvga, a + k, (v >>> (8 * k)) & 0xff); }
/** REP MOVS of reps size-byte elements from src to dst, as handle_mmio would call it. */
const movs = (g: G44, src: number, dst: number, size: number, reps: number, df = 0) =>
  g.flat('vcpu0', g.v(), () => g.h.hvmemulRepMovs(g.v(), BigInt(src), BigInt(dst), size, reps, df));

describe('mutation (issue 16): 4.4 stdvga_outb, the register snoop ([X44] stdvga.c:62-155)', () => {
  it('each sequencer and graphics register keeps only the bits sr_mask / gr_mask leave; the index registers keep a byte (stdvga.c:62-83, 111-129)', () => {
    const g = new G44();
    const SR = [0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff];
    const GR = [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff];
    for (let i = 0; i < 8; i++) { assert.equal(g.h.stdvgaOutb(g.d, 0x3c4, i), 1); assert.equal(g.h.stdvgaOutb(g.d, 0x3c5, 0xff), 1, `sr${i}`); }
    assert.deepEqual([...g.d.stdvga.sr], SR);
    for (let i = 0; i < 9; i++) { assert.equal(g.h.stdvgaOutb(g.d, 0x3ce, i), 1); assert.equal(g.h.stdvgaOutb(g.d, 0x3cf, 0xff), 1, `gr${i}`); }
    assert.deepEqual([...g.d.stdvga.gr], GR);
    // s->sr_index is a uint8_t: only the low byte of what reaches it is kept.
    g.h.stdvgaOutb(g.d, 0x3c4, 0x102); g.h.stdvgaOutb(g.d, 0x3ce, 0x203);
    assert.deepEqual([g.d.stdvga.sr_index, g.d.stdvga.gr_index], [2, 3]);
  });

  it('a data write past the register file (sr_index >= 8, gr_index >= 9) changes nothing and returns 0; the last index in range returns 1 (stdvga.c:115-129)', () => {
    const g = new G44();
    const before = () => [[...g.d.stdvga.sr], [...g.d.stdvga.gr]];
    g.h.stdvgaOutb(g.d, 0x3c4, 7); assert.equal(g.h.stdvgaOutb(g.d, 0x3c5, 0), 1, 'sr[7] is the last sequencer register');
    const b = before();
    for (const i of [8, 9, 0xff]) { g.h.stdvgaOutb(g.d, 0x3c4, i); assert.equal(g.h.stdvgaOutb(g.d, 0x3c5, 0x55), 0, `sr_index ${i}`); }
    g.h.stdvgaOutb(g.d, 0x3ce, 8); assert.equal(g.h.stdvgaOutb(g.d, 0x3cf, 0), 1, 'gr[8] is the last graphics register');
    for (const i of [9, 10, 0xff]) { g.h.stdvgaOutb(g.d, 0x3ce, i); assert.equal(g.h.stdvgaOutb(g.d, 0x3cf, 0x55), 0, `gr_index ${i}`); }
    assert.deepEqual(before(), b);
    // Any other port: rc 0 and nothing stored (the default case), the mode still recomputed.
    assert.equal(g.h.stdvgaOutb(g.d, 0x3c6, 0x12), 0);
    assert.equal(g.h.stdvgaOutb(g.d, 0x3d4, 0x12), 0);
    assert.deepEqual(before(), b);
    assert.deepEqual([g.d.stdvga.sr_index, g.d.stdvga.gr_index], [0xff, 0xff]);
  });

  it('the first write with sr[7] == 0 enters standard VGA and caching modes (one printk); sr[7] != 0 leaves stdvga but keeps the cache flag; coming back restarts the cache (stdvga.c:136-152)', () => {
    const g = new G44();
    const s = g.d.stdvga;
    const from = g.m.x.events.length;
    const c0 = g.m.x.console.length;
    let r = g.stepped(g.v(), (h) => h.stdvgaOutb(g.d, 0x3c4, 7));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'stdvga_outb'), ['init_s', 'init_rc', 'switch', 'sr_index', 'set_stdvga', 'mode', 'cache_on', 'entering', 'ret']);
    assert.equal(localsAt(r.stops, 'stdvga_outb', 'init_rc').stdvga, '0');
    assert.equal(localsAt(r.stops, 'stdvga_outb', 'set_stdvga').sr7, A.hex(0));
    assert.deepEqual([localsAt(r.stops, 'stdvga_outb', 'mode').prev_stdvga, localsAt(r.stops, 'stdvga_outb', 'mode').stdvga, localsAt(r.stops, 'stdvga_outb', 'mode').cache], ['0', '1', '0']);
    assert.deepEqual([s.stdvga, s.cache, s.sr_index], [true, true, 7]);
    assert.deepEqual(g.m.x.console.slice(c0).map((l) => [l.level, l.fn, l.domid, l.text]), [['XENLOG_INFO', 'stdvga_outb', 1, 'entering stdvga and caching modes']]);
    assert.deepEqual(g.events('stdvga', from).map((e) => [e.fn, e.domid, e.detail, e.text]),
      [['stdvga', 1, { stdvga: true, cache: true }, 'd1 stdvga: entering stdvga and caching modes']]);
    // Still in stdvga mode: a register write says nothing.
    r = g.stepped(g.v(), (h) => h.stdvgaOutb(g.d, 0x3c5, 0));
    assert.deepEqual(labels(r.stops, 'stdvga_outb'), ['init_s', 'init_rc', 'switch', 'sr', 'set_stdvga', 'mode', 'is_leaving', 'ret']);
    assert.equal(localsAt(r.stops, 'stdvga_outb', 'sr').sr_index, '7');
    assert.deepEqual([localsAt(r.stops, 'stdvga_outb', 'is_leaving').prev_stdvga, localsAt(r.stops, 'stdvga_outb', 'is_leaving').stdvga], ['1', '1']);
    assert.equal(g.m.x.console.length, c0 + 1);
    // sr[7] = 1: leaving stdvga; the cache flag stays (only a re-entry or mmio_move touches it).
    const f2 = g.m.x.events.length;
    r = g.stepped(g.v(), (h) => h.stdvgaOutb(g.d, 0x3c5, 1));
    assert.deepEqual(labels(r.stops, 'stdvga_outb').slice(-4), ['set_stdvga', 'mode', 'is_leaving', 'ret']);
    assert.equal(localsAt(r.stops, 'stdvga_outb', 'set_stdvga').sr7, A.hex(1));
    assert.deepEqual([localsAt(r.stops, 'stdvga_outb', 'is_leaving').prev_stdvga, localsAt(r.stops, 'stdvga_outb', 'is_leaving').stdvga], ['1', '0']);
    assert.deepEqual([s.stdvga, s.cache], [false, true]);
    assert.deepEqual(g.m.x.console.slice(-1).map((l) => [l.level, l.fn, l.text]), [['XENLOG_INFO', 'stdvga_outb', 'leaving stdvga']]);
    assert.deepEqual(g.events('stdvga', f2).map((e) => [e.fn, e.detail, e.text]), [['stdvga', { stdvga: false, cache: true }, 'd1 stdvga: leaving stdvga (the cache stays as it was)']]);
    // Out of stdvga mode, further writes say nothing.
    const c1 = g.m.x.console.length;
    g.h.stdvgaOutb(g.d, 0x3c5, 1);
    assert.equal(g.m.x.console.length, c1);
    // The cache dropped meanwhile (as mmio_move's failure does), then sr[7] = 0: caching restarts.
    s.cache = false;
    g.h.stdvgaOutb(g.d, 0x3c5, 0);
    assert.deepEqual([s.stdvga, s.cache], [true, true]);
    assert.equal(g.m.x.console.at(-1)!.text, 'entering stdvga and caching modes');
  });

  it('the graphics index and data registers, and any other port, at each stop (stdvga.c:121-134)', () => {
    const g = new G44();
    let r = g.stepped(g.v(), (h) => h.stdvgaOutb(g.d, 0x3ce, 6));
    assert.deepEqual(labels(r.stops, 'stdvga_outb').slice(2, 4), ['switch', 'gr_index']);
    r = g.stepped(g.v(), (h) => h.stdvgaOutb(g.d, 0x3cf, 0xff));
    assert.deepEqual(labels(r.stops, 'stdvga_outb').slice(2, 4), ['switch', 'gr']);
    assert.equal(localsAt(r.stops, 'stdvga_outb', 'gr').gr_index, '6');
    assert.equal(localsAt(r.stops, 'stdvga_outb', 'init_rc').stdvga, '1');
    assert.equal(g.d.stdvga.gr[6], 0x0f);
    r = g.stepped(g.v(), (h) => h.stdvgaOutb(g.d, 0x3c0, 1));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'stdvga_outb').slice(2, 4), ['switch', 'other']);
  });
});

describe('mutation (issue 16): 4.4 stdvga\'s ports through hvm_portio_intercept ([X44] intercept.c:181-338, stdvga.c:157-188)', () => {
  const snooped = (g: G44, p: ProtoIoreq) => {
    const r = g.stepped(g.v(), (h) => h.hvmPortioIntercept(g.v(), p));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE, 'stdvga never handles a port: it goes on to the device model');
    return r;
  };

  it('an access is stdvga\'s only when it lies wholly in 0x3c4-0x3c5 or 0x3ce-0x3cf (intercept.c:321-334, stdvga.c:614-616)', () => {
    const g = new G44();
    for (const [port, size, hit] of [[0x3c3, 1, false], [0x3c3, 2, false], [0x3c4, 1, true], [0x3c4, 2, true], [0x3c5, 1, true], [0x3c5, 2, false],
      [0x3c6, 1, false], [0x3cd, 1, false], [0x3cd, 2, false], [0x3ce, 1, true], [0x3ce, 2, true], [0x3cf, 1, true], [0x3cf, 2, false],
      [0x3d0, 1, false], [0x3f8, 1, false], [0x3c4, 4, false]] as const) {
      const r = snooped(g, pio(port, size, A.IOREQ_WRITE, 0n));
      assert.equal(labels(r.stops, 'stdvga_intercept_pio').length > 0, hit, `${A.hex(port)}/${size}`);
      assert.deepEqual(labels(r.stops, 'hvm_portio_intercept').slice(0, 2), hit ? ['handlers', 'single'] : ['handlers'], `${A.hex(port)}/${size}`);
      assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'handlers').size, String(size));
      assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'handlers').addr, A.hex(port));
    }
  });

  it('a 2-byte write is two register writes, low byte to the port, high byte to port + 1 (stdvga.c:157-173): on the graphics pair too', () => {
    const g = new G44();
    const r = snooped(g, pio(0x3ce, 2, A.IOREQ_WRITE, 0x0506n));
    assert.deepEqual([g.d.stdvga.gr_index, g.d.stdvga.gr[6]], [6, 5]);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_pio'), ['snoop', 'one_byte', 'two_bytes', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'single').data_is_ptr, '0');
    assert.equal(labels(r.stops, 'stdvga_outb').filter((l) => l === 'ret').length, 2);
    // Through hvmemul_do_io: the same, and the device model still gets the write.
    const s = g.server();
    assert.equal(g.doIo(false, 0x3c4n, 2, A.IOREQ_WRITE, 0x0f02n), X86EMUL_OKAY);
    assert.equal(g.d.stdvga.sr[2], 0x0f);
    assert.deepEqual([g.slot(s).state, g.slot(s).addr, g.slot(s).data], [A.STATE_IOREQ_READY, 0x3c4n, 0x0f02n]);
  });

  it('stdvga_out takes 1 byte as it is and ignores other sizes; a read is never snooped (stdvga.c:157-188)', () => {
    const g = new G44();
    let r = g.stepped(g.v(), (h) => h.stdvgaInterceptPio(g.d, A.IOREQ_WRITE, 0x3c4, 1, 0x1207));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.equal(g.d.stdvga.sr_index, 7);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_pio'), ['snoop', 'one_byte', 'ret']);
    r = g.stepped(g.v(), (h) => h.stdvgaInterceptPio(g.d, A.IOREQ_WRITE, 0x3c4, 4, 0x01020304));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.equal(g.d.stdvga.sr_index, 7);
    assert.deepEqual(labels(r.stops, 'stdvga_outb'), []);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_pio'), ['snoop', 'one_byte', 'two_bytes', 'ret']);
    r = g.stepped(g.v(), (h) => h.stdvgaInterceptPio(g.d, A.IOREQ_READ, 0x3c4, 1, 0));
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_pio'), ['snoop', 'ret']);
    assert.equal(g.d.stdvga.sr_index, 7);
    // A single read through the port intercept: the handler is called, nothing changes, on to the device model.
    r = snooped(g, pio(0x3c4, 1, A.IOREQ_READ));
    assert.equal(g.d.stdvga.sr_index, 7);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_pio'), ['snoop', 'ret']);
    // And through hvmemul_do_io (a read's data is 0 there).
    assert.equal(g.doIo(false, 0x3c5n, 1, A.IOREQ_READ), X86EMUL_OKAY, 'no device model yet: ignored');
    assert.equal(g.d.stdvga.sr_index, 7);
    assert.deepEqual([...g.d.stdvga.sr], [0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('REP OUTS: only the first element, read from guest memory, is snooped (the handler never handles it, so the loop stops) (intercept.c:259-301)', () => {
    const g = new G44();
    const RAM = 0x100000;
    poke8(g, RAM, 0x02); poke8(g, RAM + 1, 0x0f); poke8(g, RAM + 2, 0x04); poke8(g, RAM + 3, 0x08);
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), false, 0x3c4n, 2, A.IOREQ_WRITE, 0n, false, 2, BigInt(RAM), 0, true));
    assert.equal(r.value, X86EMUL_OKAY, 'no device model: ignored after the snoop');
    assert.deepEqual([g.d.stdvga.sr_index, g.d.stdvga.sr[2], g.d.stdvga.sr[4]], [2, 0x0f, 0]);
    assert.deepEqual(labels(r.stops, 'hvm_portio_intercept'), ['handlers', 'single', 'read', 'copy_first', 'bad_gfn', 'snoop_first']);
    const at = localsAt(r.stops, 'hvm_portio_intercept', 'copy_first');
    assert.deepEqual([at.gpa, at.rc], [A.hex(RAM), '"HVMCOPY_okay"']);
    assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'bad_gfn').rc, '"HVMCOPY_okay"');
    assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'read').dir, String(A.IOREQ_WRITE));
  });

  it('REP INS from stdvga\'s ports: nothing is read from the handler, nothing snooped (intercept.c:211-258)', () => {
    const g = new G44();
    poke8(g, 0x100000, 0x05);
    const r = g.stepped(g.v(), (h) => h.hvmPortioIntercept(g.v(), req(A.IOREQ_TYPE_PIO, 0x3c4, 1, A.IOREQ_READ, 0x100000n, 1, 1)));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'hvm_portio_intercept'), ['handlers', 'single', 'read']);
    assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'read').dir, String(A.IOREQ_READ));
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_pio'), []);
    assert.equal(g.d.stdvga.sr_index, 0);
    assert.equal(g.d.stdvga.stdvga, false);
  });

  it('a first element in a frame with no RAM reads as all-ones (~0) and that is what is snooped (intercept.c:273-275)', () => {
    for (const size of [1, 2]) {
      const g = new G44();
      // A RAM buffer whose element runs into a frame the guest gave back (set_page remove: p2m_mmio_dm).
      g.d.physmap.delete(0x101); g.d.holes.add(0x101);
      poke8(g, 0x100fff, 0x03);
      const r = g.stepped(g.v(), (h) => h.hvmPortioIntercept(g.v(), req(A.IOREQ_TYPE_PIO, 0x3c4, size, A.IOREQ_WRITE, BigInt(0x101000 - size + 1), 1, 1)));
      assert.equal(r.value, X86EMUL_UNHANDLEABLE);
      assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'bad_gfn').rc, '"HVMCOPY_bad_gfn_to_mfn"');
      // Size 1 at 0x101000: sr_index 0xff. Size 2 at 0x100fff: 0xff to 0x3c4, 0xff to 0x3c5 (an index past sr[]).
      assert.equal(g.d.stdvga.sr_index, 0xff, `size ${size}`);
      assert.deepEqual([...g.d.stdvga.sr], [0, 0, 0, 0, 0, 0, 0, 0]);
      assert.equal(labels(r.stops, 'hvm_portio_intercept').at(-1), 'snoop_first');
    }
  });

  it('a first element that runs into a paged-out or shared frame is not snooped (the copy fails with RETRY: intercept.c:269-272, 283-284)', () => {
    for (const how of ['paged_out', 'shared'] as const) {
      const g = new G44();
      g.d.page(0x101)![how] = true;
      poke8(g, 0x100fff, 0x07);
      const r = g.stepped(g.v(), (h) => h.hvmPortioIntercept(g.v(), req(A.IOREQ_TYPE_PIO, 0x3c4, 2, A.IOREQ_WRITE, 0x100fffn, 1, 1)));
      assert.deepEqual(labels(r.stops, 'stdvga_intercept_pio'), [], how);
      assert.equal(localsAt(r.stops, 'hvm_portio_intercept', 'bad_gfn').rc, how === 'paged_out' ? '"HVMCOPY_gfn_paged_out"' : '"HVMCOPY_gfn_shared"');
      assert.equal(g.d.stdvga.sr_index, 0, how);
      assert.deepEqual(g.d.paging_requests, how === 'paged_out' ? [0x101] : [], how);
    }
  });
});

describe('mutation (issue 16): 4.4 stdvga\'s video memory ([X44] stdvga.c:85-102, 190-463)', () => {
  const fresh = () => { const g = new G44(); return { g, h: g.h, s: new X.HvmHwStdvga() }; };

  it('stdvga_mem_offset: gr[6]\'s memory map selects 128 KiB at 0xa0000, 64 KiB at 0xa0000, 32 KiB at 0xb0000 or at 0xb8000; outside, ~0 (stdvga.c:190-222)', () => {
    const { h, s } = fresh();
    const at = (gr6: number, a: number) => { s.gr[6] = gr6; return h.stdvgaMemOffset(s, a); };
    assert.deepEqual([at(0x00, 0xa0000), at(0x00, 0xb0000), at(0x00, 0xbffff)], [0, 0x10000, 0x1ffff]);
    assert.deepEqual([at(0x04, 0xa0000), at(0x04, 0xaffff), at(0x04, 0xb0000), at(0x04, 0xbffff)], [0, 0xffff, -1, -1]);
    assert.deepEqual([at(0x08, 0xaffff), at(0x08, 0xb0000), at(0x08, 0xb7fff), at(0x08, 0xb8000), at(0x08, 0xa0000)], [-1, 0, 0x7fff, -1, -1]);
    assert.deepEqual([at(0x0c, 0xb7fff), at(0x0c, 0xb8000), at(0x0c, 0xbffff), at(0x0c, 0xa0000)], [-1, 0, 0x7fff, -1]);
    // Only bits 2-3 of gr[6] count.
    assert.deepEqual([at(0x07, 0xb0000), at(0x0b, 0xb0000)], [-1, 0]);
  });

  it('outside the mapped range a read gives 0xff and a write is dropped (stdvga.c:233-235, 326-328)', () => {
    const { h, s } = fresh();
    s.gr[6] = 0x0c; s.sr[2] = 0x0f; s.sr[4] = 0x08;
    h.stdvgaMemWriteb(s, 0xa0000, 0x12);
    assert.equal(s.hasVram(), false, 'nothing written anywhere');
    assert.equal(h.stdvgaMemReadb(s, 0xa0000), 0xff);
    s.sr[4] = 0; s.gr[5] = 0x10;
    assert.equal(h.stdvgaMemReadb(s, 0xa0001), 0xff);
    h.stdvgaMemWriteb(s, 0xa0001, 0x12);
    s.gr[5] = 0;
    s.latch = 0x01020304;
    assert.equal(h.stdvgaMemReadb(s, 0xa0002), 0xff);
    assert.equal(s.latch, 0x01020304, 'no latch load outside the window');
    h.stdvgaMemWriteb(s, 0xa0002, 0x12);
    assert.equal(s.hasVram(), false);
    assert.equal(h.stdvgaMemReadb(s, 0xb8000), 0, 'inside: fresh video memory is zero');
  });

  it('chain-4: byte n of the window is byte n of video memory, written only when sr[2] enables plane n & 3; unwritten pages read 0 (stdvga.c:237-243, 330-341)', () => {
    const { h, s } = fresh();
    s.sr[4] = 0x08; s.sr[2] = 0x0f;
    assert.equal(h.stdvgaMemReadb(s, 0xa3005), 0, 'a fresh stdvga reads 0');
    h.stdvgaMemWriteb(s, 0xa0005, 0x55);
    assert.equal(h.vramByte(s, 5), 0x55);
    assert.equal(h.stdvgaMemReadb(s, 0xa0005), 0x55);
    assert.equal(h.stdvgaMemReadb(s, 0xa3005), 0, 'a page never written reads 0');
    s.sr[2] = 0x02; // plane 1 only
    h.stdvgaMemWriteb(s, 0xa0009, 0x66); // 9 & 3 == 1
    h.stdvgaMemWriteb(s, 0xa000a, 0x77); // plane 2: masked
    h.stdvgaMemWriteb(s, 0xa0008, 0x88); // plane 0: masked
    assert.deepEqual([h.vramByte(s, 8), h.vramByte(s, 9), h.vramByte(s, 10)], [0, 0x66, 0]);
    assert.equal(s.latch, 0, 'chain-4 never loads the latch');
  });

  it('odd/even: the byte goes to plane (gr[4] & 2) | (a & 1) at ((a & ~1) << 1) | plane, if sr[2] enables the plane (stdvga.c:244-251, 342-354)', () => {
    const { h, s } = fresh();
    s.gr[5] = 0x10; s.sr[2] = 0x0f;
    for (const [a, v] of [[0, 0xa0], [1, 0xa1], [2, 0xa2], [3, 0xa3]]) h.stdvgaMemWriteb(s, 0xa0000 + a, v);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => h.vramByte(s, i)), [0xa0, 0xa1, 0, 0, 0xa2, 0xa3, 0, 0]);
    s.gr[4] = 2;
    h.stdvgaMemWriteb(s, 0xa0002, 0xb2); h.stdvgaMemWriteb(s, 0xa0003, 0xb3);
    assert.deepEqual([6, 7].map((i) => h.vramByte(s, i)), [0xb2, 0xb3]);
    assert.deepEqual([h.stdvgaMemReadb(s, 0xa0003), h.stdvgaMemReadb(s, 0xa0002)], [0xb3, 0xb2]);
    s.gr[4] = 0;
    assert.deepEqual([h.stdvgaMemReadb(s, 0xa0003), h.stdvgaMemReadb(s, 0xa0002), h.stdvgaMemReadb(s, 0xa0001)], [0xa3, 0xa2, 0xa1]);
    s.sr[2] = 0x0e; // plane 0 off
    h.stdvgaMemWriteb(s, 0xa0004, 0xc4); h.stdvgaMemWriteb(s, 0xa0005, 0xc5);
    assert.deepEqual([8, 9].map((i) => h.vramByte(s, i)), [0, 0xc5]);
    assert.equal(s.latch, 0, 'odd/even never loads the latch');
  });

  it('planar read mode 0 loads the latch and returns plane gr[4]; read mode 1 compares the planes with gr[2] where gr[7] cares (stdvga.c:252-272)', () => {
    const { h, s } = fresh();
    h.vramLong(s, 3, 0x12345678);
    assert.deepEqual([0, 1, 2, 3].map((p) => { s.gr[4] = p; return h.stdvgaMemReadb(s, 0xa0003); }), [0x78, 0x56, 0x34, 0x12]);
    assert.equal(s.latch, 0x12345678);
    assert.equal(h.stdvgaMemReadb(s, 0xa0004), 0, 'the next word is still 0');
    assert.equal(s.latch, 0);
    s.gr[5] = 0x08;
    const m1 = (gr2: number, gr7: number) => { s.gr[2] = gr2; s.gr[7] = gr7; return h.stdvgaMemReadb(s, 0xa0003); };
    assert.equal(m1(0x00, 0x01), 0x87, 'bits where plane 0 (0x78) is 0');
    assert.equal(m1(0x01, 0x01), 0x78, 'bits where plane 0 is 1');
    assert.equal(m1(0x0f, 0x0f), 0x10, 'bits set in every plane');
    assert.equal(m1(0x00, 0x0c), ~(0x34 | 0x12) & 0xff, 'planes 2 and 3 both 0');
    assert.equal(m1(0x05, 0x00), 0xff, 'no plane cares: all match');
    assert.equal(s.latch, 0x12345678);
  });

  it('planar write mode 0: rotate by gr[3] & 7, set/reset from gr[0] where gr[1] enables it, the ALU with the latch, the bit mask gr[8], the plane mask sr[2] (stdvga.c:357-372, 390-423)', () => {
    const { h, s } = fresh();
    s.sr[2] = 0x0f; s.gr[8] = 0xff;
    s.gr[3] = 3;
    h.stdvgaMemWriteb(s, 0xa0001, 0x81);
    assert.equal(h.vramLong(s, 1), 0x30303030, '0x81 rotated right by 3');
    assert.equal(h.vramLong(s, 2), 0, 'the next word untouched');
    s.gr[3] = 0; s.gr[1] = 0x05; s.gr[0] = 0x01;
    h.stdvgaMemWriteb(s, 0xa0002, 0x30);
    assert.equal(h.vramLong(s, 2), 0x300030ff, 'plane 0 set, plane 2 reset, planes 1 and 3 the data');
    s.gr[1] = 0; s.gr[0] = 0;
    // The latch, loaded by a read of word 0.
    h.vramLong(s, 0, 0x12345678);
    h.stdvgaMemReadb(s, 0xa0000);
    assert.equal(s.latch, 0x12345678);
    s.gr[8] = 0x0f;
    h.stdvgaMemWriteb(s, 0xa0004, 0xf0);
    assert.equal(h.vramLong(s, 4), 0x10305070, 'bit mask 0x0f: the data\'s low nibbles (0), the latch\'s high ones');
    s.gr[8] = 0xff;
    for (const [fn, want] of [[0x08, 0x02040608], [0x10, 0x1f3f5f7f], [0x18, 0x1d3b5977]]) {
      s.gr[3] = fn;
      h.stdvgaMemWriteb(s, 0xa0005, 0x0f);
      assert.equal(h.vramLong(s, 5), want, `func_select ${fn >> 3}`);
    }
    s.gr[3] = 0;
    // sr[2] = 0x05: planes 0 and 2 written, planes 1 and 3 keep what was there.
    h.vramLong(s, 6, 0xaabbccdd);
    s.sr[2] = 0x05;
    h.stdvgaMemWriteb(s, 0xa0006, 0x11);
    assert.equal(h.vramLong(s, 6), 0xaa11cc11);
    assert.equal(h.vramLong(s, 7), 0);
  });

  it('write mode 1 copies the latch; mode 2 expands the low nibble to planes under the bit mask; mode 3 uses the rotated data as bit mask and gr[0] as colour (stdvga.c:373-387)', () => {
    const { h, s } = fresh();
    h.vramLong(s, 0, 0x12345678);
    h.stdvgaMemReadb(s, 0xa0000);
    s.sr[2] = 0x03; s.gr[5] = 1; s.gr[8] = 0xff; s.gr[3] = 0;
    h.stdvgaMemWriteb(s, 0xa0001, 0x0f);
    assert.equal(h.vramLong(s, 1), 0x00005678, 'mode 1: the latch (not the data), planes 0-1 only');
    s.sr[2] = 0x0f; s.gr[3] = 0;
    s.gr[5] = 2; s.gr[8] = 0xf0;
    h.stdvgaMemWriteb(s, 0xa0002, 0x05);
    assert.equal(h.vramLong(s, 2), 0x02f406f8, 'mode 2: planes 0 and 2 ones where the bit mask is, the latch elsewhere');
    s.gr[5] = 3; s.gr[8] = 0xff; s.gr[0] = 0x0a; s.gr[3] = 2;
    h.stdvgaMemWriteb(s, 0xa0003, 0x3c);
    assert.equal(h.vramLong(s, 3), 0x1f305f70, 'mode 3: 0x3c rotated by 2 (0x0f) masks colour 0xa (planes 1, 3) over the latch');
    s.gr[3] = 0x0a; // rotate 2, AND
    h.stdvgaMemWriteb(s, 0xa0004, 0x3c);
    assert.equal(h.vramLong(s, 4), (0x0f000f00 & 0x12345678) | (0x12345678 & 0xf0f0f0f0), 'mode 3 goes through the ALU');
  });

  it('stdvga_mem_read / _write: sizes 1, 2, 4, 8 byte by byte, little-endian; any other size reads 0 and writes nothing (stdvga.c:278-317, 427-463)', () => {
    const { h, s } = fresh();
    s.sr[4] = 0x08; s.sr[2] = 0x0f;
    h.stdvgaMemWrite(s, 0xa0010, 0x8877665544332211n, 8);
    assert.deepEqual(Array.from({ length: 10 }, (_, k) => h.vramByte(s, 0x10 + k)), [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0, 0]);
    assert.equal(h.stdvgaMemRead(s, 0xa0010, 8), 0x8877665544332211n);
    assert.equal(h.stdvgaMemRead(s, 0xa0011, 4), 0x55443322n);
    assert.equal(h.stdvgaMemRead(s, 0xa0012, 2), 0x4433n);
    assert.equal(h.stdvgaMemRead(s, 0xa0017, 1), 0x88n);
    h.stdvgaMemWrite(s, 0xa0020, 0xaabbn, 1);
    h.stdvgaMemWrite(s, 0xa0030, 0xaabbccddn, 2);
    assert.deepEqual([h.vramByte(s, 0x20), h.vramByte(s, 0x21), h.vramByte(s, 0x30), h.vramByte(s, 0x31), h.vramByte(s, 0x32)], [0xbb, 0, 0xdd, 0xcc, 0]);
    h.stdvgaMemWrite(s, 0xa0040, 0x112233n, 3);
    h.stdvgaMemWrite(s, 0xa0040, 0x112233n, 16);
    assert.deepEqual([0x40, 0x41, 0x42].map((a) => h.vramByte(s, a)), [0, 0, 0]);
    assert.equal(h.stdvgaMemRead(s, 0xa0010, 3), 0n);
    assert.equal(h.stdvgaMemRead(s, 0xa0010, 16), 0n);
  });
});

describe('mutation (issue 16): 4.4 stdvga_intercept_mmio and mmio_move ([X44] stdvga.c:467-588)', () => {
  it('outside caching mode a write is offered to the buffered ring, a read is not; each stop of the path (stdvga.c:578-587)', () => {
    const g = new G44();
    g.server();
    const from = g.m.x.events.length;
    let r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), true, 0xa0100n, 2, A.IOREQ_WRITE, 0x1234n, false));
    assert.equal(r.value, X86EMUL_OKAY);
    assert.deepEqual(labels(r.stops, 'hvm_mmio_intercept'), ['find_dev', 'handlers']);
    assert.deepEqual([localsAt(r.stops, 'hvm_mmio_intercept', 'find_dev').addr, localsAt(r.stops, 'hvm_mmio_intercept', 'handlers').handler], ['0xa0100', 'NULL']);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_intercept'), ['handlers', 'intercept']);
    assert.deepEqual([localsAt(r.stops, 'hvm_buffered_io_intercept', 'handlers').addr, localsAt(r.stops, 'hvm_buffered_io_intercept', 'handlers').size], ['0xa0100', '2']);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_mmio'), ['init_s', 'init_buf', 'size', 'mode', 'offer']);
    assert.equal(localsAt(r.stops, 'stdvga_intercept_mmio', 'size').size, '2');
    const mode = localsAt(r.stops, 'stdvga_intercept_mmio', 'mode');
    assert.deepEqual([mode.stdvga, mode.cache, mode.type], ['0', '0', '"IOREQ_TYPE_COPY"']);
    assert.deepEqual([localsAt(r.stops, 'stdvga_intercept_mmio', 'offer').buf, localsAt(r.stops, 'stdvga_intercept_mmio', 'offer').cache], ['1', '0']);
    assert.deepEqual(g.events('stdvga', from).map((e) => [e.fn, e.domid, e.vcpu, e.detail, e.text]), [['stdvga_intercept_mmio', 1, 0,
      { addr: '0xa0100', dir: 0, stdvga: false, cache: false, offered: true, queued: true }, 'd1v0 stdvga write 0xa0100 (not caching): queued on the buffered ring']]);
    const f2 = g.m.x.events.length;
    r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), true, 0xa0100n, 2, A.IOREQ_READ, 0n, false));
    assert.equal(localsAt(r.stops, 'stdvga_intercept_mmio', 'offer').buf, '0');
    assert.deepEqual(g.events('stdvga', f2).map((e) => [e.detail, e.text]), [[{ addr: '0xa0100', dir: 1, stdvga: false, cache: false, offered: false, queued: false },
      'd1v0 stdvga read 0xa0100 (not caching): not offered to the buffered ring, synchronous to the device model']]);
  });

  it('in caching mode a single access is carried out on the cache, stop by stop (stdvga.c:532-543, 559-567)', () => {
    const g = new G44();
    const srv = g.server();
    chain4(g);
    const r = g.stepped(g.v(), (h) => h.hvmemulDoIo(g.v(), true, 0xa0010n, 4, A.IOREQ_WRITE, 0xdeadbeefn, false));
    assert.equal(vw(g, 0x10), 0xdeadbeef);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_mmio'), ['init_s', 'init_buf', 'size', 'mode', 'is_copy', 'move', 'check_move', 'offer']);
    assert.equal(localsAt(r.stops, 'stdvga_intercept_mmio', 'is_copy').type, '"IOREQ_TYPE_COPY"');
    assert.deepEqual([localsAt(r.stops, 'stdvga_intercept_mmio', 'mode').stdvga, localsAt(r.stops, 'stdvga_intercept_mmio', 'mode').cache], ['1', '1']);
    assert.equal(localsAt(r.stops, 'stdvga_intercept_mmio', 'offer').cache, '1');
    assert.deepEqual(labels(r.stops, 'mmio_move'), ['init_s', 'init_addr', 'init_step', 'ptr', 'single', 'ret']);
    const ia = localsAt(r.stops, 'mmio_move', 'init_addr');
    assert.deepEqual([ia.addr, ia.data], ['0xa0010', '0xdeadbeef']);
    const is = localsAt(r.stops, 'mmio_move', 'init_step');
    assert.deepEqual([is.df, is.size], ['0', '4']);
    const pt = localsAt(r.stops, 'mmio_move', 'ptr');
    assert.deepEqual([pt.data_is_ptr, pt.dir, pt.count, pt.df], ['0', '0', '1', '0']);
    const sg = localsAt(r.stops, 'mmio_move', 'single');
    assert.deepEqual([sg.dir, sg.size], ['0', '4']);
    // A read is answered from the cache, and queued on the ring too: no synchronous request.
    assert.equal(g.doIo(true, 0xa0011n, 2, A.IOREQ_READ), X86EMUL_OKAY);
    assert.equal(g.vio.io_data, 0xadben);
    assert.equal(g.slot(srv).state, A.STATE_IOREQ_NONE);
    // Without a ring to queue on (no device model yet) the read is ignored: io_data stays as it was.
    const g2 = new G44();
    chain4(g2);
    fill(g2, 0x10, 0xdeadbeef);
    g2.vio.io_data = 0x99n;
    assert.equal(g2.doIo(true, 0xa0011n, 2, A.IOREQ_READ), X86EMUL_OKAY);
    assert.equal(g2.vio.io_data, 0x99n);
  });

  it('REP MOVS from RAM into the window (a write with data_is_ptr) is copied element by element into the cache, backwards under DF; the ring refuses it, so the device model gets it too (stdvga.c:507-530, 583)', () => {
    for (const df of [0, 1]) {
      const g = new G44();
      const s = g.server();
      chain4(g);
      for (let k = 0; k < 3; k++) poke32(g, 0x100000 + 4 * k, 0x11111111 * (k + 1));
      const from = g.m.x.events.length;
      const [src, dst] = df ? [0x100008, 0xa0028] : [0x100000, 0xa0020];
      assert.equal(movs(g, src, dst, 4, 3, df), X86EMUL_OKAY);
      assert.deepEqual([vw(g, 0x1c), vw(g, 0x20), vw(g, 0x24), vw(g, 0x28), vw(g, 0x2c)], [0, 0x11111111, 0x22222222, 0x33333333, 0], `df ${df}`);
      assert.equal(g.d.stdvga.cache, true);
      const p = g.slot(s);
      assert.deepEqual([p.state, p.data_is_ptr, p.count, p.df, p.addr, p.data], [A.STATE_IOREQ_READY, 1, 3, df, BigInt(dst), BigInt(src)]);
      assert.deepEqual(g.events('stdvga', from).map((e) => [e.detail, e.text]), [[{ addr: A.hex(dst), dir: 0, stdvga: true, cache: true, offered: true, queued: false },
        `d1v0 stdvga write ${A.hex(dst)} (caching mode): hvm_buffered_io_send refused it, synchronous to the device model`]]);
    }
  });

  it('REP MOVS from the window into RAM (a read with data_is_ptr) copies the cache into guest memory, backwards under DF (stdvga.c:479-506)', () => {
    for (const df of [0, 1]) {
      const g = new G44();
      chain4(g);
      fill(g, 0x40, 0xa1a2a3a4); fill(g, 0x44, 0xb1b2b3b4);
      poke32(g, 0x1000fc, 0x5a5a5a5a); poke32(g, 0x100108, 0x5a5a5a5a);
      const [src, dst] = df ? [0xa0044, 0x100104] : [0xa0040, 0x100100];
      assert.equal(movs(g, src, dst, 4, 2, df), X86EMUL_OKAY);
      assert.deepEqual([peek32(g, 0x100100), peek32(g, 0x100104)], [0xa1a2a3a4, 0xb1b2b3b4], `df ${df}`);
      assert.deepEqual([peek32(g, 0x1000fc), peek32(g, 0x100108)], [0x5a5a5a5a, 0x5a5a5a5a], `df ${df}: nothing else`);
      assert.equal(g.d.stdvga.cache, true);
    }
  });

  it('an element whose RAM side falls in the VGA window itself is moved within video memory (vga_mem <-> vga_mem), stop by stop (stdvga.c:484-502, 511-525)', () => {
    // Read direction: from the window at 0xa0100 into 0x9fffc..: the second element's destination is 0xa0000.
    let g = new G44();
    chain4(g);
    fill(g, 0x100, 0x01020304); fill(g, 0x104, 0x05060708);
    let r = g.stepped(g.v(), (h) => h.hvmemulRepMovs(g.v(), 0xa0100n, 0x9fffcn, 4, 2, 0));
    assert.equal(r.value, X86EMUL_OKAY);
    assert.equal(peek32(g, 0x9fffc), 0x01020304);
    assert.equal(vw(g, 0), 0x05060708, 'the second element went to video memory at 0');
    assert.equal(g.d.stdvga.cache, true);
    assert.deepEqual(labels(r.stops, 'mmio_move'), ['init_s', 'init_addr', 'init_step', 'ptr', 'for_each', 'dir', 'mem_read', 'to_guest',
      'for_each', 'dir', 'mem_read', 'to_guest', 'to_vga', 'vga_write', 'ret']);
    assert.deepEqual([localsAt(r.stops, 'mmio_move', 'init_addr').addr, localsAt(r.stops, 'mmio_move', 'init_addr').data], ['0xa0100', '0x9fffc']);
    assert.deepEqual([localsAt(r.stops, 'mmio_move', 'ptr').data_is_ptr, localsAt(r.stops, 'mmio_move', 'ptr').dir, localsAt(r.stops, 'mmio_move', 'ptr').count], ['1', '1', '2']);
    assert.deepEqual([localsAt(r.stops, 'mmio_move', 'for_each', 1).i, localsAt(r.stops, 'mmio_move', 'for_each', 1).count], ['1', '2']);
    assert.equal(localsAt(r.stops, 'mmio_move', 'dir').dir, '1');
    assert.deepEqual([localsAt(r.stops, 'mmio_move', 'to_guest').rc, localsAt(r.stops, 'mmio_move', 'to_guest', 1).rc], ['"HVMCOPY_okay"', '"HVMCOPY_bad_gfn_to_mfn"']);
    assert.deepEqual([localsAt(r.stops, 'mmio_move', 'to_vga').p2m, localsAt(r.stops, 'mmio_move', 'to_vga').in_vga_window], ['"p2m_mmio_dm"', '1']);
    // Write direction: from 0x9fffc.. into the window at 0xa0200: the second element's source is video memory at 0.
    g = new G44();
    chain4(g);
    fill(g, 0, 0x0a0b0c0d);
    poke32(g, 0x9fffc, 0x11223344);
    r = g.stepped(g.v(), (h) => h.hvmemulRepMovs(g.v(), 0x9fffcn, 0xa0200n, 4, 2, 0));
    assert.deepEqual([vw(g, 0x200), vw(g, 0x204)], [0x11223344, 0x0a0b0c0d]);
    assert.equal(g.d.stdvga.cache, true);
    assert.deepEqual(labels(r.stops, 'mmio_move').slice(4), ['for_each', 'dir', 'from_guest', 'mem_write', 'for_each', 'dir', 'from_guest', 'from_vga', 'vga_read', 'mem_write', 'ret']);
    assert.deepEqual([localsAt(r.stops, 'mmio_move', 'from_guest').rc, localsAt(r.stops, 'mmio_move', 'from_guest', 1).rc], ['"HVMCOPY_okay"', '"HVMCOPY_bad_gfn_to_mfn"']);
    assert.deepEqual([localsAt(r.stops, 'mmio_move', 'from_vga').p2m, localsAt(r.stops, 'mmio_move', 'from_vga').in_vga_window], ['"p2m_mmio_dm"', '1']);
    assert.equal(localsAt(r.stops, 'mmio_move', 'dir').dir, '0');
  });

  it('the window ends at 0xbffff: an element ending there is moved, one running past it or starting below 0xa0000 stops the move and drops the cache (stdvga.c:493-499)', () => {
    // Backwards from RAM at 0xc0000: the second element is 0xbfffc-0xbffff, inside.
    let g = new G44();
    chain4(g);
    fill(g, 0x300, 0x31323334); fill(g, 0x2fc, 0x41424344);
    assert.equal(movs(g, 0xa0300, 0xc0000, 4, 2, 1), X86EMUL_OKAY);
    assert.deepEqual([peek32(g, 0xc0000), vw(g, 0x1fffc)], [0x31323334, 0x41424344]);
    assert.equal(g.d.stdvga.cache, true);
    // From 0xc0002 backwards: 0xbfffe-0xc0001 straddles the end: mmio_move gives up after the first element.
    g = new G44();
    g.server();
    chain4(g);
    fill(g, 0x300, 0x31323334); fill(g, 0x2fc, 0x41424344);
    let from = g.m.x.events.length;
    assert.equal(movs(g, 0xa0300, 0xc0002, 4, 2, 1), X86EMUL_OKAY);
    assert.equal(peek32(g, 0xc0002), 0x31323334, 'the first element was copied before');
    assert.deepEqual([vw(g, 0x1fffc), vw(g, 0x1fffe)], [0, 0]);
    assert.equal(g.d.stdvga.cache, false);
    assert.deepEqual(g.events('stdvga', from).map((e) => [e.fn, e.detail, e.text]), [
      ['stdvga', { stdvga: true, cache: false }, 'd1 stdvga: mmio_move cannot carry out the read at 0xa0300 (data 0xc0002 is no RAM outside the window): caching off'],
      ['stdvga_intercept_mmio', { addr: '0xa0300', dir: 1, stdvga: true, cache: false, offered: false, queued: false },
        'd1v0 stdvga read 0xa0300 (not caching): not offered to the buffered ring, synchronous to the device model']]);
    // Below the window: a frame the guest gave back at 0x9f000 is no RAM, but not VGA memory either.
    g = new G44();
    chain4(g);
    g.d.physmap.delete(0x9f); g.d.holes.add(0x9f);
    fill(g, 0x400, 0x51525354); fill(g, 0x404, 0x61626364);
    from = g.m.x.events.length;
    assert.equal(movs(g, 0xa0400, 0x9effc, 4, 2, 0), X86EMUL_OKAY);
    assert.equal(peek32(g, 0x9effc), 0x51525354);
    assert.equal(g.d.stdvga.cache, false);
    assert.equal(g.d.stdvga.vram[0x1f], null, 'nothing written at window offset 0x1f000');
    // The write direction from that hole: the same.
    g = new G44();
    chain4(g);
    g.d.physmap.delete(0x9f); g.d.holes.add(0x9f);
    poke32(g, 0x9effc, 0x71727374);
    assert.equal(movs(g, 0x9effc, 0xa0500, 4, 2, 0), X86EMUL_OKAY);
    assert.deepEqual([vw(g, 0x500), vw(g, 0x504)], [0x71727374, 0]);
    assert.equal(g.d.stdvga.cache, false);
    assert.match(g.events('stdvga').find((e) => e.fn === 'stdvga' && /cannot/.test(e.text))!.text, /the write at 0xa0500 \(data 0x9effc/);
  });

  it('RAM inside the VGA hole (a set_page step populates the frame) that cannot be copied is not video memory: the move stops there, the cache is dropped (stdvga.c:493-499, 516-522)', () => {
    for (const dir of [A.IOREQ_READ, A.IOREQ_WRITE]) {
      const g = new G44();
      chain4(g);
      g.d.page(0xa4); // RAM at 0xa4000, as set_page on that frame leaves it
      g.d.page(0xa5)!.paged_out = true; // and paged-out RAM at 0xa5000
      fill(g, 0x700, 0x12121212); fill(g, 0x704, 0x34343434);
      poke32(g, 0xa4ffc, 0x56565656);
      if (dir === A.IOREQ_READ) assert.equal(movs(g, 0xa0700, 0xa4ffc, 4, 2, 0), X86EMUL_OKAY);
      else assert.equal(movs(g, 0xa4ffc, 0xa0700, 4, 2, 0), X86EMUL_OKAY);
      assert.equal(g.d.stdvga.cache, false, `dir ${dir}`);
      assert.deepEqual(g.d.paging_requests, [0xa5]);
      assert.equal(g.d.stdvga.vram[5], null, 'nothing at window offset 0x5000');
      assert.deepEqual([peek32(g, 0xa4ffc), vw(g, 0x700), vw(g, 0x704)], dir === A.IOREQ_READ ? [0x12121212, 0x12121212, 0x34343434] : [0x56565656, 0x56565656, 0x34343434]);
    }
  });

  it('a move into a paged-out RAM frame stops there and drops the cache (stdvga.c:484-499)', () => {
    const g = new G44();
    chain4(g);
    fill(g, 0x600, 0x81828384); fill(g, 0x604, 0x91929394);
    g.d.page(0x101)!.paged_out = true;
    assert.equal(movs(g, 0xa0600, 0x100ffc, 4, 2, 0), X86EMUL_OKAY);
    assert.equal(peek32(g, 0x100ffc), 0x81828384);
    assert.equal(g.d.stdvga.cache, false);
    assert.deepEqual(g.d.paging_requests, [0x101]);
  });

  it('in caching mode a request that is not a COPY drops the cache with a warning; above 8 bytes the access is refused (stdvga.c:551-555, 568-576)', () => {
    const g = new G44();
    chain4(g);
    const c0 = g.m.x.console.length;
    let r = g.stepped(g.v(), (h) => h.stdvgaInterceptMmio(g.v(), { ...req(A.IOREQ_TYPE_PIO, 0xa1234, 2, A.IOREQ_WRITE, 0x12n), state: 1 }));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.equal(g.d.stdvga.cache, false);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_mmio'), ['init_s', 'init_buf', 'size', 'mode', 'is_copy', 'unsupported', 'drop_cache', 'offer']);
    assert.equal(localsAt(r.stops, 'stdvga_intercept_mmio', 'unsupported').type, String(A.IOREQ_TYPE_PIO));
    assert.deepEqual(g.m.x.console.slice(c0).map((l) => [l.level, l.fn, l.text]), [['XENLOG_WARNING', 'stdvga_intercept_mmio',
      'unsupported mmio request type:0 addr:0xa1234 data:0x0012 size:2 count:1 state:1 isptr:0 dir:0 df:0']]);
    g.d.stdvga.cache = true;
    r = g.stepped(g.v(), (h) => h.stdvgaInterceptMmio(g.v(), req(A.IOREQ_TYPE_COPY, 0xa0000, 16, A.IOREQ_WRITE, 1n)));
    assert.equal(r.value, X86EMUL_UNHANDLEABLE);
    assert.deepEqual(labels(r.stops, 'stdvga_intercept_mmio'), ['init_s', 'init_buf', 'size', 'bad_size', 'bad_size_ret']);
    assert.equal(localsAt(r.stops, 'stdvga_intercept_mmio', 'bad_size').size, '16');
    assert.deepEqual(g.m.x.console.slice(-1).map((l) => [l.level, l.fn, l.text]), [['XENLOG_WARNING', 'stdvga_intercept_mmio', 'invalid mmio size 16']]);
    assert.equal(vb(g, 0), 0);
    assert.equal(g.d.stdvga.cache, true, 'the refused access changes nothing');
  });

  it('with event recording off (the explorer\'s runs) stdvga records nothing but behaves the same', () => {
    const g = new G44();
    g.server();
    g.m.x.on = false;
    const n = g.m.x.events.length;
    chain4(g);
    g.h.stdvgaOutb(g.d, 0x3c4, 7); g.h.stdvgaOutb(g.d, 0x3c5, 1);
    assert.equal(g.doIo(true, 0xa0000n, 1, A.IOREQ_WRITE, 5n), X86EMUL_OKAY);
    assert.equal(g.doIo(true, 0xfee00000n, 4, A.IOREQ_WRITE, 5n), X86EMUL_OKAY);
    assert.equal(g.m.x.events.length, n);
    assert.equal(g.d.stdvga.stdvga, false);
  });
});

describe('mutation (issue 16): 4.4 hvm_mmio_intercept, Xen\'s own MMIO handlers ([X44] intercept.c:166-179)', () => {
  const claim = (g: G44, addr: bigint, dir = A.IOREQ_READ, data = 0x77n, ptr = 0) => {
    const p = req(A.IOREQ_TYPE_COPY, addr, 4, dir, data, 1, ptr);
    const r = g.stepped(g.v(), (h) => h.hvmMmioIntercept(g.v(), p));
    return { p, r, dev: localsAt(r.stops, 'hvm_mmio_intercept', 'handlers').handler };
  };

  it('each handler\'s range, first and last byte and one past: the HPET (only while HVM_PARAM_HPET_ENABLED), the vlapic page, the vioapic (hpet.c:457-462, vlapic.c:877-882, vioapic.c:239-245 @RELEASE-4.4.0)', () => {
    const g = new G44();
    g.d.arch.hvm_domain.params[HVM_PARAM_HPET_ENABLED] = 1;
    for (const [a, dev] of [[0xfecfffffn, 'NULL'], [0xfed00000n, '"hpet"'], [0xfed003ffn, '"hpet"'], [0xfed00400n, 'NULL'],
      [0xfedfffffn, 'NULL'], [0xfee00000n, '"vlapic"'], [0xfee00fffn, '"vlapic"'], [0xfee01000n, 'NULL'],
      [0xfebfffffn, 'NULL'], [0xfec00000n, '"vioapic"'], [0xfec000ffn, '"vioapic"'], [0xfec00100n, 'NULL']] as const) {
      const { r, dev: got } = claim(g, a);
      assert.equal(got, dev, A.hex(a));
      assert.equal(r.value, dev === 'NULL' ? X86EMUL_UNHANDLEABLE : X86EMUL_OKAY, A.hex(a));
      assert.equal(localsAt(r.stops, 'hvm_mmio_intercept', 'handlers').addr, A.hex(a));
      assert.equal(localsAt(r.stops, 'hvm_mmio_intercept', 'find_dev').addr, A.hex(a));
    }
    g.d.arch.hvm_domain.params[HVM_PARAM_HPET_ENABLED] = 0;
    assert.equal(claim(g, 0xfed00000n).dev, 'NULL');
  });

  it('a claimed access stays in Xen: a single read gives 0, a write and a string read leave data as it was; one event each (the model does not emulate the registers)', () => {
    const g = new G44();
    const from = g.m.x.events.length;
    let c = claim(g, 0xfee00020n, A.IOREQ_READ, 0x77n);
    assert.equal(c.p.data, 0n);
    assert.deepEqual(labels(c.r.stops, 'hvm_mmio_intercept'), ['find_dev', 'handlers', 'read_zero', 'ret']);
    const rz = localsAt(c.r.stops, 'hvm_mmio_intercept', 'read_zero');
    assert.deepEqual([rz.dir, rz.data_is_ptr], ['1', '0']);
    c = claim(g, 0xfec00010n, A.IOREQ_WRITE, 0x77n);
    assert.equal(c.p.data, 0x77n);
    c = claim(g, 0xfee00030n, A.IOREQ_READ, 0x100000n, 1);
    assert.equal(c.p.data, 0x100000n, 'a string read keeps its buffer address');
    assert.deepEqual(g.events('io_internal', from).map((e) => [e.fn, e.domid, e.vcpu, e.detail, e.text]), [
      ['hvm_mmio_intercept', 1, 0, { handler: 'vlapic', addr: '0xfee00020' }, 'd1v0 read 0xfee00020 handled inside Xen by the vlapic (its registers are not modelled: the read gives 0)'],
      ['hvm_mmio_intercept', 1, 0, { handler: 'vioapic', addr: '0xfec00010' }, 'd1v0 write 0xfec00010 handled inside Xen by the vioapic (its registers are not modelled)'],
      ['hvm_mmio_intercept', 1, 0, { handler: 'vlapic', addr: '0xfee00030' }, 'd1v0 read 0xfee00030 handled inside Xen by the vlapic (its registers are not modelled: the read gives 0)']]);
  });
});
