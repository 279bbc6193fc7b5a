// The glue between imported traces and the model (kept in this one file: it depends only on the scenario layer's
// public entry points, parseScenario and Session, which are being reshaped elsewhere). A timeline becomes a
// scenario — each guest access a vcpu step, each device-model answer a device-model step, in trace order — and
// running it reports where trace and model disagree, each with its place in the trace.
import { parseScenario } from '../scenario/parse';
import { Session } from '../scenario/exec';
import type { DmRequest } from './qemu';
import type { IoEntry } from './timeline';
import type { FlowIo } from './synth';
import { runScenario } from '../scenario/run';
import type { Scenario } from '../scenario/parse';

export interface ScenarioBuild {
  /** The scenario file's text (JSON). */
  text: string;
  /** The place in the trace of each step (null for the set-up steps). */
  places: Array<string | null>;
  /** What the trace itself shows wrong before any model run (requests never answered, answers with no request). */
  disagreements: Disagreement[];
  skipped: number;
}

export interface Disagreement { place: string; step: number | null; what: string }

export interface BuildOptions {
  profile: string;
  /** Whether a QEMU trace was given (then a blocked access with no matched handling is reported). */
  haveDm: boolean;
  /** Device-model requests no guest access matched. */
  unmatchedDm?: DmRequest[];
  maxIos?: number;
  name?: string;
}

const hexs = (v: bigint) => '0x' + v.toString(16);
const fits = (v: bigint) => (v < 0x100n ? 1 : v < 0x10000n ? 2 : v < 0x100000000n ? 4 : 8);

/** Builds a scenario from the guest I/Os that reached a device model. */
export function buildScenario(ios: IoEntry[], o: BuildOptions): ScenarioBuild {
  const disagreements: Disagreement[] = [];
  const bound = ios.filter((e) => e.dom !== null && e.vcpu !== null && (e.blocked || e.dm));
  const skipped = ios.length - bound.length;
  const use = bound.slice(0, o.maxIos ?? 5000);
  const doms = new Map<number, number>();
  for (const e of use) doms.set(e.dom!, Math.max(doms.get(e.dom!) ?? 0, e.vcpu! + 1));
  const dmName = (d: number) => (doms.size === 1 ? 'qemu' : `qemu_d${d}`);
  type Timed = { t: number; k: number; step: Record<string, unknown>; place: string };
  const timed: Timed[] = [];
  let k = 0;
  for (const e of use) {
    const actor = `d${e.dom}v${e.vcpu}`;
    const size = e.size ?? (e.dir === 'write' && e.data !== null ? fits(e.data) : e.kind === 'pio' ? 1 : 4);
    const where = e.kind === 'pio' ? { port: hexs(e.addr) } : { addr: hexs(e.addr) };
    const buffered = !!e.dm && !e.blocked && e.dir === 'write' && e.kind === 'mmio';
    const access: Record<string, unknown> = { actor, op: `${e.kind}_${e.dir}`, ...where, size };
    // A write's data as the device model saw it when there is one: below 4 GiB Xen traces only 32 bits of data
    // (emulate.c:72-84 sizes the data like the address), so an 8-byte write's high half is only in QEMU's trace.
    if (e.dir === 'write') access.value = hexs(e.dm && !e.dm.dataIsPtr ? e.dm.data : e.data ?? 0n);
    if (buffered) access.buffered = true;
    access.note = `${e.place} (${e.kind} ${e.dir} ${hexs(e.addr)})`;
    timed.push({ t: e.issueTsc, k: k++, step: access, place: e.place });
    if (o.haveDm && !e.dm) disagreements.push({ place: e.place, step: null, what: `d${e.dom}v${e.vcpu} ${e.kind} ${e.dir} ${hexs(e.addr)} blocked for a device model, but the QEMU trace has no request for it` });
    if (Number.isNaN(e.completeTsc)) {
      disagreements.push({ place: e.place, step: null, what: `d${e.dom}v${e.vcpu} ${e.kind} ${e.dir} ${hexs(e.addr)} never completes in the trace (no VMENTRY after it)` });
      continue;
    }
    const dmPlace = e.dm ? e.dm.place : e.place;
    if (buffered) {
      timed.push({ t: e.issueTsc + 0.5, k: k++, step: { actor: dmName(e.dom!), op: 'handle_buffered_iopage', note: dmPlace }, place: dmPlace });
      continue;
    }
    const answer: Record<string, unknown> = { actor: dmName(e.dom!), op: 'cpu_handle_ioreq', vcpu: e.vcpu };
    const data = e.dir === 'read' ? (e.dm ? e.dm.data : e.data) : null;
    if (data !== null) answer.data = hexs(data);
    answer.note = dmPlace;
    timed.push({ t: e.completeTsc - 0.5, k: k++, step: answer, place: dmPlace });
    timed.push({ t: e.completeTsc, k: k++, step: { actor, op: 'hvm_do_resume', note: `${e.place}: VMENTRY` }, place: e.place });
  }
  for (const r of o.unmatchedDm ?? []) disagreements.push({ place: r.place, step: null, what: `the device model handled ${r.type === 0 ? 'pio' : 'mmio'} ${r.dir ? 'read' : 'write'} ${hexs(r.addr)} with no guest request for it in the xentrace capture` });
  timed.sort((a, b) => a.t - b.t || a.k - b.k);
  const steps: Array<Record<string, unknown>> = [];
  const places: Array<string | null> = [];
  for (const [d, n] of [...doms.entries()].sort((a, b) => a[0] - b[0])) {
    steps.push({ actor: 'toolstack', op: 'xc_domain_create', domid: d, vcpus: n }, { actor: 'toolstack', op: 'xc_hvm_build', domid: d },
      { actor: dmName(d), op: 'xen_hvm_init' }, { actor: 'toolstack', op: 'xc_domain_unpause', domid: d });
    places.push(null, null, null, null);
  }
  for (const x of timed) { steps.push(x.step); places.push(x.place); }
  const doc = {
    name: o.name ?? 'Imported trace',
    description: `Built by 'ioreq-scope trace' from ${use.length} guest I/O(s) that reached a device model` + (skipped ? `; ${skipped} handled inside Xen (or not attributed to a vcpu) left out` : '') + (bound.length > use.length ? `; only the first ${use.length} of ${bound.length} kept` : '') + '. Each step\'s note is its place in the trace.',
    profile: o.profile,
    deviceModels: [...doms.keys()].sort((a, b) => a - b).map((d) => ({ name: dmName(d), domid: 0, target: d })),
    steps,
  };
  return { text: JSON.stringify(doc, null, 2) + '\n', places, disagreements, skipped };
}

