// ioreq-scope explore: the steps of each actor run as concurrent processes (each actor keeps its file order) and
// every interleaving is explored breadth-first, so the first violation of each kind found is one of the shortest.
// A vcpu's wait and the device model's reaction are separate steps: a vcpu step is enabled only while the vcpu can
// run (not blocked in Xen, domain not paused), and cpu_handle_ioreq only once its port is pending. Invariants are
// checked at every state; equal states (model fingerprint plus each actor's position) are visited once.
import type { ProfileName } from '../model/layout';
import { ECS_INTERDOMAIN, ECS_NAMES } from '../model/evtchn';
import { fingerprintHash, Hasher } from '../model/fingerprint';
import * as A from '../model/abi';
import { HVMIO_completed, HVMIO_none } from '../model/xen';
import { covers, serversOf, slotState, type ServerView } from '../model/servers';
import type { Domain } from '../model/xen';
import { Session } from './exec';
import type { Scenario } from './parse';
import { componentHashes, changedComponents } from '../model/components';
import { persistentSet, prepareReduction, type Reduction } from './footprint';
import { opSpec } from './ops';

export type { ViolationKind } from './types';
import type { ViolationKind } from './types';

export interface Violation {
  kind: ViolationKind;
  message: string;
  /** Step indices in the order they ran: the shortest interleaving found, with the fewest actor switches among those. */
  trail: number[];
  /** How often the trail passes from one actor to another. */
  switches: number;
  /** A runnable scenario reproducing it. */
  counterexample: Record<string, unknown>;
}

export interface ExploreResult {
  scenario: Scenario;
  statesExplored: number;
  transitions: number;
  duplicates: number;
  maxDepth: number;
  finalStates: number;
  complete: boolean;
  /** What ended an incomplete search. */
  stoppedBy?: StopReason;
  hashing: boolean;
  seconds: number;
  violations: Violation[];
  /** Whether the partial-order reduction ran, and if not (or only pessimistically), why. */
  reduction: ReductionReport;
  /** With collectFinals: the keys of the final states (a panicked host keyed by its panic alone). */
  finals?: Set<number>;
}

export type StopReason = 'max-states' | 'max-seconds' | 'cancelled';
const STOP_TEXT: Record<StopReason, string> = { 'max-states': '--max-states', 'max-seconds': '--max-seconds', cancelled: 'cancellation' };

export interface ReductionReport {
  on: boolean;
  /** Optimistic writes counted as writes (the first attempt met one: see footprint.ts). */
  pessimistic: boolean;
  why?: string;
}

interface Node {
  s: Session | null;
  pcs: Int32Array;
  parent: Node | null;
  step: number;
  depth: number;
  /** The actor of the last step (-1 at the root) and how often the trail to here switches actors. */
  actor: number;
  switches: number;
  /** A root rebuilt from a trail (a worker's share of the frontier): the steps that led to it. */
  prefix?: number[];
}

function trailOf(n: Node): number[] {
  const t: number[] = [];
  let p: Node | null = n;
  for (; p && p.step >= 0; p = p.parent) t.push(p.step);
  t.reverse();
  return p?.prefix ? [...p.prefix, ...t] : t;
}

/** The states a search has stored: a Set here, a table in shared memory across worker threads. */
export interface Visited {
  /** Adds k; false when it was there already. */
  add(k: number): boolean;
}

class LocalVisited implements Visited {
  private s = new Set<number>();
  add(k: number): boolean { if (this.s.has(k)) return false; this.s.add(k); return true; }
  keys(): IterableIterator<number> { return this.s.values(); }
}

/** What one search (or one worker's share of it) found: merged by the parallel driver, reported by explore(). */
export interface SearchOut {
  explored: number; transitions: number; duplicates: number; maxDepth: number; finalCount: number; complete: boolean;
  stoppedBy?: StopReason;
  finals?: number[];
  found: Array<{ kind: ViolationKind; message: string; trail: number[]; switches: number; depth: number }>;
  /** With splitAt: the trails of the frontier the search stopped at (the workers' roots), and the keys it stored. */
  frontier?: number[][];
  seenKeys?: number[];
}

export interface SearchPart {
  roots?: number[][];
  visited?: Visited;
  /** Stop once a layer's frontier holds at least this many states, handing it back. */
  splitAt?: number;
}

