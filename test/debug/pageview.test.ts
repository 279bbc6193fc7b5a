// The memory view's content (src/debug/pageview.ts), without VS Code: the special pages of a debugged model, the
// ioreq_t slots and the buffered ring laid over their bytes field by field, and the bytes a stop changed.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import * as A from '../../src/model/abi';
import { IoreqRuntime } from '../../src/debug/runtime';
import { fieldAt, pageViews } from '../../src/debug/pageview';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');
const load = (n: string) => { const f = path.join(ROOT, 'scenarios', n); return parseScenario(fs.readFileSync(f, 'utf8'), f); };

describe('memory view content', () => {
  it("the ioreq page's slot fields decode its bytes, and a stop's changed bytes are those of the fields written", () => {
    const rt = new IoreqRuntime(load('08-sync-pio-read-write.ioreq.json'));
    rt.codeBreakpoints = [{ id: 1, fn: 'hvm_send_assist_req' }];
    assert.equal(rt.continue().reason, 'function breakpoint');
    rt.codeBreakpoints = [];
    const before = pageViews(rt.session.m);
    const ioreq = before.find((v) => v.memoryReference === 'd1:0xfeff9')!;
    assert.equal(ioreq.kind, 'ioreq');
    assert.equal(ioreq.name, 'IOREQ');
    const st = fieldAt(ioreq, A.OFF_BITS)!;
    assert.equal(st.name, 'vcpu_ioreq[0].state:4 data_is_ptr:1 dir:1 df:1');
    assert.match(st.value, /^state STATE_IOREQ_NONE \(0\)/);
    assert.equal(fieldAt(ioreq, A.OFF_VP_EPORT)!.name, 'vcpu_ioreq[0].vp_eport');
    assert.equal(fieldAt(ioreq, A.OFF_VP_EPORT)!.value, String(ioreq.bytes[A.OFF_VP_EPORT] | (ioreq.bytes[A.OFF_VP_EPORT + 1] << 8)));
    assert.equal(ioreq.changed.length, 0, 'no previous view: nothing marked');
    // Run until the request is in the slot (READY): the changed bytes all lie in vcpu 0's slot, the state among them.
    const prev = new Map(before.map((v) => [v.memoryReference, v.bytes]));
    for (let i = 0; i < 30 && A.getState(rt.session.m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!.ioreq.va!, 0) === A.STATE_IOREQ_NONE; i++) rt.stepIn();
    const after = pageViews(rt.session.m, prev).find((v) => v.memoryReference === 'd1:0xfeff9')!;
    assert.match(fieldAt(after, A.OFF_BITS)!.value, /^state STATE_IOREQ_READY \(1\)/);
    assert.ok(after.changed.includes(A.OFF_BITS), 'the state byte is marked');
    assert.ok(after.changed.every((o) => o < A.IOREQ_SIZE), `only vcpu 0's slot changed: ${after.changed}`);
    const buf = pageViews(rt.session.m).find((v) => v.kind === 'bufioreq')!;
    assert.deepEqual(buf.fields.slice(0, 2).map((f) => f.name), ['read_pointer', 'write_pointer']);
    assert.equal(pageViews(rt.session.m).find((v) => v.name === 'XENSTORE')?.fields.length ?? 0, 0);
  });
});
