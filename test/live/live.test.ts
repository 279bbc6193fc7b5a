// The live layer over a real OpenSSH sshd on 127.0.0.1 serving a test host of stand-in Xen tools. Each fault must
// leave the API working and the previous snapshot available.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LiveError, LiveHost, Limiter, snapshotToScenario, type HostSnapshot } from '../../src/live/host';
import { parseHelperDocument } from '../../src/live/parse';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import { descendants, FIXTURES, HELPER, TestSshd } from './sshd';

/** Anything on the host that writes, acts, or has a side effect on a read. */
const FORBIDDEN = /(^|\s)(create|destroy|pause|unpause|shutdown|reboot|reset|set|write|rm|mkdir|chmod|debug-keys|trigger|mem-set|vcpu-set|sched-\S+|save|restore|migrate|dump-core|sysrq|cpupool-\S+|pci-\S+|block-\S+|network-\S+)(\s|$)/;

function assertReadOnly(calls: string[][]): void {
  for (const c of calls) {
    const line = c.join(' ');
    assert.ok(!(c[0] === 'xl' && c[1] === 'dmesg' && c.length > 2), `xl dmesg with arguments: ${line}`);
    assert.ok(!/xen-hvmctx|hvm_param|get_param/i.test(line), `side-effecting read: ${line}`);
    assert.ok(!FORBIDDEN.test(c.slice(1).join(' ')), `writing verb: ${line}`);
    assert.ok(!/^xenstore-(write|rm|chmod|control)$/.test(c[0]), `xenstore write: ${line}`);
  }
}

function ok(s: HostSnapshot | LiveError): HostSnapshot {
  if (s instanceof LiveError) assert.fail(`expected a snapshot, got ${s.kind}: ${s.message}`);
  return s;
}
function err(s: HostSnapshot | LiveError, kind: string): LiveError {
  if (!(s instanceof LiveError)) assert.fail(`expected a ${kind} error, got a snapshot`);
  assert.strictEqual(s.kind, kind, `${s.kind}: ${s.message}`);
  return s;
}

