// Issue 12 (values as a Xen developer reads them): the ioreq servers of 4.5 (struct hvm_ioreq_server, with
// hvm_ioreq_vcpu, hvm_ioreq_page, rangeset: xen/include/asm-x86/hvm/domain.h:39-70 @RELEASE-4.5.0) and of 4.21
// (struct ioreq_server, ioreq_vcpu, ioreq_page: xen/include/xen/ioreq.h:26-58 @RELEASE-4.21.0) as Variables, hover and
// watch show them: which server of which domain for which device model, enabled or not; a vcpu entry's port; a page's
// frame and mapping; a rangeset's ranges in hex. Before, each showed as its first four field names ("{freed, domid, id, ioreq, …}").
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { show } from '../../src/debug/values';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import { G45 } from '../model/x45-guest';

const SCENARIOS = path.join(__dirname, '../../../scenarios');
const children = (v: unknown) => Object.fromEntries(show('x', v).children!().map(([k, c]) => [k, show(k, c).value]));

describe('debugger: 4.5 and 4.21 ioreq servers shown as their C structs', () => {
  it('4.5: the default and a secondary, their vcpu entries, pages and rangesets', () => {
    const g = new G45(1);
    const def = g.defaultServer();
    const s = g.secondary([[0, 0x3f8, 0x3ff], [0, 0x60, 0x60]]);
    assert.equal(show('s', def).value, 'default ioreq server 1 of d1 for dm d0, enabled');
    assert.equal(show('s', def).type, 'struct hvm_ioreq_server *');
    assert.equal(show('s', s).value, 'ioreq server 2 of d1 for dm d0, enabled');
    assert.equal(show('sv', s.ioreq_vcpu_list[0]).value, `d1v0, port ${s.ioreq_vcpu_list[0].ioreq_evtchn}`);
    assert.equal(show('sv', s.ioreq_vcpu_list[0]).type, 'struct hvm_ioreq_vcpu *');
    assert.equal(show('iorp', s.ioreq).value, 'gmfn 0xfeff0, mapped');
    assert.equal(show('iorp', s.ioreq).type, 'struct hvm_ioreq_page');
    assert.equal(show('r', s.range![0]).value, '{ 0x60, 0x3f8-0x3ff }', 'a singleton as one number, ascending');
    assert.equal(show('r', s.range![1]).value, '{ }');
    assert.equal(show('r', s.range![0]).type, 'struct rangeset *');
    const kids = children(s);
    assert.equal(kids.id, '2');
    assert.equal(kids.domid, '0');
    assert.equal(kids.enabled, '1');
    assert.equal(kids.bufioreq, 'gmfn 0xfeff1, mapped');
    assert.equal(kids.ioreq_vcpu_list, '[1]');
    assert.equal(kids.range, '[3]');
    assert.equal(children(s.ioreq).gmfn, '0xfeff0');
    assert.deepEqual(Object.keys(children(s.ioreq_vcpu_list[0])), ['vcpu', 'ioreq_evtchn']);
    assert.equal(children(s.range![0])['1'], '0x3f8-0x3ff');
    assert.equal(show('r', def.range).value, 'NULL', 'the default has no rangesets');
    assert.equal(g.op(21, { domid: 1, id: s.id }), 0);
    assert.equal(show('s', s).value, 'ioreq server 2 of d1 for dm d0, enabled (FREED)');
    assert.equal(g.op(22, { domid: 1, id: 2, enabled: 0 }), -2);
    const t = g.secondary();
    assert.equal(g.op(22, { domid: 1, id: t.id, enabled: 0 }), 0);
    assert.match(show('s', t).value, /, disabled$/);
    assert.equal(show('iorp', t.bufioreq).value, 'gmfn 0xfeff3, mapped');
    const none = new G45(1);
    assert.equal(none.op(17, { domid: 1, handle_bufioreq: 0, id: -1 }), 0);
    assert.equal(show('iorp', none.d.hvm45.ioreq_server.list[0].bufioreq).value, 'gmfn 0x0, va NULL');
  });

  it('4.21: a server in its slot, vcpu entries with their ports, pages obtained without a gfn, ranges in hex', () => {
    const file = path.join(SCENARIOS, '32-x421-overlapping-ranges-newest-wins.ioreq.json');
    const m = runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file)).session.m;
    const [s0, s1] = m.x.domains.get(1)!.x421.server;
    assert.ok(s0 && s1);
    assert.equal(show('s', s0).value, 'ioreq server 0 of d1 for dm d0, enabled');
    assert.equal(show('s', s0).type, 'struct ioreq_server *');
    assert.equal(show('s', s1).value, 'ioreq server 1 of d1 for dm d0, enabled');
    assert.equal(show('sv', s0.ioreq_vcpu_list[0]).value, `d1v0, port ${s0.ioreq_vcpu_list[0].ioreq_evtchn}`);
    assert.equal(show('sv', s0.ioreq_vcpu_list[0]).type, 'struct ioreq_vcpu *');
    assert.deepEqual(Object.keys(children(s0.ioreq_vcpu_list[0])), ['vcpu', 'ioreq_evtchn', 'pending']);
    assert.equal(show('iorp', s0.ioreq).value, 'no gfn, mapped');
    assert.equal(children(s0.ioreq).gfn, '"INVALID_GFN"');
    assert.equal(show('r', s0.range[0]).value, '{ 0x3f8-0x3ff }');
    assert.equal(show('r', s1.range[0]).value, '{ 0x3f8 }');
    assert.equal(children(s0).emulator, 'd0');
    assert.equal(children(s0).target, 'd1 (HVM)');
  });
});
