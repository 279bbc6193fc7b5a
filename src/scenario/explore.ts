// ioreq-scope explore: the steps of each actor run as concurrent processes (each actor keeps its file order) and
// every interleaving is explored breadth-first, so the first violation of each kind found is one of the shortest.
// A vcpu's wait and the device model's reaction are separate steps: a vcpu step is enabled only while the vcpu can
// run (not blocked in Xen, domain not paused), and cpu_handle_ioreq only once its port is pending. Invariants are
// checked at every state; equal states (model fingerprint plus each actor's position) are visited once.
import type { ProfileName } from '../model/layout';
import { ECS_INTERDOMAIN, ECS_NAMES } from '../model/evtchn';
import { fingerprintHash } from '../model/fingerprint';
import * as A from '../model/abi';
import { HVMIO_completed, HVMIO_none } from '../model/xen';
import { covers, serversOf, slotState, type ServerView } from '../model/servers';
import type { Domain } from '../model/xen';
import { Session } from './exec';
import type { Scenario } from './parse';

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
  hashing: boolean;
  seconds: number;
  violations: Violation[];
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
}

function trailOf(n: Node): number[] {
  const t: number[] = [];
  for (let p: Node | null = n; p && p.step >= 0; p = p.parent) t.push(p.step);
  return t.reverse();
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
    for (const sv of paged) {
      for (const v of d.vcpu) {
        const st = A.getState(sv.ioreq.va!, A.ioreqOffset(v.vcpu_id));
        if (st > 3) out.push({ kind: 'impossible-slot-state', message: `d${d.domain_id}v${v.vcpu_id}'s slot${sv.id === null ? '' : ` in server ${sv.id}`} holds state ${st}, not one of Xen's four` });
      }
    }
    for (const v of d.vcpu) {
      if (v.io_restarts > 0) out.push({ kind: 'vcpu-wedged', message: `d${d.domain_id}v${v.vcpu_id}'s access was neither sent to a server nor completed: the instruction restarts and meets the same end, forever` });
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
  /** Polled every few hundred states: true stops the search (cancellation), which then reports itself incomplete. */
  shouldStop?: () => boolean;
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

export function explore(sc: Scenario, opts: ExploreOptions): ExploreResult {
  const t0 = process.hrtime.bigint();
  const tick = progressTicker(opts, t0);
  const actors: string[] = [];
  for (const st of sc.steps) if (!actors.includes(st.actor)) actors.push(st.actor);
  const byActor = actors.map((a) => sc.steps.filter((st) => st.actor === a).map((st) => st.index));
  const root: Node = { s: new Session(sc), pcs: new Int32Array(actors.length), parent: null, step: -1, depth: 0, actor: -1, switches: 0 };
  root.s!.m.x.on = false;
  const seen = new Set<number>();
  const key = (n: Node) => fingerprintHash(n.s!.m, n.pcs);
  if (opts.hashing) seen.add(key(root));
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
  const expectsEvents = sc.expect.some((e) => 'event' in e);
  let explored = 1, transitions = 0, duplicates = 0, maxDepth = 0, finals = 0;
  let frontier: Node[] = [root];
  let complete = true;
  for (const v of stateViolations(root.s!)) report(v.kind, v.message, root);
  outer:
  while (frontier.length) {
    const next: Node[] = [];
    const layer = new Map<number, Node>();
    for (const node of frontier) {
      const s = node.s!;
      node.s = null;
      if (s.m.x.panic) continue;
      const runnable: number[] = [];
      for (let a = 0; a < actors.length; a++) {
        const pc = node.pcs[a];
        if (pc >= byActor[a].length) continue;
        if (s.blocked(sc.steps[byActor[a][pc]])) continue;
        runnable.push(a);
      }
      for (let k = 0; k < runnable.length; k++) {
        const a = runnable[k];
        const step = sc.steps[byActor[a][node.pcs[a]]];
        // The parent is dropped once expanded, so its last child takes it over instead of a copy.
        const c = k === runnable.length - 1 ? s : s.clone();
        c.runFlat(step);
        transitions++;
        const pcs = node.pcs.slice();
        pcs[a]++;
        const child: Node = { s: c, pcs, parent: node, step: step.index, depth: node.depth + 1, actor: a,
          switches: node.switches + (node.actor >= 0 && node.actor !== a ? 1 : 0) };
        if (opts.hashing) {
          const k2 = key(child);
          if (seen.has(k2)) {
            duplicates++;
            const prev = layer.get(k2);
            if (prev && child.switches < prev.switches) { prev.parent = node; prev.step = step.index; prev.actor = a; prev.switches = child.switches; }
            continue;
          }
          seen.add(k2);
          layer.set(k2, child);
        }
        explored++;
        if (child.depth > maxDepth) maxDepth = child.depth;
        for (const v of stateViolations(c)) report(v.kind, v.message, child);
        next.push(child);
        if ((explored & 255) === 0) tick?.(explored, frontier.length + next.length, child.depth);
        if (explored >= opts.maxStates || ((explored & 255) === 0 && opts.shouldStop?.())) { complete = false; break outer; }
      }
      if (runnable.length === 0) {
        finals++;
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
    scenario: sc, statesExplored: explored, transitions, duplicates, maxDepth, finalStates: finals, complete,
    hashing: opts.hashing, seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    violations: [...found].map(([kind, { message, node }]): Violation => {
      const trail = trailOf(node);
      return { kind, message, trail, switches: node.switches, counterexample: counterexample(sc, trail, kind, message) };
    }),
  };
}

/** The interleaving as a scenario file of its own: the same header, the steps in the order they ran. */
function counterexample(sc: Scenario, trail: number[], kind: ViolationKind, message: string): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...sc.doc };
  doc.name = `${sc.name}: counterexample (${kind})`;
  doc.description = `Found by ioreq-scope explore in ${sc.file}: ${message}. The steps below are the shortest interleaving that reaches it (and among those, one that switches between actors least often); run or step-debug this file to watch it happen.`;
  doc.steps = trail.map((i) => sc.steps[i].raw);
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
      maxDepth: r.maxDepth, finalStates: r.finalStates, complete: r.complete, hashing: r.hashing,
      seconds: +r.seconds.toFixed(3), statesPerSecond: rate,
      violations: r.violations.map((v) => ({ kind: v.kind, message: v.message, length: v.trail.length, switches: v.switches, trail: v.trail, counterexample: v.counterexample })),
    };
  }
  const lines = [`${r.scenario.file}: ${r.statesExplored} states (${r.duplicates} duplicates skipped), depth ${r.maxDepth}, ${r.finalStates} final states, ${r.seconds.toFixed(3)} s (${rate} states/s)${r.complete ? '' : ' — stopped at --max-states, not complete'}`];
  if (!r.violations.length) lines.push('no violations');
  for (const v of r.violations) {
    lines.push('', `VIOLATION ${v.kind}: ${v.message}`, `  shortest interleaving (${v.trail.length} steps, ${v.switches} switch(es) between actors): ${v.trail.map((i) => `#${i} ${r.scenario.steps[i].actor} ${r.scenario.steps[i].op}`).join(', ')}`,
      '  counterexample scenario:', ...JSON.stringify(v.counterexample, null, 2).split('\n').map((l) => '    ' + l));
  }
  return lines.join('\n');
}
