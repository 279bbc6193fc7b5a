// One shape for every profile's ioreq servers (src/model/servers.ts), as the state document, the Model view and the
// explorer read them (issue 16's mutation testing). Each bundled scenario below is run to its end and its servers'
// documents checked field by field against what that Xen does:
//  - the seed: the one server, d->arch.hvm_domain.ioreq_server, takes every request; its pages are the ones the
//    IOREQ_PFN / BUFIOREQ_PFN params name (0xfeff9 / 0xfeff8, special_pfn of xc_hvm_build_x86.c @RELEASE-4.4.0); ports
//    1 and 2 are xenstore's and the console's, so vcpu 0's is 3, the buffered one 4, vcpu 1's 5 (added on demand after);
//  - 4.5: a list, newest first; a server made by HVMOP_create_ioreq_server takes its pages from the gmfn pool
//    (hvm_alloc_ioreq_gmfn, hvm.c @RELEASE-4.5.0) and is disabled until HVMOP_set_ioreq_server_state; the default
//    server (made by reading the params) uses the params' pages and catches what no range claims;
//  - 4.21: the eight slots of d->ioreq_server.server[] (common/ioreq.c @RELEASE-4.21.0); pages obtained through
//    XENMEM_acquire_resource have no gfn; HVM_IOREQSRV_BUFIOREQ_OFF leaves no buffered page and no buffered port.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as A from '../../src/model/abi';
import { stateJson } from '../../src/model/state';
import { covers, hexRange, registerServerLister, serverDoc, serversOf, slotState, type ServerView } from '../../src/model/servers';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

const SCENARIOS = path.join(__dirname, '..', '..', '..', 'scenarios');
function endOf(name: string) {
  const file = path.join(SCENARIOS, name);
  return runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file)).session.m;
}
type Doc = Record<string, unknown>;
const serversDoc = (name: string, domid = 1) => {
  const d = (stateJson(endOf(name)).domains as Record<string, Doc>)[String(domid)];
  return (d.ioreqServers as Doc[]).map(({ slots, bufferedRing, ...rest }) => ({ ...rest, hasSlots: Array.isArray(slots), ring: bufferedRing === null ? null : 'ring' }) as Doc);
};
const page = (gfn: string | null, mapped: boolean, how: string | null) => ({ gfn, mapped, how });

