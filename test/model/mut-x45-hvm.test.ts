// Issue 16, src/model/xen/4.5/hvm.ts: the ioreq servers' life in Xen 4.5 statement by statement, as the stepped build
// (what the debugger steps) runs it. [X45] is xen/arch/x86/hvm/hvm.c @RELEASE-4.5.0: the gmfn pool (466-490), the
// pages (492-538), a server's vcpus (592-712), pages and rangesets (714-846), enable/disable (848-902), init/deinit
// (904-952), create/destroy/info/ranges/state (980-1245), all servers' vcpus (1247-1323), hvm_set_dm_domain
// (1340-1396). Each test pins a call's statement labels in order, the values the labels compute for the debugger
// (hex pfns, the pool mask, 'mapped' or 'NULL' pages, ports) and what the call leaves in the model. The routing and
// hypercall half of the file is pinned in mut-x45-hvm-io.test.ts.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import * as E from '../../src/model/evtchn';
import * as P from '../../src/model/params';
import { G45, labels, localsAt, type Stop } from './x45-guest';

/** Each call of fn, as its labels in order (a call starts again at the function's first label). */
function callsOf(stops: Stop[], fn: string, first: string): string[][] {
  const out: string[][] = [];
  for (const s of stops) {
    if (s.fn !== fn) continue;
    if (s.at === first || !out.length) out.push([]);
    out[out.length - 1].push(s.at);
  }
  return out;
}
/** The value of local k at every stop of fn at label at, in order. */
/** Port p of d1 as ECS_* (ECS_FREE past the table's end). */
const portState = (g: G45, p: number) => E.ECS_NAMES[g.d.evtchn.ports[p]?.state ?? E.ECS_FREE];
const every = (stops: Stop[], fn: string, at: string, k: string) => stops.filter((s) => s.fn === fn && s.at === at).map((s) => s.locals[k]);

const CREATE_HEAD = ['alloc', 'check_alloc', 'pause', 'exist'];
const CREATE_OK = [...CREATE_HEAD, 'init', 'check_init', 'list_add', 'is_default'];
const MAP_PAGE = ['init_d', 'init_iorp', 'prepare', 'check_busy', 'publish', 'set_page', 'set_gmfn', 'ret'];
const ADD_VCPU0_BUF = ['alloc_sv', 'check_sv', 'alloc_port', 'check_port', 'set_port', 'buf_port', 'alloc_buf_port', 'check_buf_port',
  'set_buf_port', 'is_default', 'set_vcpu', 'list_add', 'enabled', 'ret'];
const ADD_VCPU = ['alloc_sv', 'check_sv', 'alloc_port', 'check_port', 'set_port', 'buf_port', 'set_vcpu', 'list_add', 'enabled', 'ret'];
const DESTROY_RING = ['init_va', 'check', 'unmap', 'put', 'clear'];

