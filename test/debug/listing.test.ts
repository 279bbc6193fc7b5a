// The debugger's listings (src/debug/listings/): every file parses, no function is listed twice in a profile's set,
// and every frame the stepped build shows while running the bundled scenarios resolves to a labelled line. The static
// scan of the stepped sources' labels is in listing-scan.test.ts.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { declaredTypes, listingNames, loadListing, locateLabel } from '../../src/debug/listing';
import type { ProfileName } from '../../src/model/layout';
import { Session } from '../../src/scenario/exec';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');
const SCENARIOS = path.join(ROOT, 'scenarios');
const PROFILES: ProfileName[] = ['seed', 'legacy', '4.5', '4.21', '4.21-arm'];

describe('debug listings', () => {
  it('every listing of every profile parses and no function is listed in two files of one set', () => {
    for (const profile of PROFILES) {
      const where = new Map<string, string>();
      for (const n of listingNames(profile)) {
        const l = loadListing(n);
        assert.ok(l.fns.size > 0, `${n} lists no function`);
        assert.match(l.text, /^\/\*/, `${n} starts with its comment`);
        assert.doesNotMatch(l.text, /(^|\s)@[a-z_][a-z0-9_]*\s*$/m, `${n}: a marker was left in the served text`);
        for (const fn of l.fns.keys()) {
          assert.ok(!where.has(fn), `${profile}: ${fn} is listed in both ${where.get(fn)} and ${n}`);
          where.set(fn, n);
        }
      }
    }
  });

  it('every frame of every bundled scenario, run on the stepped build, resolves to a labelled listing line', function () {
    this.timeout(120000);
    const files = fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.ioreq.json')).sort();
    assert.ok(files.length > 0, `no scenarios in ${SCENARIOS}`);
    const bad = new Set<string>();
    const seen = new Set<string>();
    let yields = 0;
    for (const file of files) {
      const full = path.join(SCENARIOS, file);
      const sc = parseScenario(fs.readFileSync(full, 'utf8'), full);
      const session = new Session(sc);
      for (const step of sc.steps) {
        if (session.blocked(step) !== null) continue;
        const g = session.runStepped(step);
        for (let r = g.next(); !r.done; r = g.next()) {
          yields++;
          for (const f of session.m.frames) {
            const key = `${sc.profile} ${f.fn}@${f.at}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const loc = locateLabel(sc.profile, f.fn, f.at);
            const fn = loc?.listing.fns.get(f.fn);
            const labelled = !!fn && (f.at === 'entry' ? loc!.line >= fn.line : fn.labels.has(f.at) && loc!.line !== fn.line);
            if (!labelled) bad.add(`${file}: ${key}${loc ? ` -> ${loc.listing.name}:${loc.line}` : ' (not listed)'}`);
          }
        }
      }
    }
    assert.deepEqual([...bad], []);
    assert.ok(yields > 100, `only ${yields} statements stepped`);
  });
  it("declaredTypes reads a function's parameter and local types; prose, statements and comments declare nothing", () => {
    const t = declaredTypes([
      '/* f (x.c:1-9): a ( in a comment is not the signature */',
      'static int f(struct vcpu *v, uint16_t port,',
      '             unsigned long reps, const struct respond *r)',
      '{',
      '    struct domain *d = v->domain, **pd;   @init',
      '    unsigned int i, j = 0;',
      '    int rc = g(a, b), n;',
      '    return rc;',
      '    read state;  @prose',
      '    rc = h(i);',
      '}',
    ]);
    assert.deepEqual([...t], [['v', 'struct vcpu *'], ['port', 'uint16_t'], ['reps', 'unsigned long'], ['r', 'const struct respond *'],
      ['d', 'struct domain *'], ['pd', 'struct domain **'], ['i', 'unsigned int'], ['j', 'unsigned int'], ['rc', 'int'], ['n', 'int']]);
    assert.deepEqual([...declaredTypes(['wait_for_io(sv, p)', '{', '    read state;', '}'])], [], 'a prose listing: no types');
    // Every listing's functions: handle_pio's port is a uint16_t wherever it is listed.
    for (const n of ['common/io.c', '4.5/io.c']) assert.equal(loadListing(n).fns.get('handle_pio')!.ctypes.get('port'), 'uint16_t', n);
  });
});
