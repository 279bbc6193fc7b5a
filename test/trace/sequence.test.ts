// The sequence diagram's data (src/trace/sequence.ts): lanes and arrows from a debug session's model events (with
// replays after time travel, a changed future, the current stop and the window), and from an imported trace.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import { actorsOf } from '../../src/debug/runtime';
import type { ModelEvent } from '../../src/model/events';
import { ModelSequence, traceSequence, XEN, type SeqDoc, type SeqItem, type TraceGap, type TraceIo } from '../../src/trace/sequence';
import { traceCommand } from '../../src/trace/cli';
import { writeFlow } from '../../src/trace/synth';
import { XentraceWriter } from '../../src/trace/writer';
import { bytesInput, importTraces } from '../../src/trace/import';

const ROOT = path.join(__dirname, '../../..');
function run(name: string): { events: ModelEvent[]; actors: string[]; dms: Array<{ name: string; domid: number }> } {
  const f = path.join(ROOT, 'scenarios', name);
  const sc = parseScenario(fs.readFileSync(f, 'utf8'), f);
  const r = runScenario(sc);
  return { events: r.session.m.x.events.slice(), actors: actorsOf(sc), dms: sc.deviceModels.map((d) => ({ name: d.name, domid: d.domid })) };
}
const byKey = (d: SeqDoc, key: string): SeqItem => { const it = d.items.find((x) => x.key === key); assert.ok(it, `no item ${key}`); return it!; };