describe('mutation (issue 16): 4.5 hvm_create_ioreq_server and hvm_ioreq_server_init ([X45] hvm.c:904-944, 980-1029)', () => {
  it('a secondary with a buffered page on two vcpus: two pool pages (lowest bit first), vcpu 0 also gets the buffered port, the server is not enabled', () => {
    const g = new G45(2);
    const out = { id: -1 };
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, true, out));
    assert.equal(r.value, 0);
    assert.equal(out.id, 1, 'the first id handed out is 1 (next_ioservid)');
    assert.deepEqual(labels(r.stops, 'hvm_create_ioreq_server'), [...CREATE_OK, 'set_id', 'unpause', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'alloc').rc, '-ENOMEM', 'rc = -ENOMEM before xzalloc');
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'check_alloc').s, '"allocated"');
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'exist').default_ioreq_server, 'NULL');
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'init').id, '1');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_init'), ['set_ids', 'rangesets', 'check_rangesets', 'map_pages', 'check_map_pages',
      'for_each_vcpu', 'add_vcpu', 'check_add_vcpu', 'for_each_vcpu', 'add_vcpu', 'check_add_vcpu', 'ret']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_init', 'for_each_vcpu', 'v'), ['d1v0', 'd1v1']);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_map_pages'), ['pfns', 'alloc_ioreq', 'alloc_bufioreq', 'map_ioreq', 'check_map_ioreq',
      'map_bufioreq', 'check_map_bufioreq', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'alloc_bufioreq').ioreq_pfn, '0xfeff0');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'map_ioreq').gmfn, '0xfeff0');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'map_bufioreq').gmfn, '0xfeff1');
    // hvm_alloc_ioreq_gmfn: the first call finds bit 0 of 0xff, the second skips the cleared bit 0 and finds bit 1.
    assert.deepEqual(labels(r.stops, 'hvm_alloc_ioreq_gmfn'), ['scan', 'test_bit', 'found', 'found_ret', 'scan', 'test_bit', 'scan', 'test_bit', 'found', 'found_ret']);
    assert.deepEqual(every(r.stops, 'hvm_alloc_ioreq_gmfn', 'scan', 'mask'), ['0xff', '0xfe', '0xfe']);
    assert.deepEqual(every(r.stops, 'hvm_alloc_ioreq_gmfn', 'scan', 'base'), ['0xfeff0', '0xfeff0', '0xfeff0']);
    assert.deepEqual(every(r.stops, 'hvm_alloc_ioreq_gmfn', 'found', 'gmfn'), ['0xfeff0', '0xfeff1']);
    assert.deepEqual(callsOf(r.stops, 'hvm_map_ioreq_page', 'init_d'), [MAP_PAGE, MAP_PAGE]);
    assert.deepEqual(every(r.stops, 'hvm_map_ioreq_page', 'check_busy', 'va'), ['"NULL"', '"NULL"']);
    assert.deepEqual(every(r.stops, 'hvm_map_ioreq_page', 'check_busy', 'is_dying'), ['0', '0']);
    assert.deepEqual(every(r.stops, 'hvm_map_ioreq_page', 'set_gmfn', 'gmfn'), ['0xfeff0', '0xfeff1']);
    assert.deepEqual(callsOf(r.stops, 'hvm_ioreq_server_add_vcpu', 'alloc_sv'), [ADD_VCPU0_BUF, ADD_VCPU]);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_add_vcpu', 'check_sv', 'sv'), ['"allocated"', '"allocated"']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_add_vcpu', 'buf_port', 'bufioreq'), ['"mapped"', '"mapped"']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_add_vcpu', 'check_port', 'rc'), ['3', '5'], 'vcpu 0 port 3, the buffered 4, vcpu 1 port 5');
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_add_vcpu', 'check_buf_port', 'rc'), ['4']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_add_vcpu', 'alloc_port', 'domid'), ['0', '0'], 'the ports are for the serving domain');
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_add_vcpu', 'enabled', 'enabled'), ['0', '0']);
    assert.deepEqual(labels(r.stops, 'hvm_update_ioreq_evtchn'), [], 'a disabled server writes no vp_eport');
    const s = g.d.hvm45.ioreq_server.list[0];
    assert.equal(s.id, 1);
    assert.equal(s.enabled, false);
    assert.equal(s.bufioreq_evtchn, 4);
    assert.deepEqual(s.ioreq_vcpu_list.map((sv) => [sv.vcpu.vcpu_id, sv.ioreq_evtchn]), [[1, 5], [0, 3]], 'list_add: the newest vcpu first');
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN], 0, 'a secondary does not store BUFIOREQ_EVTCHN');
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xfcn);
    assert.equal(g.d.hvm45.default_ioreq_server, null);
    assert.equal(g.d.pause_count, 0, 'paused and unpaused');
    assert.deepEqual(g.events('server_create').map((e) => e.text), ['d1 ioreq server 1 created for dm d0 (ioreq 0xfeff0, bufioreq 0xfeff1)']);
  });

  it('without a buffered page: one pool page, no buffered port, and the event names no bufioreq', () => {
    const g = new G45(1);
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, false, null));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_map_pages'), ['pfns', 'alloc_ioreq', 'alloc_bufioreq', 'map_ioreq', 'check_map_ioreq', 'ret']);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_add_vcpu'), ADD_VCPU);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_add_vcpu', 'buf_port').bufioreq, '"NULL"');
    assert.deepEqual(labels(r.stops, 'hvm_create_ioreq_server'), [...CREATE_OK, 'set_id', 'unpause', 'ret'], 'out NULL: set_id stops, stores nothing');
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xfen);
    assert.deepEqual(g.events('server_create').map((e) => e.text), ['d1 ioreq server 1 created for dm d0 (ioreq 0xfeff0)']);
  });

  it('the default server: the IOREQ/BUFIOREQ params\' pages, BUFIOREQ_EVTCHN stored, enabled at once with every vp_eport written', () => {
    const g = new G45(2);
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, true, true, null));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_create_ioreq_server'), [...CREATE_OK, 'default', 'enable', 'set_id', 'unpause', 'ret']);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_map_pages'), ['pfns', 'default_ioreq_pfn', 'assert_bufioreq', 'default_bufioreq_pfn',
      'map_ioreq', 'check_map_ioreq', 'map_bufioreq', 'check_map_bufioreq', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'map_ioreq').gmfn, '0xfeffd');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'map_bufioreq').gmfn, '0xfeffb');
    assert.deepEqual(labels(r.stops, 'hvm_alloc_ioreq_gmfn'), [], 'the pool is not used');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_enable'), ['check', 'enable', 'update_evtchn', 'update_evtchn'], 'no remove_gmfns for the default');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_enable', 'check').enabled, '0');
    assert.deepEqual(every(r.stops, 'hvm_update_ioreq_evtchn', 'check', 'va'), ['"mapped"', '"mapped"']);
    const s = g.d.hvm45.default_ioreq_server!;
    assert.ok(s.enabled);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN], 4, 'hvm_ioreq_server_add_vcpu stores the default\'s buffered port');
    assert.deepEqual([g.slot(s, 0).vp_eport, g.slot(s, 1).vp_eport], [3, 5], 'enable wrote each vcpu\'s port into its slot');
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xffn);
    assert.deepEqual(g.events('server_state').map((e) => e.text), ['d1 ioreq server 1 enabled']);
    assert.deepEqual(g.events('page_remove'), [], 'the params\' pages stay where they are');
  });

  it('a second default: -EEXIST after the pause, undone through fail: the unpause, no id consumed', () => {
    const g = new G45(1);
    g.defaultServer();
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, true, true, null));
    assert.equal(r.value, -17);
    assert.deepEqual(labels(r.stops, 'hvm_create_ioreq_server'), [...CREATE_HEAD, 'eexist', 'exist_goto', 'fail', 'fail_unpause', 'fail_free', 'fail_ret']);
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'exist').default_ioreq_server, 'default ioreq server 1 of d1 for dm d0, enabled');
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'eexist').rc, '-ENOMEM');
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'exist_goto').rc, '-EEXIST');
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'fail_ret').rc, '-EEXIST');
    assert.equal(g.d.pause_count, 0);
    assert.equal(g.d.hvm45.ioreq_server.id, 1, 'next_ioservid did not run');
    assert.equal(g.d.hvm45.ioreq_server.list.length, 1);
  });

  it('xzalloc of the server fails: -ENOMEM at check_alloc, before any pause (fail1)', () => {
    const g = new G45(1);
    g.m.x.faults.xzalloc = 0;
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, true, null));
    assert.equal(r.value, -12);
    assert.deepEqual(labels(r.stops, 'hvm_create_ioreq_server'), ['alloc', 'check_alloc']);
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'check_alloc').s, '"NULL"');
    assert.equal(g.d.pause_count, 0);
    assert.equal(g.d.hvm45.ioreq_server.list.length, 0);
  });

  it('vcpu 1\'s xzalloc fails (fail_add): vcpu 0 is removed with both its ports, the pages unmapped and their pool bits cleared, the id consumed', () => {
    const g = new G45(2);
    g.m.x.faults.xzalloc = 2; // the server, vcpu 0's entry, then vcpu 1's
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, true, { id: -1 }));
    assert.equal(r.value, -12);
    assert.deepEqual(callsOf(r.stops, 'hvm_ioreq_server_add_vcpu', 'alloc_sv'), [ADD_VCPU0_BUF, ['alloc_sv', 'check_sv']]);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_add_vcpu', 'check_sv', 'sv'), ['"allocated"', '"NULL"']);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_init'), ['set_ids', 'rangesets', 'check_rangesets', 'map_pages', 'check_map_pages',
      'for_each_vcpu', 'add_vcpu', 'check_add_vcpu', 'for_each_vcpu', 'add_vcpu', 'check_add_vcpu', 'fail_add', 'remove_all_vcpus', 'unmap_pages',
      'fail_map', 'free_rangesets', 'fail_ret']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_init', 'fail_add').rc, '-ENOMEM');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_init', 'fail_add').v, 'd1v1');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_remove_all_vcpus'), ['walk', 'free', 'free_buf', 'free_port', 'free_sv', 'walk']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'walk', 'vcpus'), ['1', '0']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'free').port, '3');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'free_buf').vcpu_id, '0');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'free_buf').bufioreq, '"mapped"');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_unmap_pages'), ['init_handle_bufioreq', 'unmap', 'unmap_ioreq', 'is_default', 'free_bufioreq', 'free_ioreq']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_unmap_pages', 'init_handle_bufioreq').bufioreq, '"mapped"');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_unmap_pages', 'free_bufioreq').bufioreq_pfn, '0xfeff1');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_unmap_pages', 'free_ioreq').ioreq_pfn, '0xfeff0');
    assert.deepEqual(every(r.stops, 'hvm_unmap_ioreq_page', 'unmap', 'gmfn'), ['0xfeff1', '0xfeff0'], 'the buffered page first');
    assert.deepEqual(callsOf(r.stops, 'destroy_ring_for_helper', 'init_va'), [DESTROY_RING, DESTROY_RING]);
    assert.deepEqual(labels(r.stops, 'hvm_create_ioreq_server'), [...CREATE_HEAD, 'init', 'check_init', 'fail', 'fail_unpause', 'fail_free', 'fail_ret']);
    assert.equal(localsAt(r.stops, 'hvm_create_ioreq_server', 'check_init').rc, '-ENOMEM');
    // hvm_free_ioreq_gmfn clears the bit (clear_bit, [X45] hvm.c:485-490): the two pages are lost to the pool.
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xfcn);
    assert.equal(g.d.hvm45.ioreq_server.list.length, 0);
    assert.equal(g.d.hvm45.ioreq_server.id, 1, 'the id is consumed');
    assert.deepEqual([3, 4].map((p) => portState(g, p)), ['ECS_FREE', 'ECS_FREE']);
    assert.equal(g.d.pause_count, 0);
  });

  it('vcpu 0\'s buffered port fails (fail3): its own port is freed at once and nothing is on the list to remove', () => {
    const g = new G45(1);
    g.m.x.faults.evtchn = 1; // vcpu 0's port, then the buffered one
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, true, null));
    assert.equal(r.value, -28);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_add_vcpu'), ['alloc_sv', 'check_sv', 'alloc_port', 'check_port', 'set_port', 'buf_port',
      'alloc_buf_port', 'check_buf_port']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_add_vcpu', 'check_buf_port').rc, '-ENOSPC');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_remove_all_vcpus'), ['walk']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'walk').vcpus, '0');
    assert.equal(portState(g, 3), 'ECS_FREE');
  });

  it('vcpu 0\'s own port fails (fail2): -ENOSPC straight back, nothing else allocated', () => {
    const g = new G45(1);
    g.m.x.faults.evtchn = 0;
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, false, null));
    assert.equal(r.value, -28);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_add_vcpu'), ['alloc_sv', 'check_sv', 'alloc_port', 'check_port']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_add_vcpu', 'check_port').rc, '-ENOSPC');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_unmap_pages'), ['init_handle_bufioreq', 'unmap', 'unmap_ioreq', 'is_default', 'free_bufioreq', 'free_ioreq']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_unmap_pages', 'init_handle_bufioreq').bufioreq, '"NULL"');
    assert.deepEqual(labels(r.stops, 'hvm_unmap_ioreq_page'), ['init_iorp', 'unmap'], 'only the ioreq page is unmapped');
  });
});

