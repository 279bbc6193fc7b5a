// The public ioreq ABI: xen/include/public/hvm/ioreq.h (Xen 4.4, unchanged by the seed).
// Byte offsets and bit positions are those GCC gives the C structs on x86 (little-endian,
// bit-fields allocated from the least significant bit); see docs/xen-ioreq.md section 1.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;

/** STATE_IOREQ_* / STATE_IORESP_* (ioreq.h). */
export const STATE_IOREQ_NONE = 0;
export const STATE_IOREQ_READY = 1;
export const STATE_IOREQ_INPROCESS = 2;
export const STATE_IORESP_READY = 3;
export const STATE_NAMES = ['STATE_IOREQ_NONE', 'STATE_IOREQ_READY', 'STATE_IOREQ_INPROCESS', 'STATE_IORESP_READY'];

/** IOREQ_TYPE_* (ioreq.h; PCI_CONFIG arrives in 4.5). */
export const IOREQ_TYPE_PIO = 0;
export const IOREQ_TYPE_COPY = 1;
export const IOREQ_TYPE_PCI_CONFIG = 2;
export const IOREQ_TYPE_TIMEOFFSET = 7;
export const IOREQ_TYPE_INVALIDATE = 8;
export const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'IOREQ_TYPE_PIO', 1: 'IOREQ_TYPE_COPY', 2: 'IOREQ_TYPE_PCI_CONFIG', 7: 'IOREQ_TYPE_TIMEOFFSET', 8: 'IOREQ_TYPE_INVALIDATE',
};

export const IOREQ_READ = 1;
export const IOREQ_WRITE = 0;

/** sizeof(ioreq_t) and its field offsets. */
export const IOREQ_SIZE = 32;
export const OFF_ADDR = 0;
export const OFF_DATA = 8;
export const OFF_COUNT = 16;
export const OFF_SIZE = 20;
export const OFF_VP_EPORT = 24;
export const OFF_PAD0 = 28;
export const OFF_BITS = 30; // state:4, data_is_ptr:1, dir:1, df:1, _pad1:1
export const OFF_TYPE = 31;

/** HVM_MAX_VCPUS (public/hvm/hvm_info_table.h): 128 slots of 32 bytes fill the shared page. */
export const HVM_MAX_VCPUS = 128;
/** MAX_HVM_VCPUS inside Xen equals HVM_MAX_VCPUS. */
export const MAX_HVM_VCPUS = HVM_MAX_VCPUS;

/** IOREQ_BUFFER_SLOT_NUM: 511 eight-byte slots after two 32-bit pointers fill one page. */
export const IOREQ_BUFFER_SLOT_NUM = 511;
export const BUF_OFF_READ_POINTER = 0;
export const BUF_OFF_WRITE_POINTER = 4;
export const BUF_OFF_SLOTS = 8;
export const BUF_IOREQ_SIZE = 8;

/** HVM_PARAM_BUFIOREQ_PFN, for code that reads the param array without importing params.ts. */
export const HVM_PARAM_BUFIOREQ_PFN_INDEX = 6;
/** HVM_PARAM_IOREQ_PFN, likewise. */
export const HVM_PARAM_IOREQ_PFN_INDEX = 5;

/** The decoded form of one ioreq_t. Names are the C field names. */
export interface Ioreq {
  addr: bigint;
  data: bigint;
  count: number;
  size: number;
  vp_eport: number;
  state: number;
  data_is_ptr: number;
  dir: number;
  df: number;
  type: number;
}

export function emptyIoreq(): Ioreq {
  return { addr: 0n, data: 0n, count: 0, size: 0, vp_eport: 0, state: 0, data_is_ptr: 0, dir: 0, df: 0, type: 0 };
}

/** Byte offset of vcpu n's slot in shared_iopage_t (vcpu_ioreq[n]). */
export function ioreqOffset(vcpuId: number): number {
  return vcpuId * IOREQ_SIZE;
}

export function getState(dv: DataView, off: number): number {
  return dv.getUint8(off + OFF_BITS) & 0x0f;
}

