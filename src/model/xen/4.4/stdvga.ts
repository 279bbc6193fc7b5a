// @stepped
// xen/arch/x86/hvm/stdvga.c of RELEASE-4.4.0 [X44] and the dispatch of xen/arch/x86/hvm/intercept.c that reaches it:
// Xen snoops the VGA sequencer and graphics registers (ports 0x3c4-0x3c5, 0x3ce-0x3cf, always passed on to the
// device model) and owns the VGA memory window 0xa0000-0xbffff as a buffered-I/O handler, tried after the MMIO
// intercepts. Outside stdvga's caching mode it offers every write in the window to hvm_buffered_io_send; inside it,
// what mmio_move can carry out on its own copy of video memory (dropping the cache when it cannot), reads included.
// Whatever hvm_buffered_io_send refuses goes to the device model synchronously. Line numbers: stdvga.c@RELEASE-4.4.0.
import * as A from '../../abi';
import { HVM_PARAM_HPET_ENABLED } from '../../params';
import { $, type Co } from '../../step';
import type { Domain, HvmHwStdvga, Vcpu } from '../../xen';
import { X86EMUL_OKAY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../common/outcome';
import { Io44 } from './io';

/** VGA_MEM_BASE / VGA_MEM_SIZE (stdvga.c:38-39). */
export const VGA_MEM_BASE = 0xa0000;
export const VGA_MEM_SIZE = 0x20000;

/** The 16 byte-lane masks stdvga.c:42-59 builds (bit n of the index selects byte n). */
const MASK16 = Array.from({ length: 16 }, (_, i) => ((i & 1 ? 0xff : 0) | (i & 2 ? 0xff00 : 0) | (i & 4 ? 0xff0000 : 0) | (i & 8 ? 0xff000000 : 0)) >>> 0);
/** Bits stdvga_outb keeps of each sequencer / graphics register (stdvga.c:62-83: the complement of what it forces to 0). */
const SR_KEEP = [0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff];
const GR_KEEP = [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff];

/** The hvm_io_handler entries stdvga_init registers (stdvga.c:611-620): two port pairs and the memory window. */
const STDVGA_PORTS: ReadonlyArray<[number, number]> = [[0x3c4, 2], [0x3ce, 2]];

export abstract class Stdvga44 extends Io44 {
  // ---- the register snoop (ports) ----

  /** stdvga_outb (stdvga.c:104-155): one register write; entering standard VGA mode (sr[7] == 0) restarts the cache. */
  *stdvgaOutb(d: Domain, port: number, val: number): Co<number> {
    yield $('init_s', { d });
    const s = d.stdvga;
    yield $('init_rc', { stdvga: s.stdvga });
    const prev = s.stdvga;
    let rc = 1;
    yield $('switch', { port: A.hex(port), val: A.hex(val) });
    switch (port) {
      case 0x3c4:
        yield $('sr_index', { val: A.hex(val) });
        s.sr_index = val & 0xff;
        break;
      case 0x3c5:
        yield $('sr', { sr_index: s.sr_index, val: A.hex(val) });
        rc = s.sr_index < 8 ? 1 : 0;
        if (rc) s.ownRegs().sr[s.sr_index] = val & SR_KEEP[s.sr_index]; // (ownRegs: the model's copy on write)
        break;
      case 0x3ce:
        yield $('gr_index', { val: A.hex(val) });
        s.gr_index = val & 0xff;
        break;
      case 0x3cf:
        yield $('gr', { gr_index: s.gr_index, val: A.hex(val) });
        rc = s.gr_index < 9 ? 1 : 0;
        if (rc) s.ownRegs().gr[s.gr_index] = val & GR_KEEP[s.gr_index];
        break;
      default:
        yield $('other', { port: A.hex(port) });
        rc = 0;
        break;
    }
    yield $('set_stdvga', { sr7: A.hex(s.sr[7]) });
    s.stdvga = s.sr[7] === 0;
    yield $('mode', { prev_stdvga: prev, stdvga: s.stdvga, cache: s.cache });
    if (!prev && s.stdvga) {
      yield $('cache_on');
      s.cache = true;
      yield $('entering');
      this.x.printk('XENLOG_INFO', 'stdvga_outb', d, 'entering stdvga and caching modes');
      this.stdvgaEvent(d, 'entering stdvga and caching modes');
    } else {
      yield $('is_leaving', { prev_stdvga: prev, stdvga: s.stdvga });
      if (prev && !s.stdvga) {
        this.x.printk('XENLOG_INFO', 'stdvga_outb', d, 'leaving stdvga');
        this.stdvgaEvent(d, 'leaving stdvga (the cache stays as it was)');
      }
    }
    yield $('ret', { rc });
    return rc;
  }

  /** stdvga_intercept_pio (stdvga.c:157-188): a write of 1 or 2 bytes is snooped; the access always goes on to the DM. */
  *stdvgaInterceptPio(d: Domain, dir: number, port: number, bytes: number, val: number): Co<number> {
    yield $('snoop', { dir, port: A.hex(port), bytes, val: A.hex(val) });
    if (dir === A.IOREQ_WRITE) {
      // stdvga_out: 1 byte as is, 2 bytes as two consecutive registers, other sizes ignored.
      yield $('one_byte', { bytes });
      if (bytes === 1) yield* this.stdvgaOutb(d, port, val & 0xff);
      else {
        yield $('two_bytes', { bytes });
        if (bytes === 2) { yield* this.stdvgaOutb(d, port, val & 0xff); yield* this.stdvgaOutb(d, port + 1, (val >> 8) & 0xff); }
      }
    }
    yield $('ret');
    return X86EMUL_UNHANDLEABLE; // "propagate to external ioemu"
  }

  /**
   * hvm_portio_intercept -> hvm_io_intercept(p, HVM_PORTIO) (intercept.c:307-338) with process_portio_intercept
   * (intercept.c:181-301) for stdvga's two port pairs: a single access passes its value; a string write snoops the
   * first element read from guest memory, and since the handler never handles one, the loop stops there.
   */
  *hvmPortioIntercept(v: Vcpu, p: ProtoIoreq): Co<number> {
    const d = v.domain;
    const addr = Number(p.addr);
    yield $('handlers', { addr: A.hex(addr), size: p.size });
    const hit = STDVGA_PORTS.some(([base, n]) => addr >= base && addr + p.size <= base + n);
    if (!hit) return X86EMUL_UNHANDLEABLE;
    yield $('single', { data_is_ptr: p.data_is_ptr });
    if (!p.data_is_ptr) return yield* this.stdvgaInterceptPio(d, p.dir, addr, p.size, Number(p.data & 0xffffffffn));
    yield $('read', { dir: p.dir });
    if (p.dir === A.IOREQ_READ) return X86EMUL_UNHANDLEABLE; // the handler ignores reads: nothing copied, i == 0
    const c = this.hvmCopyGuestPhys(d, p.data, p.size, false, 0n);
    yield $('copy_first', { gpa: A.hex(p.data), rc: c.rc });
    yield $('bad_gfn', { rc: c.rc });
    // A paged-out or shared first element is not reached: hvmemul_do_io has already retried on this very frame.
    if (c.rc === 'HVMCOPY_gfn_paged_out' || c.rc === 'HVMCOPY_gfn_shared') return X86EMUL_UNHANDLEABLE;
    const data = c.rc === 'HVMCOPY_okay' ? c.data : (1n << BigInt(8 * p.size)) - 1n;
    yield $('snoop_first', { data: A.hex(data) });
    return yield* this.stdvgaInterceptPio(d, A.IOREQ_WRITE, addr, p.size, Number(data));
  }

  // ---- video memory (stdvga.c:85-102, 190-463): plain helpers, each one statement of mmio_move ----

  /** vram_getb / vram_getl: the byte at a, or the 32-bit word a addresses, of the 64 vram pages. */
  vramByte(s: HvmHwStdvga, a: number, val?: number): number {
    const i = (a >>> 12) & 0x3f;
    if (val === undefined) return s.vram[i]?.[a & 0xfff] ?? 0;
    (s.vramForWrite()[i] ??= new Uint8Array(4096))[a & 0xfff] = val & 0xff;
    return val & 0xff;
  }

  vramLong(s: HvmHwStdvga, a: number, val?: number): number {
    const i = (a >>> 10) & 0x3f;
    const off = (a & 0x3ff) * 4;
    const pg = s.vram[i];
    if (val === undefined) return pg ? (pg[off] | (pg[off + 1] << 8) | (pg[off + 2] << 16) | (pg[off + 3] << 24)) >>> 0 : 0;
    const q = (s.vramForWrite()[i] ??= new Uint8Array(4096));
    for (let k = 0; k < 4; k++) q[off + k] = (val >>> (8 * k)) & 0xff;
    return val >>> 0;
  }

  /** stdvga_mem_offset (stdvga.c:190-222): the window offset under gr[6]'s memory map mode, or ~0 outside it. */
  stdvgaMemOffset(s: HvmHwStdvga, addr: number): number {
    const mode = (s.gr[6] >> 2) & 3;
    let off = addr & 0x1ffff;
    if (mode === 1) { if (off >= 0x10000) return -1; }
    else if (mode === 2) { off -= 0x10000; if (off < 0 || off >= 0x8000) return -1; }
    else if (mode === 3) { off -= 0x18000; if (off < 0 || off >= 0x8000) return -1; }
    return off;
  }

  /** stdvga_mem_readb (stdvga.c:226-276): chain-4, odd/even, or a latched planar read (read mode 0 or 1). */
  stdvgaMemReadb(s: HvmHwStdvga, addr: number): number {
    const a = this.stdvgaMemOffset(s, addr);
    if (a < 0) return 0xff;
    if (s.sr[4] & 0x08) return this.vramByte(s, a);
    if (s.gr[5] & 0x10) return this.vramByte(s, (((a & ~1) << 1) | ((s.gr[4] & 2) | (a & 1))) >>> 0);
    s.latch = this.vramLong(s, a);
    if (!(s.gr[5] & 0x08)) return (s.latch >>> ((s.gr[4] & 3) * 8)) & 0xff;
    let r = ((s.latch ^ MASK16[s.gr[2] & 0xf]) & MASK16[s.gr[7] & 0xf]) >>> 0;
    r = (r | (r >>> 16)) >>> 0;
    r = (r | (r >>> 8)) >>> 0;
    return ~r & 0xff;
  }

  /** stdvga_mem_writeb (stdvga.c:319-425): chain-4, odd/even, or planar write modes 0-3 with the ALU and masks. */
  stdvgaMemWriteb(s: HvmHwStdvga, addr: number, val: number): void {
    const a = this.stdvgaMemOffset(s, addr);
    if (a < 0) return;
    if (s.sr[4] & 0x08) {
      if (s.sr[2] & (1 << (a & 3))) this.vramByte(s, a, val);
      return;
    }
    if (s.gr[5] & 0x10) {
      const plane = (s.gr[4] & 2) | (a & 1);
      if (s.sr[2] & (1 << plane)) this.vramByte(s, (((a & ~1) << 1) | plane) >>> 0, val);
      return;
    }
    let v = val & 0xff;
    let bitMask = 0;
    const rot = (x: number, b: number): number => ((x >>> b) | (x << (8 - b))) & 0xff;
    let skipAlu = false;
    switch (s.gr[5] & 3) {
      case 1: v = s.latch; skipAlu = true; break;
      case 2: v = MASK16[v & 0x0f]; bitMask = s.gr[8]; break;
      case 3: { const r = rot(v, s.gr[3] & 7); bitMask = s.gr[8] & r; v = MASK16[s.gr[0] & 0xf]; break; }
      default: {
        v = rot(v, s.gr[3] & 7);
        v = (v | (v << 8) | (v << 16) | (v << 24)) >>> 0;
        const setMask = MASK16[s.gr[1] & 0xf];
        v = ((v & ~setMask) | (MASK16[s.gr[0] & 0xf] & setMask)) >>> 0;
        bitMask = s.gr[8];
      }
    }
    if (!skipAlu) {
      switch (s.gr[3] >> 3) {
        case 1: v = (v & s.latch) >>> 0; break;
        case 2: v = (v | s.latch) >>> 0; break;
        case 3: v = (v ^ s.latch) >>> 0; break;
        default: break;
      }
      bitMask = (bitMask | (bitMask << 8) | (bitMask << 16) | (bitMask << 24)) >>> 0;
      v = ((v & bitMask) | (s.latch & ~bitMask)) >>> 0;
    }
    const writeMask = MASK16[s.sr[2] & 0xf];
    this.vramLong(s, a, ((this.vramLong(s, a) & ~writeMask) | (v & writeMask)) >>> 0);
  }

  /** stdvga_mem_read (stdvga.c:278-317): size bytes, little-endian, one readb each. */
  stdvgaMemRead(s: HvmHwStdvga, addr: number, size: number): bigint {
    let data = 0n;
    if (![1, 2, 4, 8].includes(size)) return 0n;
    for (let k = 0; k < size; k++) data |= BigInt(this.stdvgaMemReadb(s, addr + k)) << BigInt(8 * k);
    return data;
  }

  /** stdvga_mem_write (stdvga.c:427-463): size bytes, one writeb each. */
  stdvgaMemWrite(s: HvmHwStdvga, addr: number, data: bigint, size: number): void {
    if (![1, 2, 4, 8].includes(size)) return;
    for (let k = 0; k < size; k++) this.stdvgaMemWriteb(s, addr + k, Number((data >> BigInt(8 * k)) & 0xffn));
  }

  // ---- the memory window ----

  /**
   * mmio_move (stdvga.c:467-543): carry out a COPY request on the cached video memory. A request whose data is a
   * guest pointer is copied element by element (df steps backwards); a pointer into something that is not RAM is
   * only handled when it lies in the VGA window itself, otherwise 0 (the caller drops the cache). 1 when done.
   */
  *mmioMove(v: Vcpu, p: ProtoIoreq): Co<number> {
    const d = v.domain;
    yield $('init_s', { d });
    const s = d.stdvga;
    yield $('init_addr', { addr: A.hex(p.addr), data: A.hex(p.data) });
    let addr = Number(p.addr);
    let data = p.data;
    yield $('init_step', { df: p.df, size: p.size });
    const step = p.df ? -p.size : p.size;
    yield $('ptr', { data_is_ptr: p.data_is_ptr, dir: p.dir, count: p.count, df: p.df });
    if (p.data_is_ptr) {
      for (let i = 0; i < p.count; i++) {
        yield $('for_each', { i, count: p.count });
        const inWindow = data >= BigInt(VGA_MEM_BASE) && data + BigInt(p.size) <= BigInt(VGA_MEM_BASE + VGA_MEM_SIZE);
        yield $('dir', { dir: p.dir });
        if (p.dir === A.IOREQ_READ) {
          yield $('mem_read', { addr: A.hex(addr) });
          const tmp = this.stdvgaMemRead(s, addr, p.size);
          const c = this.hvmCopyGuestPhys(d, data, p.size, true, tmp);
          yield $('to_guest', { i, addr: A.hex(addr), data: A.hex(data), rc: c.rc });
          if (c.rc !== 'HVMCOPY_okay') {
            // Only vga_mem <-> vga_mem is handled here; anything else is the device model's.
            yield $('to_vga', { p2m: this.p2mType(d, Number(data >> 12n)), in_vga_window: inWindow });
            if (this.p2mType(d, Number(data >> 12n)) !== 'p2m_mmio_dm' || !inWindow) return 0;
            yield $('vga_write', { data: A.hex(data) });
            this.stdvgaMemWrite(s, Number(data), tmp, p.size);
          }
        } else {
          const c = this.hvmCopyGuestPhys(d, data, p.size, false, 0n);
          yield $('from_guest', { i, addr: A.hex(addr), data: A.hex(data), rc: c.rc });
          let tmp = c.data;
          if (c.rc !== 'HVMCOPY_okay') {
            yield $('from_vga', { p2m: this.p2mType(d, Number(data >> 12n)), in_vga_window: inWindow });
            if (this.p2mType(d, Number(data >> 12n)) !== 'p2m_mmio_dm' || !inWindow) return 0;
            yield $('vga_read', { data: A.hex(data) });
            tmp = this.stdvgaMemRead(s, Number(data), p.size);
          }
          yield $('mem_write', { addr: A.hex(addr), tmp: A.hex(tmp) });
          this.stdvgaMemWrite(s, addr, tmp, p.size);
        }
        data = BigInt.asUintN(64, data + BigInt(step));
        addr += step;
      }
    } else {
      yield $('single', { dir: p.dir, addr: A.hex(addr), size: p.size });
      if (p.dir === A.IOREQ_READ) p.data = this.stdvgaMemRead(s, addr, p.size);
      else this.stdvgaMemWrite(s, addr, p.data, p.size);
    }
    yield $('ret');
    return 1;
  }

  /**
   * stdvga_intercept_mmio (stdvga.c:545-588): above 8 bytes it refuses; in stdvga and caching mode a COPY request is
   * moved on the cache (and the cache dropped when mmio_move cannot), anything else drops the cache; outside that
   * mode every write is a candidate. A candidate is offered to hvm_buffered_io_send; queued is X86EMUL_OKAY, else the
   * request goes to the device model (X86EMUL_UNHANDLEABLE).
   */
  *stdvgaInterceptMmio(v: Vcpu, p: ProtoIoreq): Co<number> {
    const d = v.domain;
    yield $('init_s', { d });
    const s = d.stdvga;
    yield $('init_buf');
    let buf = 0;
    yield $('size', { size: p.size });
    if (p.size > 8) {
      yield $('bad_size', { size: p.size });
      this.x.printk('XENLOG_WARNING', 'stdvga_intercept_mmio', d, `invalid mmio size ${p.size}`);
      yield $('bad_size_ret');
      return X86EMUL_UNHANDLEABLE;
    }
    yield $('mode', { stdvga: s.stdvga, cache: s.cache, type: A.TYPE_NAMES[p.type] });
    if (s.stdvga && s.cache) {
      yield $('is_copy', { type: A.TYPE_NAMES[p.type] });
      if (p.type === A.IOREQ_TYPE_COPY) {
        yield $('move');
        buf = yield* this.mmioMove(v, p);
        yield $('check_move', { buf });
        if (!buf) {
          s.cache = false;
          this.stdvgaEvent(d, `mmio_move cannot carry out the ${p.dir ? 'read' : 'write'} at ${A.hex(p.addr)} (data ${A.hex(p.data)} is no RAM outside the window): caching off`);
        }
      } else {
        yield $('unsupported', { type: p.type });
        this.x.printk('XENLOG_WARNING', 'stdvga_intercept_mmio', d, `unsupported mmio request type:${p.type} addr:0x${Number(p.addr & 0xffffffffn).toString(16).padStart(4, '0')} data:0x${Number(p.data & 0xffffffffn).toString(16).padStart(4, '0')} size:${p.size} count:${p.count} state:${p.state} isptr:${p.data_is_ptr} dir:${p.dir} df:${p.df}`);
        yield $('drop_cache');
        s.cache = false;
      }
    } else {
      buf = p.dir === A.IOREQ_WRITE ? 1 : 0;
    }
    yield $('offer', { buf, cache: s.cache });
    const rc = buf ? yield* this.hvmBufferedIoSend(v, p) : 0;
    if (this.x.on) this.x.emit({ kind: 'stdvga', fn: 'stdvga_intercept_mmio', domid: d.domain_id, vcpu: v.vcpu_id,
      detail: { addr: A.hex(p.addr), dir: p.dir, stdvga: s.stdvga, cache: s.cache, offered: !!buf, queued: !!rc },
      text: `d${d.domain_id}v${v.vcpu_id} stdvga ${p.dir ? 'read' : 'write'} ${A.hex(p.addr)} (${s.stdvga && s.cache ? 'caching mode' : 'not caching'}): ${!buf ? 'not offered to the buffered ring' : rc ? 'queued on the buffered ring' : 'hvm_buffered_io_send refused it'}${rc ? '' : ', synchronous to the device model'}` });
    return rc ? X86EMUL_OKAY : X86EMUL_UNHANDLEABLE;
  }

  /**
   * hvm_buffered_io_intercept -> hvm_io_intercept(p, HVM_BUFFERED_IO) (intercept.c:307-338, asm-x86/hvm/io.h:89-92):
   * the one buffered-I/O handler of 4.4 is stdvga's window; an access must lie wholly inside it (first element only).
   */
  *hvmBufferedIoIntercept(v: Vcpu, p: ProtoIoreq): Co<number> {
    yield $('handlers', { addr: A.hex(p.addr), size: p.size });
    if (!(p.addr >= BigInt(VGA_MEM_BASE) && p.addr + BigInt(p.size) <= BigInt(VGA_MEM_BASE + VGA_MEM_SIZE))) return X86EMUL_UNHANDLEABLE;
    yield $('intercept');
    return yield* this.stdvgaInterceptMmio(v, p);
  }

  /**
   * hvm_mmio_intercept (intercept.c:35-43, 166-179): each of Xen's MMIO handlers is asked in turn whether the address
   * is its own: the HPET (hpet.c:457-462, 0xfed00000 for 1 KiB, only with HVM_PARAM_HPET_ENABLED), the vlapic
   * (vlapic.c:877-882, the page at the APIC base, 0xfee00000 as a guest leaves it), the vioapic (vioapic.c:239-245,
   * 0xfec00000 for 0x100 bytes); msixtbl and the IOMMU claim nothing without passthrough. A claimed access is
   * Xen's: it never reaches the device model. The model does not emulate those devices' registers: a read gives 0,
   * and a string access's guest buffer is left as it is.
   */
  *hvmMmioIntercept(v: Vcpu, p: ProtoIoreq): Co<number> {
    yield $('find_dev', { addr: A.hex(p.addr) });
    const a = p.addr;
    const hpet = v.domain.arch.hvm_domain.params[HVM_PARAM_HPET_ENABLED] !== 0 && a >= 0xfed00000n && a < 0xfed00400n;
    const dev = hpet ? 'hpet' : a >= 0xfee00000n && a < 0xfee01000n ? 'vlapic' : a >= 0xfec00000n && a < 0xfec00100n ? 'vioapic' : null;
    yield $('handlers', { addr: A.hex(p.addr), handler: dev });
    if (!dev) return X86EMUL_UNHANDLEABLE;
    yield $('read_zero', { dir: p.dir, data_is_ptr: p.data_is_ptr });
    if (p.dir === A.IOREQ_READ && !p.data_is_ptr) p.data = 0n;
    if (this.x.on) this.x.emit({ kind: 'io_internal', fn: 'hvm_mmio_intercept', domid: v.domain.domain_id, vcpu: v.vcpu_id, detail: { handler: dev, addr: A.hex(p.addr) },
      text: `d${v.domain.domain_id}v${v.vcpu_id} ${p.dir ? 'read' : 'write'} ${A.hex(p.addr)} handled inside Xen by the ${dev} (its registers are not modelled${p.dir ? ': the read gives 0' : ''})` });
    yield $('ret');
    return X86EMUL_OKAY;
  }

  stdvgaEvent(d: Domain, text: string): void {
    if (this.x.on) this.x.emit({ kind: 'stdvga', fn: 'stdvga', domid: d.domain_id, detail: { stdvga: d.stdvga.stdvga, cache: d.stdvga.cache }, text: `d${d.domain_id} stdvga: ${text}` });
  }
}