describe('mutation (issue 16): 4.5 hvm_ioreq_server_map_pages\' failure paths ([X45] hvm.c:466-522, 714-772)', () => {
  it('the buffered page will not map (fail4): the ioreq page is unmapped, both pool pages freed, -ENOMEM through init and create', () => {
    const g = new G45(1);
    g.m.x.faults.map = 1;
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, true, null));
    assert.equal(r.value, -12);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_map_pages'), ['pfns', 'alloc_ioreq', 'alloc_bufioreq', 'map_ioreq', 'check_map_ioreq',
      'map_bufioreq', 'check_map_bufioreq', 'fail', 'free_bufioreq', 'free_ioreq', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'fail').rc, '-ENOMEM');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'free_bufioreq').bufioreq_pfn, '0xfeff1');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'free_ioreq', 0).ioreq_pfn, '0xfeff0');
    assert.deepEqual(callsOf(r.stops, 'hvm_map_ioreq_page', 'init_d'), [MAP_PAGE, ['init_d', 'init_iorp', 'prepare']]);
    assert.deepEqual(labels(r.stops, 'hvm_unmap_ioreq_page'), ['init_iorp', 'unmap']);
    assert.equal(localsAt(r.stops, 'hvm_unmap_ioreq_page', 'unmap').gmfn, '0xfeff0');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_init'), ['set_ids', 'rangesets', 'check_rangesets', 'map_pages', 'check_map_pages',
      'fail_map', 'free_rangesets', 'fail_ret']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_init', 'fail_map').rc, '-ENOMEM');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_add_vcpu'), []);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xfcn);
    assert.equal(g.d.hvm45.ioreq_server.list.length, 0);
  });

  it('the default\'s ioreq page will not map (fail3): no pool page is freed, the params\' pages are left alone', () => {
    const g = new G45(1);
    g.m.x.faults.map = 0;
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, true, true, null));
    assert.equal(r.value, -12);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_map_pages'), ['pfns', 'default_ioreq_pfn', 'assert_bufioreq', 'default_bufioreq_pfn',
      'map_ioreq', 'check_map_ioreq', 'fail', 'free_bufioreq', 'free_ioreq', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'free_bufioreq').bufioreq_pfn, '0xfeffb');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'free_ioreq').ioreq_pfn, '0xfeffd');
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xffn, 'hvm_free_ioreq_gmfn is not called for the default');
    assert.equal(g.d.hvm45.default_ioreq_server, null);
  });

  it('the default without a buffered page trips ASSERT(handle_bufioreq)', () => {
    const g = new G45(1);
    const r = g.m.steppedRun('dm0', null, (s) => (s.hvm as unknown as { hvmCreateIoreqServer: typeof g.h.hvmCreateIoreqServer }).hvmCreateIoreqServer(g.d, 0, true, false, null) as never);
    let done;
    for (;;) { const n = r.next(); if (n.done) { done = n.value; break; } }
    assert.match(String(done.panic), /ASSERT\(handle_bufioreq\)/);
    assert.equal((g.m.x.panic as { fn?: string } | null)?.fn, 'hvm_ioreq_server_map_pages');
  });

  it('a dying domain: the freshly mapped page is dropped again, -EINVAL (hvm.c:499-522)', () => {
    const g = new G45(1);
    g.d.is_dying = 1;
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, false, null));
    assert.equal(r.value, -22);
    assert.deepEqual(labels(r.stops, 'hvm_map_ioreq_page'), ['init_d', 'init_iorp', 'prepare', 'check_busy', 'busy_destroy', 'busy_ret']);
    assert.equal(localsAt(r.stops, 'hvm_map_ioreq_page', 'check_busy').is_dying, '1');
    assert.equal(localsAt(r.stops, 'hvm_map_ioreq_page', 'check_busy').va, '"NULL"');
    assert.deepEqual(labels(r.stops, 'destroy_ring_for_helper'), DESTROY_RING);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'fail').rc, '-EINVAL');
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xfen, 'its pool page is lost');
  });

  it('the pool runs dry: the buffered page\'s alloc scans all 64 bits and says none; the ioreq page goes back (fail2)', () => {
    const g = new G45(1);
    for (let i = 0; i < 3; i++) g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0x80n, 'one page left');
    const r = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, true, null));
    assert.equal(r.value, -12);
    const allocs = labels(r.stops, 'hvm_alloc_ioreq_gmfn').join(' ').split(' found_ret ');
    assert.equal(allocs.length, 2);
    assert.equal(allocs[0].split(' ').filter((l) => l === 'scan').length, 8, 'bit 7 is found at the eighth test');
    assert.deepEqual(allocs[1].split(' ').slice(-2), ['scan', 'none']);
    assert.equal(allocs[1].split(' ').filter((l) => l === 'scan').length, 65, 'i = 0..64: the last test of i ends the loop');
    assert.equal(allocs[1].split(' ').filter((l) => l === 'test_bit').length, 64);
    assert.equal(every(r.stops, 'hvm_alloc_ioreq_gmfn', 'found', 'gmfn')[0], '0xfeff7');
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_map_pages'), ['pfns', 'alloc_ioreq', 'alloc_bufioreq', 'free_ioreq', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'free_ioreq').ioreq_pfn, '0xfeff7');
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_map_pages', 'free_ioreq').rc, '-ENOMEM');
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0n);
    const r2 = g.stepped('dm0', null, (s) => s.hvm.hvmCreateIoreqServer(g.d, 0, false, false, null));
    assert.equal(r2.value, -12);
    assert.deepEqual(labels(r2.stops, 'hvm_ioreq_server_map_pages'), ['pfns', 'alloc_ioreq'], 'fail1: nothing to give back');
    assert.equal(g.d.hvm45.ioreq_server.id, 6, 'each failed init still consumed an id');
  });
});

