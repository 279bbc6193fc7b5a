// The sequence diagram's data, shaped without `vscode`: lifelines (one per vcpu, Xen, each device model, and the
// toolstack when it acts) and the items drawn between them, in order: requests, event-channel notifications,
// responses, hypercalls, slot-state changes on the lifelines, errors and lost-record gaps. Two sources: the model
// events of a debug session (ModelSequence, fed at every stop, keyed by the event's seq so a replay after time travel
// replaces instead of adding) and an imported trace's timeline of guest I/O (traceSequence). media/sequence.js draws
// the document; src/extension/sequencePanel.ts and tracePanel.ts post it.
import type { ModelEvent } from '../model/events';

export type LaneKind = 'vcpu' | 'xen' | 'dm' | 'toolstack';
export interface SeqLane { id: string; label: string; kind: LaneKind; title: string }

/** request: guest to Xen (or Xen to the device model for a trace); notify: an event-channel notification or a wake-up;
 *  response: the answer travelling back; call: a hypercall or toolstack operation; state: a slot-state or other
 *  change on one lifeline; work: a device model handling a request; error: a crash, a dropped request, a full ring;
 *  note: anything else on one lifeline; gap: lost records across every lifeline. */
export type SeqClass = 'request' | 'notify' | 'response' | 'call' | 'state' | 'work' | 'error' | 'note' | 'gap';

export interface SeqItem {
  /** Unique in the document, stable across updates ("e12" for model event 12, "io5.2" for an I/O's third item). */
  key: string;
  /** What a click refers to: the model event's seq, or the I/O's seq in the trace. */
  ref: number;
  cls: SeqClass;
  /** Lane ids: an arrow goes from `from` to `to`; a one-lane item has no `to`; a gap spans every lane. */
  from: string;
  to?: string;
  /** Drawn on the diagram, wrapped, never cut. */
  label: string;
  /** The whole story (tooltip and the detail line): function, actor, full text, place. */
  title: string;
  /** First item of its group (a trace I/O's items form one group): the gutter shows its number. */
  head?: boolean;
}

export interface SeqDoc {
  mode: 'debug' | 'trace';
  /** Which session or which trace file(s) this is. */
  header: string;
  /** Where the debugger stands, or what the trace holds. */
  subtitle: string;
  lanes: SeqLane[];
  items: SeqItem[];
  /** Keys of the items at the current stop (the last event that has happened), highlighted and scrolled to. */
  current: string[];
  /** Keys of items after the current stop (undone by time travel, drawn dimmed until replayed). */
  ahead: string[];
  /** Said under the header when not everything is drawn. */
  note?: string;
}

export const XEN = 'xen';
export const TOOLSTACK = 'toolstack';
const VCPU_RE = /^d(\d+)v(\d+)$/;

const shortState = (s: unknown): string => String(s ?? '?').replace(/^STATE_(IOREQ_|IORESP_)?/, (m, p) => (p === 'IORESP_' ? 'IORESP_' : ''));
const ioType = (t: unknown): string => ({ IOREQ_TYPE_PIO: 'PIO', IOREQ_TYPE_COPY: 'MMIO', IOREQ_TYPE_PCI_CONFIG: 'PCI config', IOREQ_TYPE_TIMEOFFSET: 'time offset', IOREQ_TYPE_INVALIDATE: 'invalidate' } as Record<string, string>)[String(t)] ?? String(t ?? 'I/O');
const dirName = (d: unknown): string => (d === 1 || d === '1' ? 'read' : 'write');

function ioLabel(d: Record<string, unknown> | undefined): string {
  if (!d) return 'I/O';
  const dir = dirName(d.dir);
  return `${ioType(d.type)} ${dir} ${d.addr ?? '?'}${d.size !== undefined ? ` size ${d.size}` : ''}${dir === 'write' && d.data !== undefined ? ` data ${d.data}` : ''}`;
}

