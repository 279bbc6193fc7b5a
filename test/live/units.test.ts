// The live layer's pieces without a network: host and option checks, the ssh argv, quoting, the helper's JSON
// escaping in sh (dash and bash) with hostile content, and the helper's text itself.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { LiveError } from '../../src/live/errors';
import { shJoin, shQuote } from '../../src/live/quote';
import { checkHost, SshRunner } from '../../src/live/ssh';
import { HELPER } from './sshd';

const helperText = fs.readFileSync(HELPER, 'utf8');
/** The helper's json_str and js functions, cut out of the shipped script. */
const fns = ['json_str', 'js'].map((f) => new RegExp(`^${f}\\(\\) \\{[\\s\\S]*?^\\}`, 'm').exec(helperText)![0]).join('\n');

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
      '-o', 'ServerAliveInterval=5', '-o', 'ProxyJump=jump', '-T', '--', 'box', '/bin/sh -s']);
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
    it(`json_str escapes hostile bytes exactly (${shell})`, function () {
      if (!fs.existsSync(shell)) assert.fail(`${shell} is not installed`);
      const hostile = Buffer.concat([Buffer.from('quote " backslash \\ \\" \\\\ tab\t cr\r nl\n bell\u0007 esc\u001b del\u007f '), Buffer.from([0, 1, 31]),
        Buffer.from(' é ☃ \u2028 </script> {"a":1} '), Buffer.from('\n\n')]);
      const r = spawnSync(shell, ['-c', `${fns}\njson_str`], { input: hostile });
      assert.strictEqual(r.status, 0, r.stderr.toString());
      const text = r.stdout.toString('utf8');
      assert.match(text, /^"[^\n\r\t\u0000-\u001f]*"$/);
      assert.strictEqual(JSON.parse(text), hostile.toString('utf8'));
      // js: a shell value (no NUL possible) with the fast path and the slow path.
      for (const v of ['xl info', 'lsevtchn 12', 'a"b', 'a\\b', 'x\ny', '$(id)', '*', '']) {
        const j = spawnSync(shell, ['-c', `${fns}\njs "$1"`, 'sh', v]);
        assert.strictEqual(JSON.parse(j.stdout.toString()), v);
      }
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