describe('mutation (issue 16): 4.5 gmfn pool and page hand-over ([X45] hvm.c:466-490, 524-538)', () => {
  it('hvm_free_ioreq_gmfn clears the page\'s bit: after NR_IOREQ_SERVER_PAGES sets the bits again, a destroy takes its pages out of the pool', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xf8n);
    // The toolstack sets the page count again: set_bit for each page ORs them all back in.
    assert.equal(g.op(0, { domid: 1, index: P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, value: 8 }), 0);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xffn);
    assert.equal(g.op(21, { domid: 1, id: 1 }), 0);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xfcn, 'pages 0 and 1 (server 1\'s) cleared, page 2 (server 2\'s) still set');
    assert.equal(g.op(21, { domid: 1, id: 2 }), 0);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xf8n);
    // The pool's first and last of its 64 pages (C checks no bound: every gmfn freed is one the pool handed out).
    g.d.hvm45.ioreq_gmfn.mask = 0xffffffffffffffffn;
    g.h.hvmFreeIoreqGmfn(g.d, g.d.hvm45.ioreq_gmfn.base + 63);
    g.h.hvmFreeIoreqGmfn(g.d, g.d.hvm45.ioreq_gmfn.base);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0x7ffffffffffffffen, 'the first and the last page of the pool');
  });

  it('hvm_ioreq_server_unmap_pages frees the buffered page only if there is one: with the pool at gfn 0, a server without one gives back its ioreq page alone (hvm.c:774-792)', () => {
    const g = new G45(1);
    // IOREQ_SERVER_PFN 0 puts the pool's first page at gfn 0, the gmfn a server without a buffered page keeps as its
    // (unused) bufioreq gmfn.
    assert.equal(g.op(0, { domid: 1, index: P.HVM_PARAM_IOREQ_SERVER_PFN, value: 0 }), 0);
    const a = { domid: 1, handle_bufioreq: 0, id: -1 }, b = { domid: 1, handle_bufioreq: 0, id: -1 };
    assert.equal(g.op(17, a), 0);
    assert.equal(g.op(17, b), 0);
    const sb = g.d.hvm45.ioreq_server.list.find((s) => s.id === b.id)!;
    assert.deepEqual([sb.ioreq.gmfn, sb.bufioreq.gmfn, sb.bufioreq.va], [1, 0, null]);
    assert.equal(g.op(0, { domid: 1, index: P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, value: 8 }), 0);
    assert.equal(g.op(21, { domid: 1, id: b.id }), 0);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xfdn, 'only page 1 (b\'s ioreq page) cleared; page 0 stays set');
    // So the next server is handed page 0, which a still holds: the pool's double hand-out after a second set.
    const c = { domid: 1, handle_bufioreq: 0, id: -1 };
    assert.equal(g.op(17, c), 0);
    assert.equal(g.d.hvm45.ioreq_server.list.find((s) => s.id === c.id)!.ioreq.gmfn, 0);
  });

  it('enable clears a pool page as it leaves the guest, disable clears it again as it comes back; each names its pfn', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    const s = g.d.hvm45.ioreq_server.list[0];
    s.ioreq.va!.setUint8(100, 0xaa);
    s.bufioreq.va!.setUint8(200, 0xbb);
    assert.equal(g.op(22, { domid: 1, id: 1, enabled: 1 }), 0);
    assert.deepEqual([s.ioreq.va!.getUint8(100), s.bufioreq.va!.getUint8(200)], [0, 0], 'hvm_remove_ioreq_gmfn clears both pages');
    assert.deepEqual(g.events('page_remove').map((e) => [e.fn, (e.detail as { pfn: number }).pfn]), [['hvm_remove_ioreq_gmfn', 0xfeff0], ['hvm_remove_ioreq_gmfn', 0xfeff1]]);
    s.ioreq.va!.setUint8(100, 0xcc);
    s.bufioreq.va!.setUint8(200, 0xdd);
    assert.equal(g.op(22, { domid: 1, id: 1, enabled: 0 }), 0);
    assert.deepEqual([s.ioreq.va!.getUint8(100), s.bufioreq.va!.getUint8(200)], [0, 0], 'hvm_add_ioreq_gmfn clears them before the guest sees them');
    assert.deepEqual(g.events('page_populate').filter((e) => e.fn === 'hvm_add_ioreq_gmfn').map((e) => (e.detail as { pfn: number }).pfn), [0xfeff1, 0xfeff0]);
    assert.ok(g.events('page_remove').every((e) => e.domid === 1));
  });
});

