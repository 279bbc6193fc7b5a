// Importing trace files: the format told by the first bytes, QEMU traces read first (their requests are kept for
// matching), then xentrace captures streamed through the timeline.
import { FileSource, MemorySource, type ByteSource } from './source';
import { readXentrace, CPU_CHANGE_HEADER, type XentraceStats } from './xentrace';
import { DmRequestBuilder, isSimpletrace, readQemuLog, readSimpletrace, type QemuStats } from './qemu';
import { Timeline, summarize, DEFAULT_CPU_HZ, type Gap, type IoEntry, type Summary, type SummaryRow } from './timeline';

export type TraceFormat = 'xentrace' | 'simpletrace' | 'qemu-log';

export interface TraceInput { name: string; src: ByteSource }

export function fileInput(path: string): TraceInput { return { name: path, src: new FileSource(path) }; }
export function bytesInput(name: string, b: Uint8Array | string): TraceInput {
  return { name, src: new MemorySource(typeof b === 'string' ? new TextEncoder().encode(b) : b) };
}

/** The format of a source, from its first 16 bytes. */
export function detectFormat(src: ByteSource): TraceFormat {
  const head = new Uint8Array(16);
  const n = src.read(head, 0, 16, 0);
  if (n >= 16 && isSimpletrace(head)) return 'simpletrace';
  if (n >= 4 && new DataView(head.buffer).getUint32(0, true) === CPU_CHANGE_HEADER) return 'xentrace';
  return 'qemu-log';
}

export interface ImportOptions {
  cpuHz?: number;
  onIo?: (e: IoEntry) => void;
  onGap?: (g: Gap) => void;
  progress?: (file: string, bytes: number, total: number) => void;
}

export interface FileReport { name: string; format: TraceFormat; xen?: XentraceStats; qemu?: QemuStats; ios?: number }

export interface ImportResult {
  files: FileReport[];
  dm: DmRequestBuilder;
  timelines: Timeline[];
  summary: Summary;
  ios: number;
  matched: number;
  /** Located errors of truncated or corrupt files (what came before them was read). */
  errors: string[];
}

export function importTraces(inputs: TraceInput[], o: ImportOptions = {}): ImportResult {
  const dm = new DmRequestBuilder();
  const files: FileReport[] = [];
  const errors: string[] = [];
  const kinds = inputs.map((i) => detectFormat(i.src));
  inputs.forEach((inp, k) => {
    if (kinds[k] === 'xentrace') return;
    const st = kinds[k] === 'simpletrace'
      ? readSimpletrace(inp.src, inp.name, (e) => dm.add(e), (b, t) => o.progress?.(inp.name, b, t))
      : readQemuLog(inp.src, inp.name, (e) => dm.add(e), (b, t) => o.progress?.(inp.name, b, t));
    if (st.error) errors.push(st.error.message);
    files[k] = { name: inp.name, format: kinds[k], qemu: st };
  });
  const timelines: Timeline[] = [];
  const rows: SummaryRow[] = [];
  let total = 0;
  let ios = 0, matched = 0;
  inputs.forEach((inp, k) => {
    if (kinds[k] !== 'xentrace') return;
    const tl = new Timeline({ file: inp.name, dm: dm.requests, onIo: o.onIo, onGap: o.onGap });
    const st = readXentrace(inp.src, tl, { progress: (b, t) => o.progress?.(inp.name, b, t) });
    tl.finish();
    if (st.error) errors.push(`${inp.name}@${st.error.offset}: ${st.error.message}`);
    files[k] = { name: inp.name, format: 'xentrace', xen: st, ios: tl.ios };
    timelines.push(tl);
    rows.push(...tl.rows);
    if (st.lastTsc === st.lastTsc) total += st.lastTsc - st.firstTsc;
    ios += tl.ios;
    matched += tl.matched;
  });
  for (const i of inputs) i.src.close();
  return { files, dm, timelines, summary: summarize(rows, total, o.cpuHz ?? DEFAULT_CPU_HZ), ios, matched, errors };
}
