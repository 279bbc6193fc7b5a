// Scenario files (*.ioreq.json, JSON with comments): parsed with positions by jsonc-parser, checked against the
// shipped JSON Schema (schema/scenario.schema.json, by ajv), then checked for meaning (actors, params, numbers).
// Every error is a ScenarioError naming file:line:column and what was expected.
import type { ErrorObject } from 'ajv';
import validateSchema from './schema-validator.gen';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { parseRc as parseRcStrict } from '../model/errno';
import { isProfile, isX421, type ProfileName } from '../model/layout';
import type { DmKind } from '../model/dm';
import { FIXES, isFixId, type FixId } from '../model/fixes';
import { nrParamsOf, paramIndex, PARAM_NAMES } from '../model/params';
import schemaJson from '../../schema/scenario.schema.json';
import { Locator, ScenarioError, type Loc } from './errors';
import { OP_NAMES, opSpec } from './ops';
import { didYouMean } from './suggest';

export const SCHEMA = schemaJson as Record<string, unknown>;

export type { ActorKind, DeviceModelDecl, Expectation, Scenario, ScenarioWarning, Step } from './types';
import type { ActorKind, DeviceModelDecl, Expectation, Scenario, ScenarioWarning, Step } from './types';

/** The schema's validator, compiled by ajv at build time (tools/gen-validator.js). */
function validate(doc: unknown): ErrorObject[] {
  const v = validateSchema as unknown as { (d: unknown): boolean; errors?: ErrorObject[] | null };
  return v(doc) ? [] : (v.errors ?? []);
}

const VCPU_ACTOR = /^d(\d+)v(\d+)$/;

function actorWords(k: ActorKind): string {
  return k === 'dm' ? 'a device model' : k === 'vcpu' ? 'a vcpu (d<domid>v<n>)' : 'the toolstack';
}

/** A step's fields that are not arguments of its operation. */
export const NON_ARG_KEYS: ReadonlySet<string> = new Set(['op', 'actor', 'expect', 'after', 'note', 'when']);

/** 0x-hex or decimal string, or a number, as a bigint; undefined when it is neither. */
export function toBig(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(v)) return BigInt(v);
  return undefined;
}

/** Picks the most useful of ajv's errors: the deepest path, preferring ones that are not about if/then plumbing. */
function bestError(errors: ErrorObject[]): ErrorObject {
  const useful = errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'oneOf' && e.keyword !== 'allOf');
  const pool = useful.length ? useful : errors;
  return pool.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a));
}

function describe(e: ErrorObject, doc: unknown): string {
  const where = e.instancePath ? `'${e.instancePath.slice(1).replace(/\//g, '.')}'` : 'the document';
  switch (e.keyword) {
    case 'required': return `${where} needs '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const op = (() => { try { return (pointer(doc, e.instancePath) as { op?: unknown })?.op; } catch { return undefined; } })();
      const known = typeof op === 'string' ? Object.keys(opSpec(op)?.args ?? {}) : [];
      return `${where} has an unexpected field '${extra}'${typeof op === 'string' ? ` for op '${op}'` : ''}${didYouMean(extra, known)}`;
    }
    case 'enum': {
      const value = (() => { try { return pointer(doc, e.instancePath); } catch { return undefined; } })();
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.filter((v): v is string => typeof v === 'string');
      // An op is one of many: name the close ones rather than listing them all.
      if (/^\/steps\/\d+\/op$/.test(e.instancePath) && typeof value === 'string') {
        return `unknown op '${value}'${didYouMean(value, allowed) || ` (no op has a close name; completion in the editor lists all ${allowed.length})`}`;
      }
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
      return `${where} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}${hint}`;
    }
    case 'const': return `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'type': return `${where} must be of type ${(e.params as { type: string }).type}`;
    case 'pattern': return `${where} must match ${(e.params as { pattern: string }).pattern}`;
    default: return `${where} ${e.message ?? 'is invalid'}`;
  }
}