describe('mutation (issue 16): 4.5 destroy, info, ranges and state of a secondary ([X45] hvm.c:1031-1245)', () => {
  it('hvm_destroy_ioreq_server: pause, unlist, deinit (each vcpu, newest first; the buffered port with vcpu 0), unmap, free', () => {
    const g = new G45(2);
    const s = g.secondary([[0, 0x3f8, 0x3ff]]);
    const r = g.stepped('dm0', null, (x) => x.hvm.hvmDestroyIoreqServer(g.d, s.id));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_destroy_ioreq_server'), ['find', 'check_s', 'pause', 'unlist', 'deinit', 'unpause', 'free', 'ret']);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_deinit'), ['deinit', 'unmap_pages', 'free_rangesets']);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_remove_all_vcpus'), ['walk', 'free', 'free_buf', 'free_port', 'free_sv',
      'walk', 'free', 'free_buf', 'free_port', 'free_sv', 'walk']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'walk', 'vcpus'), ['2', '1', '0']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'free', 'port'), ['5', '3']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'free_buf', 'vcpu_id'), ['1', '0']);
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'free_port', 'port'), ['5', '3']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_unmap_pages', 'free_bufioreq').bufioreq_pfn, '0xfeff1');
    assert.ok(s.freed);
    assert.equal(s.range, null, 'the rangesets are freed');
    assert.equal(g.d.hvm45.ioreq_server.list.length, 0);
    assert.deepEqual([3, 4, 5].map((p) => portState(g, p)), ['ECS_FREE', 'ECS_FREE', 'ECS_FREE']);
    assert.deepEqual(g.events('server_destroy').map((e) => e.text), ['d1 ioreq server 1 destroyed']);
    assert.equal(g.d.pause_count, 0);
    const none = g.stepped('dm0', null, (x) => x.hvm.hvmDestroyIoreqServer(g.d, 9));
    assert.equal(none.value, -2);
    assert.deepEqual(labels(none.stops, 'hvm_destroy_ioreq_server'), ['find', 'check_s']);
    assert.equal(localsAt(none.stops, 'hvm_destroy_ioreq_server', 'find').s, 'NULL');
  });

  it('the default cannot be destroyed, asked for or ranged by id: the walks skip it (-ENOENT)', () => {
    const g = new G45(1);
    const d = g.defaultServer();
    const info = { domid: 1, id: d.id, bufioreq_port: 0, ioreq_pfn: 0, bufioreq_pfn: 0 };
    for (const r of [g.stepped('dm0', null, (x) => x.hvm.hvmDestroyIoreqServer(g.d, d.id)),
      g.stepped('dm0', null, (x) => x.hvm.hvmGetIoreqServerInfo(g.d, d.id, info)),
      g.stepped('dm0', null, (x) => x.hvm.hvmSetIoreqServerState(g.d, d.id, false)),
      g.stepped('dm0', null, (x) => x.hvm.hvmMapIoRangeToIoreqServer(g.d, d.id, 0, 1, 2))]) assert.equal(r.value, -2);
    assert.ok(!d.freed && d.enabled);
  });

  it('hvm_get_ioreq_server_info: the pool pfns and the buffered port; without a buffered page those are left as they were', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    const o1 = { domid: 1, id: 1, bufioreq_port: -9, ioreq_pfn: -9, bufioreq_pfn: -9 };
    const r1 = g.stepped('dm0', null, (x) => x.hvm.hvmGetIoreqServerInfo(g.d, 1, o1));
    assert.equal(r1.value, 0);
    assert.deepEqual(labels(r1.stops, 'hvm_get_ioreq_server_info'), ['find', 'check_s', 'ioreq_pfn', 'buf', 'bufioreq_pfn', 'bufioreq_port', 'ret']);
    assert.equal(localsAt(r1.stops, 'hvm_get_ioreq_server_info', 'ioreq_pfn').ioreq_pfn, '0xfeff0');
    assert.equal(localsAt(r1.stops, 'hvm_get_ioreq_server_info', 'buf').bufioreq, '"mapped"');
    assert.equal(localsAt(r1.stops, 'hvm_get_ioreq_server_info', 'bufioreq_pfn').bufioreq_pfn, '0xfeff1');
    assert.equal(localsAt(r1.stops, 'hvm_get_ioreq_server_info', 'bufioreq_port').bufioreq_port, '4');
    assert.deepEqual(o1, { domid: 1, id: 1, bufioreq_port: 4, ioreq_pfn: 0xfeff0, bufioreq_pfn: 0xfeff1 });
    const o2 = { domid: 1, id: 2, bufioreq_port: -9, ioreq_pfn: -9, bufioreq_pfn: -9 };
    const r2 = g.stepped('dm0', null, (x) => x.hvm.hvmGetIoreqServerInfo(g.d, 2, o2));
    assert.deepEqual(labels(r2.stops, 'hvm_get_ioreq_server_info'), ['find', 'check_s', 'ioreq_pfn', 'buf', 'ret']);
    assert.equal(localsAt(r2.stops, 'hvm_get_ioreq_server_info', 'buf').bufioreq, '"NULL"');
    assert.deepEqual(o2, { domid: 1, id: 2, bufioreq_port: -9, ioreq_pfn: 0xfeff2, bufioreq_pfn: -9 });
    const r3 = g.stepped('dm0', null, (x) => x.hvm.hvmGetIoreqServerInfo(g.d, 7, o2));
    assert.equal(r3.value, -2);
    assert.deepEqual(labels(r3.stops, 'hvm_get_ioreq_server_info'), ['find', 'check_s']);
  });

  it('ranges: a bad type is -EINVAL at check_r, an overlap -EEXIST, an unmap of what is not wholly mapped -ENOENT; the events name the range in hex', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    const map = (type: number, a: number, b: number) => g.stepped('dm0', null, (x) => x.hvm.hvmMapIoRangeToIoreqServer(g.d, 1, type, a, b));
    const unmap = (type: number, a: number, b: number) => g.stepped('dm0', null, (x) => x.hvm.hvmUnmapIoRangeFromIoreqServer(g.d, 1, type, a, b));
    const ok = map(1, 0xe0000000, 0xe0000fff);
    assert.equal(ok.value, 0);
    assert.deepEqual(labels(ok.stops, 'hvm_map_io_range_to_ioreq_server'), ['find', 'check_s', 'type', 'check_r', 'overlap', 'add']);
    for (const t of [3, -1]) {
      const bad = map(t, 0, 1);
      assert.equal(bad.value, -22, `type ${t}`);
      assert.deepEqual(labels(bad.stops, 'hvm_map_io_range_to_ioreq_server'), ['find', 'check_s', 'type', 'check_r']);
      assert.equal(localsAt(bad.stops, 'hvm_map_io_range_to_ioreq_server', 'check_r').r, 'NULL');
      assert.equal(unmap(t, 0, 1).value, -22);
    }
    const over = map(1, 0xe0000fff, 0xe0001000);
    assert.equal(over.value, -17, 'the last byte overlaps');
    assert.deepEqual(labels(over.stops, 'hvm_map_io_range_to_ioreq_server'), ['find', 'check_s', 'type', 'check_r', 'overlap']);
    assert.equal(map(0, 0xe0000000, 0xe0000fff).value, 0, 'the same numbers as ports: another rangeset');
    const part = unmap(1, 0xe0000800, 0xe0001000);
    assert.equal(part.value, -2);
    assert.deepEqual(labels(part.stops, 'hvm_unmap_io_range_from_ioreq_server'), ['find', 'check_s', 'type', 'check_r', 'contains']);
    const whole = unmap(1, 0xe0000000, 0xe0000fff);
    assert.equal(whole.value, 0);
    assert.deepEqual(labels(whole.stops, 'hvm_unmap_io_range_from_ioreq_server'), ['find', 'check_s', 'type', 'check_r', 'contains', 'remove']);
    assert.equal(unmap(1, 0xe0000000, 0xe0000fff).value, -2, 'gone now');
    assert.equal(g.stepped('dm0', null, (x) => x.hvm.hvmUnmapIoRangeFromIoreqServer(g.d, 4, 1, 0, 1)).value, -2, 'no such server');
    assert.deepEqual(g.events('io_range').map((e) => [e.fn, e.text]), [
      ['hvm_map_io_range_to_ioreq_server', 'd1 ioreq server 1 claims memory 0xe0000000-0xe0000fff'],
      ['hvm_map_io_range_to_ioreq_server', 'd1 ioreq server 1 claims port 0xe0000000-0xe0000fff'],
      ['hvm_unmap_io_range_from_ioreq_server', 'd1 ioreq server 1 gives up memory 0xe0000000-0xe0000fff']]);
    assert.deepEqual(g.events('io_range').map((e) => (e.detail as { map: boolean }).map), [true, true, false]);
  });

  it('set_ioreq_server_state: enabling takes both pool pages out of the guest and writes vp_eport; disabling puts them back; a repeat does nothing', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    const s = g.d.hvm45.ioreq_server.list[0];
    const on = g.stepped('dm0', null, (x) => x.hvm.hvmSetIoreqServerState(g.d, 1, true));
    assert.equal(on.value, 0);
    assert.deepEqual(labels(on.stops, 'hvm_set_ioreq_server_state'), ['find', 'check_s', 'pause', 'enable', 'unpause', 'ret']);
    assert.deepEqual(labels(on.stops, 'hvm_ioreq_server_enable'), ['check', 'remove_gmfns', 'remove_ioreq', 'remove_bufioreq', 'enable', 'update_evtchn']);
    assert.equal(localsAt(on.stops, 'hvm_ioreq_server_enable', 'check').enabled, '0');
    assert.equal(localsAt(on.stops, 'hvm_ioreq_server_enable', 'remove_ioreq').gmfn, '0xfeff0');
    assert.equal(localsAt(on.stops, 'hvm_ioreq_server_enable', 'remove_bufioreq').bufioreq, '"mapped"');
    assert.deepEqual([...g.d.holes].sort(), [0xfeff0, 0xfeff1]);
    assert.deepEqual(g.events('page_remove').map((e) => e.text), ["d1 pfn 0xfeff0 taken out of the guest's physmap and cleared",
      "d1 pfn 0xfeff1 taken out of the guest's physmap and cleared"]);
    assert.equal(g.slot(s, 0).vp_eport, 3);
    assert.ok(s.enabled);
    const again = g.stepped('dm0', null, (x) => x.hvm.hvmSetIoreqServerState(g.d, 1, true));
    assert.deepEqual(labels(again.stops, 'hvm_ioreq_server_enable'), ['check']);
    assert.equal(localsAt(again.stops, 'hvm_ioreq_server_enable', 'check').enabled, '1');
    const off = g.stepped('dm0', null, (x) => x.hvm.hvmSetIoreqServerState(g.d, 1, false));
    assert.deepEqual(labels(off.stops, 'hvm_set_ioreq_server_state'), ['find', 'check_s', 'pause', 'enable', 'disable', 'unpause', 'ret']);
    assert.deepEqual(labels(off.stops, 'hvm_ioreq_server_disable'), ['check', 'add_gmfns', 'add_bufioreq', 'add_ioreq', 'disable']);
    assert.equal(localsAt(off.stops, 'hvm_ioreq_server_disable', 'check').enabled, '1');
    assert.equal(localsAt(off.stops, 'hvm_ioreq_server_disable', 'add_bufioreq').bufioreq, '"mapped"');
    assert.equal(localsAt(off.stops, 'hvm_ioreq_server_disable', 'add_ioreq').gmfn, '0xfeff0');
    assert.equal(g.d.holes.size, 0);
    assert.deepEqual(g.events('page_populate').slice(-2).map((e) => e.text), ["d1 pfn 0xfeff1 cleared and put back in the guest's physmap",
      "d1 pfn 0xfeff0 cleared and put back in the guest's physmap"]);
    assert.equal(g.slot(s, 0).vp_eport, 0, 'hvm_add_ioreq_gmfn cleared the page');
    const off2 = g.stepped('dm0', null, (x) => x.hvm.hvmSetIoreqServerState(g.d, 1, false));
    assert.deepEqual(labels(off2.stops, 'hvm_ioreq_server_disable'), ['check']);
    assert.deepEqual(g.events('server_state').map((e) => [e.fn, e.text, e.after]), [['hvm_ioreq_server_enable', 'd1 ioreq server 1 enabled', true],
      ['hvm_ioreq_server_disable', 'd1 ioreq server 1 disabled', false]]);
    assert.equal(g.d.pause_count, 0);
  });

  it('an unbuffered secondary: enable and disable move only the ioreq page', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    const on = g.stepped('dm0', null, (x) => x.hvm.hvmSetIoreqServerState(g.d, 1, true));
    assert.equal(localsAt(on.stops, 'hvm_ioreq_server_enable', 'remove_bufioreq').bufioreq, '"NULL"');
    assert.deepEqual([...g.d.holes], [0xfeff0]);
    const off = g.stepped('dm0', null, (x) => x.hvm.hvmSetIoreqServerState(g.d, 1, false));
    assert.equal(localsAt(off.stops, 'hvm_ioreq_server_disable', 'add_bufioreq').bufioreq, '"NULL"');
    assert.deepEqual(g.events('page_populate').filter((e) => e.fn === 'hvm_add_ioreq_gmfn').map((e) => (e.detail as { pfn: number }).pfn), [0xfeff0]);
  });
});

