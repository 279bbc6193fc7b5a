// Trace import figures: xentrace parse throughput on a generated 100 MB capture beside a bare DataView walk of the
// same records (the floor); QEMU log and simpletrace throughput beside a bare walk of their lines / records; peak
// memory importing a generated 1 GB capture, in a child process, beside the same child loading the code only.
// Files are generated in a temp dir and deleted afterwards.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { median } from './dap';
import { FileSource, Window } from '../src/trace/source';
import { readXentrace, CPU_CHANGE_HEADER, TRC_HVM_VMX_EXIT, TRC_HVM_IOPORT_WRITE, TRC_HVM_IOMEM_READ, TRC_HVM_VMENTRY, TRC_SCHED_RUNSTATE_CHANGE } from '../src/trace/xentrace';
import { Timeline } from '../src/trace/timeline';
import { importTraces, fileInput } from '../src/trace/import';
import { readQemuLog, readSimpletrace } from '../src/trace/qemu';
import { SimpletraceWriter, qemuLogLine } from '../src/trace/writer';

const MB = 1 << 20;

/** Writes a capture of about `bytes`: 4 pCPUs, windows of 256 KiB, each vcpu doing exits with a port write or an
 *  MMIO read, VMENTRY, and now and then a block / wake-up. */
export function writeXentraceFile(file: string, bytes: number): number {
  const fd = fs.openSync(file, 'w');
  const WIN = 256 * 1024;
  const buf = new Uint8Array(12 + WIN + 64);
  const dv = new DataView(buf.buffer);
  const tsc = [0, 1, 2, 3].map((c) => 1_000_000 + c * 7);
  let written = 0, iter = 0;
  while (written < bytes) {
    for (let cpu = 0; cpu < 4 && written < bytes; cpu++) {
      let p = 12;
      const rec = (hdr: number, t: number | null, words: number[]) => {
        dv.setUint32(p, ((t !== null ? 0x80000000 : 0) | (words.length << 28) | hdr) >>> 0, true); p += 4;
        if (t !== null) { dv.setUint32(p, t >>> 0, true); dv.setUint32(p + 4, Math.floor(t / 4294967296), true); p += 8; }
        for (const w of words) { dv.setUint32(p, w >>> 0, true); p += 4; }
      };
      while (p < WIN) {
        const i = iter++;
        let t = tsc[cpu];
        if ((i & 15) === 0) rec(TRC_SCHED_RUNSTATE_CHANGE | (1 << 8), (t += 40), [(1 << 16) | cpu]);
        rec(TRC_HVM_VMX_EXIT, (t += 100), [30, 0x81000000 + (i & 0xfff)]);
        if (i & 1) rec(TRC_HVM_IOPORT_WRITE, null, [0x3f8 + (i & 7), i & 0xff]);
        else rec(TRC_HVM_IOMEM_READ, null, [0xfebf0000 + (i & 0xff0), i]);
        rec(TRC_HVM_VMENTRY, (t += 250 + (i & 63)), []);
        tsc[cpu] = t + 500;
      }
      dv.setUint32(0, CPU_CHANGE_HEADER, true);
      dv.setInt32(4, cpu, true);
      dv.setUint32(8, p - 12, true);
      fs.writeSync(fd, buf, 0, p);
      written += p;
    }
  }
  fs.closeSync(fd);
  return written;
}

/** The floor: read the same file in the same chunks and walk every record with a DataView (header, size, TSC). */
function floorWalk(file: string): number {
  const src = new FileSource(file);
  const win = new Window(src);
  let pos = 0, sum = 0;
  for (;;) {
    if (win.need(pos, 12) < 12) break;
    const wsize = win.dv.getUint32(pos - win.base + 8, true);
    pos += 12;
    const end = pos + wsize;
    while (pos < end) {
      win.need(pos, Math.min(40, end - pos));
      const p = pos - win.base;
      const h = win.dv.getUint32(p, true);
      if (h >>> 31) sum += win.dv.getUint32(p + 4, true);
      sum += h & 0xfff;
      pos += 4 + (h >>> 31) * 8 + ((h >>> 28) & 7) * 4;
    }
  }
  src.close();
  return sum;
}