describe('trace/sequence: a debug session as a sequence diagram', () => {
  const race = run('07-two-vcpus-race.ioreq.json');
  const doc = (() => { const s = new ModelSequence('Debug session "race"', race.actors, race.dms); s.add(race.events); s.at(race.events.length, 'stopped at step 9'); return s.doc(); })();

  it('has a lifeline for each vcpu, Xen, each device model and the toolstack, in that order', () => {
    assert.deepStrictEqual(doc.lanes.map((l) => l.id), ['d1v0', 'd1v1', XEN, 'qemu', 'toolstack']);
    assert.deepStrictEqual(doc.lanes.map((l) => l.kind), ['vcpu', 'vcpu', 'xen', 'dm', 'toolstack']);
  });

  it('draws each event once, in order, with the header naming the session', () => {
    assert.strictEqual(doc.items.length, race.events.length);
    assert.deepStrictEqual(doc.items.map((i) => i.ref), race.events.map((e) => e.seq));
    assert.strictEqual(new Set(doc.items.map((i) => i.key)).size, doc.items.length);
    assert.match(doc.header, /race/);
    assert.match(doc.subtitle, /step 9/);
  });

  it('requests go from the vcpu to Xen, notifications on to the device model bound to the port and back, responses to the vcpu', () => {
    for (const e of race.events) {
      const it = byKey(doc, `e${e.seq}`);
      const vcpu = `d${e.domid}v${e.vcpu}`;
      if (e.kind === 'ioreq_send') assert.deepStrictEqual([it.cls, it.from, it.to], ['request', e.actor, XEN], it.title);
      if (e.kind === 'slot_state') assert.deepStrictEqual([it.cls, it.from, it.to], ['state', vcpu, undefined], it.title);
      if (e.kind === 'io_assist') assert.deepStrictEqual([it.cls, it.from, it.to], ['response', XEN, vcpu], it.title);
      if (e.kind === 'vcpu_wake') assert.deepStrictEqual([it.cls, it.from, it.to], ['notify', XEN, vcpu], it.title);
      if (e.kind === 'dm_handle') assert.deepStrictEqual([it.cls, it.from, it.to], ['work', 'qemu', undefined], it.title);
      if (e.kind === 'evtchn_notify') {
        const fromGuest = /^d\d+v\d+$/.test(e.actor);
        assert.deepStrictEqual([it.cls, it.from, it.to], fromGuest ? ['notify', XEN, 'qemu'] : ['notify', 'qemu', XEN], it.title);
      }
      if (e.actor === 'toolstack' && e.kind !== 'printk') assert.deepStrictEqual([it.from, it.to], ['toolstack', XEN], it.title);
    }
    const kinds = new Set(doc.items.map((i) => i.cls));
    for (const k of ['request', 'notify', 'response', 'state', 'call', 'work']) assert.ok(kinds.has(k as SeqItem['cls']), `no ${k} item`);
  });

  it('slot-state changes name both states; labels are whole (no ellipsis) and the title carries the full event text', () => {
    const slot = race.events.find((e) => e.kind === 'slot_state' && e.after === 'STATE_IORESP_READY')!;
    assert.match(byKey(doc, `e${slot.seq}`).label, /INPROCESS → IORESP_READY/);
    for (const e of race.events) {
      const it = byKey(doc, `e${e.seq}`);
      assert.ok(it.label.trim().length > 0);
      assert.ok(!/…|\.\.\.$/.test(it.label), it.label);
      assert.ok(it.title.includes(e.text) && it.title.includes(e.fn), it.title);
    }
  });

  it('a replay after time travel adds nothing: the same events again leave the same diagram', () => {
    const s = new ModelSequence('s', race.actors, race.dms);
    s.add(race.events.slice(0, 60));
    s.at(60, '');
    const before = s.doc();
    // Travel back to 20 events, then forward again: the runtime re-emits 20..59.
    s.at(20, '');
    s.add(race.events.slice(20, 60));
    s.at(60, '');
    assert.deepStrictEqual(s.doc().items, before.items);
  });

  it('after stepping back the current stop is the last event that happened, and later events are ahead', () => {
    const s = new ModelSequence('s', race.actors, race.dms);
    s.add(race.events);
    s.at(30, 'stopped at step 4');
    const d = s.doc();
    assert.deepStrictEqual(d.current, ['e29']);
    assert.deepStrictEqual(d.ahead, race.events.slice(30).map((e) => `e${e.seq}`));
    assert.match(d.subtitle, /30 events so far, \d+ ahead/);
    s.at(0, '');
    assert.deepStrictEqual(s.doc().current, []);
  });

  it('a different event where one was known (the future changed) drops what came after it', () => {
    const s = new ModelSequence('s', race.actors, race.dms);
    s.add(race.events.slice(0, 60));
    const changed = { ...race.events[40], text: 'something else happened', kind: 'printk' as const };
    s.add([changed]);
    const d = s.doc();
    assert.strictEqual(d.items.length, 41);
    assert.match(d.items[40].label, /something else happened/);
  });

  it('sessions do not mix: each diagram has its own events and header', () => {
    const a = new ModelSequence('Debug session "A"', race.actors, race.dms);
    const two = run('02-create-on-get-ioreq-pfn.ioreq.json');
    const b = new ModelSequence('Debug session "B"', two.actors, two.dms);
    a.add(race.events); b.add(two.events);
    assert.strictEqual(a.doc().items.length, race.events.length);
    assert.strictEqual(b.doc().items.length, two.events.length);
    assert.ok(!b.doc().lanes.some((l) => l.kind === 'vcpu'), 'scenario 02 has no vcpu actor');
  });

  it('draws at most maxItems events, in a window around the current stop, and says so', () => {
    const s = new ModelSequence('s', race.actors, race.dms, 20);
    s.add(race.events);
    s.at(50, '');
    const d = s.doc();
    assert.strictEqual(d.items.length, 20);
    assert.ok(d.current[0] && d.items.some((i) => i.key === d.current[0]), 'the current event is in the window');
    assert.match(d.note ?? '', new RegExp(`of ${race.events.length} drawn`));
    // The window's arrows are drawn as the whole diagram draws them.
    const whole = (() => { const w = new ModelSequence('s', race.actors, race.dms); w.add(race.events); return w.doc(); })();
    for (const it of d.items) assert.deepStrictEqual(it, whole.items.find((x) => x.key === it.key));
  });
});

