// What each step of a scenario may read and write, as sets of the model's components (src/model/components.ts),
// and the explorer's partial-order reduction built on them: at each state it runs only a persistent set of the
// enabled steps — the smallest set of actors whose next steps are independent of everything the other actors can
// still do (their remaining steps, in file order) — instead of every enabled step.
//
// Two steps are dependent when one writes a component the other reads or writes. A step without a declared
// footprint reads and writes everything (the reduction then leaves it alone). To keep every invariant's verdict,
// steps that write components one invariant reads together are made dependent on each other (a visibility token per
// invariant group, written by each such step), so every value such a group takes in the full search is also taken
// in the reduced one. A Xen panic ends the host: it is not a dependence (the panicked states of both searches carry
// the same panic).
//
// Optimistic writes: a guest access or a device model's service step can crash or shut its domain down, but only
// when something has broken the protocol (a slot state the device model forged, an answer to nothing). Those writes
// are declared optimistic: left out of the dependence, and checked on every step the search runs. If one happens,
// the reduction was built on a wrong premise: the explorer starts again counting them as ordinary writes. That
// check is complete: a step that breaks the premise anywhere in the full search also breaks it somewhere in the
// reduced one (the first such step, taken from a state that agrees with the full search on everything it reads).
import type { Scenario, Step, Expectation } from './types';

/** Component names or patterns: 'dD.*' is every component of domain D, 'm:*.dead' every device model's liveness. */
export interface Footprint {
  reads: readonly string[];
  writes: readonly string[];
  /** Writes the step makes only when the protocol is already broken (crash, shutdown): see above. */
  optimistic?: readonly string[];
}

/** What a footprint declaration knows of the scenario: the device models' domains, who can make which requests. */
export interface FootprintContext {
  dm(name: string): { domid: number; target: number } | undefined;
  /**
   * Whether vcpu v of d can have a request in its slot whose data is a guest address (data_is_ptr: a REP string
   * access), which the device model then reads or writes in guest RAM; also true when a step can write raw bytes into
   * a page (a forged request).
   */
  ptrRequests(d: number, v: number): boolean;
}

const PTR_OPS = new Set(['rep_outs', 'rep_ins', 'rep_movs']);
const FORGING_OPS = new Set(['write_bytes', 'xen_dm_op']);

/** An op's declaration (the table of operations holds one per op that has it). */
export type FootprintDecl = (step: Step, ctx: FootprintContext) => Footprint;

export const EVERYTHING: Footprint = { reads: ['*'], writes: ['*'] };

/** Everything the guest side of an access reads: its domain's structure and run state, every domain's ports. */
export function vcpuIoFootprint(step: Step, extra: { buf?: boolean; vga?: boolean; ram?: boolean; domain?: boolean; completes?: boolean } = {}): Footprint {
  const D = `d${step.domid}`, V = `${D}.v${step.vcpu}`;
  const rw = [V];
  if (extra.buf) rw.push(`${D}.buf*`);
  if (extra.vga) rw.push(`${D}.vga`);
  if (extra.ram) rw.push(`${D}.ram`);
  if (extra.domain) rw.push(D);
  // Completing an access re-runs its emulation (an MMIO read, the rest of a REP): it may read stdvga and RAM.
  const reads = extra.completes ? [`${D}.vga`, `${D}.ram`] : [];
  return { reads: [...rw, ...reads, D, `${D}.run`, 'd*'], writes: rw, optimistic: [`${D}.run`] };
}

/** A device model's service of vcpu n's slot (or only the ring): its own state, the target's slot, ring and RAM. */
export function dmServeFootprint(step: Step, ctx: FootprintContext, vcpu: number | null): Footprint {
  const dm = ctx.dm(step.actor);
  if (!dm) return EVERYTHING;
  const T = `d${dm.target}`, E = `d${dm.domid}`, M = `m:${step.actor}`;
  // Its own ring (QEMU drains it before each synchronous request), the vcpu's slot, RAM for a pointer request.
  const rw = [M, `${T}.buf.${step.actor}`];
  if (vcpu !== null) rw.push(`${T}.v${vcpu}`);
  if (vcpu !== null && ctx.ptrRequests(dm.target, vcpu)) rw.push(`${T}.ram`);
  return { reads: [...rw, T, E, `${T}.run`, `${E}.run`, `${M}.dead`], writes: rw, optimistic: [`${T}.run`, `${M}.dead`] };
}

