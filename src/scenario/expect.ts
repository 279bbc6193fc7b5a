// Expectations: conditions on the model state (the state document's paths), on events, crashes, the console,
// panics and defects. Each gives a verdict with the expectation's location.
import { rcName } from '../model/errno';
import type { Model } from '../model/model';
import { domainJson, dmJson, stateJson } from '../model/state';
import type { Loc } from './errors';
import type { Expectation } from './parse';

export interface Verdict {
  ok: boolean;
  text: string;
  loc: Loc;
}

/** Looks up a dotted path (`domains.1.vcpus.0.slot.stateName`, `deviceModels.0.handled`) in a JSON value. */
const segCache = new Map<string, string[]>();
function segments(path: string): string[] {
  let s = segCache.get(path);
  if (!s) { s = path.split('.').flatMap((seg) => seg.split(/\[(\d+)\]/).filter((x) => x !== '')); segCache.set(path, s); }
  return s;
}

export function lookup(doc: unknown, path: string): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const raw of segments(path)) {
    if (cur === null || typeof cur !== 'object') return { found: false, value: undefined };
    const rec = cur as Record<string, unknown>;
    if (!(raw in rec)) return { found: false, value: undefined };
    cur = rec[raw];
  }
  return { found: true, value: cur };
}

function asBig(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(v)) return v.startsWith('-') ? -BigInt(v.slice(1)) : BigInt(v);
  return undefined;
}