/** Whether a server's ranges claim a request (a catch-all server claims everything). */
function claims(sv: ServerView, p: A.Ioreq): boolean {
  if (!sv.ranges) return true;
  const size = BigInt(p.size || 1);
  const count = BigInt(p.count || 1);
  switch (p.type) {
    case A.IOREQ_TYPE_PIO: return covers(sv.ranges.port, p.addr, p.addr + size - 1n);
    case A.IOREQ_TYPE_COPY: {
      // With the direction flag set a rep access walks down from addr (ioreq_mmio_first_byte / last_byte).
      const first = p.df ? p.addr - (count - 1n) * size : p.addr;
      const last = p.df ? p.addr + size - 1n : p.addr + count * size - 1n;
      return covers(sv.ranges.mmio, first, last);
    }
    case A.IOREQ_TYPE_PCI_CONFIG: { const sbdf = p.addr >> 32n; return covers(sv.ranges.pci, sbdf, sbdf); }
    default: return true; // TIMEOFFSET and INVALIDATE are not routed by range
  }
}

/**
 * The invariants of several ioreq servers per domain: a request sits in at most one server's page (a broadcast
 * INVALIDATE excepted), only in an enabled, live server, only in one whose ranges cover it; and a vcpu blocked on
 * a request whose emulating domain is gone will never be woken.
 */
function serverViolations(s: Session, d: Domain, out: Array<{ kind: ViolationKind; message: string }>, servers: ServerView[] = serversOf(s.m.profile, d)): void {
  if (!servers.length) return;
  const name = (sv: ServerView) => (sv.id === null ? `d${d.domain_id}'s ioreq server` : `d${d.domain_id}'s ioreq server ${sv.id}`);
  for (const v of d.vcpu) {
    const holding = servers.filter((sv) => { const st = slotState(sv, v.vcpu_id); return st !== null && st !== A.STATE_IOREQ_NONE && st <= A.STATE_IORESP_READY; });
    if (!holding.length) continue;
    const reqs = holding.map((sv) => A.readIoreq(sv.ioreq.va!, A.ioreqOffset(v.vcpu_id)));
    if (holding.length > 1 && !reqs.every((p) => p.type === A.IOREQ_TYPE_INVALIDATE)) {
      out.push({ kind: 'request-to-several-servers', message: `d${d.domain_id}v${v.vcpu_id}'s request is in ${holding.length} servers' pages at once (${holding.map(name).join(', ')})` });
    }
    holding.forEach((sv, i) => {
      const p = reqs[i];
      if (p.state === A.STATE_IOREQ_READY && (!sv.enabled || sv.freed)) {
        out.push({ kind: 'request-to-disabled-server', message: `d${d.domain_id}v${v.vcpu_id}'s request waits in ${name(sv)}, which is ${sv.freed ? 'destroyed' : 'disabled'}` });
      }
      if (!claims(sv, p)) {
        out.push({ kind: 'request-outside-range', message: `d${d.domain_id}v${v.vcpu_id}'s ${A.TYPE_NAMES[p.type] ?? p.type} request at ${A.hex(p.addr)} (size ${p.size}) went to ${name(sv)}, whose ranges do not cover it` });
      }
      if (v.pause_flags.blocked_in_xen && p.state !== A.STATE_IORESP_READY) {
        const em = s.m.x.domains.get(sv.emulator);
        // The emulating domain may live on while the device-model process serving this server has exited (4.21).
        const proc = [...s.m.dms.values()].find((dm) => dm.domid === sv.emulator && dm.target === d.domain_id && sv.id !== null && dm.ioservid === sv.id);
        const gone = !em ? 'does not exist' : em.is_dying ? 'is dying' : em.crashed ? 'has crashed' : em.is_shutting_down ? 'is shut down'
          : proc?.dead ? "lives on, but its device model process has exited" : null;
        if (gone) out.push({ kind: 'emulator-gone', message: `d${d.domain_id}v${v.vcpu_id} waits on ${name(sv)}, whose emulator d${sv.emulator} ${gone}: nothing will answer it` });
      }
    });
  }
}

/** 2^32 mod IOREQ_BUFFER_SLOT_NUM: how far back the slot index jumps when a buffered-ring pointer wraps. */
const BUF_WRAP_SHIFT = 2 ** 32 % A.IOREQ_BUFFER_SLOT_NUM;

