// Byte sources for the trace parsers: files read in fixed chunks (never whole), or bytes already in memory.
// A parser asks for at least n bytes at its position; the source keeps a sliding window over the input.
import { closeSync, fstatSync, openSync, readSync } from 'fs';

export interface ByteSource {
  /** Total size in bytes when known (files), for progress. */
  readonly size: number;
  /** Reads up to buf.length bytes at file offset `at` into buf; returns the count (0 at the end). */
  read(buf: Uint8Array, off: number, len: number, at: number): number;
  close(): void;
}

export class FileSource implements ByteSource {
  private fd: number;
  readonly size: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }
  read(buf: Uint8Array, off: number, len: number, at: number): number {
    return readSync(this.fd, buf, off, len, at);
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(private bytes: Uint8Array) { this.size = bytes.length; }
  read(buf: Uint8Array, off: number, len: number, at: number): number {
    const n = Math.max(0, Math.min(len, this.bytes.length - at));
    buf.set(this.bytes.subarray(at, at + n), off);
    return n;
  }
  close(): void { /* nothing */ }
}

export const CHUNK = 4 << 20;
/** The readers report their progress every this many bytes. */
export const PROGRESS_EVERY = 16 << 20;

/** A sliding window over a source: `buf[pos - base]` is the byte at file offset pos. */
export class Window {
  buf: Uint8Array;
  dv: DataView;
  /** The same bytes as host-order words (the xentrace reader indexes 4-aligned offsets; hosts are little-endian). */
  u32: Uint32Array;
  /** File offset of buf[0]. */
  base = 0;
  /** Bytes valid in buf. */
  len = 0;
  private eof = false;
  constructor(private src: ByteSource, chunk = CHUNK) {
    this.buf = new Uint8Array((chunk + 3) & ~3);
    this.dv = new DataView(this.buf.buffer);
    this.u32 = new Uint32Array(this.buf.buffer);
  }
  /** Makes bytes [pos, pos+n) available if the input has them; returns how many of them are (≤ n). */
  need(pos: number, n: number): number {
    const have = this.base + this.len - pos;
    if (have >= n || this.eof) return Math.max(0, Math.min(n, have));
    // Slide: keep the bytes from pos on, then fill the rest.
    const keep = Math.max(0, have);
    if (keep > 0 && pos > this.base) this.buf.copyWithin(0, pos - this.base, pos - this.base + keep);
    if (n > this.buf.length) {
      const nb = new Uint8Array((Math.max(n, this.buf.length * 2) + 3) & ~3);
      nb.set(this.buf.subarray(0, keep));
      this.buf = nb;
      this.dv = new DataView(nb.buffer);
      this.u32 = new Uint32Array(nb.buffer);
    }
    this.base = pos;
    this.len = keep;
    while (this.len < this.buf.length) {
      const r = this.src.read(this.buf, this.len, this.buf.length - this.len, this.base + this.len);
      if (r <= 0) { this.eof = true; break; }
      this.len += r;
    }
    return Math.min(n, this.base + this.len - pos);
  }
}
