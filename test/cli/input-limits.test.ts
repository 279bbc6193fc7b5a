// Input limits of run / state / explore: a non-regular file (device, pipe, directory) or a file over the size limit
// is refused with one stderr line and exit 2, before anything is read from it.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, MAX_INPUT_BYTES } from '../../src/cli/main';

function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('cli: input limits for run, state and explore', () => {
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iqs-limits-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const cmds: string[][] = [['run'], ['state', '--json'], ['explore']];
  const withFile = (c: string[], f: string) => [c[0], f, ...c.slice(1)];

  for (const c of cmds) {
    it(`${c[0]} /dev/zero: refused at once as a device`, () => {
      const t0 = Date.now();
      const r = cli(...withFile(c, '/dev/zero'));
      assert.equal(r.code, 2);
      assert.deepEqual(r.err, ["ioreq-scope: '/dev/zero' is not a regular file (a device)"]);
      assert.deepEqual(r.out, []);
      assert.ok(Date.now() - t0 < 2000);
    });
    it(`${c[0]} DIR and ${c[0]} FIFO: refused (a FIFO without a writer does not block)`, () => {
      assert.match(cli(...withFile(c, tmp)).err.join('\n'), /is not a regular file \(a directory\)$/);
      const fifo = path.join(tmp, `fifo-${c[0]}`);
      const mk = spawnSync('mkfifo', [fifo]);
      assert.equal(mk.status, 0, String(mk.stderr));
      const r = cli(...withFile(c, fifo));
      assert.equal(r.code, 2);
      assert.deepEqual(r.err, [`ioreq-scope: '${fifo}' is not a regular file (a pipe)`]);
    });
    it(`${c[0]} of a file over ${MAX_INPUT_BYTES} bytes: refused by size`, () => {
      const big = path.join(tmp, `big-${c[0]}.ioreq.json`);
      fs.writeFileSync(big, '');
      fs.truncateSync(big, MAX_INPUT_BYTES + 1);  // sparse: no 16 MiB written
      const r = cli(...withFile(c, big));
      assert.equal(r.code, 2);
      assert.deepEqual(r.err, [`ioreq-scope: '${big}' is ${MAX_INPUT_BYTES + 1} bytes, more than the ${MAX_INPUT_BYTES} bytes a scenario may have`]);
    });
  }
  it('a regular file within the limit is read (and then judged as a scenario)', () => {
    const f = path.join(tmp, 'edge.ioreq.json');
    fs.writeFileSync(f, '{');
    const r = cli('run', f);
    assert.equal(r.code, 2);
    assert.match(r.err[0], /edge\.ioreq\.json:1:2/);
  });
});