describe("servers: every profile's ioreq servers in one shape", () => {
  it('the seed: one catch-all server on the params\' pages, a port per vcpu and one buffered', () => {
    assert.deepEqual(serversDoc('06-two-vcpus-on-demand.ioreq.json'), [{
      id: null, emulator: 0, enabled: true, isDefault: true, freed: false, ranges: 'all (catch-all)',
      ioreqPage: page('0xfeff9', true, 'param'), bufioreqPage: page('0xfeff8', true, 'param'), bufioreqHandling: 'legacy',
      ioreqEvtchn: [3, 5], bufIoreqEvtchn: 4, hasSlots: true, ring: 'ring',
    }]);
  });

  it('4.5: created servers newest first, disabled, on gmfn-pool pages, with their ranges; none is the default', () => {
    const docs = serversDoc('23-x45-hvmops-ids-and-errors.ioreq.json');
    assert.deepEqual(docs.map((s) => [s.id, s.enabled, s.isDefault, (s.ioreqPage as Doc).how, (s.ioreqPage as Doc).gfn, (s.bufioreqPage as Doc).gfn, s.ioreqEvtchn, s.bufIoreqEvtchn]), [
      [4, false, false, 'gmfn-pool', '0xfeff6', '0xfeff7', [9], 10],
      [3, false, false, 'gmfn-pool', '0xfeff4', '0xfeff5', [7], 8],
      [1, false, false, 'gmfn-pool', '0xfeff0', '0xfeff1', [3], 4],
    ]);
    assert.deepEqual(docs[2].ranges, { port: [], mmio: ['0xfe000000-0xfe000fff'], pci: [] });
  });

  it('4.5: the default server beside a created one: the params\' pages, no ranges (catch-all)', () => {
    const docs = serversDoc('22-x45-qemu45-own-server-beside-default.ioreq.json');
    assert.deepEqual(docs.map((s) => [s.id, s.isDefault, s.ranges, (s.ioreqPage as Doc).how, (s.ioreqPage as Doc).gfn, s.bufioreqHandling]), [
      [2, true, 'all (catch-all)', 'param', '0xfeffd', 'legacy'],
      [1, false, { port: ['0x3f8-0x3ff'], mmio: [], pci: [] }, 'gmfn-pool', '0xfeff0', 'legacy'],
    ]);
  });

  it('4.21: slots in order, pages from acquire_resource without a gfn, a single port shown as itself', () => {
    const docs = serversDoc('32-x421-overlapping-ranges-newest-wins.ioreq.json');
    assert.deepEqual(docs.map((s) => [s.id, s.enabled, s.isDefault, s.ranges, s.ioreqPage, s.bufioreqPage, s.bufioreqHandling, s.ioreqEvtchn, s.bufIoreqEvtchn]), [
      [0, true, false, { port: ['0x3f8-0x3ff'], mmio: [], pci: [] }, page(null, true, 'acquire_resource'), page(null, true, 'acquire_resource'), 'atomic', [3], 4],
      [1, true, false, { port: ['0x3f8'], mmio: [], pci: [] }, page(null, true, 'acquire_resource'), page(null, true, 'acquire_resource'), 'atomic', [5], 6],
    ]);
  });

  it('4.21: pages mapped at gfns from the IOREQ_SERVER_PFN pool show the gfn (hvm_alloc_ioreq_gfn, arch/x86/hvm/ioreq.c)', () => {
    const docs = serversDoc('37-x421-legacy-gfns-leave-p2m.ioreq.json');
    assert.deepEqual(docs.map((s) => [s.id, s.enabled, s.ioreqPage, s.bufioreqPage]), [
      [0, false, page('0xfeff0', true, 'legacy-gfn'), page('0xfeff1', true, 'legacy-gfn')],
      [1, true, page('0xfeff2', true, 'legacy-gfn'), page('0xfeff3', true, 'legacy-gfn')],
    ]);
  });

  it('each vcpu its own port: vcpu 0, the buffered port, then vcpu 1, server by server (4.21, and 4.5 with two vcpus)', () => {
    assert.deepEqual(serversDoc('90-x421-explore-bench.ioreq.json').map((s) => [s.id, s.ioreqEvtchn, s.bufIoreqEvtchn]), [[0, [3, 5], 4]]);
    const file = path.join(SCENARIOS, '22-x45-qemu45-own-server-beside-default.ioreq.json');
    const text = fs.readFileSync(file, 'utf8').replace('"vcpus": 1', '"vcpus": 2');
    const m = runScenario(parseScenario(text, file)).session.m;
    const docs = ((stateJson(m).domains as Record<string, Doc>)['1'].ioreqServers as Doc[]);
    assert.deepEqual(docs.map((s) => [s.id, s.ioreqEvtchn, s.bufIoreqEvtchn]), [[2, [6, 8], 7], [1, [3, 5], 4]]);
    // A vcpu missing from a server's list has no port there.
    const d = m.x.domains.get(1)!;
    const own = d.hvm45.ioreq_server.list.find((s) => s.id === 1)!;
    own.ioreq_vcpu_list = own.ioreq_vcpu_list.filter((sv) => sv.vcpu.vcpu_id !== 0);
    assert.deepEqual(serversOf('4.5', d).find((s) => s.id === 1)!.ioreqEvtchn, [-1, 5]);
    const m4 = endOf('90-x421-explore-bench.ioreq.json');
    const d4 = m4.x.domains.get(1)!;
    const s4 = d4.x421.server.find((s) => s)!;
    s4.ioreq_vcpu_list = s4.ioreq_vcpu_list.filter((sv) => sv.vcpu.vcpu_id !== 1);
    assert.deepEqual(serversOf('4.21', d4)[0].ioreqEvtchn, [3, -1]);
  });

  it('4.21 with HVM_IOREQSRV_BUFIOREQ_OFF: no buffered page, no buffered port, no ring', () => {
    const [s] = serversDoc('38-x421-varstored-port.ioreq.json');
    assert.deepEqual([s.bufioreqPage, s.bufioreqHandling, s.bufIoreqEvtchn, s.ring, s.ranges], [page(null, false, null), 'off', -1, null, { port: ['0x100-0x103'], mmio: [], pci: [] }]);
    const [arm] = serversDoc('36-x421-arm-virtio-bufioreq-einval.ioreq.json');
    assert.deepEqual([arm.bufioreqHandling, arm.bufIoreqEvtchn, arm.ranges], ['off', -1, { port: [], mmio: ['0x2000000-0x20001ff'], pci: [] }]);
  });

  it('a vcpu with no port in a server reads -1; a server freed is shown freed and disabled (the seed)', () => {
    const m = endOf('06-two-vcpus-on-demand.ioreq.json');
    const d = m.x.domains.get(1)!;
    const s = d.arch.hvm_domain.ioreq_server!;
    s.ioreq_evtchn = [3];
    s.freed = true;
    const [v] = serversOf(m.profile, d);
    assert.deepEqual([v.ioreqEvtchn, v.freed, v.enabled], [[3, -1], true, false]);
    s.ioreq.page = null;
    s.buf_ioreq.page = null;
    const [w] = serversOf(m.profile, d);
    assert.deepEqual([w.ioreq.how, w.bufioreq.how, w.ioreq.gfn], [null, null, null]);
    d.arch.hvm_domain.ioreq_server = null;
    assert.deepEqual(serversOf(m.profile, d), []);
  });

  it('4.5: a server whose pages are not obtained yet has no how; without a buffered page, no buffered port', () => {
    const m = endOf('22-x45-qemu45-own-server-beside-default.ioreq.json');
    const d = m.x.domains.get(1)!;
    const own = d.hvm45.ioreq_server.list.find((s) => s.id === 1)!;
    own.ioreq.page = null;
    own.bufioreq.va = null;
    const v = serversOf('4.5', d).find((s) => s.id === 1)!;
    assert.deepEqual([v.ioreq.how, v.bufioreq.how, v.bufioreqHandling, v.bufIoreqEvtchn], [null, 'gmfn-pool', 0, -1]);
    own.range = null;
    assert.equal(serversOf('4.5', d).find((s) => s.id === 1)!.ranges, null);
  });

  it('a slot state is read from the page\'s bytes, null without a mapping; the document gives no slots unless asked', () => {
    const m = endOf('28-x421-qemu-port-round-trip.ioreq.json');
    const d = m.x.domains.get(1)!;
    const [v] = serversOf('4.21', d);
    A.setState(v.ioreq.va!, A.ioreqOffset(0), A.STATE_IORESP_READY);
    assert.equal(slotState(v, 0), A.STATE_IORESP_READY);
    const unmapped: ServerView = { ...v, ioreq: { ...v.ioreq, va: null } };
    assert.equal(slotState(unmapped, 0), null);
    const doc = serverDoc(v, d, () => 'ring');
    assert.ok(!('slots' in doc));
    assert.equal(doc.bufferedRing, 'ring');
    assert.deepEqual(serverDoc(unmapped, d, () => 'ring', () => 'slot').slots, [null]);
    assert.deepEqual(serverDoc(v, d, () => 'ring', (_dv, vcpu) => `slot ${vcpu}`).slots, ['slot 0']);
    assert.equal(serverDoc({ ...v, bufioreqHandling: 7 }, d, () => null).bufioreqHandling, 7);
    assert.deepEqual(serverDoc({ ...v, ioreqEvtchn: [] }, d, () => null).ioreqEvtchn, [-1]);
  });

  it('covers: one range must hold the whole access, as rangeset_contains_range asks', () => {
    const r: Array<[bigint, bigint]> = [[0x3f8n, 0x3ffn], [0x400n, 0x40fn]];
    assert.equal(covers(r, 0x3f8n, 0x3ffn), true);
    assert.equal(covers(r, 0x3fcn, 0x3fcn), true);
    assert.equal(covers(r, 0x3fcn, 0x403n), false); // across two ranges that touch
    assert.equal(covers(r, 0x3f7n, 0x3f8n), false);
    assert.equal(covers([], 0n, 0n), false);
    assert.equal(hexRange([0x10n, 0x10n]), '0x10');
    assert.equal(hexRange([0x10n, 0x1fn]), '0x10-0x1f');
  });

  it('a profile may register its own lister', () => {
    const m = endOf('06-two-vcpus-on-demand.ioreq.json');
    const d = m.x.domains.get(1)!;
    assert.equal(serversOf('legacy', d).length, 1);
    registerServerLister('legacy', () => []);
    // Put back the single-server lister the legacy profile shares with the seed.
    try { assert.deepEqual(serversOf('legacy', d), []); } finally { registerServerLister('legacy', (dd) => serversOf('seed', dd)); }
    assert.equal(serversOf('legacy', d).length, 1);
  });
});