describe('mutation (issue 16): 4.5 vcpus joining and leaving every server, and the domain\'s end ([X45] hvm.c:660-686, 1247-1323, 1398-1507, 2205-2301)', () => {
  it('hvm_all_ioreq_servers_add_vcpu: the walk stops before each server and after the last; a failure removes the vcpu from every server', () => {
    const g = new G45(1);
    g.defaultServer();
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    const v = g.v(0);
    // Take vcpu 0 out of both servers first, as hvm_vcpu_destroy does, then add it back.
    const rm = g.stepped('toolstack', null, (x) => x.hvm.hvmVcpuDestroy(v));
    assert.deepEqual(labels(rm.stops, 'hvm_vcpu_destroy'), ['remove']);
    assert.deepEqual(labels(rm.stops, 'hvm_all_ioreq_servers_remove_vcpu'), ['walk', 'remove', 'remove']);
    assert.equal(localsAt(rm.stops, 'hvm_all_ioreq_servers_remove_vcpu', 'walk').servers, '2');
    assert.deepEqual(callsOf(rm.stops, 'hvm_ioreq_server_remove_vcpu', 'find'), [['find', 'check_sv', 'list_del', 'free', 'free_port', 'free_sv'],
      ['find', 'check_sv', 'list_del', 'free', 'free_port', 'free_sv']]);
    assert.deepEqual(every(rm.stops, 'hvm_ioreq_server_remove_vcpu', 'free', 'buf_port'), ['6', '4'], 'vcpu 0 with a buffered page frees that port too');
    assert.deepEqual(every(rm.stops, 'hvm_ioreq_server_remove_vcpu', 'free', 'port'), ['5', '3']);
    assert.deepEqual(every(rm.stops, 'hvm_ioreq_server_remove_vcpu', 'free_port', 'port'), ['5', '3']);
    assert.deepEqual([3, 4, 5, 6].map((p) => portState(g, p)), ['ECS_FREE', 'ECS_FREE', 'ECS_FREE', 'ECS_FREE']);
    const again = g.stepped('toolstack', null, (x) => x.hvm.hvmAllIoreqServersRemoveVcpu(g.d, v));
    assert.deepEqual(callsOf(again.stops, 'hvm_ioreq_server_remove_vcpu', 'find'), [['find', 'check_sv'], ['find', 'check_sv']]);
    assert.deepEqual(every(again.stops, 'hvm_ioreq_server_remove_vcpu', 'check_sv', 'sv'), ['"NULL"', '"NULL"']);

    g.m.x.faults.evtchn = 2; // the secondary's port and buffered port, then the default's port fails
    const add = g.stepped('toolstack', null, (x) => x.hvm.hvmVcpuInitialise(v));
    assert.equal(add.value, -28);
    assert.deepEqual(labels(add.stops, 'hvm_vcpu_initialise'), ['add']);
    assert.deepEqual(labels(add.stops, 'hvm_all_ioreq_servers_add_vcpu'), ['walk', 'add', 'check_add', 'walk', 'add', 'check_add', 'fail',
      'remove_each', 'remove_each', 'fail_ret']);
    assert.deepEqual(every(add.stops, 'hvm_all_ioreq_servers_add_vcpu', 'check_add', 'rc'), ['0', '-ENOSPC']);
    assert.equal(localsAt(add.stops, 'hvm_all_ioreq_servers_add_vcpu', 'fail_ret').rc, '-ENOSPC');
    assert.equal(localsAt(add.stops, 'hvm_all_ioreq_servers_add_vcpu', 'walk').servers, '2');
    assert.ok(g.d.hvm45.ioreq_server.list.every((s) => s.ioreq_vcpu_list.length === 0), 'out of every server again');

    const ok = g.stepped('toolstack', null, (x) => x.hvm.hvmVcpuInitialise(v));
    assert.equal(ok.value, 0);
    assert.deepEqual(labels(ok.stops, 'hvm_all_ioreq_servers_add_vcpu'), ['walk', 'add', 'check_add', 'walk', 'add', 'check_add', 'walk', 'ret']);
    assert.deepEqual(g.d.hvm45.ioreq_server.list.map((s) => s.ioreq_vcpu_list.length), [1, 1]);
    const def = g.d.hvm45.default_ioreq_server!;
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN], def.bufioreq_evtchn, 'the default\'s new buffered port is stored');
    assert.equal(g.slot(def, 0).vp_eport, def.ioreq_vcpu_list[0].ioreq_evtchn, 'the enabled default writes the new port into the slot');
  });

  it('hvm_domain_relinquish_resources: every server goes, the default disabled first, no pause; the domain\'s parameters set at init', () => {
    const g = new G45(1);
    g.defaultServer();
    g.secondary();
    const from = g.m.x.events.length;
    const r = g.stepped('toolstack', null, (x) => x.hvm.hvmDomainRelinquishResources(g.d));
    assert.deepEqual(labels(r.stops, 'hvm_domain_relinquish_resources'), ['destroy']);
    assert.deepEqual(labels(r.stops, 'hvm_destroy_all_ioreq_servers'), ['walk', 'server', 'is_default', 'list_del', 'deinit', 'free',
      'walk', 'server', 'is_default', 'disable', 'clear_default', 'list_del', 'deinit', 'free', 'walk']);
    assert.deepEqual(every(r.stops, 'hvm_destroy_all_ioreq_servers', 'walk', 'servers'), ['2', '1', '0']);
    assert.deepEqual(every(r.stops, 'hvm_destroy_all_ioreq_servers', 'server', 'is_default'), ['0', '1']);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_disable'), ['check', 'disable'], 'the default keeps its pages where they are');
    assert.deepEqual(every(r.stops, 'hvm_ioreq_server_deinit', 'deinit', 'is_default'), ['0', '1']);
    assert.equal(g.d.hvm45.default_ioreq_server, null);
    assert.equal(g.d.hvm45.ioreq_server.list.length, 0);
    assert.deepEqual(g.events('server_destroy').map((e) => [e.fn, e.text]), [['hvm_destroy_all_ioreq_servers', 'd1 ioreq server 2 destroyed with its domain'],
      ['hvm_destroy_all_ioreq_servers', 'd1 ioreq server 1 destroyed with its domain']]);
    assert.equal(g.events('domain_pause', from).length, 0, 'hvm_destroy_all_ioreq_servers does not pause');

    const init = g.stepped('toolstack', null, (x) => x.hvm.hvmDomainInitialise(g.d));
    assert.equal(init.value, 0);
    assert.deepEqual(labels(init.stops, 'hvm_domain_initialise'), ['init', 'hpet_enabled', 'triple_fault_reason', 'register_cf8', 'ret']);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_HPET_ENABLED], 1);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_TRIPLE_FAULT_REASON], 1, 'SHUTDOWN_reboot');
  });
});

