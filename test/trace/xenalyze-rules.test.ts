// Semantics learned by running xenalyze (xen@RELEASE-4.21.0:tools/xentrace/xenalyze.c) beside our import; each
// expected number is derived from xenalyze's rules, stated beside it. No xenalyze binary is needed.
import * as assert from 'assert';
import { bytesInput, importTraces } from '../../src/trace/import';
import { parseXenalyzeSummary } from '../../src/trace/xenalyze';
import { XentraceWriter } from '../../src/trace/writer';
import * as X from '../../src/trace/xentrace';

const rows = (b: Uint8Array) => importTraces([bytesInput('x.bin', b)]).summary.rows.map((r) => `d${r.dom}v${r.vcpu} ${r.kind} ${r.addr.toString(16)} ${r.dir[0]} ${r.count} ${r.cycles}`);

describe('trace: xenalyze rules', () => {
  it('after lost records the vcpu the record names runs on that pCPU (process_lost_records_end, :9013)', () => {
    const w = new XentraceWriter();
    w.runstate(0, 1000n, 1, 0, X.RUNSTATE_runnable, X.RUNSTATE_running);
    w.vmexit(0, 1100n, 30).io(0, false, true, 0x80n, 1n).vmentry(0, 1400n); // counted: 300 cycles
    // An exit left open when records were lost is dropped (vmexit_valid = 0 at first_tsc, :8905).
    w.vmexit(0, 1500n, 30).io(0, false, true, 0x80n, 1n);
    w.lost(0, 3000n, 5, 1, 2, 1600n); // names d1v2
    w.vmexit(0, 3100n, 30).io(0, false, true, 0x81n, 1n).vmentry(0, 3150n); // d1v2: 50 cycles
    assert.deepStrictEqual(rows(w.bytes()), ['d1v0 pio 80 w 1 300', 'd1v2 pio 81 w 1 50']);
  });

  it('sched_switch alone does not say who runs (sched_process dumps it only, :7593)', () => {
    const w = new XentraceWriter();
    w.rec(0, X.TRC_SCHED_SWITCH, 1000n, [32767, 0, 1, 0]);
    w.vmexit(0, 1100n, 30).io(0, false, true, 0x80n, 1n).vmentry(0, 1400n);
    assert.deepStrictEqual(rows(w.bytes()), []);
  });

  it('a port record with TRC_64_FLAG is not port I/O; the exit still takes a later plain one (:4874-4877)', () => {
    const w = new XentraceWriter();
    w.runstate(0, 1000n, 1, 0, X.RUNSTATE_runnable, X.RUNSTATE_running);
    w.vmexit(0, 1100n, 30).rec(0, X.TRC_HVM_IOPORT_WRITE | X.TRC_64_FLAG, null, [0x80, 0, 1, 0]).vmentry(0, 1400n);
    w.vmexit(0, 1500n, 30).rec(0, X.TRC_HVM_IOPORT_WRITE | X.TRC_64_FLAG, null, [0x80, 0, 1, 0]).io(0, false, false, 0x81n, 7n).vmentry(0, 1700n);
    assert.deepStrictEqual(rows(w.bytes()), ['d1v0 pio 81 r 1 200']);
  });

  it('reads xenalyze\'s IO and MMIO address summaries, per domain and vcpu', () => {
    const text = [
      '|-- Domain 1 --|', '-- v0 --', 'Exit reasons:', ' IO_INSTRUCTION              3  0.00s 25.52%  1233 cyc {  300| 1700| 1700}',
      'IO address summary:', '      60:[r]        1  0.00s  2.07%   300 cyc {  300|  300|  300}',
      'MMIO address summary:', 'febf0000@ffff8000:[w]        2  0.01s 11.72%  1700 cyc { 1700| 1700| 1700}',
      '-- v1 --', 'IO address summary:', '     3f8:[w]        1 1700.00s 11.72%  1700 cyc { 1700| 1700| 1700}', 'Emulate eip list',
    ].join('\n');
    const s = parseXenalyzeSummary(text);
    assert.deepStrictEqual(s.rows.map((r) => [r.dom, r.vcpu, r.kind, r.addr, r.dir, r.count, r.seconds, r.sharePct, r.meanCycles]), [
      [1, 0, 'pio', 0x60, 'read', 1, 0, 2.07, 300], [1, 0, 'mmio', 0xfebf0000, 'write', 2, 0.01, 11.72, 1700], [1, 1, 'pio', 0x3f8, 'write', 1, 1700, 11.72, 1700]]);
  });
});