const DROPS_REQUESTS = new Set<ProfileName>(['legacy', 'seed']);
/** Who answers an I/O no device model will see, per profile (the lost-request message). */
const DROPPED_BY: Record<ProfileName, string> = {
  legacy: 'was dropped by hvm_send_assist_req (no ioreq server yet, or shutting down)',
  seed: 'was dropped by hvm_send_assist_req (no ioreq server yet, or shutting down)',
  '4.5': 'was ignored by hvmemul_do_io: no ioreq server for it',
  '4.21': "went to hvmemul_do_io's null handler: no enabled server claims it (reads all-ones, writes dropped)",
  '4.21-arm': "went to try_handle_mmio's unmapped handler: no enabled server claims it (reads all-ones, writes ignored)",
};

/** Invariants that must hold in every state (the debugger checks them too, at each step's return). */
export function stateViolations(s: Session): Array<{ kind: ViolationKind; message: string }> {
  const out: Array<{ kind: ViolationKind; message: string }> = [];
  const x = s.m.x;
  if (x.panic) out.push({ kind: 'panic', message: `Xen panicked in ${x.panic.fn}: ${x.panic.message}` });
  if (x.bugs.length) out.push({ kind: 'use-after-free', message: x.bugs[0].text });
  // A server struct xzalloc'd and no longer reachable from any domain was leaked by a failure path. Only the profiles
  // whose code counts its xzalloc/xfree (legacy, seed) can show it; 4.5 and 4.21 do not count yet.
  const allocated = Object.entries(x.heap).filter(([k]) => k.endsWith('ioreq_server')).reduce((n, [, c]) => n + c, 0);
  let reachable = 0;
  // Each domain's servers, listed once for every check below.
  const views = new Map<Domain, ServerView[]>();
  for (const d of x.domains.values()) views.set(d, serversOf(s.m.profile, d));
  for (const d of x.domains.values()) reachable += views.get(d)!.filter((sv) => !sv.freed).length;
  if (allocated > reachable) out.push({ kind: 'memory-leak', message: `${allocated - reachable} ioreq server struct(s) allocated and reachable from no domain: a failure path did not xfree it` });
  for (const d of x.domains.values()) {
    serverViolations(s, d, out, views.get(d));
    for (const [pfn, g] of d.physmap) if (g.xen_maps > 1) out.push({ kind: 'page-mapped-twice', message: `d${d.domain_id} pfn 0x${pfn.toString(16)} is mapped by Xen ${g.xen_maps} times` });
    // Every profile's live servers, in the common shape (the seed's one, 4.5's list, today's slots).
    const live = views.get(d)!.filter((sv) => !sv.freed);
    const paged = live.filter((sv) => sv.ioreq.va);
    for (const sv of live) {
      // The ring's unconsumed entries are [read_pointer, write_pointer) and entry i lives in slot i % 511. 2^32 is
      // not a multiple of 511 (it leaves 32), so once the window crosses 2^32 the slots jump back: two entries 32
      // apart share one, and a window of more than 32 means Xen wrote an entry over one not yet read.
      const pg = sv.bufioreq.va;
      if (!pg) continue;
      const { read_pointer: rp, write_pointer: wp } = A.readBufPointers(pg);
      const used = (wp - rp) >>> 0;
      if (wp < rp && used <= A.IOREQ_BUFFER_SLOT_NUM && used > BUF_WRAP_SHIFT) {
        out.push({ kind: 'buffered-entry-overwritten', message: `d${d.domain_id}'s ${sv.id === null ? 'ioreq server' : `ioreq server ${sv.id}`} holds ${used} unconsumed buffered entries across the 2^32 wrap of its pointers (read ${rp}, write ${wp}): 2^32 mod 511 = ${BUF_WRAP_SHIFT}, so entries ${BUF_WRAP_SHIFT} apart share a slot and ${used - BUF_WRAP_SHIFT} entr${used - BUF_WRAP_SHIFT === 1 ? 'y was' : 'ies were'} overwritten before the emulator read ${used - BUF_WRAP_SHIFT === 1 ? 'it' : 'them'}` });
      }
    }
    for (const sv of paged) {
      for (const v of d.vcpu) {
        const st = A.getState(sv.ioreq.va!, A.ioreqOffset(v.vcpu_id));
        if (st > 3) out.push({ kind: 'impossible-slot-state', message: `d${d.domain_id}v${v.vcpu_id}'s slot${sv.id === null ? '' : ` in server ${sv.id}`} holds state ${st}, not one of Xen's four` });
      }
    }
    for (const v of d.vcpu) {
      if (v.io.wait_cycled) out.push({ kind: 'xen-livelock', message: `d${d.domain_id}v${v.vcpu_id}'s wait_for_io came back to a slot state it had already switched on, without blocking: an emulator repeating those writes keeps Xen in the loop for ever` });
      if (v.io_stale > 0) out.push({ kind: 'stale-request', message: `d${d.domain_id}v${v.vcpu_id}'s access was refused by hvmemul_do_io: the vcpu's own record of its last request (v->io.req) still says STATE_IOREQ_READY though no server has it pending (its completion never reset it)` });
      // 4.21: vcpu_ioreq_handle_completion let the vcpu go on while a server had not answered its request (da20c93108).
      if (v.io_completed_pending > 0) {
        const still = d.x421.server.filter((s4) => s4 && s4.ioreq_vcpu_list.some((sv) => sv.vcpu === v && sv.pending)).map((s4) => s4!.id);
        out.push({ kind: 'completed-while-pending', message: `d${d.domain_id}v${v.vcpu_id} finished its access and went back to the guest while ${still.length ? `server ${still.join(', ')}` : 'a server'} still had its request pending (not yet answered)` });
      }
      // 4.21: handle_pio left an access a server already has to restart: the device will see it twice (b7e0d89788).
      if (v.io_restarted_sent > 0) out.push({ kind: 'restart-after-send', message: `d${d.domain_id}v${v.vcpu_id}'s port access went to a server, yet handle_pio did not advance RIP: the guest runs the instruction again and the device model sees the access twice` });
      // A domain shutting down (or crashed) runs its vcpus no more: nothing restarts.
      if (v.io_restarts > 0 && !d.is_shutting_down) out.push({ kind: 'vcpu-wedged', message: `d${d.domain_id}v${v.vcpu_id}'s access was neither sent to a server nor completed: the instruction restarts and meets the same end, forever` });
      // Only the seed's era loses such an I/O (the vcpu expected a device model); 4.5 and 4.21 complete it by design.
      if (v.io_dropped > 0 && DROPS_REQUESTS.has(s.m.profile)) { out.push({ kind: 'lost-request', message: `d${d.domain_id}v${v.vcpu_id}'s I/O ${DROPPED_BY[s.m.profile]}` }); continue; }
      const io = v.arch.hvm_vcpu.hvm_io.io_state;
      if (paged.length && !d.crashed && !v.pause_flags.blocked_in_xen && io !== HVMIO_none && io !== HVMIO_completed
        && paged.every((sv) => A.getState(sv.ioreq.va!, A.ioreqOffset(v.vcpu_id)) === A.STATE_IOREQ_NONE)) {
        out.push({ kind: 'lost-request', message: `d${d.domain_id}v${v.vcpu_id} still waits for an I/O completion but its slot is STATE_IOREQ_NONE: the response was lost` });
      }
    }
    if (!d.is_dying) {
      const owned = new Set<number>();
      for (const sv of live) { for (const p of sv.ioreqEvtchn) owned.add(p); owned.add(sv.bufIoreqEvtchn); }
      d.evtchn.ports.forEach((c, p) => {
        if (c.xen_consumer && !owned.has(p)) out.push({ kind: 'port-bound-to-destroyed-server', message: `d${d.domain_id} port ${p} (${ECS_NAMES[c.state]}) belongs to no live ioreq server` });
      });
    } else {
      for (const o of x.domains.values()) {
        o.evtchn.ports.forEach((c, p) => {
          if (c.state === ECS_INTERDOMAIN && c.remote_dom === d.domain_id) out.push({ kind: 'port-bound-to-destroyed-server', message: `d${o.domain_id} port ${p} is still bound to dying d${d.domain_id} port ${c.remote_port}` });
        });
      }
    }
  }
  return out;
}

