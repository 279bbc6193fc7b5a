// The IO address summary against the timeline it comes from, xenalyze's counting rules, the scenario built from a
// trace, the check against the model, and the command line's exit codes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { main } from '../../src/cli/main';
import { bytesInput, importTraces } from '../../src/trace/import';
import { buildScenario, checkScenario, flowFromRun } from '../../src/trace/model';
import { writeFlow, type FlowIo } from '../../src/trace/synth';
import { parseCpuHz, type IoEntry } from '../../src/trace/timeline';
import { XentraceWriter } from '../../src/trace/writer';
import { parseScenario } from '../../src/scenario/parse';

const io = (p: Partial<FlowIo>): FlowIo => ({ dom: 1, vcpu: 0, cpu: 0, kind: 'pio', dir: 'write', addr: 0x3f8n, data: 0x41n, size: 1, dm: true, ...p });

function load(bytes: Uint8Array, q?: string) {
  const ios: IoEntry[] = [];
  const r = importTraces([bytesInput('x.bin', bytes), ...(q ? [bytesInput('q.log', q)] : [])], { onIo: (e) => ios.push(e) });
  return { r, ios };
}

const arbFlow = fc.array(fc.record({
  dom: fc.constantFrom(1, 2), vcpu: fc.integer({ min: 0, max: 2 }), kind: fc.constantFrom('pio' as const, 'mmio' as const),
  dir: fc.constantFrom('read' as const, 'write' as const), addr: fc.constantFrom(0x3f8n, 0x60n, 0xcfcn, 0xfebf0000n, 0x1_0000_0040n),
  data: fc.bigUintN(32), size: fc.constantFrom(1, 2, 4), dm: fc.boolean(),
}), { minLength: 1, maxLength: 40 }).map((l) => l.map((x) => ({ ...x, addr: x.kind === 'pio' ? x.addr & 0xffffn : x.addr, cpu: x.dom * 3 + x.vcpu })));

describe('trace/timeline: the summary agrees with the timeline', () => {
  it('each row is the aggregation of the counted timeline entries, for any flow', () => {
    fc.assert(fc.property(arbFlow, (flow) => {
      const { r, ios } = load(writeFlow(flow).xentrace);
      const agg = new Map<string, { count: number; cycles: number }>();
      for (const e of ios.filter((x) => x.counted)) {
        const k = `${e.dom}|${e.vcpu}|${e.kind}|${e.addr}|${e.dir}`;
        const a = agg.get(k) ?? { count: 0, cycles: 0 };
        a.count++; a.cycles += e.arcCycles;
        agg.set(k, a);
      }
      const rows = new Map(r.summary.rows.map((x) => [`${x.dom}|${x.vcpu}|${x.kind}|${x.addr}|${x.dir}`, { count: x.count, cycles: x.cycles }]));
      assert.deepStrictEqual(rows, agg);
      // Per domain: the sum of its vcpus.
      for (const d of r.summary.domains) {
        const sum = r.summary.rows.filter((x) => x.dom === d.dom && x.kind === d.kind && x.addr === d.addr && x.dir === d.dir).reduce((s, x) => s + x.count, 0);
        assert.strictEqual(d.count, sum);
      }
      assert.strictEqual(ios.length, flow.length);
    }), { numRuns: 60 });
  });

  it('counts as xenalyze does: writes and Xen-handled reads by their exit arc; device-model reads not (their exit closed at the wake-up)', () => {
    const flow = [io({}), io({ dir: 'read', addr: 0x60n, dm: false }), io({ dir: 'read', addr: 0xcfcn, size: 4 })];
    const g = writeFlow(flow);
    const { r, ios } = load(g.xentrace);
    assert.deepStrictEqual(ios.map((e) => e.counted), [true, true, false]);
    // The write's arc ends when the vcpu is made runnable (before its VMENTRY), the Xen-handled read's at VMENTRY.
    assert.ok(ios[0].arcCycles < ios[0].latencyCycles);
    assert.strictEqual(ios[1].arcCycles, ios[1].latencyCycles);
    const row = r.summary.rows.find((x) => x.addr === 0x60n)!;
    assert.deepStrictEqual([row.count, row.cycles, row.meanCycles, row.min, row.max], [1, ios[1].arcCycles, ios[1].arcCycles, ios[1].arcCycles, ios[1].arcCycles]);
    assert.strictEqual(row.sharePct, (row.cycles * 100) / r.summary.totalCycles);
    assert.strictEqual(row.seconds, row.cycles / 2.4e9);
  });

  it('counts one I/O per exit and none outside an exit', () => {
    const w = new XentraceWriter();
    w.runstate(0, 100n, 1, 0, 1, 0);
    w.io(0, false, true, 0x80n, 1n); // before any VMEXIT: not counted
    w.vmexit(0, 200n, 30).io(0, false, true, 0x80n, 1n).io(0, false, true, 0x81n, 1n).vmentry(0, 300n);
    const { r } = load(w.bytes());
    assert.deepStrictEqual(r.summary.rows.map((x) => [x.addr, x.count, x.cycles]), [[0x81n, 1, 100]]);
  });

  it('leaves MMIO in the VGA window and MMIO without valid data out of the summary, as xenalyze does', () => {
    const w = new XentraceWriter();
    w.runstate(0, 100n, 1, 0, 1, 0);
    w.vmexit(0, 200n, 48).io(0, true, true, 0xa0000n, 0x741n).vmentry(0, 300n);
    w.vmexit(0, 400n, 48).io(0, true, true, 0xfed00000n, null).vmentry(0, 500n);
    w.vmexit(0, 600n, 48).io(0, true, true, 0xc0000n, 1n).vmentry(0, 700n);
    const { r, ios } = load(w.bytes());
    assert.deepStrictEqual(ios.map((e) => e.counted), [false, false, true]);
    assert.deepStrictEqual(r.summary.rows.map((x) => x.addr), [0xc0000n]);
  });

  it('parses --cpu-hz as xenalyze does', () => {
    assert.deepStrictEqual(['2400000000', '2.4G', '3000M', '100K', 'x', '2.4T', '0'].map(parseCpuHz), [2.4e9, 2.4e9, 3e9, 1e5, null, null, null]);
  });
});