describe('mutation (issue 16): 4.5 hvm_set_dm_domain ([X45] hvm.c:1340-1396)', () => {
  it('no default server: 0 at once; the same domid: paused and unpaused, nothing replaced', () => {
    const none = new G45(1);
    const r0 = none.stepped('toolstack', null, (x) => x.hvm.hvmSetDmDomain(none.d, 0));
    assert.equal(r0.value, 0);
    assert.deepEqual(labels(r0.stops, 'hvm_set_dm_domain'), ['init_s', 'init_rc', 'check']);
    const g = new G45(1);
    g.defaultServer();
    const r = g.stepped('toolstack', null, (x) => x.hvm.hvmSetDmDomain(g.d, 0));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_set_dm_domain'), ['init_s', 'init_rc', 'check', 'pause', 'same', 'unpause', 'ret']);
    assert.deepEqual(g.events('server_domid'), []);
    assert.equal(g.d.pause_count, 0);
  });

  it('a new domid: each vcpu (newest first) gets a new port, vcpu 0 first a new buffered one, stored in the param; vp_eport rewritten', () => {
    const g = new G45(2);
    const s = g.defaultServer();
    const r = g.stepped('toolstack', null, (x) => x.hvm.hvmSetDmDomain(g.d, 5));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_set_dm_domain'), ['init_s', 'init_rc', 'check', 'pause', 'same',
      'for_each_sv', 'vcpu0', 'replace', 'check_replace', 'update',
      'for_each_sv', 'vcpu0', 'replace_buf', 'check_replace_buf', 'store_buf', 'replace', 'check_replace', 'update',
      'set_domid', 'unpause', 'ret']);
    assert.deepEqual(every(r.stops, 'hvm_set_dm_domain', 'vcpu0', 'vcpu_id'), ['1', '0']);
    assert.equal(localsAt(r.stops, 'hvm_set_dm_domain', 'store_buf').bufioreq_evtchn, String(s.bufioreq_evtchn));
    assert.deepEqual(every(r.stops, 'hvm_replace_event_channel', 'free', 'old_port'), ['5', '4', '3']);
    assert.equal(s.domid, 5);
    assert.notEqual(s.bufioreq_evtchn, 4, 'the buffered port was replaced');
    assert.deepEqual(s.ioreq_vcpu_list.map((sv) => sv.ioreq_evtchn).filter((p) => p === 3 || p === 5), [], 'so were the vcpus\' ports');
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN], s.bufioreq_evtchn);
    assert.deepEqual(g.events('param_set').filter((e) => e.fn === 'hvm_set_dm_domain').map((e) => e.after), [s.bufioreq_evtchn]);
    assert.deepEqual(g.events('domain_pause').slice(-1).map((e) => e.fn), ['hvm_set_dm_domain']);
    assert.deepEqual(g.events('domain_unpause').slice(-1).map((e) => e.fn), ['hvm_set_dm_domain']);
    assert.deepEqual([0, 1].map((i) => g.slot(s, i).vp_eport), [s.ioreq_vcpu_list[1].ioreq_evtchn, s.ioreq_vcpu_list[0].ioreq_evtchn]);
    assert.deepEqual(g.events('server_domid').map((e) => [e.text, e.before, e.after]), [['d1 default ioreq server now serves dm d5', 0, 5]]);
  });

  it('a replacement that fails stops the walk, yet s->domid is set and rc returned', () => {
    const g = new G45(2);
    const s = g.defaultServer();
    g.m.x.faults.evtchn = 1; // vcpu 1's new port, then vcpu 0's new buffered port fails
    const r = g.stepped('toolstack', null, (x) => x.hvm.hvmSetDmDomain(g.d, 5));
    assert.equal(r.value, -28);
    assert.deepEqual(labels(r.stops, 'hvm_set_dm_domain'), ['init_s', 'init_rc', 'check', 'pause', 'same',
      'for_each_sv', 'vcpu0', 'replace', 'check_replace', 'update', 'for_each_sv', 'vcpu0', 'replace_buf', 'check_replace_buf',
      'set_domid', 'unpause', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_set_dm_domain', 'check_replace_buf').rc, '-ENOSPC');
    assert.equal(localsAt(r.stops, 'hvm_set_dm_domain', 'ret').rc, '-ENOSPC');
    assert.equal(s.domid, 5);
    assert.equal(s.bufioreq_evtchn, 4, 'the buffered port is the old one');
    assert.deepEqual(g.events('server_domid').map((e) => e.text), ['d1 default ioreq server now serves dm d5 (a port replacement failed: -28)']);
    // vcpu 1 replaced, then vcpu 0's own port fails after its buffered one was replaced.
    const h = new G45(2);
    const t = h.defaultServer();
    h.m.x.faults.evtchn = 2;
    const r2 = h.stepped('toolstack', null, (x) => x.hvm.hvmSetDmDomain(h.d, 5));
    assert.equal(r2.value, -28);
    assert.deepEqual(labels(r2.stops, 'hvm_set_dm_domain').slice(-6), ['store_buf', 'replace', 'check_replace', 'set_domid', 'unpause', 'ret']);
    assert.equal(localsAt(r2.stops, 'hvm_set_dm_domain', 'check_replace', 1).rc, '-ENOSPC');
    assert.equal(h.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN], t.bufioreq_evtchn);
  });
});