/** How far a search has got: states stored, states waiting (this layer and the next), the depth reached, the time, the heap. */
export interface ExploreProgress { states: number; frontier: number; depth: number; seconds: number; heapBytes: number }

export interface ExploreOptions {
  maxStates: number;
  hashing: boolean;
  /** Partial-order reduction (footprint.ts); on unless false. */
  reduce?: boolean;
  /** Check every step's changes against its declared footprint (slow: for tests and --check-footprints). */
  checkFootprints?: boolean;
  /** Keep the keys of the final states (the reduction's oracle compares them with the full search's). */
  collectFinals?: boolean;
  /** Polled every few hundred states: true stops the search (cancellation), which then reports itself incomplete. */
  shouldStop?: () => boolean;
  /** Stop once Date.now() passes this (--max-seconds); a number, so worker threads keep it too. */
  deadline?: number;
  /** Called where shouldStop is polled, at most every progressEveryMs (the CLI's progress line, VS Code's notification). */
  progress?: (p: ExploreProgress) => void;
  /** The least time between two progress reports (default PROGRESS_EVERY_MS; 0: at every poll). */
  progressEveryMs?: number;
}

/** The least time between two progress reports. */
export const PROGRESS_EVERY_MS = 250;

/** A progress reporter that passes at most one report per `every` ms on to opts.progress (undefined without one). */
function progressTicker(opts: ExploreOptions, t0: bigint): ((states: number, frontier: number, depth: number) => void) | undefined {
  const f = opts.progress;
  if (!f) return undefined;
  const every = BigInt(Math.max(0, Math.round(opts.progressEveryMs ?? PROGRESS_EVERY_MS))) * 1_000_000n;
  let last = t0;
  return (states, frontier, depth) => {
    const now = process.hrtime.bigint();
    if (now - last < every) return;
    last = now;
    f({ states, frontier, depth, seconds: Number(now - t0) / 1e9, heapBytes: process.memoryUsage().heapUsed });
  };
}

