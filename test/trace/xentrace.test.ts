// xentrace import: record layouts byte for byte, windows, TSC-less records, lost records and padding, the I/O
// payload forms, attribution by scheduler records, the merge by TSC, and located errors for bad files.
import * as assert from 'assert';
import { bytesInput, importTraces } from '../../src/trace/import';
import { MemorySource } from '../../src/trace/source';
import { writeFlow, type FlowIo } from '../../src/trace/synth';
import { Timeline, type Gap, type IoEntry } from '../../src/trace/timeline';
import { XentraceWriter } from '../../src/trace/writer';
import * as X from '../../src/trace/xentrace';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function run(bytes: Uint8Array) {
  const ios: IoEntry[] = [];
  const gaps: Gap[] = [];
  const tl = new Timeline({ file: 't.bin', onIo: (e) => ios.push(e), onGap: (g) => gaps.push(g) });
  const st = X.readXentrace(new MemorySource(bytes), tl, { chunk: 64 });
  tl.finish();
  return { st, ios, gaps, tl };
}

const io = (p: Partial<FlowIo>): FlowIo => ({ dom: 1, vcpu: 0, cpu: 0, kind: 'pio', dir: 'write', addr: 0x3f8n, data: 0x41n, size: 1, dm: true, ...p });

describe('trace/xentrace: layouts', () => {
  it('writes a cpu_change window and records exactly as xentrace and Xen lay them out', () => {
    const w = new XentraceWriter();
    w.runstate(2, 0x1122334455n, 1, 0, X.RUNSTATE_runnable, X.RUNSTATE_running);
    w.io(2, false, true, 0x3f8n, 0x41n);
    w.io(2, true, true, 0x1_0000_0000n + 0xf0n, 0x1234_5678_9abcn);
    w.window(2);
    const b = w.bytes();
    // cpu_change: 0x2001f003, cpu 2, a window of 16 + 12 + 20 bytes
    assert.strictEqual(hex(b.subarray(0, 12)), '03f00120' + '02000000' + '30000000');
    // runstate change runnable(1) -> running(0): event 0x00021001 | 1<<8 | 0<<4, TSC flag, 1 word
    assert.strictEqual(hex(b.subarray(12, 28)), '01110290' + '55443322' + '11000000' + '00000100');
    // IOPORT_WRITE without TSC, 2 words: addr, data
    assert.strictEqual(hex(b.subarray(28, 40)), '16220820' + 'f8030000' + '41000000');
    // IOMEM_WRITE | TRC_64_FLAG, 4 words: u64 addr, u64 data
    assert.strictEqual(hex(b.subarray(40, 60)), '17230840' + 'f0000000' + '01000000' + 'bc9a7856' + '34120000');
    assert.strictEqual(b.length, 60);
  });
});