describe('mutation (issue 16): 4.5 server lifecycle, who pauses, and nothing recorded with events off', () => {
  it('create, state and destroy pause and unpause under their own names', () => {
    const g = new G45(1);
    const from = g.m.x.events.length;
    const fns = () => [g.events('domain_pause', from).map((e) => e.fn), g.events('domain_unpause', from).map((e) => e.fn)];
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    g.op(22, { domid: 1, id: 1, enabled: 1 });
    g.op(21, { domid: 1, id: 1 });
    const names = ['hvm_create_ioreq_server', 'hvm_set_ioreq_server_state', 'hvm_destroy_ioreq_server'];
    assert.deepEqual(fns(), [names, names]);
    const h = new G45(1);
    h.defaultServer();
    h.m.x.events.length = 0;
    assert.equal(h.flat('dm0', null, () => h.h.hvmCreateIoreqServer(h.d, 0, true, true, null)), -17);
    assert.deepEqual([h.events('domain_pause').map((e) => e.fn), h.events('domain_unpause').map((e) => e.fn)],
      [['hvm_create_ioreq_server'], ['hvm_create_ioreq_server']], 'the -EEXIST path unpauses under the same name');
  });

  it('a failed default creation with the whole pool free frees no pool page (its pages are the params\', not the pool\'s)', () => {
    const g = new G45(1);
    g.d.hvm45.ioreq_gmfn.mask = 0xffffffffffffffffn; // pages 0xfeffb and 0xfeffd would be pool bits 11 and 13
    g.m.x.faults.map = 1;
    assert.equal(g.flat('dm0', null, () => g.h.hvmCreateIoreqServer(g.d, 0, true, true, null)), -12);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xffffffffffffffffn);
    const h = new G45(1);
    h.m.x.faults.map = 0;
    h.op(0, { domid: 1, index: P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, value: 64 });
    // A secondary without a buffered page: only its ioreq page goes back to (is cleared from) the pool.
    assert.equal(h.flat('dm0', null, () => h.h.hvmCreateIoreqServer(h.d, 0, false, false, null)), -12);
    assert.equal(h.d.hvm45.ioreq_gmfn.mask, 0xfffffffffffffffen);
  });

  it('with the model\'s events off (as the explorer runs it) the whole life of two servers records nothing', () => {
    const g = new G45(1);
    g.m.x.on = false;
    g.m.x.events.length = 0;
    g.defaultServer();
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    g.op(19, { domid: 1, id: 2, type: 0, start: 0x3f8, end: 0x3ff });
    g.op(22, { domid: 1, id: 2, enabled: 1 });
    g.op(22, { domid: 1, id: 2, enabled: 0 });
    g.op(20, { domid: 1, id: 2, type: 0, start: 0x3f8, end: 0x3ff });
    g.flat('toolstack', null, () => g.h.hvmSetDmDomain(g.d, 5));
    g.op(21, { domid: 1, id: 2 });
    g.flat('toolstack', null, () => g.h.hvmDomainRelinquishResources(g.d));
    assert.deepEqual(g.m.x.events.map((e) => e.kind), []);
    assert.equal(g.d.hvm45.ioreq_server.list.length, 0, 'and it all ran');
  });
});

describe('mutation (issue 16): 4.5 with two vcpus, each vcpu its own entry ([X45] hvm.c:428-464, 660-686)', () => {
  it('vcpu 1 leaving a buffered server frees only its own port; the buffered port stays with vcpu 0', () => {
    const g = new G45(2);
    const s = g.secondary();
    const buf = s.bufioreq_evtchn;
    const v1 = s.ioreq_vcpu_list.find((sv) => sv.vcpu === g.v(1))!;
    const r = g.stepped('toolstack', null, (x) => x.hvm.hvmVcpuDestroy(g.v(1)));
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_remove_vcpu'), ['find', 'check_sv', 'list_del', 'free', 'free_port', 'free_sv']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_remove_vcpu', 'free').buf_port, 'NULL');
    assert.equal(portState(g, v1.ioreq_evtchn), 'ECS_FREE');
    assert.notEqual(portState(g, buf), 'ECS_FREE', 'the buffered port is vcpu 0\'s');
    assert.deepEqual(s.ioreq_vcpu_list.map((sv) => sv.vcpu.vcpu_id), [0]);
    const t = new G45(1);
    t.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    const u = t.d.hvm45.ioreq_server.list[0];
    const r0 = t.stepped('toolstack', null, (x) => x.hvm.hvmVcpuDestroy(t.v(0)));
    assert.equal(localsAt(r0.stops, 'hvm_ioreq_server_remove_vcpu', 'free').buf_port, 'NULL', 'no buffered page: no buffered port to free');
    assert.equal(u.ioreq_vcpu_list.length, 0);
  });

  it('hvm_do_resume on vcpu 0 waits on vcpu 0\'s own entry and port, not the list\'s first (vcpu 1\'s, newest)', () => {
    const g = new G45(2);
    const s = g.defaultServer();
    assert.equal(s.ioreq_vcpu_list[0].vcpu, g.v(1));
    g.h.ioreqOf(s, g.v(0)).state = A.STATE_IOREQ_READY;
    const r = g.stepped('vcpu0', g.v(0), (x) => x.hvm.hvmDoResume(g.v(0)));
    const mine = s.ioreq_vcpu_list.find((sv) => sv.vcpu === g.v(0))!;
    assert.equal(localsAt(r.stops, 'hvm_do_resume', 'wait').sv, `d1v0, port ${mine.ioreq_evtchn}`);
    assert.equal(localsAt(r.stops, 'hvm_wait_for_io', 'wait').port, String(mine.ioreq_evtchn));
    assert.ok(g.v(0).pause_flags.blocked_in_xen, 'vcpu 0 blocks');
    assert.ok(!g.v(1).pause_flags.blocked_in_xen, 'vcpu 1 does not');
  });
});