describe('live: a real sshd on 127.0.0.1 with a stand-in Xen host', function () {
  this.timeout(30_000);
  let sshd: TestSshd;
  const hosts: LiveHost[] = [];
  const log: string[] = [];
  let helperCopy: string;
  const newHost = (o: ConstructorParameters<typeof LiveHost>[1] = {}) => {
    const h = new LiveHost('ioreq-test', { configFile: sshd.configFile, connectTimeoutSec: 5, timeLimitMs: 15_000, logger: (l) => log.push(l), ...o });
    hosts.push(h);
    return h;
  };

  before(async () => {
    sshd = await TestSshd.start();
    helperCopy = path.join(sshd.dir, 'helper.sh');
    fs.copyFileSync(HELPER, helperCopy);
  });
  after(async () => {
    for (const h of hosts) await h.dispose();
    if (sshd) await sshd.stop();
  });

  it('takes a snapshot with every section, by read-only invocations only', async () => {
    sshd.clearCalls();
    const h = newHost();
    const s = ok(await h.snapshot());
    assert.ok(s.xen.ok && s.xen.value.version === '4.17.3' && s.xen.value.major === 4 && s.xen.value.minor === 17);
    assert.ok(s.domains.ok);
    assert.deepStrictEqual(s.domains.value.map((d) => [d.domid, d.name, d.type, d.vcpus]),
      [[0, 'Domain-0', 'pv', 4], [1, 'guest-hvm', 'hvm', 2], [2, 'guest-pv', 'pv', 1], [3, 'guest-demu', 'hvm', 4]]);
    assert.ok(s.deviceModels.ok);
    assert.deepStrictEqual(s.deviceModels.value.map((d) => [d.target, d.kind, d.pid, d.state]), [[1, 'qemu', 2345, 'running'], [3, 'demu', 2500, 'running']]);
    assert.ok(s.evtchns.ok);
    const d1 = s.evtchns.value.find((e) => e.domid === 1)!;
    assert.deepStrictEqual(d1.ports[0], { port: 1, vcpu: 0, kind: 'interdomain', remoteDomain: 0, remotePort: 53 });
    assert.strictEqual(d1.ports[1].kind, 'unbound');
    assert.ok(s.params.ok);
    assert.deepStrictEqual(s.params.value.find((p) => p.domid === 1)!.params, { STORE_EVTCHN: 1, STORE_PFN: 1044476, CONSOLE_EVTCHN: 2, CONSOLE_PFN: 1044479 });
    assert.match(s.params.note ?? '', /IOREQ_PFN/);
    assert.ok(s.console.ok);
    assert.strictEqual(s.console.value.length, 2);
    assert.ok(s.console.value.every((l) => /ioreq/i.test(l)));
    assert.strictEqual(h.lastGood, s);

    const calls = sshd.calls();
    assertReadOnly(calls);
    assert.deepStrictEqual(calls.map((c) => c.join(' ')), [
      'xl info', 'xl list', 'xl list -l', 'xenstore-ls -f /local/domain', 'ps -e -o pid= -o args=',
      'lsevtchn 0', 'lsevtchn 1', 'lsevtchn 2', 'lsevtchn 3',
      'xl dmesg',
    ]);
    // The logged command line is the one that ran, quoted for a shell.
    const cmd = log.find((l) => l.startsWith('$ ssh '))!;
    assert.ok(cmd.includes('-o BatchMode=yes') && cmd.includes('-o StrictHostKeyChecking=yes') && cmd.includes('-o ControlMaster=auto'), cmd);
    assert.match(cmd, /-o LogLevel=ERROR .*-T -- ioreq-test '\/bin\/sh -s -- 17 [0-9a-f]{24}'$/);
    assert.ok(!/StrictHostKeyChecking=(no|accept-new)|UserKnownHostsFile=\/dev\/null/.test(cmd));
  });

  it('turns the snapshot into a scenario that parses and runs', async () => {
    const h = newHost();
    const s = ok(await h.snapshot());
    const text = snapshotToScenario(s, 'ioreq-test');
    const sc = parseScenario(text, 'live.ioreq.json');
    const r = runScenario(sc);
    assert.ok(r.ok, JSON.stringify(r.final));
    assert.strictEqual(sc.profile, '4.5');
    assert.deepStrictEqual(sc.steps.filter((x) => x.op === 'xc_domain_create').map((x) => [x.raw.domid, x.raw.vcpus]), [[1, 2], [3, 4]]);
    assert.match(text, /d2 \(guest-pv\) is PV/);
  });

  it('reuses the connection: one authentication for two snapshots, the control socket in a private 0700 directory', async () => {
    const h = newHost();
    const accepted = () => (fs.readFileSync(path.join(sshd.dir, 'sshd.log'), 'utf8').match(/Accepted publickey/g) ?? []).length;
    const before = accepted();
    ok(await h.snapshot());
    ok(await h.snapshot());
    ok(await h.snapshot());
    assert.strictEqual(accepted() - before, 1, 'three snapshots, one ssh authentication');
    const cp = log.filter((l) => l.includes('ControlPath=')).pop()!;
    const dir = path.dirname(/ControlPath=(\S+)/.exec(cp)![1]);
    assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
    assert.ok(fs.readdirSync(dir).length === 1, 'one control socket');
    await h.dispose();
    assert.ok(!fs.existsSync(dir), 'dispose removes the control directory');
  });

  it('a tool that fails costs only its section', async () => {
    const h = newHost();
    sshd.setFail(['xl-info', 'lsevtchn', 'xl-list-l']);
    try {
      const s = ok(await h.snapshot());
      assert.ok(!s.xen.ok && /xl info. failed with exit status 1/.test(s.xen.error), JSON.stringify(s.xen));
      assert.ok(s.evtchns.ok && s.evtchns.value.every((e) => e.error && e.ports.length === 0));
      assert.ok(s.domains.ok && s.domains.value.every((d) => d.type === 'unknown') && /types unknown/.test(s.domains.note ?? ''));
      assert.ok(s.deviceModels.ok && s.params.ok && s.console.ok);
      // The scenario still comes out (type unknown: modelled as HVM, said in the file).
      runScenario(parseScenario(snapshotToScenario(s, 'ioreq-test'), 'x.ioreq.json'));
    } finally { sshd.setFail([]); }
  });

  describe('real hosts and hostile environments', () => {
    afterEach(() => {
      for (const k of ['d1name', 'd1state', 'ndomains'] as const) sshd.setSwitch(k, undefined);
      sshd.setBanner('');
      sshd.setFail([]);
      sshd.writeConfig('good');
    });
    it('a domain name with spaces and digits: every domain once, the helper queries each id once', async () => {
      sshd.setSwitch('d1name', 'my guest  1 2');
      sshd.clearCalls();
      const s = ok(await newHost().snapshot());
      assert.ok(s.domains.ok, JSON.stringify(s.domains));
      assert.deepStrictEqual(s.domains.value.map((d) => [d.domid, d.name, d.type]), [[0, 'Domain-0', 'pv'], [1, 'my guest  1 2', 'hvm'], [2, 'guest-pv', 'pv'], [3, 'guest-demu', 'hvm']]);
      assert.deepStrictEqual(sshd.calls().filter((c) => c[0] === 'lsevtchn').map((c) => c[1]), ['0', '1', '2', '3']);
      assert.ok(s.evtchns.ok && s.evtchns.value.every((e) => !e.error));
    });
    for (const [st, reason] of [['---sw-', 'watchdog'], ['---sS-', 'soft reset'], ['---s?-', 'unknown reason'], ['---sc-', 'crash'], ['rbps-d', 'none given']] as const) {
      it(`state ${st}: the domain is read with its shutdown reason (${reason}), the section stays`, async () => {
        sshd.setSwitch('d1state', st);
        const s = ok(await newHost().snapshot());
        assert.ok(s.domains.ok, JSON.stringify(s.domains));
        const d1 = s.domains.value.find((d) => d.domid === 1)!;
        assert.strictEqual(d1.state, st);
        assert.strictEqual(d1.shutdownReason, reason);
      });
    }
    it('a login shell that prints a banner before the document', async () => {
      sshd.setBanner('Welcome to testbox!\nLast login: never\n{"ioreqScopeHelper": 1} IOREQ-SCOPE-BEGIN fake\n');
      const s = ok(await newHost().snapshot());
      assert.ok(s.domains.ok && s.domains.value.length === 4);
      assert.match(s.banner ?? '', /^Welcome to testbox!/);
    });
    it('a TMPDIR too long for a ControlPath: a short private directory instead, connections still reused', async () => {
      const long = path.join(sshd.dir, 'a-temporary-directory-with-a-rather-long-name-as-some-ci-systems-make-them');
      fs.mkdirSync(long);
      const old = process.env.TMPDIR;
      process.env.TMPDIR = long;
      try {
        const lines: string[] = [];
        const h = newHost({ logger: (l) => lines.push(l) });
        ok(await h.snapshot());
        ok(await h.snapshot());
        const cp = /ControlPath=(\S+)/.exec(lines.find((l) => l.includes('ControlPath='))!)![1];
        assert.ok(!cp.startsWith(long) && cp.startsWith('/tmp/iqs-'), cp);
        assert.strictEqual(fs.statSync(path.dirname(cp)).mode & 0o777, 0o700);
        await h.dispose();
        assert.ok(!fs.existsSync(path.dirname(cp)));
      } finally { if (old === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = old; }
    });
    it('LogLevel QUIET in the user\'s config still names a changed host key', async () => {
      const h = newHost({ reuseConnections: false });
      sshd.writeConfig('changed-key', 'QUIET');
      const e = err(await h.snapshot(), 'changed-host-key');
      assert.match(e.message, /has CHANGED/);
    });
    it('a failed section keeps its previous content, with its age and the failure (the tool\'s stderr)', async () => {
      const h = newHost();
      const first = ok(await h.snapshot());
      assert.ok(first.console.ok);
      sshd.setFail(['xl-dmesg']);
      const s = ok(await h.snapshot());
      assert.ok(s.console.ok, JSON.stringify(s.console));
      assert.deepStrictEqual(s.console.value, first.console.value);
      assert.strictEqual(s.console.staleSince, first.takenAt);
      assert.match(s.console.refreshError ?? '', /`xl dmesg \| grep -i ioreq` failed with exit status 1: xc_readconsolering failed/);
      assert.ok(s.domains.ok && s.domains.staleSince === undefined);
      sshd.setFail([]);
      const again = ok(await h.snapshot());
      assert.ok(again.console.ok && again.console.staleSince === undefined);
    });
    it('a repeat snapshot in the same boot of the host does not run xl info again; it shows the first read, with its time', async () => {
      const h = newHost();
      sshd.clearCalls();
      const first = ok(await h.snapshot());
      assert.ok(first.xen.ok && first.xen.readAt === undefined, JSON.stringify(first.xen));
      assert.match(first.host.boot ?? '', /^[0-9a-f-]{36}$/);
      assert.strictEqual(sshd.calls().filter((c) => c[0] === 'xl' && c[1] === 'info').length, 1);
      sshd.clearCalls();
      const again = ok(await h.snapshot());
      assert.deepStrictEqual(sshd.calls().filter((c) => c[0] === 'xl' && c[1] === 'info'), [], 'xl info ran again');
      assert.ok(sshd.calls().some((c) => c[0] === 'xl' && c[1] === 'list'), 'the rest is read again');
      assert.ok(again.xen.ok, JSON.stringify(again.xen));
      assert.deepStrictEqual(again.xen.value, first.xen.value);
      assert.strictEqual(again.xen.readAt, first.takenAt);
      assert.strictEqual(again.host.boot, first.host.boot);
      assert.strictEqual(again.host.toolTimeout, true, 'tools still run under timeout');
      // Even if xl info would now fail, the kept read stands (nothing of it can change within the boot).
      sshd.setFail(['xl-info']);
      try { assert.ok(ok(await h.snapshot()).xen.ok); } finally { sshd.setFail([]); }
    });
    it('a user without access to privcmd and xenstore: each section says why and what to do, with the tool\'s stderr', async () => {
      sshd.setMode('nonroot');
      try {
        const s = ok(await newHost().snapshot());
        for (const k of ['xen', 'domains'] as const) {
          const sec = s[k];
          assert.ok(!sec.ok, k);
          assert.match(sec.error, /Permission denied/, k);
          assert.match(sec.error, /\(run as root, or give this user access to \/dev\/xen\/privcmd and xenstore\)$/, k);
        }
        assert.ok(!s.params.ok && /xs_open: Permission denied \(run as root/.test(s.params.error), JSON.stringify(s.params));
        assert.ok(!s.deviceModels.ok || s.deviceModels.note?.includes('run as root'));
      } finally { sshd.setMode('normal'); }
    });
    it('sshd dropping connections (MaxStartups reached) is "host busy" and retried with backoff', async function () {
      this.timeout(120_000);
      const busy = await TestSshd.start({ maxStartups: '1' });
      try {
        const { file, aliases } = busy.writeAliases(8);
        const wide = new Limiter(8);
        // No retries: some of 8 simultaneous connections are dropped, and say so.
        const raw = aliases.map((a) => new LiveHost(a, { configFile: file, reuseConnections: false, limiter: wide, busyRetries: 0, timeLimitMs: 30_000 }));
        const r1 = await Promise.all(raw.map((x) => x.snapshot()));
        const kinds = r1.map((r) => (r instanceof LiveError ? r.kind : 'ok'));
        assert.ok(kinds.includes('host-busy'), kinds.join(' '));
        const e = r1.find((r) => r instanceof LiveError && r.kind === 'host-busy') as LiveError;
        assert.match(e.message, /is busy: its sshd dropped the connection before the handshake/);
        // With retries, every one gets through.
        const lines: string[] = [];
        const tried = aliases.map((a) => new LiveHost(a, { configFile: file, reuseConnections: false, limiter: wide, busyRetries: 8, timeLimitMs: 60_000, logger: (l) => lines.push(l) }));
        const r2 = await Promise.all(tried.map((x) => x.snapshot()));
        assert.deepStrictEqual(r2.map((r) => (r instanceof LiveError ? `${r.kind}: ${r.message}` : 'ok')), aliases.map(() => 'ok'));
        assert.ok(lines.some((l) => /busy, retry 1 of 8/.test(l)), 'at least one retry happened');
        for (const x of [...raw, ...tried]) await x.dispose();
      } finally { await busy.stop(); }
    });
    it('1,000 domains: every domain with its type, event channels and device model', async function () {
      // About 2,000 processes on the host (a timeout and an lsevtchn per domain): the stand-ins are shell scripts,
      // so this takes tens of seconds on a loaded machine; real tools take a fraction of that.
      this.timeout(150_000);
      sshd.setSwitch('ndomains', '996');
      const s = ok(await newHost({ timeLimitMs: 140_000 }).snapshot());
      assert.ok(s.domains.ok, JSON.stringify(s.domains).slice(0, 300));
      assert.strictEqual(s.domains.value.length, 1000);
      assert.strictEqual(s.domains.note, undefined);
      assert.ok(s.domains.value.every((d) => d.type !== 'unknown'));
      assert.ok(s.evtchns.ok && s.evtchns.value.length === 1000 && s.evtchns.value.every((e) => !e.error));
      assert.ok(s.deviceModels.ok && s.deviceModels.value.filter((d) => d.kind === 'qemu').length === 997);
    });
  });

  describe('nothing outlives a snapshot on the host', () => {
    afterEach(async () => {
      sshd.setMode('normal');
      // Whatever a failing test left, it must not leak into the next one.
      for (const p of sshd.hostProcesses()) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    });
    /** Starts a snapshot on a host whose xl blocks, waits until the helper is inside xl on the host. */
    const stuck = async (o: ConstructorParameters<typeof LiveHost>[1], token?: Parameters<LiveHost['snapshot']>[0]) => {
      sshd.setMode('stuck');
      sshd.clearCalls();
      const h = newHost(o);
      const p = h.snapshot(token);
      const t0 = Date.now();
      while (!sshd.calls().some((c) => c[0] === 'xl') && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      const during = sshd.hostProcesses();
      assert.ok(during.length >= 3, `the helper runs on the host while xl blocks (${during.length} processes)`);
      return { h, p, during };
    };
    for (const reuse of [true, false]) {
      it(`a timeout ends the helper and its children on the host (${reuse ? 'multiplexed' : 'own connection'})`, async () => {
        const { p } = await stuck({ timeLimitMs: 2500, reuseConnections: reuse });
        err(await p, 'timeout');
        const left = await sshd.waitNoHostProcesses(5000);
        assert.deepStrictEqual(left, [], `left on the host: ${left.map((x) => { try { return fs.readFileSync(`/proc/${x}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return x; } }).join('; ')}`);
      });
    }
    it('a cancellation ends the helper and its children on the host', async () => {
      let fire: () => void = () => undefined;
      const token = { isCancellationRequested: false, onCancellationRequested: (l: () => void) => { fire = l; return { dispose() { /* */ } }; } };
      const { p } = await stuck({ timeLimitMs: 20_000 }, token);
      token.isCancellationRequested = true;
      fire();
      err(await p, 'cancelled');
      assert.deepStrictEqual(await sshd.waitNoHostProcesses(5000), []);
    });
    it('a dropped connection ends the helper and its children on the host', async () => {
      const { p } = await stuck({ timeLimitMs: 20_000, reuseConnections: false });
      assert.ok(sshd.dropConnections() > 0);
      const r = await p;
      assert.ok(r instanceof LiveError && (r.kind === 'dropped' || r.kind === 'ssh-failed'), r instanceof LiveError ? r.kind : 'a snapshot');
      assert.deepStrictEqual(await sshd.waitNoHostProcesses(5000), []);
    });
    it('the shared connection between refreshes: one local master, nothing of ours on the host; after a timeout over it and after dispose, nothing remains', async () => {
      // Only this host's connection to the sshd from here on: the others close first.
      for (const x of hosts.splice(0)) await x.dispose();
      const lines: string[] = [];
      const h = newHost({ timeLimitMs: 2500, logger: (l) => lines.push(l) });
      ok(await h.snapshot());
      ok(await h.snapshot());
      const dir = path.dirname(/ControlPath=(\S+)/.exec(lines.find((l) => l.includes('ControlPath='))!)![1]);
      /** Local processes whose command line names this host's control directory (the master is such an ssh). */
      const local = () => fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
        try { return fs.readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(dir); } catch { return false; }
      });
      const sshdChildren = () => descendants(sshd.pid);
      assert.strictEqual(local().length, 1, 'one ssh master kept for the next refresh');
      assert.ok(sshdChildren().length > 0, 'sshd holds the master\'s connection');
      assert.deepStrictEqual(sshd.hostProcesses(), [], 'between refreshes no process of a session runs on the host');
      // A snapshot over the master that times out: the session's processes end, the master stays for the next one.
      sshd.setMode('stuck');
      err(await h.snapshot(), 'timeout');
      assert.deepStrictEqual(await sshd.waitNoHostProcesses(5000), []);
      sshd.setMode('normal');
      ok(await h.snapshot());
      assert.strictEqual(local().length, 1, 'the same master');
      await h.dispose();
      const t0 = Date.now();
      while ((local().length || sshdChildren().length) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 100));
      assert.deepStrictEqual(local(), [], 'no local ssh after dispose');
      assert.deepStrictEqual(sshdChildren(), [], 'no connection left at the sshd after dispose');
      assert.deepStrictEqual(sshd.hostProcesses(), []);
      assert.ok(!fs.existsSync(dir), 'the control directory is gone');
    });
    /** The helper run on the stand-in host without ssh, in a session of its own (as sshd runs it: the deadline's
     *  group kill stays inside it), its stdin held open as the client does. */
    const runDetached = async (args: string[]) => {
      const { spawn } = await import('child_process');
      const c = spawn('/bin/sh', ['-s', '--', ...args], { detached: true, stdio: ['pipe', 'pipe', 'ignore'],
        env: { PATH: `${path.join(FIXTURES, 'bin')}:/usr/bin:/bin`, IOREQ_FIXTURE_STATE: sshd.state } });
      c.stdin.write(fs.readFileSync(HELPER));
      let out = '';
      c.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      const t0 = Date.now();
      await new Promise((r) => c.on('exit', r));
      c.stdin.destroy();
      return { out, took: Date.now() - t0 };
    };
    it('the helper runs xl info unless told the boot it runs is the one the client kept it from', async () => {
      const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const other = boot.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const xenOf = async (args: string[]) => {
        const s = parseHelperDocument((await runDetached(['10', 'm3', ...args])).out, Date.now(), 'm3');
        assert.strictEqual(s.host.boot, boot);
        return s.xen;
      };
      assert.ok((await xenOf([])).ok);
      assert.ok((await xenOf([other])).ok, 'another boot: xl info is read');
      assert.ok((await xenOf(['$(touch /tmp/x)'])).ok, 'a malformed id is ignored');
      const same = await xenOf([boot]);
      assert.ok(!same.ok && same.reused, JSON.stringify(same));
    });
    it('the helper carries its own deadline: with stdin held open and every xl blocked, it ends itself', async () => {
      sshd.setMode('stuck');
      const { out, took } = await runDetached(['3', 'm0']);
      assert.ok(took >= 2500 && took < 6000, `ended after ${took} ms`);
      assert.match(out, /IOREQ-SCOPE-BEGIN m0/);
      assert.deepStrictEqual(await sshd.waitNoHostProcesses(3000), []);
    });
    it('each tool runs under a time limit: a blocked xl info costs its section, the rest arrives', async () => {
      sshd.setMode('stuck-info');
      const { out, took } = await runDetached(['10', 'm1']);
      assert.ok(took >= 5000 && took < 10_000, `took ${took} ms`);
      const s = parseHelperDocument(out, Date.now(), 'm1');
      assert.ok(!s.xen.ok && /`xl info` failed with exit status 124 \(timed out on the host\)/.test(s.xen.error), JSON.stringify(s.xen));
      assert.ok(s.domains.ok && s.evtchns.ok && s.console.ok);
      assert.deepStrictEqual(await sshd.waitNoHostProcesses(3000), []);
    });
  });

  describe('faults keep the API working and the previous snapshot visible', () => {
    let h: LiveHost;
    let good: HostSnapshot;
    before(async () => {
      h = newHost({ helperPath: helperCopy, timeLimitMs: 4000 });
      good = ok(await h.snapshot());
    });
    afterEach(async () => {
      sshd.writeConfig('good'); sshd.setMode('normal'); fs.copyFileSync(HELPER, helperCopy);
      // The API still works, and the previous snapshot was never replaced by a failure.
      assert.strictEqual(h.lastGood, good);
      const again = ok(await h.snapshot());
      good = again;
    });

    const fresh = () => newHost({ helperPath: helperCopy, reuseConnections: false, timeLimitMs: 8000 });
    const withPrevious = async (v: Parameters<TestSshd['writeConfig']>[0], kind: string) => {
      // No shared connection here: a master would skip the new handshake.
      const f = fresh();
      const prev = ok(await f.snapshot());
      sshd.writeConfig(v);
      const e = err(await f.snapshot(), kind);
      assert.strictEqual(f.lastGood, prev);
      assert.strictEqual(f.lastError, e);
      sshd.writeConfig('good');
      ok(await f.snapshot());
      return e;
    };

    it('connection refused (a closed port)', async () => { await withPrevious('closed-port', 'connection-refused'); });
    it('unknown host key: says how to verify and accept it, never accepts it', async () => {
      const e = await withPrevious('unknown-key', 'unknown-host-key');
      assert.match(e.message, new RegExp(`ssh-keyscan -p ${sshd.port} 127\\.0\\.0\\.1`));
      assert.match(e.message, /ssh -F \S+ ioreq-test true/);
      assert.strictEqual(fs.readFileSync(path.join(sshd.dir, 'known_hosts_empty'), 'utf8'), '', 'known_hosts untouched');
    });
    it('changed host key: says how to verify, remove and re-accept', async () => {
      const e = await withPrevious('changed-key', 'changed-host-key');
      assert.match(e.message, new RegExp(`ssh-keygen -R '\\[127\\.0\\.0\\.1\\]:${sshd.port}' -f \\S+known_hosts_wrong`));
    });
    it('authentication failure (a key not authorized)', async () => { await withPrevious('no-auth', 'auth-failed'); });

    it('sshd killed mid-transfer', async () => {
      sshd.setMode('slow-dmesg');
      const p = h.snapshot();
      // Wait until the helper has sent the sections before xl dmesg, then kill the session processes.
      const t0 = Date.now();
      while (!sshd.calls().some((c) => c[0] === 'xl' && c[1] === 'dmesg') && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(sshd.killSessions() > 0);
      err(await p, 'dropped');
    });
    it('a host that never answers (time limit)', async () => {
      sshd.setMode('hang');
      const t0 = Date.now();
      err(await h.snapshot(), 'timeout');
      assert.ok(Date.now() - t0 < 6000);
    });
    it('cancellation', async () => {
      sshd.setMode('hang');
      let fire: () => void = () => undefined;
      const token = { isCancellationRequested: false, onCancellationRequested: (l: () => void) => { fire = l; return { dispose() { /* */ } }; } };
      const p = h.snapshot(token);
      setTimeout(() => fire(), 300);
      err(await p, 'cancelled');
    });
    it('helper output of garbage', async () => {
      fs.writeFileSync(helperCopy, "printf 'Welcome to testbox\\n\\001\\002 {not json'\nexit 0\n");
      const e = err(await h.snapshot(), 'helper-failed');
      assert.match(e.message, /1:1: no IOREQ Scope document in the output \(no marker line; the output starts "Welcome to testbox/);
    });
    it('helper output of 50 MB', async () => {
      fs.writeFileSync(helperCopy, "head -c 52428800 /dev/zero | tr '\\000' x\nexit 0\n");
      const small = newHost({ helperPath: helperCopy, timeLimitMs: 20_000, maxOutputBytes: 8 * 1024 * 1024 });
      err(await small.snapshot(), 'output-too-large');
    });
    it('helper output cut in half', async () => {
      // Half of a real document, as the helper prints it on the stand-in host.
      const half = path.join(sshd.dir, 'half.json');
      const r = spawnSync('/bin/sh', [HELPER], { env: { PATH: `${path.join(FIXTURES, 'bin')}:/usr/bin:/bin`, IOREQ_FIXTURE_STATE: sshd.state } });
      const real = r.stdout.toString('utf8');
      assert.ok(real.length > 1000);
      fs.writeFileSync(half, real.slice(0, real.length >> 1));
      fs.writeFileSync(helperCopy, `printf '\\nIOREQ-SCOPE-BEGIN %s\\n' "$2"; cat '${half}'\nexit 0\n`);
      const e = err(await h.snapshot(), 'helper-failed');
      assert.match(e.message, /truncated/);
    });
    it('a helper that exits non-zero', async () => {
      fs.writeFileSync(helperCopy, 'echo broken >&2; exit 3\n');
      const e = err(await h.snapshot(), 'helper-failed');
      assert.match(e.message, /status 3/);
    });
  });
});