function pointer(doc: unknown, ptr: string): unknown {
  let cur: unknown = doc;
  for (const seg of ptr.split('/').slice(1)) cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

/** What each of jsonc-parser's error codes expected, in words. */
const PARSE_WORDS: Record<string, string> = {
  InvalidSymbol: 'an unexpected character', InvalidNumberFormat: 'a malformed number', PropertyNameExpected: "expected a property name in double quotes",
  ValueExpected: 'expected a value', ColonExpected: "expected ':'", CommaExpected: "expected ','", CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'", EndOfFileExpected: 'expected the end of the file', InvalidCommentToken: 'an unfinished comment',
  UnexpectedEndOfComment: 'an unfinished comment', UnexpectedEndOfString: 'an unfinished string', UnexpectedEndOfNumber: 'an unfinished number',
  InvalidUnicode: 'a bad \\u escape', InvalidEscapeCharacter: 'a bad escape', InvalidCharacter: 'a control character in a string',
};

/** Nesting deeper than this is refused before parsing (jsonc-parser recurses per level). */
export const MAX_DEPTH = 256;

/** The offset where nesting first exceeds MAX_DEPTH (strings and comments skipped), or -1. */
function tooDeep(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { // a string: skip to its end
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) { while (i < text.length && text.charCodeAt(i) !== 10) i++; }
    else if (c === 47 && text.charCodeAt(i + 1) === 42) { const e = text.indexOf('*/', i + 2); i = e < 0 ? text.length : e + 1; }
    else if (c === 123 || c === 91) { if (++depth > MAX_DEPTH) return i; }
    else if (c === 125 || c === 93) depth--;
  }
  return -1;
}

/** The first key that appears twice in one object, and where its second occurrence is. */
function duplicateKey(node: Node): { key: string; node: Node; first: Node } | undefined {
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'object') {
      const seen = new Map<string, Node>();
      for (const p of n.children ?? []) {
        const k = p.children?.[0];
        if (!k) continue;
        const prev = seen.get(k.value as string);
        if (prev) return { key: k.value as string, node: p, first: prev };
        seen.set(k.value as string, p);
      }
    }
    for (const c of n.children ?? []) stack.push(c);
  }
  return undefined;
}

/** The vcpus a scenario brings up (xc_domain_create's vcpus, alloc_vcpu) or names elsewhere, as actor names. */
function vcpuActors(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const s of (Array.isArray(doc.steps) ? doc.steps : []) as Array<Record<string, unknown>>) {
    if (!s || typeof s !== 'object') continue;
    if (s.op === 'xc_domain_create' && Number.isInteger(s.domid) && Number.isInteger(s.vcpus)) {
      for (let v = 0; v < Math.min(s.vcpus as number, 128); v++) out.push(`d${s.domid}v${v}`);
    }
    if (s.op === 'alloc_vcpu' && Number.isInteger(s.domid) && Number.isInteger(s.vcpu)) out.push(`d${s.domid}v${s.vcpu}`);
    if (typeof s.actor === 'string' && VCPU_ACTOR.test(s.actor)) out.push(s.actor);
  }
  return out;
}

export interface ParseOptions {
  /** Read the scenario as if it named this profile (compare runs one file under several). */
  profile?: ProfileName;
  /** Ignore the file's `revert` list: the fixed form of a bug-zoo scenario. */
  fixed?: boolean;
}