/** The components a `when` condition reads. */
function whenReads(e: Expectation, sc: Scenario): string[] {
  if (!('path' in e)) return ['*'];
  const d = /^domains\.(\d+)(?:\.|$)/.exec(e.path);
  // A domain's ports are its own, but the pending bit of one at the far end of another domain's ioreq channel (a
  // device model's port) is that domain's vcpu or ring component (components.ts): the whole document and its event
  // channels may read any domain's.
  if (d) return e.path.length === d[0].length || /^evtchns(?:[.[]|$)/.test(e.path.slice(d[0].length)) ? ['*'] : [`d${d[1]}.*`];
  const m = /^deviceModels\.(\d+)(?:\.|$)/.exec(e.path);
  if (m) { const decl = sc.deviceModels[Number(m[1])]; return decl ? [`m:${decl.name}`, `m:${decl.name}.dead`] : ['*']; }
  if (/^deviceModels(\.|$)/.test(e.path)) return sc.deviceModels.flatMap((x) => [`m:${x.name}`, `m:${x.name}.dead`]);
  return ['*'];
}

/** The footprint of one step as the search uses it: the op's own, plus what its `when` condition reads. */
export function stepFootprint(sc: Scenario, step: Step, declared: FootprintDecl | undefined): Footprint {
  const forging = sc.steps.some((st) => FORGING_OPS.has(st.op));
  const ctx: FootprintContext = {
    dm: (name) => sc.deviceModels.find((d) => d.name === name),
    ptrRequests: (d, v) => forging || sc.steps.some((st) => st.domid === d && st.vcpu === v && PTR_OPS.has(st.op)),
  };
  const f = declared?.(step, ctx) ?? EVERYTHING;
  if (!step.when) return f;
  return { ...f, reads: [...f.reads, ...whenReads(step.when, sc)] };
}

/** The components of a scenario, each with a bit, and the patterns over them. */
export class ComponentIndex {
  readonly names: string[] = [];
  private bit = new Map<string, number>();
  readonly domains: number[];
  readonly dms: string[];

  constructor(sc: Scenario, footprints: Footprint[]) {
    const doms = new Set<number>([0]);
    const vcpus = new Map<number, number>();
    const note = (d: number, v = -1) => { doms.add(d); if (v >= 0) vcpus.set(d, Math.max(vcpus.get(d) ?? 0, v + 1)); };
    for (const d of sc.deviceModels) { note(d.domid); note(d.target); }
    for (const st of sc.steps) {
      if (typeof st.args.domid === 'number') note(st.args.domid, typeof st.args.vcpus === 'number' ? st.args.vcpus - 1 : -1);
      if (st.domid !== undefined) note(st.domid, st.vcpu);
    }
    for (const f of footprints) for (const k of [...f.reads, ...f.writes, ...(f.optimistic ?? [])]) {
      const v = /^d(\d+)\.v(\d+)$/.exec(k); if (v) note(Number(v[1]), Number(v[2]));
      const d = /^d(\d+)/.exec(k); if (d) note(Number(d[1]));
    }
    this.domains = [...doms].sort((a, b) => a - b);
    this.dms = sc.deviceModels.map((d) => d.name);
    const add = (k: string) => { if (!this.bit.has(k)) { this.bit.set(k, this.names.length); this.names.push(k); } };
    add('x');
    for (const d of this.domains) {
      for (const s of ['', '.run', '.vga', '.ram', '.buf']) add(`d${d}${s}`);
      for (const dm of sc.deviceModels) if (dm.target === d) add(`d${d}.buf.${dm.name}`);
      for (let v = 0; v < (vcpus.get(d) ?? 0); v++) add(`d${d}.v${v}`);
      // Vcpus no step names (brought up later by a toolstack step): one component for them all.
      add(`d${d}.v?`);
    }
    for (const n of this.dms) { add(`m:${n}`); add(`m:${n}.dead`); }
    add('?'); // anything the scenario's own names do not cover (a domain created later than the index knew)
    for (const k of [...this.names]) if (/^d\d+\.v(\d+|\?)$/.test(k)) add(`vis:${k}`);
    add('vis:x'); add('vis:dom');
  }

  /** The component a snapshot's key belongs to here ('?' for one the scenario does not name). */
  of(key: string): string {
    if (this.bit.has(key)) return key;
    const ring = /^(d\d+)\.buf\.[^.]+$/.exec(key);
    if (ring && this.bit.has(`${ring[1]}.buf`)) return `${ring[1]}.buf`;
    const v = /^(d\d+)\.v\d+$/.exec(key);
    if (v && this.bit.has(`${v[1]}.v?`)) return `${v[1]}.v?`;
    return '?';
  }

  /** The bits of a list of names and patterns. */
  mask(keys: readonly string[]): bigint {
    let m = 0n;
    for (const k of keys) {
      if (k === '*') return this.all();
      for (const n of this.expand(k)) m |= 1n << BigInt(this.bit.get(n)!);
    }
    return m;
  }

  all(): bigint { return (1n << BigInt(this.names.length)) - 1n; }

  /** The names a pattern stands for. */
  expand(k: string): string[] {
    if (this.bit.has(k)) return [k];
    if (k === 'd*') return this.domains.map((d) => `d${d}`);
    const dAll = /^(d\d+)\.\*$/.exec(k);
    if (dAll) return this.names.filter((n) => n === dAll[1] || n.startsWith(dAll[1] + '.') || n.startsWith(`vis:${dAll[1]}.`));
    if (k === 'm:*.dead') return this.dms.map((n) => `m:${n}.dead`);
    const rings = /^(d\d+)\.buf\*$/.exec(k);
    if (rings) return this.names.filter((n) => n === `${rings[1]}.buf` || n.startsWith(`${rings[1]}.buf.`));
    const v = /^(d\d+)\.v\d+$/.exec(k);
    if (v && this.bit.has(`${v[1]}.v?`)) return [`${v[1]}.v?`];
    const ring = /^(d\d+)\.buf\.[^.]+$/.exec(k);
    if (ring && this.bit.has(`${ring[1]}.buf`)) return [`${ring[1]}.buf`];
    if (/^d\d+/.test(k) || k.startsWith('m:')) return ['?'];
    throw new Error(`internal: footprint names an unknown component '${k}'`);
  }

  /**
   * The visibility tokens a set of writes carries: one per invariant group whose components it writes.
   * vis:x — the leaked-server check (Xen's heap, every domain's servers); vis:dom — the port and mapping checks
   * (every domain's structure and run state); vis:dD.vV — the per-vcpu checks (the vcpu and its slots, its domain's
   * servers, every domain's run state, every device model's liveness).
   */
  tokens(writes: bigint): bigint {
    const has = (names: string[]) => (writes & this.mask(names)) !== 0n;
    let t = 0n;
    const doms = this.domains.map((d) => `d${d}`);
    const runs = this.domains.map((d) => `d${d}.run`);
    const deads = this.dms.map((n) => `m:${n}.dead`);
    if (has(['x', '?', ...doms])) t |= this.mask(['vis:x']);
    if (has(['?', ...doms, ...runs])) t |= this.mask(['vis:dom']);
    for (const n of this.names) {
      const v = /^vis:(d(\d+)\.v(\d+|\?))$/.exec(n);
      if (v && has([v[1], `d${v[2]}`, '?', ...runs, ...deads])) t |= this.mask([n]);
    }
    return t;
  }
}

/** Each step's footprint as bits: reads, writes (tokens included), and optimistic writes. */
export interface StepBits { r: bigint; w: bigint; opt: bigint; everything: boolean }

export interface Reduction {
  index: ComponentIndex;
  bits: StepBits[];
  /** Per actor, per position: the union of the reads and of the writes of the steps from there to the end. */
  futureR: bigint[][];
  futureW: bigint[][];
}

/** Prepares the reduction for a scenario; pessimistic: optimistic writes count as writes. */
export function prepareReduction(sc: Scenario, byActor: number[][], pessimistic: boolean, decl: (op: string) => FootprintDecl | undefined): Reduction {
  const fps = sc.steps.map((st) => stepFootprint(sc, st, decl(st.op)));
  const index = new ComponentIndex(sc, fps);
  const bits = fps.map((f): StepBits => {
    const everything = f.reads.includes('*') || f.writes.includes('*');
    if (everything) return { r: index.all(), w: index.all(), opt: 0n, everything };
    const opt = index.mask(f.optimistic ?? []);
    let w = index.mask(f.writes);
    if (pessimistic) w |= opt;
    const t = index.tokens(w);
    return { r: index.mask(f.reads) | w | t, w: w | t, opt: pessimistic ? 0n : opt & ~w, everything };
  });
  const futureR = byActor.map((steps) => { const r: bigint[] = new Array(steps.length + 1).fill(0n); for (let i = steps.length - 1; i >= 0; i--) r[i] = r[i + 1] | bits[steps[i]].r; return r; });
  const futureW = byActor.map((steps) => { const w: bigint[] = new Array(steps.length + 1).fill(0n); for (let i = steps.length - 1; i >= 0; i--) w[i] = w[i + 1] | bits[steps[i]].w; return w; });
  return { index, bits, futureR, futureW };
}

/**
 * The persistent set at a state: among the enabled actors, for each a the closure of actors whose remaining steps
 * depend on a next step in the set; the smallest such set (ties: the one with the actor that ran last, for fewer
 * switches between actors; then the first). Returns the enabled actors to expand, a subset of `runnable`.
 */
export function persistentSet(red: Reduction, byActor: number[][], pcs: Int32Array, runnable: number[], last: number): number[] {
  if (runnable.length <= 1) return runnable;
  const n = byActor.length;
  const isRunnable = new Uint8Array(n);
  for (const a of runnable) isRunnable[a] = 1;
  let best: number[] | null = null;
  const order = last >= 0 && isRunnable[last] ? [last, ...runnable.filter((a) => a !== last)] : runnable;
  for (const start of order) {
    const inSet = new Uint8Array(n);
    inSet[start] = 1;
    const work = [start];
    let enabled = 1;
    let abandoned = false;
    while (work.length && !abandoned) {
      const a = work.pop()!;
      const t = red.bits[byActor[a][pcs[a]]];
      for (let b = 0; b < n; b++) {
        if (inSet[b] || pcs[b] >= byActor[b].length) continue;
        const fr = red.futureR[b][pcs[b]], fw = red.futureW[b][pcs[b]];
        if ((t.r & fw) === 0n && (t.w & fr) === 0n) continue;
        inSet[b] = 1;
        work.push(b);
        if (isRunnable[b] && ++enabled >= (best ? best.length : runnable.length)) { abandoned = true; break; }
      }
    }
    if (abandoned) continue;
    best = runnable.filter((a) => inSet[a]);
    if (best.length === 1) break;
  }
  return best ?? runnable;
}
