#!/usr/bin/env node
// Writes xentrace captures of several shapes into DIR for `npm run check:xenalyze`: several pCPUs, TSC-less I/O
// records, lost records, 32- and 64-bit forms (and pre-4.12 u32 data after a 64-bit address), many vcpus, a
// sched_switch-only capture and a 64-bit-flagged port record. Usage: node tools/xenalyze-shapes.js DIR
'use strict';
const fs = require('fs');
const path = require('path');
const { writeFlow } = require('../out/src/trace/synth');
const { XentraceWriter } = require('../out/src/trace/writer');
const X = require('../out/src/trace/xentrace');
const dir = process.argv[2];
if (!dir) { process.stderr.write('usage: node tools/xenalyze-shapes.js DIR\n'); process.exit(2); }
fs.mkdirSync(dir, { recursive: true });
let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const addrs = { pio: [0x3f8n, 0x60n, 0xcfcn, 0x70n, 0x1f0n], mmio: [0xfebf0000n, 0xfed00040n, 0xc0000n, 0xa0010n, 0x1_0000_0040n, 0x2_0000_0040n] };
function flow(n, vcpus, cpus) {
  const f = [];
  for (let i = 0; i < n; i++) {
    const kind = rnd(2) ? 'pio' : 'mmio';
    const v = rnd(vcpus);
    f.push({ dom: 1 + (v % 2), vcpu: v >> 1, cpu: v % cpus, kind, dir: rnd(2) ? 'read' : 'write', addr: addrs[kind][rnd(addrs[kind].length)], data: BigInt(rnd(1 << 30)), size: [1, 2, 4][rnd(3)], dm: rnd(3) === 0 });
  }
  return f;
}
const put = (name, b) => { fs.writeFileSync(path.join(dir, name), b); return name; };
const out = [];
out.push(put('golden-1cpu.bin', writeFlow(flow(200, 1, 1)).xentrace));
out.push(put('pcpus-4.bin', writeFlow(flow(2000, 4, 4), { windowEvery: 7 }).xentrace));
out.push(put('vcpus-32.bin', writeFlow(flow(4000, 32, 32), { windowEvery: 13, dmCpu: 40 }).xentrace));
out.push(put('legacy-data.bin', writeFlow(flow(500, 4, 2), { legacyData: true }).xentrace));
// Lost records in the middle of a pCPU's stream: the vcpu running when they were inserted goes on after them.
{
  const w = new XentraceWriter();
  let t = 1_000_000n;
  w.runstate(0, t, 1, 0, X.RUNSTATE_runnable, X.RUNSTATE_running);
  for (let i = 0; i < 300; i++) {
    if (i === 100 || i === 200) { w.lost(0, t + 500n, 9, 1, 0, t + 100n); t += 1000n; }
    w.vmexit(0, (t += 100n), 30).io(0, false, i % 2 === 1, 0x3f8n + BigInt(i % 3), 1n).vmentry(0, (t += 300n + BigInt(i % 17)));
    if (i % 50 === 49) w.window(0);
  }
  out.push(put('lost.bin', w.bytes()));
}
// Only sched_switch records say who runs (no runstate changes).
{
  const w = new XentraceWriter();
  let t = 1_000_000n;
  w.rec(0, X.TRC_SCHED_SWITCH, t, [32767, 0, 1, 0]);
  for (let i = 0; i < 50; i++) w.vmexit(0, (t += 100n), 30).io(0, false, true, 0x80n, 1n).vmentry(0, (t += 250n));
  out.push(put('switch-only.bin', w.bytes()));
}
// A port record with TRC_64_FLAG (Xen never writes one; xenalyze does not treat it as port I/O).
{
  const w = new XentraceWriter();
  let t = 1_000_000n;
  w.runstate(0, t, 1, 0, X.RUNSTATE_runnable, X.RUNSTATE_running);
  for (let i = 0; i < 20; i++) w.vmexit(0, (t += 100n), 30).rec(0, X.TRC_HVM_IOPORT_WRITE | X.TRC_64_FLAG, null, [0x80, 0, 1, 0]).vmentry(0, (t += 250n));
  w.vmexit(0, (t += 100n), 30).io(0, false, true, 0x81n, 1n).vmentry(0, (t += 250n));
  out.push(put('pio64.bin', w.bytes()));
}
process.stdout.write(out.map((f) => path.join(dir, f)).join('\n') + '\n');