describe('trace/sequence: an imported trace as a sequence diagram', () => {
  const flow = [
    { dom: 1, vcpu: 0, cpu: 0, kind: 'pio' as const, dir: 'write' as const, addr: 0x3f8n, data: 0x41n, size: 1, dm: true },
    { dom: 1, vcpu: 0, cpu: 0, kind: 'pio' as const, dir: 'read' as const, addr: 0xcfcn, data: 0xdeadbeefn, size: 4, dm: true },
    { dom: 1, vcpu: 1, cpu: 1, kind: 'mmio' as const, dir: 'write' as const, addr: 0xfed00000n, data: 5n, size: 4, dm: false },
  ];
  /** The JSON the trace command prints (what the extension reads from its child process). */
  function json(bytes: Uint8Array): { ios: TraceIo[]; gaps: TraceGap[] } {
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'ioreq-seq-'));
    try {
      const f = path.join(dir, 'x.bin');
      fs.writeFileSync(f, bytes);
      let out = '';
      traceCommand([f], { '--json': true }, { out: (s) => { out += s; }, err: () => undefined });
      return JSON.parse(out);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  }

  it('each guest I/O: exit to Xen; for a device-model I/O, the request to it and its answer; VMENTRY back', () => {
    const j = json(writeFlow(flow).xentrace);
    const d = traceSequence('Guest I/O in x.bin', j.ios, j.gaps);
    assert.deepStrictEqual(d.lanes.map((l) => l.id), ['d1v0', 'd1v1', XEN, 'dm']);
    assert.strictEqual(d.header, 'Guest I/O in x.bin');
    const of = (seq: number) => d.items.filter((i) => i.ref === seq).map((i) => [i.cls, i.from, i.to]);
    const [w, r, m] = j.ios;
    assert.deepStrictEqual(of(w.seq), [['request', 'd1v0', XEN], ['notify', XEN, 'dm'], ['response', 'dm', XEN], ['response', XEN, 'd1v0']]);
    assert.deepStrictEqual(of(r.seq), [['request', 'd1v0', XEN], ['notify', XEN, 'dm'], ['response', 'dm', XEN], ['response', XEN, 'd1v0']]);
    assert.deepStrictEqual(of(m.seq), [['request', 'd1v1', XEN], ['response', XEN, 'd1v1']]);
    assert.match(d.items[0].label, /port write 0x3f8, data 0x41/);
    assert.ok(d.items.filter((i) => i.head).length === 3, 'one group head per I/O');
    assert.strictEqual(new Set(d.items.map((i) => i.key)).size, d.items.length);
  });

  it('lost records are gaps across the lanes, in TSC order among the I/O', () => {
    const w = new XentraceWriter();
    // Two windows of one pCPU: an I/O, a lost-record marker, another I/O.
    const g = writeFlow(flow.slice(0, 1), { tsc0: 1_000_000n });
    const imported = importTraces([bytesInput('a.bin', g.xentrace)]);
    assert.ok(imported.ios >= 1);
    w.lost(0, 5_000_000n, 7, 1, 0, 4_000_000n);
    const bytes = new Uint8Array([...g.xentrace, ...w.bytes(), ...writeFlow(flow.slice(2), { tsc0: 9_000_000n }).xentrace]);
    const j = json(bytes);
    assert.ok(j.gaps.length >= 1, 'the lost-record marker is a gap');
    const d = traceSequence('t', j.ios, j.gaps);
    const gi = d.items.findIndex((i) => i.cls === 'gap');
    assert.ok(gi > 0 && gi < d.items.length - 1, `the gap sits between the I/O (at ${gi} of ${d.items.length})`);
    assert.match(d.items[gi].label, /7 record\(s\) lost/);
  });

  it('draws at most maxIos I/O and says how many there are', () => {
    const j = json(writeFlow(flow).xentrace);
    const d = traceSequence('t', j.ios, j.gaps, { maxIos: 2 });
    assert.strictEqual(new Set(d.items.map((i) => i.ref)).size, 2);
    assert.match(d.note ?? '', /first 2 of 3/);
  });
});