/** Equality that reads 0xfeff9 and 1044473 as the same number. */
export function sameValue(a: unknown, b: unknown): boolean {
  const x = asBig(a), y = asBig(b);
  if (x !== undefined && y !== undefined) return x === y;
  return JSON.stringify(a) === JSON.stringify(b);
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

export class Checker {
  private state: Record<string, unknown> | null = null;
  private domains = new Map<number, Record<string, unknown>>();
  private dms: unknown[] | null = null;
  constructor(private m: Model) {}

  doc(): Record<string, unknown> {
    return (this.state ??= stateJson(this.m));
  }

  /**
   * Resolves a path, building only the part of the state document it reaches (domains.N, deviceModels): the same
   * answer as the whole document's, so N is a domain id as the document's keys spell it (domains.01 is no key).
   */
  resolve(path: string): { found: boolean; value: unknown } {
    const m = /^domains\.(0|[1-9]\d*)(?:\.(.*))?$/.exec(path);
    if (m) {
      const id = Number(m[1]);
      const d = this.m.x.domains.get(id);
      if (!d) return { found: false, value: undefined };
      let doc = this.domains.get(id);
      if (!doc) { doc = domainJson(this.m, d); this.domains.set(id, doc); }
      return m[2] === undefined ? { found: true, value: doc } : lookup(doc, m[2]);
    }
    const dm = /^deviceModels(?:\.(.*))?$/.exec(path);
    if (dm) {
      this.dms ??= [...this.m.dms].map(([k, v]) => dmJson(k, v));
      return dm[1] === undefined ? { found: true, value: this.dms } : lookup(this.dms, dm[1]);
    }
    return lookup(this.doc(), path);
  }

  check(e: Expectation): Verdict {
    const m = this.m;
    if ('path' in e) {
      const { found, value } = this.resolve(e.path);
      if (e.exists !== undefined) return { ok: found === e.exists, text: `${e.path} ${e.exists ? 'exists' : 'does not exist'}${found === e.exists ? '' : ` (it ${found ? 'is ' + show(value) : 'does not'})`}`, loc: e.loc };
      if ('notEquals' in e) {
        const ok = !found || !sameValue(value, e.notEquals);
        return { ok, text: `${e.path} != ${show(e.notEquals)}${ok ? '' : ' (it is)'}`, loc: e.loc };
      }
      const ok = found && sameValue(value, e.equals);
      return { ok, text: `${e.path} == ${show(e.equals)}${ok ? '' : ` (got ${found ? show(value) : 'no such path'})`}`, loc: e.loc };
    }
    if ('event' in e) {
      const hits = m.x.events.filter((ev) => ev.kind === e.event && (e.fn === undefined || ev.fn === e.fn)
        && (e.domid === undefined || ev.domid === e.domid) && (e.text === undefined || ev.text.includes(e.text)));
      const ok = e.count === undefined ? hits.length > 0 : hits.length === e.count;
      const what = `event ${e.event}${e.fn ? ` by ${e.fn}` : ''}${e.domid !== undefined ? ` on d${e.domid}` : ''}${e.text ? ` saying '${e.text}'` : ''}`;
      return { ok, text: `${e.count === undefined ? 'an ' + what : `${e.count} × ${what}`}${ok ? '' : ` (found ${hits.length})`}`, loc: e.loc };
    }
    if ('crash' in e) {
      const d = m.x.domains.get(e.crash);
      const ok = !!d?.crashed && (e.reason === undefined || d.crashed.reason.includes(e.reason));
      return { ok, text: `d${e.crash} crashed${e.reason ? ` with '${e.reason}'` : ''}${ok ? '' : d?.crashed ? ` (reason: ${d.crashed.reason})` : ' (it did not)'}`, loc: e.loc };
    }
    if ('noCrash' in e) {
      const d = m.x.domains.get(e.noCrash);
      const ok = !d?.crashed;
      return { ok, text: `d${e.noCrash} did not crash${ok ? '' : ` (it did: ${d!.crashed!.reason})`}`, loc: e.loc };
    }
    if ('console' in e) {
      const how = e.match ?? 'substring';
      const re = how === 'regex' ? new RegExp(e.console) : null;
      const hits = m.x.console.filter((l) => (how === 'exact' ? l.text === e.console : re ? re.test(l.text) : l.text.includes(e.console))).length;
      const ok = e.absent ? hits === 0 : e.count !== undefined ? hits === e.count : hits > 0;
      const what = how === 'regex' ? `matching /${e.console}/` : how === 'exact' ? `exactly '${e.console}'` : `'${e.console}'`;
      const text = e.absent ? `console never says ${what}` : e.count !== undefined ? `${e.count} console line(s) ${what}` : `console says ${what}`;
      return { ok, text: `${text}${ok || (!e.absent && e.count === undefined && hits === 0) ? '' : ` (found ${hits})`}`, loc: e.loc };
    }
    if ('events' in e) {
      // A subsequence match: each wanted event after the previous one matched.
      let at = 0, got = 0;
      for (const w of e.events) {
        const k = m.x.events.findIndex((ev, i) => i >= at && ev.kind === w.event && (w.fn === undefined || ev.fn === w.fn)
          && (w.domid === undefined || ev.domid === w.domid) && (w.text === undefined || ev.text.includes(w.text)));
        if (k < 0) break;
        got++; at = k + 1;
      }
      const ok = got === e.events.length;
      const name = (w: { event: string; fn?: string }) => `${w.event}${w.fn ? `/${w.fn}` : ''}`;
      return { ok, text: `events in order: ${e.events.map(name).join(' < ')}${ok ? '' : ` (the first ${got} found in order; no ${name(e.events[got])} after them)`}`, loc: e.loc };
    }
    if ('panic' in e) {
      const p = m.x.panic;
      const ok = typeof e.panic === 'string' ? !!p && p.message.includes(e.panic) : e.panic === !!p;
      return { ok, text: `${e.panic === false ? 'no panic' : `Xen panics${typeof e.panic === 'string' ? ` with '${e.panic}'` : ''}`}${ok ? '' : p ? ` (panic: ${p.message})` : ' (no panic)'}`, loc: e.loc };
    }
    const hit = m.x.bugs.some((b) => b.kind === e.bug);
    const ok = e.absent ? !hit : hit;
    return { ok, text: `${e.absent ? 'no ' : ''}${e.bug} reported`, loc: e.loc };
  }
}

export function stepExpectVerdicts(loc: Loc, expect: { rc?: number; value?: bigint; valuePath?: string } | undefined, got: { rc: number; value?: bigint }, checker?: Checker): Verdict[] {
  const out: Verdict[] = [];
  if (!expect) return out;
  if (expect.valuePath !== undefined && checker) {
    const { found, value } = checker.resolve(expect.valuePath);
    const ok = found && got.value !== undefined && sameValue(`0x${got.value.toString(16)}`, value);
    out.push({ ok, text: `value == ${expect.valuePath}${ok ? '' : ` (value ${got.value === undefined ? 'none' : '0x' + got.value.toString(16)}, ${expect.valuePath} ${found ? show(value) : 'does not exist'})`}`, loc });
  }
  if (expect.rc !== undefined) out.push({ ok: got.rc === expect.rc, text: `rc == ${rcName(expect.rc)}${got.rc === expect.rc ? '' : ` (got ${rcName(got.rc)})`}`, loc });
  if (expect.value !== undefined) out.push({ ok: got.value === expect.value, text: `value == 0x${expect.value.toString(16)}${got.value === expect.value ? '' : ` (got ${got.value === undefined ? 'none' : '0x' + got.value.toString(16)})`}`, loc });
  return out;
}