describe('trace/model: scenario and check', () => {
  it('turns device-model I/O into a scenario the model runs without disagreement', () => {
    const flow = [io({}), io({ dir: 'read', addr: 0xcfcn, data: 0xdeadbeefn, size: 4 }), io({ vcpu: 1, cpu: 1, addr: 0x3f8n, data: 0x42n }), io({ dm: false, addr: 0x70n })];
    const g = writeFlow(flow);
    const { ios } = load(g.xentrace, g.log.tid);
    const b = buildScenario(ios, { profile: 'seed', haveDm: true });
    const sc = parseScenario(b.text, 'x.ioreq.json');
    assert.deepStrictEqual(sc.steps.slice(4).map((s) => `${s.actor} ${s.op}`), [
      'd1v0 pio_write', 'qemu cpu_handle_ioreq', 'd1v0 hvm_do_resume', 'd1v0 pio_read', 'qemu cpu_handle_ioreq', 'd1v0 hvm_do_resume',
      'd1v1 pio_write', 'qemu cpu_handle_ioreq', 'd1v1 hvm_do_resume']);
    assert.strictEqual(b.skipped, 1, 'the Xen-handled access is left out');
    assert.strictEqual(sc.steps[4].args.value, 0x41n);
    assert.strictEqual(sc.steps[8].args.data, 0xdeadbeefn);
    assert.deepStrictEqual(b.disagreements, []);
    assert.deepStrictEqual(checkScenario(b), []);
  });

  it('reports an answer with no request, a request never answered, and an order the model calls impossible, each with its place', () => {
    const g = writeFlow([io({}), io({ addr: 0x3f9n })]);
    const extra = 'handle_ioreq I/O=0x1 type=0 dir=0 df=0 ptr=0 port=0x2f8 data=0x1 count=1 size=1\n';
    const { r, ios } = load(g.xentrace, g.log.none + extra);
    const unmatched = r.timelines[0].unmatchedDm();
    const b = buildScenario(ios, { profile: 'seed', haveDm: true, unmatchedDm: unmatched });
    assert.deepStrictEqual(b.disagreements.map((d) => d.place), ['q.log:5']);
    assert.match(b.disagreements[0].what, /no guest request/);
    // A request never answered: the capture ends while the vcpu waits.
    const w = new XentraceWriter();
    w.runstate(0, 100n, 1, 0, 1, 0).vmexit(0, 200n, 30).io(0, false, true, 0x3f8n, 1n).runstate(0, 300n, 1, 0, 0, 2);
    const l2 = load(w.bytes());
    const b2 = buildScenario(l2.ios, { profile: 'seed', haveDm: false });
    assert.deepStrictEqual(b2.disagreements.map((d) => [d.place, /never completes/.test(d.what)]), [['x.bin@48', true]]);
    // The device model's answer before the request (times out of order): the model cannot run it.
    const bad = ios.map((e) => ({ ...e, completeTsc: e.issueTsc - 10 }));
    const b3 = buildScenario(bad.slice(0, 1), { profile: 'seed', haveDm: false });
    const d3 = checkScenario(b3);
    assert.ok(d3.length >= 1);
    assert.strictEqual(d3[0].place, ios[0].dm?.place ?? ios[0].place);
    assert.match(d3[0].what, /cannot run qemu cpu_handle_ioreq here: .*(not pending|nothing to serve)/);
  });
});