export const opDecl = (op: string) => opSpec(op)?.footprint;

/** A step made an optimistic write (footprint.ts): the optimistic reduction's premise does not hold here. */
class PremiseBroken extends Error {}

/** The state of every domain's run flags and every device model's liveness, as one number (for optimistic writes). */
function runSignature(s: Session): number {
  let h = 0;
  const mix = (v: number) => { h = (Math.imul(h ^ v, 0x01000193) ^ (h >>> 15)) | 0; };
  for (const d of s.m.x.domains.values()) {
    mix(d.domain_id); mix(d.is_dying); mix(d.pause_count); mix(d.crashed ? 1 : 0); mix(d.is_shutting_down ? 1 : 0); mix(d.shutdown_code); mix(d.is_shut_down ? 1 : 0);
    for (const v of d.vcpu) mix(v.paused_for_shutdown ? 1 : 0);
  }
  for (const dm of s.m.dms.values()) mix(dm.dead ? 1 : 0);
  return h;
}

export function explore(sc: Scenario, opts: ExploreOptions): ExploreResult {
  const t0 = process.hrtime.bigint();
  const { actors, byActor } = actorsOf(sc);
  const finish = (r: SearchOut, reduction: ReductionReport): ExploreResult => exploreResult(sc, opts, r, reduction, Number(process.hrtime.bigint() - t0) / 1e9);
  const plan = reductionPlan(sc, opts);
  if (!plan.on) {
    const red = opts.checkFootprints ? prepareReduction(sc, byActor, true, opDecl) : null;
    return finish(search(sc, opts, actors, byActor, red, false), plan);
  }
  try {
    return finish(search(sc, opts, actors, byActor, prepareReduction(sc, byActor, false, opDecl), true), plan);
  } catch (e) {
    if (!(e instanceof PremiseBroken)) throw e;
    return finish(search(sc, opts, actors, byActor, prepareReduction(sc, byActor, true, opDecl), true), { on: true, pessimistic: true, why: e.message });
  }
}

/** The actors in file order and each one's steps. */
export function actorsOf(sc: Scenario): { actors: string[]; byActor: number[][] } {
  const actors: string[] = [];
  for (const st of sc.steps) if (!actors.includes(st.actor)) actors.push(st.actor);
  return { actors, byActor: actors.map((a) => sc.steps.filter((st) => st.actor === a).map((st) => st.index)) };
}

/** Whether the file's expectations read the event history (`event` or the ordered `events`), which the search does
 *  not record: the reduction is off for them and they are checked on a replay. */
const readsEvents = (sc: Scenario) => sc.expect.some((e) => 'event' in e || 'events' in e);

/** Whether the reduction runs on this file with these options, and if not why. */
export function reductionPlan(sc: Scenario, opts: ExploreOptions): ReductionReport {
  if (opts.reduce === false) return { on: false, pessimistic: false, why: '--no-reduce' };
  // Expectations about events read the order things happened in, which a reduction does not keep.
  if (readsEvents(sc)) return { on: false, pessimistic: false, why: "the file's expectations read the event history, whose order the reduction does not keep" };
  return { on: true, pessimistic: false };
}