/** Median seconds of `runs` timed runs after one warm-up run (as bench/index.ts's rate()). */
function time(f: () => void, runs: number): number {
  f();
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) { const t0 = process.hrtime.bigint(); f(); ts.push(Number(process.hrtime.bigint() - t0) / 1e9); }
  return median(ts);
}

export async function traceFigures(runs: number): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-bench-trace-'));
  try {
    const r = Math.max(3, Math.min(runs, 5));
    // xentrace, 100 MB
    const xf = path.join(dir, 'cap100.bin');
    const xbytes = writeXentraceFile(xf, 100 * MB);
    let ios = 0;
    const full = time(() => { const res = importTraces([fileInput(xf)]); ios = res.ios; }, r);
    const decodeOnly = time(() => { const s = new FileSource(xf); let k = 0; readXentrace(s, { record(_c, q, i) { k += q.kind[i]; } }); if (k < 0) throw new Error('unreachable'); s.close(); }, r);
    const floor = time(() => floorWalk(xf), r);
    // xenalyze on the same file, same run, when a binary is given (XENALYZE=path; tools/xenalyze-build.sh builds
    // one): its summary run with port and MMIO enumeration, output discarded. Medians of >= 5.
    const xaBin = process.env.XENALYZE;
    let xenalyze: Record<string, unknown> = { measured: false, why: 'XENALYZE is not set (build one: tools/xenalyze-build.sh XEN_TREE OUT)' };
    if (xaBin && fs.existsSync(xaBin)) {
      let bad: string | null = null;
      const xs = time(() => { const p = spawnSync(xaBin, ['--summary', '--with-pio-enumeration', '--with-mmio-enumeration', xf], { stdio: 'ignore' }); if (p.status !== 0) bad = `exit ${p.status}`; }, Math.max(5, r));
      xenalyze = bad ? { measured: false, why: `xenalyze failed: ${bad}` } : { measured: true, MBps: +(xbytes / MB / xs).toFixed(1), runs: Math.max(5, r) };
    } else if (xaBin) xenalyze = { measured: false, why: `XENALYZE=${xaBin} does not exist` };
    void Timeline;
    fs.rmSync(xf);
    // QEMU log, ~50 MB: Xen events among other lines, the tid@sec.usec prefix
    const lf = path.join(dir, 'qemu.log');
    {
      const lines: string[] = [];
      for (let i = 0; i < 2000; i++) {
        lines.push(qemuLogLine('tid', 'handle_ioreq', { req: 0x7ffd5e1c2a40n, type: 0, dir: i & 1, addr: 0x3f8 + (i & 7), data: i & 0xff, count: 1, size: 1 }, 1_753_122_905_000_000_000n + BigInt(i) * 1000n));
        lines.push(qemuLogLine('tid', 'cpu_ioreq_pio', { req: 0x7ffd5e1c2a40n, dir: i & 1, addr: 0x3f8 + (i & 7), data: i & 0xff, count: 1, size: 1 }, 1_753_122_905_000_000_000n + BigInt(i) * 1000n + 500n));
        lines.push(`2986097@1753122905.${String(i % 1e6).padStart(6, '0')}:memory_region_ops_write cpu 0 mr 0x55d0 addr 0x3f8 value 0x41 size 1`);
      }
      const block = lines.join('\n') + '\n';
      const fd = fs.openSync(lf, 'w');
      let n = 0;
      while (n < 50 * MB) { fs.writeSync(fd, block); n += block.length; }
      fs.closeSync(fd);
    }
    const lbytes = fs.statSync(lf).size;
    const logTime = time(() => { const s = new FileSource(lf); readQemuLog(s, lf, () => {}); s.close(); }, r);
    const logFloor = time(() => { const s = new FileSource(lf); const w = new Window(s); let pos = 0, n = 0; for (;;) { const g = w.need(pos, MB); if (!g) break; const t = Buffer.from(w.buf.buffer, pos - w.base, g).toString('latin1'); n += t.split('\n').length; pos += g; } s.close(); return n; }, r);
    fs.rmSync(lf);
    // simpletrace, ~50 MB
    const sf = path.join(dir, 'trace.st');
    {
      const w = new SimpletraceWriter();
      for (let i = 0; i < 20000; i++) {
        w.event('handle_ioreq', BigInt(i) * 1000n, [0x7ffd5e1c2a40n, 0, i & 1, 0, 0, 0x3f8 + (i & 7), i & 0xff, 1, 1]);
        w.event('memory_region_ops_write', BigInt(i) * 1000n + 1n, [0, 1, 2, 3, 4]);
      }
      const one = w.bytes();
      const body = one.subarray(24);
      const fd = fs.openSync(sf, 'w');
      fs.writeSync(fd, one);
      let n = one.length;
      while (n < 50 * MB) { fs.writeSync(fd, body.filter(() => true)); n += body.length; }
      fs.closeSync(fd);
    }
    const sbytes = fs.statSync(sf).size;
    const stTime = time(() => { const s = new FileSource(sf); readSimpletrace(s, sf, () => {}); s.close(); }, r);
    const stFloor = time(() => { const s = new FileSource(sf); const w = new Window(s); let pos = 24, n = 0; for (;;) { if (w.need(pos, 32) < 32) break; const ty = w.dv.getUint32(pos - w.base, true); if (ty === 0) { w.need(pos, 20); const l = w.dv.getUint32(pos - w.base + 16, true); pos += 20 + l; } else { const l = w.dv.getUint32(pos - w.base + 24, true); pos += 8 + l; n++; } } s.close(); return n; }, r);
    fs.rmSync(sf);
    // Peak memory on 1 GB, in a child process (RSS high-water mark), beside the same child loading the code only.
    const gf = path.join(dir, 'cap1g.bin');
    const gbytes = writeXentraceFile(gf, 1024 * MB);
    // The child runs the shipped command line (dist/cli.js, bundled) with a preload that reports its RSS
    // high-water mark at exit; the baseline is the same child printing its usage only.
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    const pre = path.join(dir, 'maxrss.js');
    // VmHWM is the RSS high-water mark of this process's own address space (getrusage's maxrss would also count
    // the parent's pages the fork before exec shared).
    fs.writeFileSync(pre, "process.on('exit', () => { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); process.stderr.write('MAXRSS ' + (m ? Number(m[1]) * 1024 : NaN) + '\\n'); });\n");
    const child = (doIt: boolean) => {
      const t0 = process.hrtime.bigint();
      const p = spawnSync(process.execPath, ['-r', pre, cli, ...(doIt ? ['trace', gf, '--summary', '--json'] : ['help'])], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (p.status !== 0) throw new Error(`child: ${p.stderr}`);
      const m = /MAXRSS (\d+)/.exec(p.stderr);
      return { rss: m ? Number(m[1]) : NaN, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    };
    const base = child(false);
    const big = child(true);
    fs.rmSync(gf);
    const mbps = (b: number, s: number) => +(b / MB / s).toFixed(1);
    return {
      xentrace: {
        captureBytes: xbytes, ios, runs: r,
        importMBps: mbps(xbytes, full), decodeAndMergeOnlyMBps: mbps(xbytes, decodeOnly), floorDataViewWalkMBps: mbps(xbytes, floor),
        floorOverImport: +(full / floor).toFixed(2), xenalyze,
        meetsXenalyze: xenalyze.measured ? xbytes / MB / full >= (xenalyze.MBps as number) : 'not measured',
      },
      qemuLog: { bytes: lbytes, MBps: mbps(lbytes, logTime), floorLineSplitMBps: mbps(lbytes, logFloor), floorOverParse: +(logTime / logFloor).toFixed(2) },
      simpletrace: { bytes: sbytes, MBps: mbps(sbytes, stTime), floorRecordWalkMBps: mbps(sbytes, stFloor), floorOverParse: +(stTime / stFloor).toFixed(2) },
      peakMemory1GB: { captureBytes: gbytes, peakRssBytes: big.rss, baselineRssBytes: base.rss, addedByImportBytes: big.rss - base.rss, importSeconds: +big.seconds.toFixed(2), MBps: mbps(gbytes, big.seconds) },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone (node out/bench/trace.js); inside the bench bundle this file is not the main module.
if (require.main === module && /trace\.js$/.test(process.argv[1] ?? '')) {
  traceFigures(Number(process.env.BENCH_RUNS ?? 3)).then((f) => process.stdout.write(JSON.stringify(f, null, 2) + '\n'), (e) => { process.stderr.write(`bench: ${e.stack ?? e}\n`); process.exit(1); });
}