describe('trace: command line', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-trace-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = (...a: string[]) => { const out: string[] = [], err: string[] = []; const rc = main(['trace', ...a], { out: (s) => out.push(s), err: (s) => err.push(s) }); return { rc, out: out.join('\n'), err: err.join('\n') }; };

  it('prints the timeline and summary, JSON, writes a scenario once, and checks it', () => {
    const g = writeFlow([io({}), io({ dir: 'read', addr: 0xcfcn, data: 7n, size: 4 })]);
    const x = path.join(dir, 'a.bin'), q = path.join(dir, 'a.log'), s = path.join(dir, 'a.ioreq.json');
    fs.writeFileSync(x, g.xentrace); fs.writeFileSync(q, g.log.iso);
    const t = cli(x, q);
    assert.strictEqual(t.rc, 0);
    assert.match(t.out, /#0 tsc=\d+ p0 d1v0 pio write 0x3f8 data=0x41 exit=30 latency=\d+cyc {2}dm .*a\.log:1 size=1/);
    assert.match(t.out, /pio {7}3f8:\[w\] {7}1 /);
    const j = JSON.parse(cli(x, q, '--json', '--cpu-hz', '3G').out);
    assert.deepStrictEqual([j.ios.length, j.matched, j.summary.cpuHz, j.files.map((f: { format: string }) => f.format)], [2, 2, 3e9, ['xentrace', 'qemu-log']]);
    assert.strictEqual('ios' in JSON.parse(cli(x, q, '--summary', '--json').out), false);
    assert.strictEqual(cli(x, q, '--scenario', s, '--check').rc, 0);
    const before = fs.readFileSync(s, 'utf8');
    const again = cli(x, q, '--scenario', s);
    assert.deepStrictEqual([again.rc, /exists; not overwriting/.test(again.err), fs.readFileSync(s, 'utf8') === before], [2, true, true]);
    assert.strictEqual(main(['run', s], { out: () => {}, err: () => {} }), 0);
  });

  it('exits 1 when the check disagrees and 2 for bad input, with located messages', () => {
    const g = writeFlow([io({})]);
    const x = path.join(dir, 'b.bin'), q = path.join(dir, 'b.log');
    fs.writeFileSync(x, g.xentrace);
    fs.writeFileSync(q, g.log.tid + '2986097@1753122999.000000:handle_ioreq I/O=0x1 type=0 dir=0 df=0 ptr=0 port=0x2f8 data=0x1 count=1 size=1\n');
    const c = cli(x, q, '--check');
    assert.strictEqual(c.rc, 1);
    assert.match(c.out, /DISAGREE .*b\.log:3: the device model handled pio write 0x2f8/);
    fs.writeFileSync(path.join(dir, 'c.bin'), g.xentrace.subarray(0, g.xentrace.length - 2));
    const t = cli(path.join(dir, 'c.bin'));
    assert.strictEqual(t.rc, 2);
    assert.match(t.err, /c\.bin@\d+: truncated/);
    assert.strictEqual(cli(path.join(dir, 'nope.bin')).rc, 2);
    fs.writeFileSync(path.join(dir, 'junk.bin'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 10, 1, 2, 3]));
    assert.match(cli(path.join(dir, 'junk.bin')).err, /junk\.bin: no xentrace windows, simpletrace header or QEMU Xen events/);
    assert.match(cli(x, '--cpu-hz', 'fast').err, /--cpu-hz' must be a frequency/);
    assert.strictEqual(cli().rc, 2);
  });
});

describe('trace: golden traces from model runs', () => {
  for (const file of ['08-sync-pio-read-write.ioreq.json', '09-mmio-sizes.ioreq.json']) {
    it(`${file}: the run's accesses, written as xentrace + simpletrace, import and check back against the model`, () => {
      const sc = parseScenario(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'scenarios', file), 'utf8'), file);
      const flow = flowFromRun(sc);
      assert.ok(flow.length >= 3 && flow.some((f) => f.dm));
      const g = writeFlow(flow);
      const ios: IoEntry[] = [];
      const r = importTraces([bytesInput('m.bin', g.xentrace), bytesInput('m.st', g.simpletrace)], { onIo: (e) => ios.push(e) });
      assert.deepStrictEqual(r.errors, []);
      assert.deepStrictEqual(ios.map((e) => [e.kind, e.dir, e.addr, e.blocked]), flow.map((f) => [f.kind, f.dir, f.addr, f.dm]));
      assert.strictEqual(r.matched, flow.filter((f) => f.dm).length);
      const b = buildScenario(ios, { profile: sc.profile, haveDm: true });
      assert.deepStrictEqual([b.disagreements, checkScenario(b)], [[], []]);
      // The rebuilt scenario makes the same guest accesses, with the same sizes and values.
      const back = parseScenario(b.text, 'back.ioreq.json').steps.filter((s) => /^(pio|mmio)_/.test(s.op));
      assert.deepStrictEqual(back.map((s) => [s.op, Number(s.args.size), s.op.endsWith('write') ? BigInt(s.args.value as bigint) : null]),
        flow.filter((f) => f.dm).map((f) => [`${f.kind}_${f.dir}`, f.size, f.dir === 'write' ? f.data & ((1n << BigInt(8 * f.size)) - 1n) : null]));
    });
  }
});