export { PremiseBroken };

/** A search's findings as the explorer reports them: each violation with its runnable counterexample. */
export function exploreResult(sc: Scenario, opts: ExploreOptions, r: SearchOut, reduction: ReductionReport, seconds: number): ExploreResult {
  return {
    scenario: sc, statesExplored: r.explored, transitions: r.transitions, duplicates: r.duplicates, maxDepth: r.maxDepth,
    finalStates: r.finalCount, complete: r.complete, stoppedBy: r.stoppedBy, hashing: opts.hashing, reduction, seconds,
    finals: r.finals ? new Set(r.finals) : undefined,
    violations: r.found.map(({ kind, message, trail, switches }): Violation => ({ kind, message, trail, switches, counterexample: counterexample(sc, trail, kind, message) })),
  };
}

/** A node rebuilt by running a trail from the initial state. */
function replayNode(sc: Scenario, actors: string[], trail: number[]): Node {
  const s = new Session(sc);
  s.m.x.on = false;
  const pcs = new Int32Array(actors.length);
  let actor = -1, switches = 0;
  for (const i of trail) {
    s.runFlat(sc.steps[i]);
    const a = actors.indexOf(sc.steps[i].actor);
    pcs[a]++;
    if (actor >= 0 && actor !== a) switches++;
    actor = a;
  }
  return { s, pcs, parent: null, step: -1, depth: trail.length, actor, switches, prefix: trail };
}

