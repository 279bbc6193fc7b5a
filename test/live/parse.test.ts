// The helper document parser: located errors, per-section errors that keep the rest, limits, and fuzzing (it only
// ever throws HelperParseError, and returns quickly).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { HelperParseError, LIMITS, parseHelperDocument, type HostSnapshot } from '../../src/live/parse';
import { FIXTURES, HELPER } from './sshd';

let valid = '';
const SECTIONS = ['xen', 'domains', 'deviceModels', 'evtchns', 'params', 'console'] as const;

function edit(f: (d: any) => void): string {
  const d = JSON.parse(valid);
  f(d);
  return JSON.stringify(d);
}
function parseErr(text: string | Buffer): HelperParseError {
  try { parseHelperDocument(text); } catch (e) {
    assert.ok(e instanceof HelperParseError, `threw ${String(e)}`);
    return e;
  }
  assert.fail('expected a HelperParseError');
}
function okOthers(s: HostSnapshot, bad: string): void {
  for (const k of SECTIONS) if (k !== bad) assert.ok(s[k].ok, `${k}: ${JSON.stringify(s[k])}`);
  assert.ok(!s[bad as typeof SECTIONS[number]].ok, bad);
}

describe('live: the helper document parser', () => {
  before(() => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'iqs-parse-'));
    const r = spawnSync('/bin/sh', [HELPER], { env: { PATH: `${path.join(FIXTURES, 'bin')}:/usr/bin:/bin`, IOREQ_FIXTURE_STATE: state } });
    valid = r.stdout.toString('utf8');
    fs.rmSync(state, { recursive: true, force: true });
  });

  it('reads the helper document of the stand-in host', () => {
    const s = parseHelperDocument(valid);
    for (const k of SECTIONS) assert.ok(s[k].ok, k);
  });
  it('refuses garbage, truncation and another version with a location', () => {
    assert.strictEqual(parseErr('Welcome to dom0!\n{').where, '1:1');
    assert.match(parseErr('').message, /printed nothing/);
    const cut = parseErr(valid.slice(0, 500));
    assert.match(cut.message, /truncated/);
    // Cut anywhere, even just after a backslash or inside a \u escape, it is said to be cut.
    const at = valid.indexOf('\\n');
    for (const n of [at + 1, at + 2]) assert.match(parseErr(valid.slice(0, n)).message, /truncated/, valid.slice(n - 10, n));
    assert.match(parseErr('{"a":"x\\u00').message, /truncated/);
    assert.match(parseErr('{"a":"x\\q"}').message, /bad escape in a string/);
    assert.match(parseErr('{"a":"x\\u00zz"}').message, /bad \\u escape/);
    assert.match(parseErr(edit((d) => { d.ioreqScopeHelper = 2; })).message, /^\$\.ioreqScopeHelper: helper document version 2, this IOREQ Scope reads version 1/);
    assert.match(parseErr('{"a":1}\n  , ').message, /^2:3: /);
    assert.match(parseErr('[1, 2]').message, /expected a JSON object/);
    assert.match(parseErr(edit((d) => { d.sections = 'x'; })).message, /^\$\.sections/);
  });
  it('a bad section costs only that section, with a located error', () => {
    let s = parseHelperDocument(edit((d) => { d.sections.xen.info.out = 'xen_major : 4\nxen_minor : 5\n??? garbage\n'; }));
    okOthers(s, 'xen');
    assert.ok(!s.xen.ok && s.xen.error.startsWith('sections.xen.info.out:3:1: expected "key : value"'), JSON.stringify(s.xen));
    s = parseHelperDocument(edit((d) => { d.sections.domains.list.out = d.sections.domains.list.out.replace('guest-hvm                                    1', 'guest-hvm                                40000'); }));
    // xl list -l alone still gives the domains; the list's located error is the note.
    assert.ok(s.domains.ok && s.domains.value.length === 4 && s.domains.value.every((d) => d.state === ''), JSON.stringify(s.domains));
    assert.match(s.domains.note ?? '', /states unknown: .*40000 is outside 0\.\.32767/);
    s = parseHelperDocument(edit((d) => { d.sections.domains.list.out = d.sections.domains.list.out.replace(' 1024     2 ', ' 1024  5000 '); d.sections.domains.long = { error: 'gone' }; }));
    okOthers(s, 'domains');
    assert.match((s.domains as { error: string }).error, /vcpus: 5000 is outside 0\.\.4096/);
    s = parseHelperDocument(edit((d) => { d.sections.console = { error: 'xl not found' }; }));
    okOthers(s, 'console');
    s = parseHelperDocument(edit((d) => { d.sections.params.xenstore.out += '/local/domain/1/store/port = "999999"\n'; }));
    okOthers(s, 'params');
    s = parseHelperDocument(edit((d) => { delete d.sections.deviceModels; }));
    okOthers(s, 'deviceModels');
  });
  it('a bad domain in evtchns keeps the other domains', () => {
    const s = parseHelperDocument(edit((d) => { d.sections.evtchns.perDomain[1].lsevtchn.out = '999999: VCPU 0: IPI\n'; }));
    assert.ok(s.evtchns.ok);
    assert.match(s.evtchns.value[1].error ?? '', /999999 is outside 0\.\.131071/);
    assert.ok(s.evtchns.value[0].ports.length > 0 && !s.evtchns.value[0].error);
  });
  it('hostile documents: prototype keys, deep nesting, huge arrays, huge strings, long lines', () => {
    const p = parseHelperDocument(edit((d) => { d.sections.__proto__ = { polluted: true }; d.host = JSON.parse('{"__proto__": {"x": 1}, "hostname": 5}'); }));
    assert.strictEqual(({} as Record<string, unknown>).polluted, undefined);
    assert.strictEqual(p.host.hostname, '');
    const t0 = Date.now();
    assert.match(parseErr('{"ioreqScopeHelper":1,"sections":' + '['.repeat(1_000_000)).message, /nesting deeper than 32/);
    assert.match(parseErr('['.repeat(LIMITS.docChars + 1)).message, /longer than/);
    const s = parseHelperDocument(edit((d) => { d.sections.evtchns.perDomain = new Array(5000).fill(d.sections.evtchns.perDomain[0]); }));
    okOthers(s, 'evtchns');
    const l = parseHelperDocument(edit((d) => { d.sections.console.dmesg.out = 'ioreq '.repeat(5000); }));
    okOthers(l, 'console');
    const xl = parseHelperDocument(edit((d) => { d.sections.domains.long.out = '['.repeat(100) + ']'.repeat(100); }));
    assert.ok(xl.domains.ok && /nesting deeper than 64/.test(xl.domains.note ?? ''));
    assert.ok(Date.now() - t0 < 5000);
  });

  describe('fuzz', function () {
    this.timeout(20_000);
    const onlyOurs = (t: string) => {
      try { parseHelperDocument(t); } catch (e) { if (!(e instanceof HelperParseError)) throw e; }
    };
    it('random text', () => {
      fc.assert(fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.json(), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', '1', 'e', '-', ' ') })), onlyOurs),
        { numRuns: 3000, interruptAfterTimeLimit: 3000 });
    });
    it('mutated valid documents: byte edits and cuts', () => {
      fc.assert(fc.property(fc.nat(), fc.nat(), fc.string({ maxLength: 8 }), (a, b, ins) => {
        const i = a % valid.length, j = Math.min(valid.length, i + (b % 64));
        onlyOurs(valid.slice(0, i) + ins + valid.slice(j));
        onlyOurs(valid.slice(0, i));
      }), { numRuns: 1500, interruptAfterTimeLimit: 4000 });
    });
    it('mutated valid documents: any value replaced by any JSON value, sections stay independent', () => {
      const base = JSON.parse(valid);
      const paths: Array<Array<string | number>> = [];
      const walk = (v: unknown, p: Array<string | number>) => {
        paths.push(p);
        if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, Array.isArray(v) ? Number(k) : k]);
      };
      walk(base, []);
      fc.assert(fc.property(fc.nat(), fc.jsonValue({ maxDepth: 4 }), (n, nv) => {
        const p = paths[n % paths.length];
        const d = JSON.parse(valid);
        if (p.length === 0) { onlyOurs(JSON.stringify(nv)); return; }
        let o = d;
        for (const k of p.slice(0, -1)) o = o[k];
        o[p[p.length - 1]] = nv;
        try {
          const s = parseHelperDocument(JSON.stringify(d));
          // A change inside one section never breaks another.
          if (p[0] === 'sections' && p.length >= 3) for (const k of SECTIONS) if (k !== p[1]) assert.ok(s[k].ok, `${p.join('.')} broke ${k}`);
        } catch (e) { if (!(e instanceof HelperParseError)) throw e; }
      }), { numRuns: 2000, interruptAfterTimeLimit: 4000 });
    });
    it('deep nesting and huge arrays at random places stay fast', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[', '{"a":', '[{"b":['), (n, open) => {
        const t0 = Date.now();
        onlyOurs(`{"ioreqScopeHelper":1,"sections":{"xen":${open.repeat(n)}`);
        onlyOurs(`{"ioreqScopeHelper":1,"sections":{"evtchns":{"perDomain":[${'0,'.repeat(n)}0]}}}`);
        assert.ok(Date.now() - t0 < 1000);
      }), { numRuns: 100, interruptAfterTimeLimit: 4000 });
    });
  });
});
