// The live layer's pieces without a network: host and option checks, the ssh argv, quoting, the helper's JSON
// encoder in sh (dash and bash) with hostile content, and the helper's text itself.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LiveError } from '../../src/live/errors';
import { shJoin, shQuote } from '../../src/live/quote';
import { checkHost, SshRunner } from '../../src/live/ssh';
import { HELPER } from './sshd';
import { profileForXen, remoteCommand, reuseXen } from '../../src/live/host';
import { parseHelperDocument, type HostSnapshot } from '../../src/live/parse';
import { PROFILES } from '../../src/model/layout';

const helperText = fs.readFileSync(HELPER, 'utf8');
/** The helper's enc function (frames in, JSON out), cut out of the shipped script. */
const enc = /^enc\(\) \{[\s\S]*?^\}/m.exec(helperText)![0];

describe('live: host strings, options and the ssh command line', () => {
  it('refuses hosts that start with - or hold whitespace or control characters', () => {
    for (const h of ['-oProxyCommand=touch /tmp/x', '-p', 'a b', 'a\tb', 'a\nb', 'a\u0000b', 'a\u007fb', '', 'x'.repeat(300)]) {
      assert.throws(() => checkHost(h), (e: unknown) => e instanceof LiveError && e.kind === 'bad-host', JSON.stringify(h));
      assert.throws(() => new SshRunner(h), LiveError);
    }
    for (const h of ['box', 'root@box', 'box.example.org', 'dom0-test_1']) checkHost(h);
  });
  it('takes extra -o options only from the allow-list', () => {
    for (const k of ['StrictHostKeyChecking', 'UserKnownHostsFile', 'ProxyCommand', 'LocalCommand', 'PermitLocalCommand', 'ControlPath', 'LocalForward'])
      assert.throws(() => new SshRunner('box', { extraOptions: { [k]: 'no' } }), (e: unknown) => e instanceof LiveError && e.kind === 'bad-option');
    assert.throws(() => new SshRunner('box', { extraOptions: { ProxyJump: '-oProxyCommand=x' } }), LiveError);
    assert.throws(() => new SshRunner('box', { extraOptions: { User: 'a\nb' } }), LiveError);
    const r = new SshRunner('box', { extraOptions: { ServerAliveInterval: '5', ProxyJump: 'jump' }, configFile: '/tmp/my config', reuseConnections: false });
    assert.deepStrictEqual(r.argv(['/bin/sh', '-s']), ['-F', '/tmp/my config', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'StrictHostKeyChecking=yes',
      '-o', 'LogLevel=ERROR', '-o', 'ServerAliveInterval=5', '-o', 'ProxyJump=jump', '-T', '--', 'box', '/bin/sh -s']);
  });
  it('quotes for a POSIX shell', () => {
    assert.strictEqual(shQuote("it's"), `'it'\\''s'`);
    assert.strictEqual(shJoin(['ssh', '-F', 'a b', 'x;rm -rf /', '']), `ssh -F 'a b' 'x;rm -rf /' ''`);
    const words = ['plain', "it's", 'a b', '$(id)', '`id`', '"q"', 'back\\slash', 'new\nline', '*'];
    const r = spawnSync('/bin/sh', ['-c', `for a in ${shJoin(words)}; do printf '%s\\0' "$a"; done`]);
    assert.deepStrictEqual(r.stdout.toString().split('\0').slice(0, -1), words);
  });
});