/** The breadth-first search itself, from the initial state or from given roots (a worker's share of a frontier). */
export function search(sc: Scenario, opts: ExploreOptions, actors: string[], byActor: number[][], red: Reduction | null, reducing: boolean,
  part: SearchPart = {}): SearchOut {
  const tick = progressTicker(opts, process.hrtime.bigint());
  const finals = opts.collectFinals ? new Set<number>() : undefined;
  // A panicked host is keyed by its panic alone: what the other actors had or had not done no longer matters.
  const finalKey = (s: Session, pcs: Int32Array) => (s.m.x.panic ? hashText(`panic ${s.m.x.panic.fn}: ${s.m.x.panic.message}`) : fingerprintHash(s.m, pcs));
  const roots: Node[] = part.roots ? part.roots.map((t) => replayNode(sc, actors, t))
    : [{ s: new Session(sc), pcs: new Int32Array(actors.length), parent: null, step: -1, depth: 0, actor: -1, switches: 0 }];
  const root = roots[0];
  if (!part.roots) root.s!.m.x.on = false;
  const local = part.visited ? null : new LocalVisited();
  const seen: Visited = part.visited ?? local!;
  const key = (n: Node) => fingerprintHash(n.s!.m, n.pcs);
  if (opts.hashing && !part.roots) seen.add(key(root));
  // Per kind, the first violation found (the shortest trail, BFS) — replaced by one at the same depth whose trail
  // switches between actors less often, so the counterexample reads as few interleaved stories as it can. Trails
  // are read off the nodes at the end: a node reached again in its layer by a path with fewer switches takes that
  // path (same state, same depth), and every trail through it improves with it.
  const found = new Map<ViolationKind, { message: string; node: Node }>();
  const allow = sc.allow;
  const report = (kind: ViolationKind, message: string, n: Node) => {
    if (allow.has(kind)) return;
    const f = found.get(kind);
    if (f && !(f.node.depth === n.depth && n.switches < f.node.switches)) return;
    found.set(kind, { message, node: n });
  };
  // Event expectations need history, which the search does not record: those are checked on a replay.
  const expectsEvents = readsEvents(sc);
  let explored = part.roots ? 0 : 1, transitions = 0, duplicates = 0, maxDepth = 0, finalCount = 0;
  let frontier: Node[] = roots;
  let complete = true;
  if (!part.roots) for (const v of stateViolations(root.s!)) report(v.kind, v.message, root);
  let split: number[][] | undefined;
  let stoppedBy: StopReason | undefined;
  outer:
  while (frontier.length) {
    if (part.splitAt && frontier.length >= part.splitAt) { split = frontier.map(trailOf); break; }
    const next: Node[] = [];
    const layer = new Map<number, Node>();
    for (const node of frontier) {
      const s = node.s!;
      node.s = null;
      if (s.m.x.panic) { finals?.add(finalKey(s, node.pcs)); continue; }
      const runnable: number[] = [];
      for (let a = 0; a < actors.length; a++) {
        const pc = node.pcs[a];
        if (pc >= byActor[a].length) continue;
        if (s.blocked(sc.steps[byActor[a][pc]])) continue;
        runnable.push(a);
      }
      const chosen = reducing && red ? persistentSet(red, byActor, node.pcs, runnable, node.actor) : runnable;
      const before = opts.checkFootprints ? componentHashes(s.m) : null;
      for (let k = 0; k < chosen.length; k++) {
        const a = chosen[k];
        const step = sc.steps[byActor[a][node.pcs[a]]];
        // The parent is dropped once expanded, so its last child takes it over instead of a copy.
        const c = k === chosen.length - 1 ? s : s.clone();
        const bits = red?.bits[step.index];
        const sig = reducing && bits && bits.opt !== 0n ? runSignature(c) : 0;
        c.runFlat(step);
        if (reducing && bits && bits.opt !== 0n && runSignature(c) !== sig) {
          throw new PremiseBroken(`step ${step.index} (${step.actor} ${step.op}) crashed, shut down or ended a domain or device model, which the reduction had assumed only a broken protocol does; counted as an ordinary write`);
        }
        if (before && red && bits && !bits.everything) checkWrites(sc, step, red, before, componentHashes(c.m));
        transitions++;
        const pcs = node.pcs.slice();
        pcs[a]++;
        const child: Node = { s: c, pcs, parent: node, step: step.index, depth: node.depth + 1, actor: a,
          switches: node.switches + (node.actor >= 0 && node.actor !== a ? 1 : 0) };
        if (opts.hashing) {
          const k2 = key(child);
          if (!seen.add(k2)) {
            duplicates++;
            const prev = layer.get(k2);
            if (prev && child.switches < prev.switches) { prev.parent = node; prev.step = step.index; prev.actor = a; prev.switches = child.switches; }
            continue;
          }
          layer.set(k2, child);
        }
        explored++;
        if (child.depth > maxDepth) maxDepth = child.depth;
        for (const v of stateViolations(c)) report(v.kind, v.message, child);
        next.push(child);
        if ((explored & 255) === 0) tick?.(explored, frontier.length + next.length, child.depth);
        if (explored >= opts.maxStates) { complete = false; stoppedBy = 'max-states'; break outer; }
        if ((explored & 255) === 0) {
          if (opts.deadline !== undefined && Date.now() > opts.deadline) { complete = false; stoppedBy = 'max-seconds'; break outer; }
          if (opts.shouldStop?.()) { complete = false; stoppedBy = 'cancelled'; break outer; }
        }
      }
      if (runnable.length === 0) {
        finals?.add(finalKey(s, node.pcs));
        finalCount++;
        const unfinished = actors.map((a, i) => ({ a, i })).filter(({ i }) => node.pcs[i] < byActor[i].length);
        if (unfinished.length) {
          const why = unfinished.map(({ a, i }) => {
            const st = sc.steps[byActor[i][node.pcs[i]]];
            return `${a} cannot run step ${st.index} (${st.op}): ${s.blocked(st)}`;
          }).join('; ');
          report('deadlock', why, node);
        } else {
          for (const d of s.m.x.domains.values()) {
            if (d.is_dying || d.crashed) continue;
            for (const v of d.vcpu) if (v.pause_flags.blocked_in_xen) report('vcpu-blocked-forever', `every actor has finished but d${d.domain_id}v${v.vcpu_id} is still blocked in Xen waiting for its ioreq`, node);
          }
          if (sc.expect.length && !found.has('expectation') && !allow.has('expectation')) {
            // Expectations about history (events) are checked on a replay with events recorded; the rest on the state.
            let target = s;
            if (expectsEvents) {
              target = new Session(sc);
              for (const i of trailOf(node)) target.runFlat(sc.steps[i]);
            }
            const ck = target.checker();
            const bad = sc.expect.map((e) => ck.check(e)).filter((v) => !v.ok);
            if (bad.length) report('expectation', bad.map((v) => `${v.text} (${v.loc.file}:${v.loc.line}:${v.loc.column})`).join('; '), node);
          }
        }
      }
    }
    frontier = next;
  }
  return {
    explored, transitions, duplicates, maxDepth, finalCount, complete, stoppedBy, finals: finals ? [...finals] : undefined,
    found: [...found].map(([kind, { message, node }]) => ({ kind, message, trail: trailOf(node), switches: node.switches, depth: node.depth })),
    frontier: split, seenKeys: split && local ? [...local.keys()] : undefined,
  };
}

