// Fuzzing the trace parsers: truncated windows, wrong word counts, garbage, lost records and large inputs. Every
// input ends in a result (records read, a located error or warnings), never an exception, and never reads past the
// data it was given. Bounded: a fixed number of runs of small inputs, and one large generated file.
import * as assert from 'assert';
import fc from 'fast-check';
import { bytesInput, importTraces } from '../../src/trace/import';
import { readQemuLog, readSimpletrace } from '../../src/trace/qemu';
import { MemorySource } from '../../src/trace/source';
import { writeFlow, type FlowIo } from '../../src/trace/synth';
import { Timeline } from '../../src/trace/timeline';
import { XentraceWriter } from '../../src/trace/writer';
import * as X from '../../src/trace/xentrace';

const io = (i: number): FlowIo => ({ dom: 1, vcpu: i % 2, cpu: i % 2, kind: i % 3 ? 'pio' : 'mmio', dir: i % 2 ? 'read' : 'write', addr: BigInt(0x3f8 + i), data: BigInt(i), size: 1, dm: i % 4 !== 0 });
const golden = writeFlow(Array.from({ length: 24 }, (_, i) => io(i)), { windowEvery: 3 });

function parse(b: Uint8Array) {
  const tl = new Timeline({ file: 'f.bin' });
  const st = X.readXentrace(new MemorySource(b), tl, { chunk: 48 });
  tl.finish();
  return { st, tl };
}

describe('trace: fuzzing the parsers', () => {
  it('xentrace: any truncation gives a located error at or before the cut, and the records before it', () => {
    const whole = parse(golden.xentrace);
    // Window boundaries: a cut there leaves a whole, shorter capture.
    const ends = new Set<number>([0]);
    const dv = new DataView(golden.xentrace.buffer, golden.xentrace.byteOffset);
    for (let p = 0; p < golden.xentrace.length; p += 12 + dv.getUint32(p + 8, true)) ends.add(p + 12 + dv.getUint32(p + 8, true));
    fc.assert(fc.property(fc.integer({ min: 0, max: golden.xentrace.length - 1 }), (cut) => {
      const { st } = parse(golden.xentrace.subarray(0, cut));
      if (ends.has(cut)) assert.strictEqual(st.error, null);
      else {
        assert.ok(st.error, `cut at ${cut}`);
        assert.ok(st.error.offset <= cut);
      }
      assert.ok(st.records <= whole.st.records);
    }), { numRuns: 300 });
  });

  it('xentrace: flipped bytes, wrong word counts and garbage never throw', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), (flips) => {
      const b = golden.xentrace.slice();
      for (const [at, v] of flips) b[at % b.length] = v;
      const { st } = parse(b);
      if (st.error) assert.ok(st.error.offset >= 0 && st.error.offset <= b.length && st.error.message.length > 0);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (g) => {
      const b = new Uint8Array(12 + g.length);
      new DataView(b.buffer).setUint32(0, X.CPU_CHANGE_HEADER, true);
      new DataView(b.buffer).setUint32(8, g.length & ~3, true);
      b.set(g, 12);
      parse(b);
    }), { numRuns: 200 });
  });

  it('xentrace: records of any event, word count and TSC flag, with lost records between, are all counted', () => {
    fc.assert(fc.property(fc.array(fc.record({ ev: fc.constantFrom(X.TRC_HVM_IOPORT_WRITE, X.TRC_HVM_IOMEM_READ | X.TRC_64_FLAG, X.TRC_HVM_VMX_EXIT, X.TRC_HVM_VMENTRY, X.TRC_LOST_RECORDS, X.TRC_SCHED_RUNSTATE_CHANGE | 0x10, 0x0ffff123), words: fc.integer({ min: 0, max: 7 }), tsc: fc.boolean(), cpu: fc.integer({ min: 0, max: 3 }) }), { maxLength: 200 }), (recs) => {
      const w = new XentraceWriter();
      let t = 1000n;
      recs.forEach((r, i) => { w.rec(r.cpu, r.ev, r.tsc ? (t += 10n) : null, new Array(r.words).fill(i)); if (i % 7 === 6) w.window(r.cpu); });
      const { st } = parse(w.bytes());
      assert.strictEqual(st.error, null);
      assert.strictEqual(st.records, recs.length);
    }), { numRuns: 200 });
  });

  it('simpletrace and QEMU logs: truncation, garbage and bad arguments never throw', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: golden.simpletrace.length }), fc.uint8Array({ maxLength: 64 }), (cut, g) => {
      const b = new Uint8Array(cut + g.length);
      b.set(golden.simpletrace.subarray(0, cut)); b.set(g, cut);
      const st = readSimpletrace(new MemorySource(b), 's', () => {});
      if (st.error) assert.match(st.error.message, /^s@\d+: /);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 0, max: golden.log.tid.length }), (junk, cut) => {
      const text = golden.log.tid.slice(0, cut) + junk + golden.log.iso;
      const st = readQemuLog(new MemorySource(new TextEncoder().encode(text)), 'q', () => {});
      assert.strictEqual(st.error, null);
    }), { numRuns: 300 });
  });

  it('a large capture (16 MiB, read in 4 MiB chunks) gives the same timeline as its parts', () => {
    const w = new XentraceWriter();
    let t = 1n << 40n;
    w.runstate(0, t, 1, 0, 1, 0);
    const n = 400_000;
    for (let i = 0; i < n; i++) {
      w.vmexit(0, (t += 100n), 30).io(0, false, (i & 1) === 0, BigInt(0x3f8 + (i & 7)), BigInt(i & 0xff)).vmentry(0, (t += 200n));
      if (i % 1000 === 999) w.window(0);
    }
    const b = w.bytes();
    assert.ok(b.length > 16 << 20);
    const r = importTraces([bytesInput('big.bin', b)]);
    assert.deepStrictEqual(r.errors, []);
    assert.strictEqual(r.ios, n);
    assert.strictEqual(r.summary.rows.reduce((s, x) => s + x.count, 0), n);
    assert.ok(r.summary.rows.every((x) => x.meanCycles === 200 && x.min === 200 && x.max === 200));
  });
});