/** Parses and checks a scenario; throws ScenarioError. */
export function parseScenario(textIn: string, file: string, opts: ParseOptions = {}): Scenario {
  if (typeof textIn !== 'string') throw new ScenarioError({ file, line: 1, column: 1 }, 'expected text');
  // A byte-order mark is not part of the document.
  const text = textIn.charCodeAt(0) === 0xfeff ? ' ' + textIn.slice(1) : textIn;
  const locator = new Locator(text, file);
  const deep = tooDeep(text);
  if (deep >= 0) throw new ScenarioError(locator.at(deep), `nesting deeper than ${MAX_DEPTH} levels`);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const e = errors[0];
    const code = printParseErrorCode(e.error);
    throw new ScenarioError(locator.at(e.offset), `invalid JSON: ${PARSE_WORDS[code] ?? code} (${code})`);
  }
  if (!root || root.type !== 'object') throw new ScenarioError(locator.at(root?.offset ?? 0), 'expected a JSON object (a scenario)');
  const dup = duplicateKey(root);
  if (dup) throw new ScenarioError(locator.at(dup.node.offset), `duplicate key '${dup.key}' (first at line ${locator.at(dup.first.offset).line})`);
  const doc = getNodeValue(root) as Record<string, unknown>;
  const locOf = (path: Array<string | number>): Loc => {
    for (let p = path; ; p = p.slice(0, -1)) {
      const n: Node | undefined = p.length ? findNodeAtLocation(root, p) : root;
      if (n) return locator.at(n.parent?.type === 'property' ? n.parent.offset : n.offset);
      if (!p.length) return locator.at(0);
    }
  };
  const schemaErrors = validate(doc);
  if (schemaErrors.length) {
    const e = bestError(schemaErrors);
    const path = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const missing = e.keyword === 'additionalProperties' ? [...path, (e.params as { additionalProperty: string }).additionalProperty] : path;
    throw new ScenarioError(locOf(missing), describe(e, doc));
  }
  if (opts.profile) doc.profile = opts.profile;
  const profile = doc.profile as string;
  if (!isProfile(profile)) throw new ScenarioError(locOf(['profile']), `unknown profile '${profile}'`);
  const nrParams = nrParamsOf(profile);

  const deviceModels: DeviceModelDecl[] = [];
  const names = new Set<string>();
  ((doc.deviceModels as Array<Record<string, unknown>>) ?? []).forEach((dmd, i) => {
    const name = dmd.name as string;
    if (names.has(name) || name === 'toolstack' || VCPU_ACTOR.test(name)) throw new ScenarioError(locOf(['deviceModels', i, 'name']), `device model name '${name}' is taken (names must be unique and not 'toolstack' or d<N>v<N>)`);
    names.add(name);
    if ((dmd.kind !== undefined || dmd.resourceUnsupported !== undefined) && !isX421(profile)) {
      throw new ScenarioError(locOf(['deviceModels', i, dmd.kind !== undefined ? 'kind' : 'resourceUnsupported']), `'${dmd.kind !== undefined ? 'kind' : 'resourceUnsupported'}' is for the 4.21 profiles (under ${profile} a device model is QEMU of its era)`);
    }
    deviceModels.push({ name, domid: (dmd.domid as number) ?? 0, target: dmd.target as number, maxCpus: dmd.maxCpus as number | undefined,
      kind: (dmd.kind as DmKind | undefined) ?? 'qemu', resourceUnsupported: dmd.resourceUnsupported === true, loc: locOf(['deviceModels', i]) });
  });

  const parseExpectation = (e: Record<string, unknown>, path: Array<string | number>): Expectation => {
    if (e.match === 'regex' && typeof e.console === 'string') {
      try { new RegExp(e.console); } catch (err) { throw new ScenarioError(locOf([...path, 'console']), `'console' is not a valid regular expression: ${(err as Error).message}`); }
    }
    return { ...(e as object), loc: locOf(path) } as Expectation;
  };

  const warnings: ScenarioWarning[] = [];
  const steps: Step[] = ((doc.steps as Array<Record<string, unknown>>) ?? []).map((s, i) => {
    const at = (k?: string): Loc => locOf(k ? ['steps', i, k] : ['steps', i]);
    const actor = s.actor as string;
    const op = s.op as string;
    let actorKind: ActorKind;
    let domid: number | undefined;
    let vcpu: number | undefined;
    const m = VCPU_ACTOR.exec(actor);
    if (actor === 'toolstack') actorKind = 'toolstack';
    else if (names.has(actor)) actorKind = 'dm';
    else if (m) { actorKind = 'vcpu'; domid = Number(m[1]); vcpu = Number(m[2]); }
    else {
      const hint = didYouMean(actor, ['toolstack', ...names, ...vcpuActors(doc)]);
      throw new ScenarioError(at('actor'), `unknown actor '${actor}'${hint || ` (expected 'toolstack', a device model (${[...names].join(', ') || 'none declared'}) or a vcpu as d<domid>v<n>)`}`);
    }
    const spec = opSpec(op);
    if (!spec) throw new ScenarioError(at('op'), `unknown op '${op}'`);
    if (spec.profiles && !spec.profiles.includes(profile)) {
      throw new ScenarioError(at('op'), `op '${op}' does not exist in profile ${profile} (it is in ${spec.profiles.join(', ')})`);
    }
    if (!spec.actors.includes(actorKind)) throw new ScenarioError(at('op'), `op '${op}' is done by ${spec.actors.map(actorWords).join(' or ')}, not by '${actor}'`);
    if (spec.dmKinds && actorKind === 'dm') {
      const kind = deviceModels.find((d) => d.name === actor)!.kind;
      if (!spec.dmKinds.includes(kind)) throw new ScenarioError(at('op'), `op '${op}' is ${spec.dmKinds.join(' or ')}'s; '${actor}' is a ${kind} device model (deviceModels[].kind)`);
    }
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (NON_ARG_KEYS.has(k)) continue;
      switch (spec.args[k]?.parse) {
        case 'param': {
          const idx = paramIndex(v as string | number, nrParams);
          if (idx === undefined && typeof v === 'number' && Number.isInteger(v) && v >= 0) {
            // Any index reaches do_hvm_op, whose own check answers -EINVAL ([X44] hvm.c:3935-3936): a warning only.
            warnings.push({ loc: at(k), message: `HVM param ${v} is not below HVM_NR_PARAMS (${nrParams}) in profile ${profile}: do_hvm_op will answer -EINVAL` });
            args[k] = v;
            break;
          }
          if (idx === undefined) {
            const prefixed = typeof v === 'string' && v.startsWith('HVM_PARAM_');
            const known = Object.entries(PARAM_NAMES).filter(([n]) => Number(n) < nrParams).map(([, name]) => (prefixed ? 'HVM_PARAM_' : '') + name);
            const hint = typeof v === 'string' ? didYouMean(v, known) : '';
            throw new ScenarioError(at(k), `unknown HVM param '${v}' for profile ${profile}${hint || ` (expected a name such as IOREQ_PFN, or a number below ${nrParams})`}`);
          }
          args[k] = idx;
          break;
        }
        case 'big': {
          const b = toBig(v);
          if (b === undefined || b >= 1n << 64n) throw new ScenarioError(at(k), `'${k}' must be a number or a 0x-hex string below 2^64`);
          args[k] = b;
          break;
        }
        case 'ioport': {
          const b = toBig(v);
          if (b === undefined || b > 0xffffn) throw new ScenarioError(at(k), `'${k}' must be an I/O port from 0 to 0xffff`);
          args[k] = Number(b);
          break;
        }
        default: args[k] = v;
      }
    }
    const bad = spec.check?.(args, actorKind, { profile, deviceModels: new Map(deviceModels.map((d) => [d.name, d.kind])), actor });
    if (bad) throw new ScenarioError(at(bad.at), bad.message);
    let expect: Step['expect'];
    if (s.expect) {
      const e = s.expect as Record<string, unknown>;
      expect = {};
      if (e.rc !== undefined) {
        const rc = typeof e.rc === 'number' ? e.rc : parseRcStrict(e.rc as string);
        if (rc === undefined) throw new ScenarioError(locOf(['steps', i, 'expect', 'rc']), `unknown return value '${e.rc}' (expected 0, -22 or a name such as -EINVAL)`);
        expect.rc = rc;
      }
      if (e.value !== undefined) expect.value = toBig(e.value);
      if (e.valuePath !== undefined) expect.valuePath = e.valuePath as string;
    }
    const after = ((s.after as Array<Record<string, unknown>>) ?? []).map((e, j) => parseExpectation(e, ['steps', i, 'after', j]));
    const when = s.when ? parseExpectation(s.when as Record<string, unknown>, ['steps', i, 'when']) : undefined;
    if (when && 'event' in when) throw new ScenarioError(locOf(['steps', i, 'when']), "'when' waits on the state, not on past events (explore does not record them): use a path, a crash or a console line");
    return { index: i, op, actor, actorKind, domid, vcpu, args, expect, after, when, note: s.note as string | undefined, loc: at(), raw: s };
  });
  const revert: FixId[] = [];
  const listed = new Set<string>();
  ((doc.revert as string[] | undefined) ?? []).forEach((id, i) => {
    if (!isFixId(id)) throw new ScenarioError(locOf(['revert', i]), `unknown fix '${id}'`);
    const fix = FIXES[id];
    if (!(fix.profiles as readonly string[]).includes(profile)) throw new ScenarioError(locOf(['revert', i]), `fix ${id} is in the code of ${fix.profiles.join(', ')}, not of profile ${profile}`);
    if (listed.has(id)) throw new ScenarioError(locOf(['revert', i]), `fix ${id} is listed twice`);
    listed.add(id);
    if (!opts.fixed) revert.push(id);
  });
  const expect = ((doc.expect as Array<Record<string, unknown>>) ?? []).map((e, j) => parseExpectation(e, ['expect', j]));
  const allow = new Set<string>(((doc.explore as { allow?: string[] } | undefined)?.allow) ?? []);
  return {
    file, name: (doc.name as string) ?? file, description: (doc.description as string) ?? '', profile,
    deviceModels, steps, expect, allow, doc, revert, warnings,
  };
}