function hashText(t: string): number {
  const h = new Hasher();
  h.s(t);
  return h.value();
}

/** --check-footprints: a step changed a component its declared footprint does not write. */
function checkWrites(sc: Scenario, step: { index: number; op: string; actor: string; loc: { line: number; column: number } }, red: Reduction,
  before: Map<string, number>, after: Map<string, number>): void {
  const bits = red.bits[step.index];
  const allowed = bits.w | bits.opt;
  for (const k of changedComponents(before, after)) {
    const name = red.index.of(k);
    if ((allowed & red.index.mask([name])) === 0n) {
      throw new Error(`internal: step ${step.index} (${step.actor} ${step.op}, ${sc.file}:${step.loc.line}:${step.loc.column}) changed ${k}, which the op's footprint (src/scenario/ops.ts) does not declare`);
    }
  }
}

/** The interleaving as a scenario file of its own: the same header, the steps in the order they ran (and for a deadlock, then each blocked actor's next step). */
function counterexample(sc: Scenario, trail: number[], kind: ViolationKind, message: string): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...sc.doc };
  doc.name = `${sc.name}: counterexample (${kind})`;
  const steps = [...trail];
  if (kind === 'deadlock') {
    // The steps that cannot run end the file (each unfinished actor's next one, in the message's order): run, the
    // first of them is refused where the deadlock is; debugged, the debugger stops there and names them all.
    const { byActor } = actorsOf(sc);
    const inTrail = new Set(trail);
    for (const mine of byActor) {
      const next = mine.find((i) => !inTrail.has(i));
      if (next !== undefined) steps.push(next);
    }
  }
  doc.steps = steps.map((i) => sc.steps[i].raw);
  doc.description = `Found by ioreq-scope explore in ${sc.file}: ${message}. The steps below are the shortest interleaving that reaches it (and among those, one that switches between actors least often)${kind === 'deadlock' ? `, then the ${steps.length - trail.length === 1 ? 'step' : `${steps.length - trail.length} steps`} that cannot run` : ''}; run or step-debug this file to watch it happen.`;
  // A relative $schema would point nowhere beside the counterexample; the extension's jsonValidation covers it.
  delete doc.$schema;
  if (kind !== 'expectation') delete doc.expect;
  delete doc.explore;
  return doc;
}

export function exploreReport(r: ExploreResult, format: 'json' | 'text' = 'json'): unknown {
  const rate = r.seconds > 0 ? Math.round(r.statesExplored / r.seconds) : r.statesExplored;
  if (format === 'json') {
    return {
      scenario: r.scenario.file, statesExplored: r.statesExplored, transitions: r.transitions, duplicatesSkipped: r.duplicates,
      maxDepth: r.maxDepth, finalStates: r.finalStates, complete: r.complete, stoppedBy: r.stoppedBy, hashing: r.hashing, reduction: r.reduction,
      seconds: +r.seconds.toFixed(3), statesPerSecond: rate,
      violations: r.violations.map((v) => ({ kind: v.kind, message: v.message, length: v.trail.length, switches: v.switches, trail: v.trail, counterexample: v.counterexample })),
    };
  }
  const lines = [`${r.scenario.file}: ${r.statesExplored} states (${r.duplicates} duplicates skipped), depth ${r.maxDepth}, ${r.finalStates} final states, ${r.seconds.toFixed(3)} s (${rate} states/s)${r.complete ? '' : ` — stopped by ${STOP_TEXT[r.stoppedBy ?? 'max-states']}, not complete`}`,
    `partial-order reduction: ${r.reduction.on ? (r.reduction.pessimistic ? 'on, pessimistic' : 'on') : 'off'}${r.reduction.why ? ` (${r.reduction.why})` : ''}`];
  if (!r.violations.length) lines.push('no violations');
  for (const v of r.violations) {
    lines.push('', `VIOLATION ${v.kind}: ${v.message}`, `  shortest interleaving (${v.trail.length} steps, ${v.switches} switch(es) between actors): ${v.trail.map((i) => `#${i} ${r.scenario.steps[i].actor} ${r.scenario.steps[i].op}`).join(', ')}`,
      '  counterexample scenario:', ...JSON.stringify(v.counterexample, null, 2).split('\n').map((l) => '    ' + l));
  }
  return lines.join('\n');
}