describe('live: the helper script', () => {
  for (const shell of ['/bin/dash', '/bin/bash']) {
    it(`enc escapes hostile bytes exactly, and the document keeps a tool's output (${shell})`, function () {
      if (!fs.existsSync(shell)) assert.fail(`${shell} is not installed`);
      const hostile = Buffer.concat([Buffer.from('quote " backslash \\ \\" \\\\ tab\t cr\r nl\n bell\u0007 esc\u001b del\u007f '), Buffer.from([1, 31]),
        Buffer.from(' é ☃ \u2028 </script> {"a":1} '), Buffer.from('\n\n')]);
      const frame = (type: string, payload: Buffer | string) => Buffer.concat([Buffer.from(type), Buffer.from(payload), Buffer.from([0])]);
      // A JSON text frame, a string frame, an output frame (filtered, capped) and a string without trailing newlines.
      const input = Buffer.concat([frame('J', '['), frame('S', hostile), frame('J', ',{"out":'), frame('O', hostile), frame('J', '},{"out":'),
        frame('G', 'ack|é'), frame('O', hostile), frame('J', '},'), frame('L', hostile), frame('J', ']')]);
      const r = spawnSync(shell, ['-c', `${enc}\nenc 2097152`], { input });
      assert.strictEqual(r.status, 0, r.stderr.toString());
      const text = r.stdout.toString('utf8');
      assert.match(text, /^[^\n\r\t\u0000-\u001f]*$/);
      const h = hostile.toString('utf8');
      assert.deepStrictEqual(JSON.parse(text), [h, { out: h, truncated: false },
        { out: h.split('\n').filter((l) => /ack|é/.test(l)).map((l) => `${l}\n`).join(''), truncated: false }, h.replace(/\n+$/, '')]);
      const cut = spawnSync(shell, ['-c', `${enc}\nenc 7`], { input: Buffer.concat([frame('J', '{"out":'), frame('O', hostile), frame('J', '}')]) });
      assert.deepStrictEqual(JSON.parse(cut.stdout.toString('utf8')), { out: h.slice(0, 7), truncated: true });

      // The whole helper with a tool that prints the hostile bytes and NULs: the shell drops NULs and the trailing
      // newlines (a command substitution does both), every other byte arrives, and so does the tool's exit status.
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'iqs-hostile-'));
      try {
        fs.writeFileSync(path.join(bin, 'out'), Buffer.concat([Buffer.from([0]), hostile, Buffer.from([0])]));
        fs.writeFileSync(path.join(bin, 'xl'), `#!/bin/sh\n[ "$1" = info ] && cat '${path.join(bin, 'out')}'\n[ "$1" = list ] && { echo 'no list' >&2; exit 7; }\nexit 0\n`, { mode: 0o755 });
        const d = spawnSync(shell, [HELPER], { env: { PATH: `${bin}:/usr/bin:/bin` } });
        assert.strictEqual(d.status, 0, d.stderr.toString());
        const doc = JSON.parse(d.stdout.toString('utf8'));
        assert.deepStrictEqual(doc.sections.xen.info, { cmd: 'xl info', err: '', rc: 0, out: h.replace(/\n+$/, ''), truncated: false });
        assert.deepStrictEqual(doc.sections.domains.list, { cmd: 'xl list', err: 'no list\n', rc: 7, out: '', truncated: false });
      } finally { fs.rmSync(bin, { recursive: true, force: true }); }
    });
  }
  it('has no side-effecting command in its code (comments aside)', () => {
    const code = helperText.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');
    assert.ok(!/dmesg\s+-c|debug-keys|xen-hvmctx|hvm_param|xenstore-(write|rm|chmod)|\bxl\s+(create|destroy|pause|unpause|set|shutdown|reboot)\b/.test(code));
    assert.ok(!/mktemp|>\s*\/tmp|\/var\/tmp/.test(code), 'no temporary files on the host');
  });
  it('prints one document with every section as errors when no tool exists', () => {
    const r = spawnSync('/bin/sh', ['-s'], { input: helperText, env: { PATH: '/nonexistent:/usr/bin:/bin' } });
    const d = JSON.parse(r.stdout.toString());
    assert.strictEqual(d.ioreqScopeHelper, 1);
    for (const k of ['xen', 'domains', 'evtchns', 'params', 'console']) assert.ok(typeof d.sections[k].error === 'string', k);
    assert.match(d.sections.evtchns.error, /no read-only tool/);
    assert.ok(d.sections.deviceModels.ps.cmd, 'ps still runs');
  });
});