function laneSort(a: SeqLane, b: SeqLane): number {
  const rank = { vcpu: 0, xen: 1, dm: 2, toolstack: 3 } as const;
  if (rank[a.kind] !== rank[b.kind]) return rank[a.kind] - rank[b.kind];
  const va = VCPU_RE.exec(a.id), vb = VCPU_RE.exec(b.id);
  if (va && vb) return Number(va[1]) - Number(vb[1]) || Number(va[2]) - Number(vb[2]);
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The lanes of a document, kept in a stable order as they appear. */
class Lanes {
  private m = new Map<string, SeqLane>();
  add(id: string, kind: LaneKind, label = id, title = label): string {
    if (!this.m.has(id)) this.m.set(id, { id, kind, label, title });
    return id;
  }
  has(id: string): boolean { return this.m.has(id); }
  list(): SeqLane[] { return [...this.m.values()].sort(laneSort); }
}

export interface DeviceModelInfo { name: string; domid: number }

/**
 * The diagram of one debug session, fed the model events each stop reports. Events are kept by seq: an event seen
 * again (the runtime re-emits the same events going forward after travelling back) replaces its old copy, and a
 * different event at a known seq (the future changed, e.g. after a setVariable) drops everything after it.
 */
export class ModelSequence {
  private events: ModelEvent[] = [];
  /** How many events have happened at the current stop (the runtime's event log length). */
  private count = 0;
  private where = '';
  ended = false;
  constructor(readonly header: string, readonly actors: readonly string[] = [], readonly dms: readonly DeviceModelInfo[] = [], private maxItems = 3000) {}

  /** Adds a stop's events. */
  add(evs: readonly ModelEvent[]): void {
    for (const e of evs) {
      if (!Number.isInteger(e.seq) || e.seq < 0) continue;
      const old = this.events[e.seq];
      if (old && (old.kind !== e.kind || old.text !== e.text || old.actor !== e.actor)) this.events.length = e.seq;
      while (this.events.length < e.seq) this.events.push(undefined as unknown as ModelEvent);
      this.events[e.seq] = e;
    }
  }

  /** The position reached: `eventCount` events have happened; `where` says it in words (step, statement). */
  at(eventCount: number, where: string): void {
    this.count = Math.max(0, eventCount);
    this.where = where;
  }

  get size(): number { return this.events.length; }

  doc(): SeqDoc {
    const lanes = new Lanes();
    lanes.add(XEN, 'xen', 'Xen', 'the hypervisor');
    for (const a of this.actors) {
      if (VCPU_RE.test(a)) lanes.add(a, 'vcpu', a, `vcpu ${a} (guest)`);
      else if (a === TOOLSTACK) lanes.add(a, 'toolstack', 'toolstack', 'the toolstack (libxl / libxc)');
      else lanes.add(a, 'dm', a, `device model ${a}`);
    }
    for (const d of this.dms) lanes.add(d.name, 'dm', d.name, `device model ${d.name} (d${d.domid})`);
    const ctx = new EventContext(lanes, this.dms);
    const all = this.events.filter((e) => e);
    // Draw a window of at most maxItems events, ending a little past the current stop.
    let from = 0;
    if (all.length > this.maxItems) {
      const cur = all.findIndex((e) => e.seq >= this.count);
      const end = Math.min(all.length, (cur < 0 ? all.length : cur) + Math.floor(this.maxItems / 10));
      from = Math.max(0, end - this.maxItems);
    }
    const shown = all.slice(from, from + this.maxItems);
    // Lanes and port owners are learnt from every event up to the window's end, so the window draws as the whole would.
    for (let i = 0; i < from; i++) ctx.item(all[i]);
    const items = shown.map((e) => ctx.item(e));
    const last = this.count - 1;
    const current = last >= 0 && this.events[last] ? [`e${last}`] : [];
    const ahead = shown.filter((e) => e.seq >= this.count).map((e) => `e${e.seq}`);
    const known = all.length;
    return {
      mode: 'debug', header: this.header + (this.ended ? ' (ended)' : ''),
      subtitle: `${this.where}${this.where ? ' · ' : ''}${this.count} event${this.count === 1 ? '' : 's'} so far${ahead.length ? `, ${ahead.length} ahead (undone by stepping back; drawn dimmed)` : ''}`,
      lanes: lanes.list(), items, current, ahead,
      note: shown.length < known ? `events #${shown[0].seq} to #${shown[shown.length - 1].seq} of ${known} drawn` : undefined,
    };
  }
}

/** Turns model events into items, learning which device model owns which event-channel port on the way. */
class EventContext {
  /** "domid:port" → the lane of the device model that bound it. */
  private ports = new Map<string, string>();
  constructor(private lanes: Lanes, private dms: readonly DeviceModelInfo[]) {}

  private actorLane(actor: string): string {
    if (actor === XEN || actor === 'xen') return XEN;
    if (VCPU_RE.test(actor)) return this.lanes.add(actor, 'vcpu', actor, `vcpu ${actor} (guest)`);
    if (actor === TOOLSTACK) return this.lanes.add(actor, 'toolstack', 'toolstack', 'the toolstack (libxl / libxc)');
    return this.lanes.add(actor, 'dm', actor, `device model ${actor}`);
  }
  private vcpuLane(e: ModelEvent): string {
    if (e.domid !== undefined && e.vcpu !== undefined) return this.actorLane(`d${e.domid}v${e.vcpu}`);
    return VCPU_RE.test(e.actor) ? this.actorLane(e.actor) : XEN;
  }
  /** The device model at the far end of a notification to (domid, port). */
  private dmFor(domid: unknown, port: unknown): string | undefined {
    const byPort = this.ports.get(`${domid}:${port}`);
    if (byPort) return byPort;
    const same = this.dms.filter((d) => d.domid === Number(domid));
    return same.length === 1 ? this.actorLane(same[0].name) : undefined;
  }

  item(e: ModelEvent): SeqItem {
    const d = (e.detail ?? {}) as Record<string, unknown>;
    const after = (e.after ?? {}) as Record<string, unknown>;
    const who = this.actorLane(e.actor);
    const base = { key: `e${e.seq}`, ref: e.seq, title: `#${e.seq} [${e.actor}] ${e.fn}: ${e.text}`, head: true };
    const arrow = (cls: SeqClass, from: string, to: string, label: string): SeqItem => (from === to ? { ...base, cls, from, label } : { ...base, cls, from, to, label });
    const on = (cls: SeqClass, lane: string, label: string): SeqItem => ({ ...base, cls, from: lane, label });
    switch (e.kind) {
      case 'ioreq_send':
        return arrow('request', this.vcpuLane(e), XEN, `${e.fn}: ${ioLabel(d)}`);
      case 'buffered_write':
        return arrow('request', this.vcpuLane(e), XEN, `${e.fn}: buffered ${ioLabel({ ...d, dir: 0, type: d.type ?? 'IOREQ_TYPE_COPY' })}, write_pointer ${e.before ?? '?'} → ${e.after ?? '?'}`);
      case 'slot_state':
        return on('state', this.vcpuLane(e), `slot ${shortState(e.before)} → ${shortState(e.after)} (${e.fn})`);
      case 'vcpu_block':
        return on('state', this.vcpuLane(e), `blocked in Xen${d.port !== undefined ? ` on port ${d.port}` : ''}`);
      case 'vcpu_wake':
        return arrow('notify', XEN, this.vcpuLane(e), `${e.fn}: wakes ${this.vcpuLane(e)}${d.port !== undefined ? ` (port ${d.port})` : ''}`);
      case 'io_assist': case 'io_complete': case 'ioreq_complete':
        return arrow('response', XEN, this.vcpuLane(e), `${e.fn}: ${e.text.replace(/^d\d+v\d+ /, '')}`);
      case 'io_dropped': case 'buffered_full':
        return arrow('error', this.vcpuLane(e), XEN, `${e.fn}: ${e.text}`);
      case 'domain_crash':
        return on('error', XEN, `${e.fn}: ${e.text}`);
      case 'evtchn_bind': {
        if (who !== XEN && this.lanes.has(who) && !VCPU_RE.test(who) && who !== TOOLSTACK && after.port !== undefined) this.ports.set(`${e.domid}:${after.port}`, who);
        return arrow('call', who, XEN, `${e.fn}: ${e.text}`);
      }
      case 'evtchn_notify': {
        // From a guest-side actor (Xen notifying for it) to the device model bound to the remote port; from a device
        // model (evtchn_send) to Xen.
        if (VCPU_RE.test(e.actor) || who === XEN) {
          const dm = this.dmFor(d.remote_dom, d.remote_port);
          return dm ? arrow('notify', XEN, dm, `${e.fn}: port ${d.port} → d${d.remote_dom} port ${d.remote_port}`) : on('notify', XEN, `${e.fn}: ${e.text}`);
        }
        return arrow('notify', who, XEN, `${e.fn}: port ${d.port} → d${d.remote_dom} port ${d.remote_port}`);
      }
      case 'evtchn_pending': {
        const dm = this.dmFor(e.domid, d.port);
        return on('notify', dm ?? XEN, `${e.fn}: ${e.text}`);
      }
      case 'dm_handle':
        return on('work', who, `${e.fn}: ${ioLabel(d)}`);
      case 'buffered_consume':
        return on('work', who, `${e.fn}: ${ioLabel({ ...d, dir: 0 })}, read_pointer ${e.before ?? '?'} → ${e.after ?? '?'}`);
      case 'printk':
        return on('note', XEN, `(XEN) ${e.text}`);
      default:
        return who === XEN ? on('note', XEN, `${e.fn}: ${e.text}`) : arrow('call', who, XEN, `${e.fn}: ${e.text}`);
    }
  }
}

/** One guest I/O of an imported trace, as the trace command's --json prints it (numbers as hex strings). */
export interface TraceIo {
  seq: number; place: string; cpu: number; dom: number | null; vcpu: number | null;
  kind: 'pio' | 'mmio'; dir: 'read' | 'write'; addr: string | number; data: string | number | null;
  tsc: number | null; exitReason: number | null; latencyCycles: number | null; blocked: boolean; counted?: boolean;
  size?: number | null;
  dm?: { place: string; events?: string[]; data?: string | number; size?: number } | null;
}
export interface TraceGap { cpu: number; fromTsc: number | null; toTsc: number | null; lost: number; place: string; source: string }

const hexOf = (v: string | number | null | undefined): string => (v === null || v === undefined ? '?' : typeof v === 'number' ? `0x${v.toString(16)}` : v);

/**
 * The diagram of an imported trace: each I/O is the guest's exit to Xen; when it went to a device model, Xen's
 * request to it (the event-channel notification), the device model's handling (when a QEMU trace matched it) and its
 * answer; then Xen's VMENTRY back to the guest with the latency. Lost records are gaps across every lane, in TSC
 * order. At most `maxIos` I/O are drawn (the table keeps the rest).
 */
export function traceSequence(header: string, ios: readonly TraceIo[], gaps: readonly TraceGap[] = [], opts: { maxIos?: number; dmLabel?: string; total?: number } = {}): SeqDoc {
  const max = opts.maxIos ?? 1000;
  const lanes = new Lanes();
  lanes.add(XEN, 'xen', 'Xen', 'the hypervisor');
  const DM = 'dm';
  const shown = ios.slice(0, max);
  const needDm = shown.some((io) => io.blocked || io.dm);
  if (needDm) lanes.add(DM, 'dm', opts.dmLabel ?? 'device model', opts.dmLabel ?? 'the device model (QEMU when its trace is given)');
  const items: SeqItem[] = [];
  // Gaps after the last I/O drawn are drawn only when every I/O is.
  const lastTsc = shown.length < ios.length ? shown[shown.length - 1].tsc ?? Infinity : Infinity;
  const xenGaps = gaps.filter((g) => g.source !== 'qemu').slice().sort((a, b) => (a.fromTsc ?? 0) - (b.fromTsc ?? 0));
  let gi = 0;
  const gapItem = (g: TraceGap, key: string, k: number): SeqItem => ({
    key, ref: -1 - k, cls: 'gap', from: XEN, head: true,
    label: g.source === 'qemu' ? `${g.lost} QEMU event(s) dropped` : `p${g.cpu}: ${g.lost} record(s) lost`,
    title: g.source === 'qemu' ? `${g.place}: ${g.lost} QEMU event(s) dropped` : `p${g.cpu}: ${g.lost} record(s) lost between tsc ${g.fromTsc} and ${g.toTsc} (${g.place})`,
  });
  for (const io of shown) {
    while (gi < xenGaps.length && (xenGaps[gi].fromTsc ?? 0) <= (io.tsc ?? 0)) { items.push(gapItem(xenGaps[gi], `gap${gi}`, gi)); gi++; }
    const g = io.dom === null || io.vcpu === null ? lanes.add(`p${io.cpu}`, 'vcpu', `p${io.cpu} (vcpu unknown)`, `pCPU ${io.cpu}: no scheduler record said which vcpu runs`) : lanes.add(`d${io.dom}v${io.vcpu}`, 'vcpu');
    const what = `${io.kind === 'pio' ? 'port' : 'MMIO'} ${io.dir} ${hexOf(io.addr)}`;
    const data = io.data === null ? 'data by pointer' : `data ${hexOf(io.data)}`;
    const size = io.size ?? io.dm?.size;
    const where = `#${io.seq} ${g} on p${io.cpu} at tsc ${io.tsc ?? '?'} (${io.place})`;
    const lat = io.latencyCycles === null || io.latencyCycles === undefined ? 'latency unknown (no VMENTRY seen)' : `${io.latencyCycles} cycles after the exit`;
    let k = 0;
    const it = (cls: SeqClass, from: string, to: string | undefined, label: string, title: string): void => {
      items.push({ key: `io${io.seq}.${k}`, ref: io.seq, cls, from, ...(to && to !== from ? { to } : {}), label, title: `${where}: ${title}`, head: k === 0 });
      k++;
    };
    it('request', g, XEN, `exit${io.exitReason !== null ? ` ${io.exitReason}` : ''}: ${what}${io.dir === 'write' ? `, ${data}` : ''}${size ? ` (${size} B)` : ''}`,
      `VMEXIT (reason ${io.exitReason ?? '?'}), ${what}, ${data}${size ? `, size ${size}` : ''}${io.counted === false ? '; not in the xenalyze summary' : ''}`);
    if (io.blocked || io.dm) {
      it('notify', XEN, DM, 'ioreq: slot READY, event-channel notification', 'the vcpu blocked in Xen while the request went to the device model');
      if (io.dm) it('work', DM, undefined, `${(io.dm.events ?? ['handle_ioreq']).join(', ')} (${io.dm.place})`, `the device model's handling, matched from its trace at ${io.dm.place}`);
      it('response', DM, XEN, `response${io.dir === 'read' && io.data !== null ? `: ${data}` : ''} (IORESP_READY, notify)`, 'the device model answered and notified Xen');
    }
    it('response', XEN, g, `VMENTRY: ${lat}`, `completed by the VMENTRY ${lat}`);
  }
  while (gi < xenGaps.length && (xenGaps[gi].fromTsc ?? 0) <= lastTsc) { items.push(gapItem(xenGaps[gi], `gap${gi}`, gi)); gi++; }
  gaps.filter((x) => x.source === 'qemu').forEach((qg, i) => items.push(gapItem(qg, `qgap${i}`, xenGaps.length + i)));
  const total = opts.total ?? ios.length;
  return {
    mode: 'trace', header, subtitle: `${total} guest I/O${gaps.length ? `, ${gaps.length} gap${gaps.length === 1 ? '' : 's'}` : ''}`,
    lanes: lanes.list(), items, current: [], ahead: [],
    note: shown.length < total ? `the first ${shown.length} of ${total} I/O drawn (the timeline table below lists more)` : undefined,
  };
}
