// The bug zoo's table (src/model/fixes.ts) as facts about Xen's history (issue 16's mutation testing): each commit's
// subject as `git log` gives it in xen.git, the release that first has it, which profiles a scenario may revert it in
// (the parser refuses every other profile), and that the model's code reads each switch.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FIXES, FIX_IDS, isFixId } from '../../src/model/fixes';
import { PROFILES } from '../../src/model/layout';
import { parseScenario } from '../../src/scenario/parse';
import { ScenarioError } from '../../src/scenario/errors';

// id -> [the commit's subject in xen.git, the first release that has it (git describe --contains), the profiles]
const HISTORY: Record<string, [string, string, string[]]> = {
  '282ed258a5': ['x86/hvm/ioreq: Fix condition in hvm_alloc_legacy_ioreq_gfn()', 'RELEASE-4.21.0', ['4.21']],
  '3b586fc67d': ['ioreq-server: handle the lack of a default emulator properly', 'RELEASE-4.5.0', ['4.5']],
  '125833f5f1': ['x86: fix ioreq-server event channel vulnerability', 'RELEASE-4.5.0', ['4.5']],
  b7007bc6f9: ['x86/HVM: avoid pointer wraparound in bufioreq handling', 'RELEASE-4.6.0', ['4.21']],
  f7039ee41b: ['ioreq: handle pending emulation racing with ioreq server destruction', 'RELEASE-4.14.0', ['4.21']],
  da20c93108: ['IOREQ: fix waiting for broadcast completion', 'RELEASE-4.15.0', ['4.21', '4.21-arm']],
  b7e0d89788: ['xen: io: Fix race between sending an I/O and domain shutdown', 'RELEASE-4.17.0', ['4.21']],
  b452430a4c: ['x86/HVM: avoid reading ioreq state more than once', 'RELEASE-4.7.0', ['4.21']],
  '92938e5d14': ['x86/HVM: guard against emulator driving ioreq state in weird ways', 'RELEASE-4.11.0', ['4.21']],
};

function parseWith(profile: string, revert: string[]): string | null {
  const doc = { profile, revert, steps: [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }] };
  try { parseScenario(JSON.stringify(doc), 'zoo.ioreq.json'); return null; } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    return e.what;
  }
}

/** The model's TypeScript sources (not the generated builds). */
function modelSources(dir = path.join(__dirname, '..', '..', '..', 'src', 'model')): string[] {
  const out: string[] = [];
  for (const n of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, n.name);
    if (n.isDirectory()) out.push(...modelSources(p));
    else if (/\.ts$/.test(n.name) && !/\.(flat|stepped|gen)\.ts$/.test(n.name)) out.push(fs.readFileSync(p, 'utf8'));
  }
  return out;
}

describe('the bug zoo: fixes from Xen\'s history', () => {
  it('holds exactly these commits, each under its subject in xen.git (an XSA number may follow)', () => {
    assert.deepEqual([...FIX_IDS].sort(), Object.keys(HISTORY).sort());
    for (const id of FIX_IDS) assert.match(FIXES[id].title, new RegExp(`^${HISTORY[id][0].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}( \\(XSA-\\d+\\))?$`), id);
    assert.match(FIXES.b452430a4c.title, /\(XSA-166\)$/);
    assert.match(FIXES['92938e5d14'].title, /\(XSA-262\)$/);
  });

  it('says where the fixed code is and the first release that has it', () => {
    for (const id of FIX_IDS) {
      const f = FIXES[id];
      assert.match(f.where, /xen\/(arch|common)\/[\w/.-]+\.c \w+/, id);
      assert.ok(f.where.includes(`first in ${HISTORY[id][1]}`), `${id}: ${f.where}`);
      assert.ok(f.bug.length >= 100, `${id}: the bug is explained (${f.bug.length} characters)`);
    }
  });

  it('a scenario may revert a fix only in the profiles whose code carries it', () => {
    for (const id of FIX_IDS) {
      assert.deepEqual([...FIXES[id].profiles], HISTORY[id][2], id);
      for (const profile of PROFILES) {
        const err = parseWith(profile, [id]);
        if (HISTORY[id][2].includes(profile)) assert.equal(err, null, `${id} in ${profile}`);
        else assert.equal(err, `fix ${id} is in the code of ${HISTORY[id][2].join(', ')}, not of profile ${profile}`, `${id} in ${profile}`);
      }
    }
  });

  it('only the table\'s own ids are fixes', () => {
    for (const id of FIX_IDS) assert.equal(isFixId(id), true, id);
    for (const s of ['toString', 'hasOwnProperty', '__proto__', 'constructor', '2e0b545b84', '', '282ed258a']) assert.equal(isFixId(s), false, s);
    assert.match(parseWith('4.21', ['2e0b545b84']) ?? '', /must be one of "282ed258a5"/); // not in the zoo: no scenario can show it
  });

  it("the model's code reads every fix's switch", () => {
    const text = modelSources().join('\n');
    for (const id of FIX_IDS) assert.ok(text.includes(`reverted('${id}')`), `${id}: no reverted('${id}') in src/model`);
  });
});
