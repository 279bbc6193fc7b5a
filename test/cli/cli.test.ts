// The `ioreq-scope` command line: exit codes (0 ok, 1 failed check, 2 bad usage), one stderr line per error,
// and the JSON shapes of `layout --json` and `state --json`.
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main';

function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err };
}

describe('cli: layout', () => {
  it('layout --xen seed --json has exactly {profile, reservedMemPgstart, pages:[{name,index,pfn,insideReserved}]}', () => {
    const r = cli('layout', '--xen', 'seed', '--json');
    assert.equal(r.code, 0);
    assert.deepEqual(r.err, []);
    const doc = JSON.parse(r.out);
    assert.deepEqual(Object.keys(doc).sort(), ['pages', 'profile', 'reservedMemPgstart']);
    assert.equal(doc.profile, 'seed');
    assert.equal(doc.reservedMemPgstart, '0xfeffb');
    assert.equal(doc.pages.length, 8);
    for (const p of doc.pages) {
      assert.deepEqual(Object.keys(p).sort(), ['index', 'insideReserved', 'name', 'pfn']);
      assert.equal(typeof p.name, 'string');
      assert.equal(typeof p.index, 'number');
      assert.match(p.pfn, /^0x[0-9a-f]+$/);
      assert.equal(typeof p.insideReserved, 'boolean');
    }
    assert.deepEqual(doc.pages[7], { name: 'BUFIOREQ', index: 7, pfn: '0xfeff8', insideReserved: false });
    assert.deepEqual(doc.pages[0], { name: 'PAGING', index: 0, pfn: '0xfefff', insideReserved: true });
  });

  it('layout --json without --xen gives an array of every profile, today\'s included', () => {
    const r = cli('layout', '--json');
    assert.equal(r.code, 0);
    const docs = JSON.parse(r.out);
    assert.deepEqual(docs.map((d: { profile: string }) => d.profile), ['legacy', 'seed', '4.5', '4.21', '4.21-arm']);
    assert.deepEqual(docs.map((d: { reservedMemPgstart: string }) => d.reservedMemPgstart).slice(0, 3), ['0xfeff8', '0xfeffb', '0xfeff0']);
  });

  it('layout --xen=legacy --json accepts the = form', () => {
    const r = cli('layout', '--xen=legacy', '--json');
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.out).reservedMemPgstart, '0xfeff8');
  });

  it('--check exits 1 for the seed (pages outside the declared region) and 0 for legacy and 4.5', () => {
    assert.equal(cli('layout', '--xen', 'seed', '--check').code, 1);
    assert.equal(cli('layout', '--xen', 'legacy', '--check').code, 0);
    assert.equal(cli('layout', '--xen', '4.5', '--check').code, 0);
    assert.equal(cli('layout', '--check').code, 1); // all profiles, the seed among them
    const r = cli('layout', '--xen', 'seed', '--check', '--json');
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).profile, 'seed');
  });

  it('the text form names the pages outside the declared region', () => {
    const r = cli('layout', '--xen', 'seed');
    assert.equal(r.code, 0);
    assert.match(r.out, /3 page\(s\) outside the declared region: CONSOLE 0xfeffa, IOREQ 0xfeff9, BUFIOREQ 0xfeff8/);
    assert.match(cli('layout', '--xen', 'legacy').out, /every page lies inside the declared region/);
  });
});

describe('cli: usage errors exit 2 with exactly one stderr line', () => {
  for (const argv of [
    ['layout', '--xen', 'bogus'],
    ['layout', '--xen'],
    ['layout', '--frobnicate'],
    ['layout', 'extra'],
    ['layout', '--json=yes'],
    ['state', '--xen', 'nope', '--json'],
    ['state'],
    ['frobnicate'],
  ]) {
    it(`ioreq-scope ${argv.join(' ')}`, () => {
      const r = cli(...argv);
      assert.equal(r.code, 2);
      assert.equal(r.err.length, 1);
      assert.ok(!r.err[0].includes('\n'));
      assert.match(r.err[0], /^ioreq-scope: /);
      assert.equal(r.out, '');
    });
  }
  it('no command prints the usage and exits 2; help and --version exit 0', () => {
    assert.equal(cli().code, 2);
    assert.equal(cli('help').code, 0);
    assert.match(cli('--help').out, /^usage: ioreq-scope/);
    assert.match(cli('--version').out, /^\d+\.\d+\.\d+$/);
  });
});

describe('cli: state', () => {
  it('state --json parses and has the ioreq server of domain "1" (seed by default, created by the DM)', () => {
    const r = cli('state', '--json');
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.out);
    assert.equal(doc.profile, 'seed');
    assert.equal(doc.panic, null);
    const s = doc.domains['1'].ioreqServer;
    assert.ok(s);
    assert.equal(s.domid, 0);
    assert.equal(s.ioreqPfn, '0xfeff9');
    assert.equal(s.bufioreqPfn, '0xfeff8');
    assert.equal(s.freed, false);
    assert.deepEqual(s.bufferedRing.pending.map((x: { size: number }) => x.size), [2, 8, 8]);
    assert.ok(doc.console.includes('(XEN) hvm_create_ioreq_server: 1'));
    assert.equal(doc.domains['0'].ioreqServer, null);
  });

  it('state --xen legacy --json has the server made at creation', () => {
    const doc = JSON.parse(cli('state', '--xen', 'legacy', '--json').out);
    assert.equal(doc.profile, 'legacy');
    assert.equal(doc.domains['1'].ioreqServer.ioreqPfn, '0xfeffd');
    assert.ok(!doc.console.some((l: string) => l.includes('hvm_create_ioreq_server')));
  });
});
