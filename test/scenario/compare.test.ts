// compare: one scenario under several profiles, step by step — where the behaviour first diverges and every
// difference (rc, values, crashes, events, console, verdicts), an op or a step a profile lacks reported plainly, and
// the command line's exit codes (0 identical, 1 different, 2 bad input).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { compareProfiles, compareReport } from '../../src/scenario/compare';
import { OPS, type OpSpec } from '../../src/scenario/ops';

const SCENARIOS = path.join(__dirname, '../../..', 'scenarios');
const S02 = path.join(SCENARIOS, '02-create-on-get-ioreq-pfn.ioreq.json');

function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, text: out.join('\n'), err };
}

/** A flow that touches only dom0's event channels: common code, the same in every profile. */
const COMMON = JSON.stringify({
  profile: 'seed',
  steps: [
    { actor: 'toolstack', op: 'evtchn_alloc_unbound', domid: 0, remote: 0, expect: { rc: 0 } },
    { actor: 'toolstack', op: 'evtchn_alloc_unbound', domid: 0, remote: 0 },
  ],
});

let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-compare-')); });
after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('compare: one scenario under several profiles', () => {
  it('finds no difference where the profiles run the same code (dom0 event channels)', () => {
    const r = compareProfiles(COMMON, 'common.ioreq.json', ['seed', 'legacy', '4.5']);
    assert.equal(r.firstDivergence, null);
    assert.deepEqual(r.differences, []);
    assert.match(compareReport(r, 'text') as string, /identical/);
  });

  it('seed vs legacy on 02: diverges at domain creation (the preimage makes its server there), and IOREQ_PFN reads differ as the layouts predict', () => {
    const r = compareProfiles(fs.readFileSync(S02, 'utf8'), S02, ['seed', 'legacy']);
    assert.equal(r.firstDivergence, 0);
    const created = r.differences.find((d) => d.step === 0 && d.field === 'events')!;
    assert.deepEqual(created.values.seed, []);
    assert.ok((created.values.legacy as string[]).some((l) => l.startsWith('server_create:')), 'legacy creates its server in hvm_domain_initialise');
    const value = r.differences.find((d) => d.step === 2 && d.field === 'value')!;
    assert.deepEqual(value.values, { seed: '0xfeff9', legacy: '0xfeffd' });
    const console2 = r.differences.find((d) => d.step === 2 && d.field === 'console')!;
    assert.deepEqual(console2.values, { seed: ['(XEN) hvm_create_ioreq_server: 1'], legacy: [] });
    const end = r.differences.find((d) => d.step === 'end')!;
    assert.ok((end.values.legacy as string[]).every((l) => l.startsWith('FAIL')), 'only the verdicts that differ are listed');
  });

  it('reports an op a profile lacks plainly, as a difference of reading the file', () => {
    const spec = OPS.evtchn_alloc_unbound as OpSpec;
    const saved = spec.profiles;
    spec.profiles = ['seed', '4.5'];
    try {
      const r = compareProfiles(COMMON, 'common.ioreq.json', ['seed', 'legacy']);
      assert.equal(r.firstDivergence, 'file');
      assert.equal(r.differences[0].field, 'unavailable');
      assert.match(r.differences[0].values.legacy as string, /op 'evtchn_alloc_unbound' does not exist in profile legacy/);
      assert.equal(r.differences[0].values.seed, 'reads the file');
    } finally {
      spec.profiles = saved;
    }
  });

  it('reports a step that one profile cannot run, and stops comparing there', () => {
    const spec = OPS.evtchn_alloc_unbound as OpSpec;
    const saved = spec.blocked;
    spec.blocked = (m) => (m.profile === 'legacy' ? 'not in this tree' : null);
    try {
      const r = compareProfiles(COMMON, 'common.ioreq.json', ['seed', 'legacy']);
      assert.equal(r.firstDivergence, 0);
      assert.deepEqual(r.differences, [{ step: 0, field: 'ran', values: { seed: 'ran', legacy: 'cannot run: not in this tree' } }]);
    } finally {
      spec.blocked = saved;
    }
  });

  it('command line: exit 0 identical, 1 different, 2 for bad input with one stderr line', () => {
    const common = path.join(tmp, 'common.ioreq.json');
    fs.writeFileSync(common, COMMON);
    assert.equal(cli('compare', common, '--profiles', 'seed,4.5').code, 0);
    const d = cli('compare', S02, '--profiles', 'seed,legacy', '--json');
    assert.equal(d.code, 1);
    const doc = JSON.parse(d.text);
    assert.equal(doc.identical, false);
    assert.equal(doc.firstDivergence, 0);
    assert.equal(doc.differences[0].op, 'xc_domain_create');
    for (const args of [['compare', S02], ['compare', S02, '--profiles', 'seed'], ['compare', S02, '--profiles', 'seed,bogus'],
      ['compare', S02, '--profiles', 'seed,seed'], ['compare', path.join(tmp, 'missing.ioreq.json'), '--profiles', 'seed,legacy']]) {
      const r = cli(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.err.length, 1, args.join(' '));
    }
    const broken = path.join(tmp, 'broken.ioreq.json');
    fs.writeFileSync(broken, '{ "profile": "seed", "steps": [ }');
    const b = cli('compare', broken, '--profiles', 'seed,legacy');
    assert.equal(b.code, 2);
    assert.match(b.err[0], /broken\.ioreq\.json:1:\d+: invalid JSON/);
  });
});

describe('compare: seed, 4.5 and 4.21 on the bundled library', () => {
  const file = path.join(SCENARIOS, '27-compare-io-before-any-device-model.ioreq.json');
  it("I/O before any device model: the seed drops it, 4.5 ignores it, 4.21's null handler reads all-ones (what the sources predict)", () => {
    const r = compareProfiles(fs.readFileSync(file, 'utf8'), file, ['seed', '4.5', '4.21']);
    assert.ok(r.differences.length > 0);
    const read = r.differences.find((d) => d.step === 3 && d.field === 'rc')!;
    assert.deepEqual(read.values, { seed: '0', '4.5': '1', '4.21': '1' });
    const resume = r.differences.find((d) => d.step === 4 && d.field === 'value')!;
    assert.deepEqual(resume.values, { seed: '0x0', '4.5': '0x0', '4.21': '0xff' });
  });
  it("a seed-era flow is reported plainly as unavailable under 4.21 (today's QEMU has no xen_hvm_init)", () => {
    const f = path.join(SCENARIOS, '08-sync-pio-read-write.ioreq.json');
    const r = compareProfiles(fs.readFileSync(f, 'utf8'), f, ['seed', '4.21']);
    const u = r.differences.find((d) => d.step === 'file')!;
    assert.match(String(u.values['4.21']), /op 'xen_hvm_init' does not exist in profile 4\.21/);
  });
});
