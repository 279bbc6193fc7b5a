// `ioreq-scope host ...`: the built dist/cli.js against a real sshd on 127.0.0.1 serving the stand-in Xen host
// (test/live/sshd.ts). Exit codes 0 (every host answered), 1 (a host failed), 2 (bad usage); scenario files never
// overwritten without --force; watch prints what changed; 50 aliases to a stock-configured sshd all succeed.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import { ROOT, TestSshd } from '../live/sshd';

const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Run { code: number | null; out: string; err: string }
/** Runs dist/cli.js; `onOut` sees stdout as it grows. */
function cli(args: string[], onOut?: (soFar: string) => void, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const t = setTimeout(() => { c.kill('SIGKILL'); reject(new Error(`cli ${args.join(' ')} did not end within ${timeoutMs} ms`)); }, timeoutMs);
    c.stdout.on('data', (b: Buffer) => { out += b.toString(); onOut?.(out); });
    c.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    c.on('close', (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}

describe('cli: host commands over a real sshd', function () {
  this.timeout(90_000);
  let sshd: TestSshd;
  let cfg: string;
  before(async () => {
    if (!fs.existsSync(CLI)) assert.fail(`${CLI} is missing: run node tools/build.js`);
    sshd = await TestSshd.start();
    cfg = sshd.configFile;
  });
  after(async () => { if (sshd) await sshd.stop(); });

  it('host snapshot --json: one document per host, the model the tree shows, exit 0', async () => {
    const { file, aliases } = sshd.writeAliases(2);
    const r = await cli(['host', 'snapshot', ...aliases, '--json', '--ssh-config', file, '--timeout', '20']);
    assert.strictEqual(r.code, 0, r.err);
    const docs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepStrictEqual(docs.map((d) => [d.host, d.ok]), [['h1', true], ['h2', true]]);
    const s = docs[0].snapshot;
    assert.strictEqual(s.xen.value.version, '4.17.3');
    assert.deepStrictEqual(s.domains.value.map((d: { domid: number; type: string }) => [d.domid, d.type]), [[0, 'pv'], [1, 'hvm'], [2, 'pv'], [3, 'hvm']]);
    assert.strictEqual(s.deviceModels.value.find((d: { target: number }) => d.target === 1).domain, 0);
    assert.deepStrictEqual(sshd.hostProcesses(), []);
  });

  it('host snapshot (text): domains, the device model under its guest with its event channels', async () => {
    const r = await cli(['host', 'snapshot', 'ioreq-test', '--ssh-config', cfg]);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /^ioreq-test \(.*\) at \d{4}-/);
    assert.match(r.out, /\n {4}d1 guest-hvm: hvm, 2 vcpu\(s\), 1024 MiB, -b----\n {6}device model: qemu pid 2345 in d0, state running\n {8}its event channels \(to d0, other than store and console\): 3, 4\n/);
    assert.match(r.out, /\n {2}console \(ioreq lines\): 2\n/);
  });

  it('a host that fails: exit 1, one stderr line naming it, the others still printed', async () => {
    const { file } = sshd.writeAliases(1);
    fs.appendFileSync(file, `\nHost down\n  HostName 127.0.0.1\n  Port ${sshd.closedPort}\n  User root\n  IdentityFile ${sshd.dir}/key\n  UserKnownHostsFile ${sshd.dir}/known_hosts\n`);
    const r = await cli(['host', 'snapshot', 'h1', 'down', '--json', '--ssh-config', file]);
    assert.strictEqual(r.code, 1);
    const docs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepStrictEqual(docs.map((d) => [d.host, d.ok, d.error?.kind]), [['h1', true, undefined], ['down', false, 'connection-refused']]);
    assert.deepStrictEqual(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /^ioreq-scope: down: connection-refused: /);
  });

  for (const [args, msg] of [
    [['host'], /needs a subcommand/],
    [['host', 'snapshot'], /needs an ssh host ALIAS/],
    [['host', 'snapshot', 'x', '--bogus'], /unknown option '--bogus'/],
    [['host', 'snapshot', 'x', '--timeout', 'soon'], /'--timeout' must be a positive number/],
    [['host', 'snapshot', '--', '-oProxyCommand=touch /tmp/pwned'], /starts with '-'/],
    [['host', 'snapshot', 'x', '--ssh-config', '/nonexistent/config'], /does not exist/],
    [['host', 'scenario', 'x'], /needs '-o FILE'/],
    [['host', 'watch', 'a', 'b'], /takes one ALIAS/],
    [['host', 'frobnicate'], /unknown host subcommand/],
  ] as Array<[string[], RegExp]>) {
    it(`bad usage exits 2 with one stderr line: ioreq-scope ${args.join(' ')}`, async () => {
      const r = await cli(args);
      assert.strictEqual(r.code, 2, r.err);
      assert.strictEqual(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, msg);
      assert.strictEqual(r.out, '');
    });
  }

  it('host scenario -o FILE writes a scenario that runs; an existing file is kept unless --force', async () => {
    const file = path.join(sshd.dir, 'live.ioreq.json');
    let r = await cli(['host', 'scenario', 'ioreq-test', '-o', file, '--ssh-config', cfg]);
    assert.strictEqual(r.code, 0, r.err);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /profile 4\.5, chosen from the host's Xen 4\.17\.3 \(xl info\)/);
    const sc = parseScenario(text, file);
    assert.ok(runScenario(sc).ok);
    fs.writeFileSync(file, '// mine\n');
    r = await cli(['host', 'scenario', 'ioreq-test', '-o', file, '--ssh-config', cfg]);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /exists; not overwritten \(add --force/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), '// mine\n');
    r = await cli(['host', 'scenario', 'ioreq-test', '-o', file, '--force', '--ssh-config', cfg]);
    assert.strictEqual(r.code, 0, r.err);
    const forced = fs.readFileSync(file, 'utf8');
    assert.notStrictEqual(forced, '// mine\n');
    assert.ok(runScenario(parseScenario(forced, file)).ok);
  });

  it('host watch: the first snapshot, then only what changed', async () => {
    sshd.setSwitch('d1state', undefined);
    let changed = false;
    const r = await cli(['host', 'watch', 'ioreq-test', '--ssh-config', cfg, '--interval', '1', '--count', '3'], (o) => {
      // Once the first snapshot is printed, guest 1 starts running.
      if (!changed && /console \(ioreq lines\)/.test(o)) { changed = true; sshd.setSwitch('d1state', 'r-----'); }
    });
    sshd.setSwitch('d1state', undefined);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /ioreq-test: 2 line\(s\) changed\n- {5}d1 guest-hvm: hvm, 2 vcpu\(s\), 1024 MiB, -b----\n\+ {5}d1 guest-hvm: hvm, 2 vcpu\(s\), 1024 MiB, r-----\n/);
    assert.match(r.out, /ioreq-test: no change\n/);
    assert.deepStrictEqual(sshd.hostProcesses(), []);
  });
});

describe('fleets: 50 aliases against one sshd with the stock MaxStartups (10:30:100)', function () {
  this.timeout(180_000);
  let sshd: TestSshd;
  before(async () => { sshd = await TestSshd.start({ defaults: true }); });
  after(async () => { if (sshd) await sshd.stop(); });

  it('host snapshot of 50 aliases at once: every one succeeds (bounded sessions, busy drops retried)', async () => {
    const { file, aliases } = sshd.writeAliases(50);
    const r = await cli(['host', 'snapshot', ...aliases, '--json', '--ssh-config', file, '--timeout', '120'], undefined, 170_000);
    const docs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(docs.length, 50);
    const bad = docs.filter((d) => !d.ok);
    assert.deepStrictEqual(bad.map((d) => `${d.host}: ${d.error.kind}`), []);
    assert.strictEqual(r.code, 0, r.err);
  });
});