describe('trace/xentrace: reading', () => {
  it('rebuilds each guest I/O with its vcpu, exit, completion and latency from a golden flow', () => {
    const flow = [io({}), io({ dir: 'read', addr: 0xcfcn, data: 0xdeadbeefn, size: 4 }), io({ vcpu: 1, cpu: 1, kind: 'mmio', addr: 0xfed0_0000n, data: 0x5n, size: 4, dm: false })];
    const g = writeFlow(flow, { windowEvery: 2 });
    const { st, ios } = run(g.xentrace);
    assert.strictEqual(st.error, null);
    assert.strictEqual(ios.length, 3);
    const base = Number(st.tscBase);
    ios.forEach((e, i) => {
      assert.strictEqual(e.dom, 1);
      assert.strictEqual(e.vcpu, flow[i].vcpu);
      assert.strictEqual(e.kind, flow[i].kind);
      assert.strictEqual(e.dir, flow[i].dir);
      assert.strictEqual(e.addr, flow[i].addr);
      assert.strictEqual(e.data, flow[i].data & 0xffffffffn);
      assert.strictEqual(e.exitTsc + base, Number(g.times[i].exit));
      assert.strictEqual(e.completeTsc + base, Number(g.times[i].entry));
      assert.strictEqual(e.latencyCycles, Number(g.times[i].entry - g.times[i].exit));
      assert.strictEqual(e.blocked, flow[i].dm);
    });
    // A read is traced at completion: issued at its exit.
    assert.strictEqual(ios[1].issueTsc, ios[1].exitTsc);
    assert.ok(ios[1].tsc > ios[1].exitTsc);
  });

  it('gives a record without a TSC its pCPU\'s last TSC, not another pCPU\'s', () => {
    const w = new XentraceWriter();
    w.runstate(0, 1000n, 1, 0, 1, 0).vmexit(0, 1100n, 30);
    w.runstate(1, 5000n, 2, 0, 1, 0).vmexit(1, 5100n, 30);
    w.io(0, false, true, 0x80n, 1n).vmentry(0, 1200n);
    w.io(1, false, true, 0x81n, 1n).vmentry(1, 5200n);
    const { ios, st } = run(w.bytes());
    const base = Number(st.tscBase);
    assert.deepStrictEqual(ios.map((e) => [e.dom, e.tsc + base]), [[1, 1100], [2, 5100]]);
  });

  it('merges pCPUs by TSC, whatever order their windows come in', () => {
    const w = new XentraceWriter();
    w.runstate(0, 3000n, 1, 0, 1, 0).vmexit(0, 3100n, 30).io(0, false, true, 0x70n, 1n).vmentry(0, 3200n);
    w.window(0);
    w.runstate(1, 1000n, 2, 0, 1, 0).vmexit(1, 1100n, 30).io(1, false, true, 0x71n, 2n).vmentry(1, 1200n);
    w.window(1);
    w.runstate(0, 4000n, 1, 0, 0, 2);
    w.window(0);
    const { ios } = run(w.bytes());
    assert.deepStrictEqual(ios.map((e) => e.addr), [0x71n, 0x70n]);
  });

  it('marks lost records as a gap and skips wrap padding', () => {
    const w = new XentraceWriter();
    w.runstate(0, 1000n, 1, 0, 1, 0).vmexit(0, 1100n, 30).io(0, false, true, 0x60n, 1n).vmentry(0, 1200n);
    w.wrap(0, 40).lost(0, 9000n, 17, 1, 0, 2000n);
    w.vmexit(0, 9100n, 30).io(0, false, true, 0x61n, 1n).vmentry(0, 9200n);
    const { ios, gaps, st } = run(w.bytes());
    const base = Number(st.tscBase);
    assert.strictEqual(st.wrapRecords, 1);
    assert.strictEqual(st.lostRecords, 1);
    assert.deepStrictEqual(gaps.map((g) => [g.cpu, g.fromTsc + base, g.toTsc + base, g.lost]), [[0, 2000, 9000, 17]]);
    // After the loss the vcpu the lost-records record names (d1v0) runs on pCPU 0, as xenalyze takes it
    // (xenalyze.c:9013 process_lost_records_end): the next I/O is attributed to it.
    assert.deepStrictEqual(ios.map((e) => [e.addr, e.dom]), [[0x60n, 1], [0x61n, 1]]);
  });

  it('takes the payload width from the word count: 32-bit, 64-bit, pre-4.12 64-bit, and data_is_ptr', () => {
    const w = new XentraceWriter();
    w.runstate(0, 1000n, 1, 0, 1, 0);
    const addr64 = 0x1_0000_1000n;
    w.vmexit(0, 1100n, 48).io(0, true, true, 0xfeb00000n, 0xaabbccddn).vmentry(0, 1200n);
    w.vmexit(0, 1300n, 48).io(0, true, true, addr64, 0x1122334455667788n).vmentry(0, 1400n);
    w.vmexit(0, 1500n, 48).io(0, true, true, addr64, 0x55667788n, true).vmentry(0, 1600n);
    w.vmexit(0, 1700n, 48).rec(0, X.TRC_HVM_IOMEM_WRITE | X.TRC_64_FLAG, null, [0x1000, 1]).vmentry(0, 1800n);
    w.vmexit(0, 1900n, 48).rec(0, X.TRC_HVM_IOPORT_READ, null, [0x60, 0, 0, 0, 0]).vmentry(0, 2000n);
    const { ios, st } = run(w.bytes());
    assert.deepStrictEqual(ios.map((e) => [e.addr, e.data, e.dataBytes]), [
      [0xfeb00000n, 0xaabbccddn, 4], [addr64, 0x1122334455667788n, 8], [addr64, 0x55667788n, 4], [addr64, null, 0]]);
    assert.strictEqual(st.warningCount, 1, 'the 5-word port record is reported and skipped');
    assert.match(st.warnings[0].message, /5 words/);
  });

  it('counts unknown events and keeps going', () => {
    const w = new XentraceWriter();
    w.rec(0, 0x0010f001, 100n, [1, 2]).rec(0, 0x0ffff999, null, []).rec(0, 0x0010f001, 200n, []);
    const { st } = run(w.bytes());
    assert.strictEqual(st.error, null);
    assert.strictEqual(st.records, 3);
    assert.deepStrictEqual([...st.undecoded.entries()], [[0x0010f001, 2], [0x0ffff999, 1]]);
  });

  it('locates a truncated window and keeps what came before it', () => {
    const g = writeFlow([io({}), io({ addr: 0x3f9n }), io({ addr: 0x3fan })], { windowEvery: 1 });
    const cut = g.xentrace.subarray(0, g.xentrace.length - 10);
    const { st, ios } = run(cut);
    assert.ok(st.error);
    assert.match(st.error!.message, /^truncated/);
    assert.ok(st.error!.offset > 0 && st.error!.offset <= cut.length);
    assert.deepStrictEqual(ios.map((e) => e.addr).slice(0, 2), [0x3f8n, 0x3f9n]);
  });

  it('locates garbage where a cpu_change record should be', () => {
    const g = writeFlow([io({})], { windowEvery: 1 });
    const bad = new Uint8Array(g.xentrace.length + 12);
    bad.set(g.xentrace);
    bad.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], g.xentrace.length);
    const { st, ios } = run(bad);
    assert.deepStrictEqual(st.error && [st.error.offset, /corrupt: expected a cpu_change/.test(st.error.message)], [g.xentrace.length, true]);
    assert.strictEqual(ios.length, 1);
  });

  it('locates a record that runs past its window', () => {
    const w = new XentraceWriter();
    w.rec(0, X.TRC_HVM_VMENTRY, 100n, []);
    const b = w.bytes();
    new DataView(b.buffer).setUint32(8, 8, true); // the window claims 8 bytes; the 12-byte record overruns it
    const { st } = run(b);
    assert.deepStrictEqual(st.error && [st.error.offset, /runs past the end of pCPU 0's window/.test(st.error.message)], [12, true]);
  });
});

describe('trace/import: formats together', () => {
  it('detects each format and matches the device model\'s handling to the guest I/O', () => {
    const flow = [io({}), io({ dir: 'read', addr: 0xcfcn, data: 0xdeadbeefn, size: 4 }), io({ addr: 0x3f8n, data: 0x42n })];
    const g = writeFlow(flow);
    for (const q of [bytesInput('q.log', g.log.tid), bytesInput('q.st', g.simpletrace), bytesInput('q2.log', g.log.iso), bytesInput('q3.log', g.log.none)]) {
      const ios: IoEntry[] = [];
      const r = importTraces([bytesInput('x.bin', g.xentrace), q], { onIo: (e) => ios.push(e) });
      assert.deepStrictEqual(r.errors, []);
      assert.strictEqual(r.matched, 3, q.name);
      assert.deepStrictEqual(ios.map((e) => [e.size, e.dm && e.dm.place]), [[1, `${q.name}${q.name.endsWith('.st') ? '@' : ':'}${r.dm.requests[0].place.split(/[:@]/).pop()}`], [4, r.dm.requests[1].place], [1, r.dm.requests[2].place]]);
    }
  });
});