/** Writes only the 4-bit state field, as `p->state = x` compiles to on x86 (read-modify-write of the byte). */
export function setState(dv: DataView, off: number, state: number): void {
  const b = dv.getUint8(off + OFF_BITS);
  dv.setUint8(off + OFF_BITS, (b & 0xf0) | (state & 0x0f));
}

export function readIoreq(dv: DataView, off: number): Ioreq {
  const bits = dv.getUint8(off + OFF_BITS);
  return {
    addr: dv.getBigUint64(off + OFF_ADDR, true),
    data: dv.getBigUint64(off + OFF_DATA, true),
    count: dv.getUint32(off + OFF_COUNT, true),
    size: dv.getUint32(off + OFF_SIZE, true),
    vp_eport: dv.getUint32(off + OFF_VP_EPORT, true),
    state: bits & 0x0f,
    data_is_ptr: (bits >> 4) & 1,
    dir: (bits >> 5) & 1,
    df: (bits >> 6) & 1,
    type: dv.getUint8(off + OFF_TYPE),
  };
}

/** Writes every field of p (the _pad bytes are written as zero, as a struct assignment of a zeroed proto would). */
export function writeIoreq(dv: DataView, off: number, p: Ioreq): void {
  // setBigUint64 stores the value modulo 2^64 itself.
  dv.setBigUint64(off + OFF_ADDR, p.addr, true);
  dv.setBigUint64(off + OFF_DATA, p.data, true);
  dv.setUint32(off + OFF_COUNT, p.count >>> 0, true);
  dv.setUint32(off + OFF_SIZE, p.size >>> 0, true);
  dv.setUint32(off + OFF_VP_EPORT, p.vp_eport >>> 0, true);
  dv.setUint16(off + OFF_PAD0, 0, true);
  dv.setUint8(off + OFF_BITS, (p.state & 0x0f) | ((p.data_is_ptr & 1) << 4) | ((p.dir & 1) << 5) | ((p.df & 1) << 6));
  dv.setUint8(off + OFF_TYPE, p.type & 0xff);
}

/** The decoded form of one buf_ioreq_t. */
export interface BufIoreq {
  type: number;
  pad: number;
  dir: number;
  size: number; // encoded: 0 => 1 byte, 1 => 2, 2 => 4, 3 => 8 (two slots)
  addr: number; // 20 bits
  data: number; // 32 bits
}

export function bufSlotOffset(index: number): number {
  return BUF_OFF_SLOTS + (index % IOREQ_BUFFER_SLOT_NUM) * BUF_IOREQ_SIZE;
}

export function readBufIoreq(dv: DataView, off: number): BufIoreq {
  const w = dv.getUint32(off, true);
  return {
    type: w & 0xff,
    pad: (w >>> 8) & 1,
    dir: (w >>> 9) & 1,
    size: (w >>> 10) & 3,
    addr: w >>> 12,
    data: dv.getUint32(off + 4, true),
  };
}

export function writeBufIoreq(dv: DataView, off: number, b: BufIoreq): void {
  const w = (b.type & 0xff) | ((b.pad & 1) << 8) | ((b.dir & 1) << 9) | ((b.size & 3) << 10) | ((b.addr & 0xfffff) << 12);
  dv.setUint32(off, w >>> 0, true);
  dv.setUint32(off + 4, b.data >>> 0, true);
}

export interface BufferedIopage {
  read_pointer: number;
  write_pointer: number;
}

export function readBufPointers(dv: DataView): BufferedIopage {
  return { read_pointer: dv.getUint32(BUF_OFF_READ_POINTER, true), write_pointer: dv.getUint32(BUF_OFF_WRITE_POINTER, true) };
}

/** Value masks for access sizes 1, 2, 4 and 8 bytes (index = size). */
export const SIZE_MASK: readonly bigint[] = [0n, 0xffn, 0xffffn, 0n, 0xffffffffn, 0n, 0n, 0n, 0xffffffffffffffffn];

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}
