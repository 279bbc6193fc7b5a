// The bundled scenario library (scenarios/*.ioreq.json): every file parses, runs with all its expectations holding and
// says what it shows with a cited source; the explorer finds the violations the hazard scenarios are built to have
// (and their counterexamples replay), and none in the well-behaved ones.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateJson } from '../../src/model/state';
import { explore, type ExploreResult, type ViolationKind } from '../../src/scenario/explore';
import { parseScenario, type Scenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

// Tests run from out-*/test/scenario/; the library lives at the repository root.
const DIR = path.join(__dirname, '../../../scenarios');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.ioreq.json')).sort() : [];

function load(name: string): { text: string; sc: Scenario } {
  const file = path.join(DIR, name);
  const text = fs.readFileSync(file, 'utf8');
  return { text, sc: parseScenario(text, file) };
}

function byNumber(nn: string): string {
  const f = files.find((x) => x.startsWith(`${nn}-`));
  assert.ok(f, `no scenario numbered ${nn} in ${DIR}`);
  return f;
}

const EXPLORE_OPTS = { maxStates: 200000, hashing: true };

function failures(r: ReturnType<typeof runScenario>): string[] {
  return [...r.steps.flatMap((s) => s.verdicts), ...r.final].filter((v) => !v.ok).map((v) => `${v.loc.file}:${v.loc.line}: ${v.text}`);
}

describe('scenario library', () => {
  it('the scenario directory exists and holds at least 15 scenarios', () => {
    assert.ok(fs.existsSync(DIR) && fs.statSync(DIR).isDirectory(), `missing ${DIR}`);
    assert.ok(files.length >= 15, `only ${files.length} scenarios in ${DIR}`);
  });

  it('files are numbered NN-name.ioreq.json with unique numbers', () => {
    const nums = files.map((f) => {
      const m = /^(\d\d)-[a-z0-9-]+\.ioreq\.json$/.exec(f);
      assert.ok(m, `badly named scenario ${f}`);
      return m[1];
    });
    assert.equal(new Set(nums).size, nums.length, `duplicate numbers: ${nums.join(', ')}`);
  });

  for (const name of files) {
    describe(name, () => {
      it('parses, starts with a // comment and carries no $schema (a relative one points nowhere in a user\'s workspace)', () => {
        const { text, sc } = load(name);
        assert.match(text, /^\/\/ \S/, 'the first line is a // comment');
        assert.equal(sc.doc.$schema, undefined);
        assert.ok(sc.steps.length > 0, 'has steps');
      });

      it('has a description that cites a source in [brackets]', () => {
        const { sc } = load(name);
        assert.ok(sc.description.trim().length > 0, 'empty description');
        assert.match(sc.description, /\[(SEED|X44|X45|X421|QEMU|MERGED)\]/, 'no [SOURCE] citation');
      });

      it('runs in file order with every expectation holding (a bug-zoo scenario in its fixed form)', () => {
        const { text, sc: asWritten } = load(name);
        const sc = asWritten.revert.length ? parseScenario(text, asWritten.file, { fixed: true }) : asWritten;
        const r = runScenario(sc);
        assert.equal(r.steps.length, sc.steps.length);
        assert.deepEqual(failures(r), []);
        assert.equal(r.ok, true);
        assert.ok(r.final.length + r.steps.reduce((n, s) => n + s.verdicts.length, 0) > 0, 'pins nothing');
      });
    });
  }
});

describe('scenario library: explore', function () {
  this.timeout(120000);

  const kinds = (r: ExploreResult): ViolationKind[] => r.violations.map((v) => v.kind).sort();

  for (const nn of ['06', '07', '08']) {
    it(`${nn}: every interleaving is clean (no violations, exploration complete)`, () => {
      const { sc } = load(byNumber(nn));
      const r = explore(sc, EXPLORE_OPTS);
      assert.deepEqual(r.violations.map((v) => `${v.kind}: ${v.message}`), []);
      assert.equal(r.complete, true);
      assert.ok(r.finalStates >= 1);
    });
  }

  it('13: a device model that never answers leaves the vcpu blocked forever', () => {
    const { sc } = load(byNumber('13'));
    const r = explore(sc, EXPLORE_OPTS);
    assert.deepEqual(kinds(r), ['vcpu-blocked-forever']);
  });

  /** Re-parses a counterexample as a scenario file would be, and runs it in order. */
  function replay(cx: Record<string, unknown>, label: string) {
    const sc = parseScenario(JSON.stringify(cx, null, 2), `${label}.counterexample.ioreq.json`);
    assert.ok(sc.steps.length > 0);
    return runScenario(sc);
  }

  it('19: explore finds the vcpu blocked forever behind the server bound to the wrong domain; the counterexample replays it', () => {
    const { sc } = load(byNumber('19'));
    const r = explore(sc, EXPLORE_OPTS);
    assert.equal(r.complete, true);
    const v = r.violations.find((x) => x.kind === 'vcpu-blocked-forever' || x.kind === 'deadlock');
    assert.ok(v, `expected vcpu-blocked-forever or deadlock, got ${kinds(r).join(', ') || 'none'}`);
    assert.equal(v.kind, 'vcpu-blocked-forever');
    assert.equal(v.trail.length, sc.steps.length, 'every actor finishes');
    const run = replay(v.counterexample, '19');
    const doc = stateJson(run.session.m) as { domains: Record<string, { vcpus: Array<{ blockedInXen: boolean }>; ioreqServer: { domid: number } }> };
    assert.equal(doc.domains['1'].vcpus[0].blockedInXen, true, 'the last state has d1v0 blocked in Xen');
    assert.equal(doc.domains['1'].ioreqServer.domid, 0, 'the server serves dom0, not the stub domain');
    const dm = run.session.m.dms.get('stubqemu')!;
    assert.equal(dm.bufioreq_local_port, -1, "the stub domain's QEMU never bound a port");
  });

  it('20: explore finds the lost request when the vcpu runs before QEMU; the counterexample replays the dropped I/O', () => {
    const { sc } = load(byNumber('20'));
    const r = explore(sc, EXPLORE_OPTS);
    assert.equal(r.complete, true);
    const v = r.violations.find((x) => x.kind === 'lost-request');
    assert.ok(v, `expected lost-request, got ${kinds(r).join(', ') || 'none'}`);
    // The vcpu's write comes before QEMU's first step in the shortest interleaving.
    const qemuFirst = v.trail.findIndex((i) => sc.steps[i].actor === 'qemu');
    const vcpuWrite = v.trail.findIndex((i) => sc.steps[i].op === 'pio_write');
    assert.ok(vcpuWrite >= 0 && (qemuFirst < 0 || vcpuWrite < qemuFirst));
    const run = replay(v.counterexample, '20');
    const doc = stateJson(run.session.m) as { domains: Record<string, { vcpus: Array<{ ioDropped: number }>; ioreqServer: unknown }> };
    const dropped = Object.values(doc.domains).flatMap((d) => d.vcpus).reduce((n, x) => n + x.ioDropped, 0);
    assert.ok(dropped > 0, 'a vcpu has ioDropped > 0');
    assert.equal(doc.domains['1'].ioreqServer, null, 'no server existed when the I/O was made');
    // In file order (QEMU first) nothing is lost: that is what `run` checks.
    const inOrder = runScenario(sc);
    assert.equal(inOrder.ok, true);
  });
});

describe('scenario library: explore on the 4.5 and 4.21 scenarios', function () {
  this.timeout(120000);
  const kinds = (r: ExploreResult): string[] => [...new Set(r.violations.map((v) => v.kind))].sort();

  for (const nn of ['22', '23', '24', '25', '26', '28', '31', '32', '33', '34', '35', '36', '37', '38', '39']) {
    it(`${nn}: every interleaving keeps the file's expectations and no invariant breaks`, () => {
      const { sc } = load(byNumber(nn));
      const r = explore(sc, EXPLORE_OPTS);
      assert.deepEqual(r.violations.map((v) => `${v.kind}: ${v.message}`), []);
      assert.equal(r.complete, true);
    });
  }

  it('30: with its allowances lifted, the dead device model is reported as emulator-gone and the vcpu as blocked forever', () => {
    const { sc } = load(byNumber('30'));
    const r = explore({ ...sc, allow: new Set() }, EXPLORE_OPTS);
    assert.deepEqual(kinds(r), ['emulator-gone', 'vcpu-blocked-forever']);
    assert.match(r.violations.find((v) => v.kind === 'emulator-gone')!.message, /device model process has exited/);
  });

  it('29: enabling before there are pages: the explorer finds the I/O that reaches a NULL ioreq page (a host panic)', () => {
    const { sc } = load(byNumber('29'));
    const r = explore(sc, EXPLORE_OPTS);
    const v = r.violations.find((x) => x.kind === 'panic');
    assert.ok(v, `expected a panic, got ${kinds(r).join(', ')}`);
    assert.match(v.message, /get_ioreq/);
    const order = v.trail.map((i) => sc.steps[i].op);
    assert.ok(order.indexOf('pio_write') > order.indexOf('xendevicemodel_set_ioreq_server_state'));
    assert.ok(!order.includes('xenforeignmemory_map_resource') || order.indexOf('pio_write') < order.indexOf('xenforeignmemory_map_resource'));
  });

  it('27: only the seed loses the I/O made before any device model (4.5 and 4.21 complete it by design)', () => {
    const { text } = load(byNumber('27'));
    const file = path.join(DIR, byNumber('27'));
    for (const [profile, lost] of [['seed', true], ['4.5', false], ['4.21', false]] as const) {
      const r = explore(parseScenario(text, file, { profile }), EXPLORE_OPTS);
      assert.equal(r.violations.some((v) => v.kind === 'lost-request'), lost, profile);
    }
  });
});

describe('scenario library: the bug zoo', function () {
  this.timeout(60000);
  const zoo = files.filter((f) => load(f).sc.revert.length > 0);
  it('has its bugs, each a scenario that reverts a fix its profile has', () => {
    assert.ok(zoo.length >= 1, 'no bug-zoo scenario');
  });
  for (const name of zoo) {
    // How long the search takes is a figure of `npm run bench` (bugZoo), not a pass/fail condition here.
    it(`${name}: explore finds the buggy form with a counterexample of at most 25 steps, and nothing in the fixed form`, () => {
      const { text, sc } = load(name);
      const bug = explore(sc, EXPLORE_OPTS);
      assert.ok(bug.violations.length > 0, 'the buggy form is found');
      for (const v of bug.violations) assert.ok(v.trail.length <= 25, `${v.kind}: ${v.trail.length} steps`);
      const fixed = explore(parseScenario(text, sc.file, { fixed: true }), EXPLORE_OPTS);
      assert.deepEqual(fixed.violations.map((v) => `${v.kind}: ${v.message}`), []);
      assert.equal(fixed.complete, true);
    });
  }
  it('60 (282ed258a5): the buggy form maps one guest frame twice; the fixed form hands out IOREQ_PFN and BUFIOREQ_PFN once each', () => {
    const { sc } = load(byNumber('60'));
    const r = explore(sc, EXPLORE_OPTS);
    assert.match(r.violations.find((v) => v.kind === 'page-mapped-twice')!.message, /pfn 0xfeffd is mapped by Xen 2 times/);
  });
  /** The buggy form's violation of `kind`, with its trail's last step (the one that breaks the invariant). */
  const found = (nn: string, kind: string) => {
    const { sc } = load(byNumber(nn));
    const v = explore(sc, EXPLORE_OPTS).violations.find((x) => x.kind === kind);
    assert.ok(v, `${nn}: no ${kind}`);
    return { v, last: sc.steps[v.trail[v.trail.length - 1]] };
  };
  it('62 (b7007bc6f9): the 17th eight-byte write overwrites the first across the 2^32 wrap; QEMU then misses the first write', () => {
    const { v, last } = found('62', 'buffered-entry-overwritten');
    assert.match(v.message, /34 unconsumed buffered entries .* \(read 4294967280, write 18\)/);
    assert.equal(last.op, 'mmio_write');
    assert.equal(v.trail.filter((i) => load(byNumber('62')).sc.steps[i].op === 'mmio_write').length, 17);
    assert.match(found('62', 'expectation').v.message, /'0xa0000 data 0x100000001' \(found 0\)/);
  });
  it('63 (125833f5f1): the port the guest wrote into its slot is notified: a host panic (fixed: only the guest crashes)', () => {
    const { v, last } = found('63', 'panic');
    assert.match(v.message, /port_is_valid\(d1, 1023\)/);
    assert.equal(last.op, 'pio_write');
  });
  it('64 (f7039ee41b): only when QEMU exits between its answer and the vcpu\'s resume is the next access refused', () => {
    const { v } = found('64', 'stale-request');
    const ops = v.trail.map((i) => load(byNumber('64')).sc.steps[i].op);
    assert.ok(ops.indexOf('dm_exit') < ops.indexOf('hvm_do_resume'), ops.join(', '));
    assert.match(v.message, /STATE_IOREQ_READY/);
  });
});