describe('live: the profile for a host\'s Xen version', () => {
  it('maps xl info\'s version to the newest profile at or before it, in one function', () => {
    assert.strictEqual(profileForXen(4, 4), 'legacy');
    assert.strictEqual(profileForXen(3, 4), 'legacy');
    assert.strictEqual(profileForXen(4, 5), '4.5');
    // 4.6 and later: the newest profile the model has ('4.21' once it exists, '4.5' before).
    const newest = (PROFILES as readonly string[]).includes('4.21') ? '4.21' : '4.5';
    assert.strictEqual(profileForXen(4, 21), newest);
    assert.strictEqual(profileForXen(5, 0), newest);
    assert.strictEqual(profileForXen(4, 6), '4.5');
    assert.strictEqual(profileForXen(4, 17), '4.5');
  });
});

describe('live: what a repeat snapshot reuses (the xen section within one boot)', () => {
  const boot = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const xen = { ok: true as const, value: { version: '4.17.3', major: 4, minor: 17, extra: '.3', toolstack: 'xl', fields: { xen_major: '4' } } };
  const snap = (b: string | undefined, reused: boolean): HostSnapshot => ({
    helperVersion: 1, host: { hostname: 'h', kernel: 'Linux', user: 'root', time: '', ...(b ? { boot: b } : {}) },
    xen: reused ? { ok: false, error: 'not read again', reused: true } : xen,
    domains: { ok: true, value: [] }, deviceModels: { ok: true, value: [] }, evtchns: { ok: true, value: [] },
    params: { ok: true, value: [] }, console: { ok: true, value: [] }, takenAt: 2000,
  });
  it('passes the boot id back to the helper only when it is one', () => {
    assert.deepStrictEqual(remoteCommand(30, 'm'), ['/bin/sh', '-s', '--', '30', 'm']);
    assert.deepStrictEqual(remoteCommand(30, 'm', boot), ['/bin/sh', '-s', '--', '30', 'm', boot, '0']);
    assert.deepStrictEqual(remoteCommand(30, 'm', boot, true), ['/bin/sh', '-s', '--', '30', 'm', boot, '1']);
    for (const bad of ['', '$(reboot)', `${boot} x`, boot.toUpperCase(), `${boot}0`]) assert.deepStrictEqual(remoteCommand(30, 'm', bad), ['/bin/sh', '-s', '--', '30', 'm'], bad);
  });
  it('puts the kept xen section in only for the same boot and a section the helper said it reused', () => {
    const cache = { boot, xen, readAt: 1000, timeout: true };
    const r = reuseXen(snap(boot, true), cache);
    assert.ok(r.xen.ok && r.xen.readAt === 1000 && r.xen.value.version === '4.17.3');
    assert.ok(!reuseXen(snap('00000000-0000-0000-0000-000000000000', true), cache).xen.ok, 'another boot');
    assert.ok(!reuseXen(snap(undefined, true), cache).xen.ok, 'no boot id');
    assert.ok(!reuseXen(snap(boot, true), undefined).xen.ok, 'nothing kept');
    assert.strictEqual(reuseXen(snap(boot, false), cache).xen, xen, 'a fresh read stays');
  });
  it('the document\'s boot id is kept only when well formed', () => {
    const doc = (b: unknown) => JSON.stringify({ ioreqScopeHelper: 1, host: { hostname: 'h', boot: b }, sections: { xen: { reused: true } } });
    assert.strictEqual(parseHelperDocument(doc(boot)).host.boot, boot);
    assert.strictEqual(parseHelperDocument(doc('../../etc')).host.boot, undefined);
    const x = parseHelperDocument(doc(boot)).xen;
    assert.ok(!x.ok && x.reused);
  });
});