/** Runs the scenario on the model, step by step; a step the model cannot run, a panic, or a read whose value the
 *  model does not reproduce is a disagreement at that step's place in the trace. Steps that cannot run are skipped. */
export function checkScenario(b: ScenarioBuild, file = 'trace.ioreq.json'): Disagreement[] {
  const sc = parseScenario(b.text, file);
  const s = new Session(sc);
  const out: Disagreement[] = [];
  for (const step of sc.steps) {
    const place = b.places[step.index] ?? `${file}:${step.loc.line}`;
    const why = s.blocked(step);
    if (why) { out.push({ place, step: step.index, what: `the model cannot run ${step.actor} ${step.op} here: ${why}` }); continue; }
    const r = s.runFlat(step);
    if (r.panic) { out.push({ place, step: step.index, what: `the model panics at ${step.actor} ${step.op}: ${r.panic}` }); break; }
    if (step.op === 'xen_hvm_init' && r.rc !== 0) out.push({ place, step: step.index, what: `xen_hvm_init failed on the model (rc ${r.rc})` });
  }
  return out;
}

/** The guest accesses of a model run, as a flow the golden-trace writers turn into xentrace and QEMU traces: each
 *  pio_* / mmio_* step of a vcpu, its data (a read's from the value hvm_do_resume returns, masked to its size),
 *  and whether the vcpu waited for the device model (a synchronous request; buffered writes do not wait). One pCPU per vcpu. */
export function flowFromRun(sc: Scenario): FlowIo[] {
  const flow: FlowIo[] = [];
  const pending = new Map<string, FlowIo>();
  const cpus = new Map<string, number>();
  runScenario(sc, {
    onStep: (rec) => {
      const st = rec.step;
      if (st.actorKind !== 'vcpu') return;
      const key = st.actor;
      if (!cpus.has(key)) cpus.set(key, cpus.size);
      const m = /^(pio|mmio)_(read|write)$/.exec(st.op);
      if (m) {
        const a = st.args;
        const size = Number(a.size as number);
        const io: FlowIo = { dom: st.domid!, vcpu: st.vcpu!, cpu: cpus.get(key)!, kind: m[1] as 'pio' | 'mmio', dir: m[2] as 'read' | 'write',
          addr: BigInt((m[1] === 'pio' ? a.port : a.addr) as bigint | number), data: m[2] === 'write' ? BigInt(a.value as bigint) : 0n, size,
          dm: rec.events.some((e) => e.kind === 'ioreq_send' || e.kind === 'vcpu_block') };
        flow.push(io);
        if (io.dir === 'read' && io.dm) pending.set(key, io);
      } else if (st.op === 'hvm_do_resume') {
        const io = pending.get(key);
        if (io && rec.result.value !== undefined) {
          io.data = rec.result.value & (io.size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(8 * io.size)) - 1n);
          pending.delete(key);
        }
      }
    },
  });
  return flow;
}
