// The special pages' snapshot at a stop (src/debug/memory.ts): forked mappings, not copies. What changed since is
// exactly the bytes the model wrote, and the snapshot keeps reading what the page held when it was taken.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import * as A from '../../src/model/abi';
import { IoreqRuntime } from '../../src/debug/runtime';
import { changedSince, pageOf, snapshotPages } from '../../src/debug/memory';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');
const F08 = path.join(ROOT, 'scenarios', '08-sync-pio-read-write.ioreq.json');

describe('debug memory: the page snapshot a stop keeps', () => {
  /** The runtime once the device model has set up: the ioreq page exists. */
  function ready(): IoreqRuntime {
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F08, 'utf8'), F08));
    while (!rt.session.m.x.domains.get(1)?.arch.hvm_domain.ioreq_server?.ioreq.va) assert.notEqual(rt.stepIn().reason, 'end');
    return rt;
  }

  it('nothing written: no range; one byte written: that byte only, and the snapshot still reads the old value', () => {
    const rt = ready();
    const snap = snapshotPages(rt);
    assert.ok(snap.has('d1:0xfeff9'), [...snap.keys()].join(','));
    assert.deepEqual(changedSince(rt, snap), []);
    const pg = pageOf(rt, 'd1:0xfeff9')!;
    const old = pg.getUint8(0x1e);
    pg.setUint8(0x1e, old ^ 0xff);
    assert.deepEqual(changedSince(rt, snap), [{ memoryReference: 'd1:0xfeff9', offset: 0x1e, count: 1 }]);
    assert.equal(snap.get('d1:0xfeff9')!.getUint8(0x1e), old, 'the snapshot is the page as it was');
    // Written back to what it was: the bytes read the same again, so nothing changed.
    pg.setUint8(0x1e, old);
    assert.deepEqual(changedSince(rt, snap), []);
  });

  it('two writes in different chunks: one range from the first to the last byte; a page new since: the whole page', () => {
    const rt = ready();
    const snap = snapshotPages(rt);
    const pg = pageOf(rt, 'd1:0xfeff9')!;
    pg.setUint8(0x10, pg.getUint8(0x10) ^ 1);
    pg.setUint8(0xf00, pg.getUint8(0xf00) ^ 1);
    assert.deepEqual(changedSince(rt, snap), [{ memoryReference: 'd1:0xfeff9', offset: 0x10, count: 0xf00 - 0x10 + 1 }]);
    snap.delete('d1:0xfeff8');
    assert.ok(changedSince(rt, snap).some((r) => r.memoryReference === 'd1:0xfeff8' && r.offset === 0 && r.count === A.PAGE_SIZE));
  });

  it('a step of the model that writes the slot shows as a range over its state byte', () => {
    const rt = ready();
    let snap = snapshotPages(rt);
    const ranges: Array<{ memoryReference: string; offset: number; count: number }> = [];
    for (let i = 0; i < 400 && !rt.ended; i++) {
      rt.stepIn();
      ranges.push(...changedSince(rt, snap));
      snap = snapshotPages(rt);
    }
    assert.ok(ranges.some((r) => r.memoryReference === 'd1:0xfeff9' && r.offset <= 0x1e && r.offset + r.count > 0x1e), JSON.stringify(ranges));
  });
});
