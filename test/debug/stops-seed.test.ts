// What the debugger shows, stop by stop, in the seed's hvm.c (src/model/xen/seed/hvm.ts, listing seed/hvm.c) along
// the paths stops.test.ts does not walk: each failure path of hvm_create_ioreq_server with its clean-up in order,
// hvm_destroy_ioreq_server with and without a server, hvm_set_ioreq_server_domid (new domid, same domid, a vcpu whose
// port cannot be replaced), the BUFIOREQ_EVTCHN get, the vcpu path (hvm_do_resume, hvm_wait_on_io's cases,
// hvm_send_assist_req and its _to_server) and do_hvm_op's set/get cases. Each call's statement labels in order and the
// locals at the statements that decide something are pinned. [SEED @n] is the seed patch's hunk at new line n
// (/work/shared/seed/000_e7106df356b45c4c.txt, hvm.c); [X44] is xen/arch/x86/hvm/hvm.c @RELEASE-4.4.0.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { loadListing } from '../../src/debug/listing';
import { show } from '../../src/debug/values';
import { parseScenario } from '../../src/scenario/parse';
import { walkCalls } from './calls';

const ROOT = path.join(__dirname, '../../..');
const HVM = loadListing('seed/hvm.c');

/** One call of a seed/hvm.c function: its labels in the order the stepping stopped at them, the locals at each. */
interface Call { fn: string; actor: string; step: number; at: string[]; locals: Array<Record<string, string>> }

/** Every call of a seed/hvm.c function the scenario makes, actor by actor (each actor stepped statement by statement). */
function callsOf(text: string, name: string): Call[] {
  const sc = parseScenario(text, name);
  const out: Call[] = [];
  for (const actor of [...new Set(sc.steps.map((s) => s.actor))]) {
    const rt = new IoreqRuntime(parseScenario(text, name));
    out.push(...walkCalls<Call>(rt, actor, (f) => ({ fn: f.fn, actor, step: rt.pos.step, at: [], locals: [] }), (c, top) => {
      c.at.push(top.at);
      c.locals.push(Object.fromEntries(Object.entries(top.locals).map(([k, v]) => [k, show(k, v).value])));
    }));
  }
  return out.filter((c) => HVM.fns.has(c.fn)).map(({ fn, actor, step, at, locals }) => ({ fn, actor, step, at, locals }));
}

const bundled = (file: string) => { const f = path.join(ROOT, 'scenarios', file); return { text: fs.readFileSync(f, 'utf8'), name: f }; };
/** A seed scenario: d1 created with `vcpus` and built, then `steps`. */
function inline(label: string, vcpus: number, steps: object[]) {
  const all = [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 }, ...steps];
  return { text: JSON.stringify({ name: label, profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps: all }), name: `${label}.ioreq.json` };
}
const ATTACH = [{ actor: 'qemu', op: 'xen_hvm_init' }, { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 }];
const OUT = { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' };
const GET_IOREQ = { actor: 'qemu', op: 'hvmop_get_param', param: 'IOREQ_PFN' };

const RUNS = {
  s03: () => bundled('03-create-on-get-bufioreq-evtchn.ioreq.json'),
  s04: () => bundled('04-dm-domain-set.ioreq.json'),
  s05: () => bundled('05-eexist-enoent-einval.ioreq.json'),
  s12: () => bundled('12-weird-state-crash.ioreq.json'),
  s14: () => bundled('14-vcpu-before-and-after-server.ioreq.json'),
  s15: () => bundled('15-set-ioreq-page-einval.ioreq.json'),
  s16: () => bundled('16-destroy-with-live-server.ioreq.json'),
  s45: () => bundled('45-shutdown-races-io.ioreq.json'),
  s48: () => bundled('48-get-param-races-destruction.ioreq.json'),
  s51: () => bundled('51-params-range-checks.ioreq.json'),
  xzalloc: () => inline('xzalloc-fails', 2, [{ actor: 'toolstack', op: 'inject_fault', kind: 'xzalloc' }, GET_IOREQ]),
  bufPort: () => inline('buf-port-fails', 2, [{ actor: 'toolstack', op: 'inject_fault', kind: 'evtchn', nth: 1 }, GET_IOREQ]),
  v1Port: () => inline('v1-port-fails', 2, [{ actor: 'toolstack', op: 'inject_fault', kind: 'evtchn', nth: 2 }, GET_IOREQ]),
  wait: () => inline('woken-while-ready', 1, [...ATTACH, OUT, { actor: 'qemu', op: 'evtchn_send', port: 1 }, { actor: 'd1v0', op: 'hvm_do_resume' }]),
  badState: () => inline('dm-set-ready-first', 1, [...ATTACH, { actor: 'qemu', op: 'write_state', vcpu: 0, state: 1 }, { actor: 'd1v0', op: 'send_invalidate_req' }]),
  noServer: () => inline('invalidate-without-server', 1, [{ actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 }, { actor: 'd1v0', op: 'send_invalidate_req' },
    { actor: 'd1v0', op: 'hvm_do_resume' }]),
  domidFails: () => inline('domid-port-fails', 2, [...ATTACH, { actor: 'toolstack', op: 'xc_domain_create', domid: 2, vcpus: 1 },
    { actor: 'toolstack', op: 'xc_domain_set_target', domid: 2, target: 1 }, { actor: 'toolstack', op: 'inject_fault', kind: 'evtchn', nth: 1 },
    { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'DM_DOMAIN', value: 2 }]),
  setCases: () => inline('set-cases', 1, [{ actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'CALLBACK_IRQ', value: 5 },
    { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'IDENT_PT', value: '0x1000' }]),
  noVcpus: () => inline('no-vcpus', 0, [GET_IOREQ, { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'DM_DOMAIN', value: 5 }]),
};
type RunName = keyof typeof RUNS;
// Filled afresh in every test (cleared before each), so that each test runs the model code it asserts on itself.
const cache = new Map<RunName, Call[]>();
const calls = (r: RunName, fn: string) => {
  if (!cache.has(r)) { const s = RUNS[r](); cache.set(r, callsOf(s.text, s.name)); }
  return cache.get(r)!.filter((c) => c.fn === fn);
};
/** The locals of `c` at its nth stop at `label`. */
const at = (c: Call, label: string, nth = 0) => {
  const i = c.at.map((l, k) => (l === label ? k : -1)).filter((k) => k >= 0)[nth];
  assert.ok(i !== undefined, `${c.fn} stops at ${label} (${nth})`);
  return c.locals[i];
};
const CREATE_HEAD = ['init_s', 'init_pfn', 'init_rc', 'exist', 'printk', 'enomem', 'alloc', 'check_alloc'];
const CREATE_PAGES = [...CREATE_HEAD, 'set_domain', 'set_domid', 'init_ports', 'init_buf_port', 'get_ioreq_pfn', 'ioreq_pfn', 'set_ioreq', 'check_ioreq'];
const CREATE_BOTH = [...CREATE_PAGES, 'get_bufioreq_pfn', 'bufioreq_pfn', 'set_bufioreq', 'check_bufioreq'];
const DO_HVM_OP_HEAD = ['curr_d', 'init_rc', 'index', 'rcu_lock', 'lookup', 'is_hvm', 'xsm', 'xsm_rc', 'is_set'];

describe("debugger: the seed's hvm.c stop by stop, off the creating get's happy path", () => {
  beforeEach(() => cache.clear());

  it('every stop in a seed/hvm.c function is a statement line its listing gives that function', () => {
    let n = 0;
    for (const r of Object.keys(RUNS) as RunName[]) {
      calls(r, '');
      for (const c of cache.get(r)!) {
        const f = HVM.fns.get(c.fn)!;
        for (const l of c.at) {
          assert.ok(f.labels.has(l) && l !== 'entry', `${r}: ${c.fn} stops at '${l}', which seed/hvm.c does not give it`);
          n++;
        }
      }
    }
    assert.ok(n > 1500, `${n} stops checked`);
  });

  it('fail_alloc [SEED @618]: xzalloc fails, s stays NULL, rc -ENOMEM (negative) goes back through do_hvm_op', () => {
    const [c] = calls('xzalloc', 'hvm_create_ioreq_server');
    assert.deepEqual(c.at, CREATE_HEAD);
    assert.equal(at(c, 'exist').rc, '-EEXIST', 'rc = -EEXIST is set before the existence check');
    assert.equal(at(c, 'alloc').rc, '-ENOMEM', 'rc = -ENOMEM before xzalloc');
    assert.equal(at(c, 'check_alloc').s, 'NULL');
    assert.equal(at(c, 'check_alloc').rc, '-ENOMEM');
    const op = calls('xzalloc', 'do_hvm_op').find((x) => x.at.includes('create'))!;
    assert.deepEqual(op.at, [...DO_HVM_OP_HEAD, 'is_get', 'get_switch', 'create', 'create_rc']);
    assert.equal(at(op, 'create_rc').rc, '-ENOMEM', 'param_fail: the get ends with the creation error');
  });

  it('fail_set_ioreq [SEED @618]: the IOREQ page is refused, the server is freed, nothing else unwound', () => {
    const cs = calls('s15', 'hvm_create_ioreq_server');
    const c = cs.find((x) => x.at.includes('fail_set_ioreq'))!;
    assert.deepEqual(c.at, [...CREATE_PAGES, 'fail_set_ioreq', 'fail_set_ioreq_ret']);
    assert.equal(at(c, 'check_ioreq').rc, '-EINVAL');
    assert.equal(at(c, 'check_ioreq').pfn, '0xfeff9');
    assert.match(at(c, 'fail_set_ioreq_ret').s, /FREED/, 'xfree(s) has run');
    const set = calls('s15', 'hvm_set_ioreq_page').filter((x) => x.step === c.step);
    assert.deepEqual(set.map((x) => x.at), [['init_d', 'prepare', 'check_rc']], 'prepare_ring_for_helper failed: return at the rc check');
    assert.equal(at(set[0], 'check_rc').rc, '-EINVAL');
    assert.deepEqual(calls('s15', 'hvm_destroy_ioreq_page').filter((x) => x.step === c.step), []);
  });

  it('fail_set_buf_ioreq [SEED @618]: the BUFIOREQ page is refused, the IOREQ page (buf 0) is unmapped, then the server freed', () => {
    const c = calls('s15', 'hvm_create_ioreq_server').find((x) => x.at.includes('fail_set_buf_ioreq'))!;
    assert.deepEqual(c.at, [...CREATE_BOTH, 'fail_set_buf_ioreq', 'fail_set_buf_ioreq_free', 'fail_set_buf_ioreq_ret']);
    assert.equal(at(c, 'check_bufioreq').pfn, '0xfeff8');
    assert.equal(at(c, 'fail_set_buf_ioreq').rc, '-EINVAL');
    const d = calls('s15', 'hvm_destroy_ioreq_page').filter((x) => x.step === c.step);
    assert.deepEqual(d.map((x) => x.at), [['select', 'destroy']]);
    assert.equal(at(d[0], 'destroy').buf, '0');
    assert.equal(at(d[0], 'destroy').iorp, 'mapped, page 0xfeff9');
  });

  it('fail_add_vcpu [SEED @618]: vcpu 0\'s buffered port fails (-ENOSPC): every vcpu removed, unpause, unmap buf then ioreq, free', () => {
    const [c] = calls('bufPort', 'hvm_create_ioreq_server');
    assert.deepEqual(c.at, [...CREATE_BOTH, 'pause', 'for_each_vcpu', 'add_vcpu', 'check_add_vcpu', 'fail_add_vcpu', 'fail_add_vcpu_unpause',
      'fail_add_vcpu_unmap_buf', 'fail_add_vcpu_unmap', 'fail_add_vcpu_free', 'fail_add_vcpu_ret']);
    assert.equal(at(c, 'add_vcpu').rc, '0');
    assert.equal(at(c, 'check_add_vcpu').rc, '-ENOSPC');
    assert.equal(at(c, 'fail_add_vcpu').v, 'd1v0');
    assert.match(at(c, 'fail_add_vcpu_ret').s, /FREED/);
    const [add] = calls('bufPort', 'hvm_ioreq_server_add_vcpu');
    assert.deepEqual(add.at, ['alloc', 'check', 'store', 'vcpu0', 'alloc_buf', 'check_buf']);
    assert.equal(at(add, 'check').rc, '3');
    assert.equal(at(add, 'check_buf').rc, '-ENOSPC');
    // hvm_ioreq_server_remove_vcpu for d1v0 (its port 3 freed, no buffered port yet) and d1v1 (never added: nothing).
    const rm = calls('bufPort', 'hvm_ioreq_server_remove_vcpu');
    assert.deepEqual(rm.map((x) => x.at), [['buf', 'vcpu', 'free', 'clear'], ['buf', 'vcpu']]);
    assert.equal(at(rm[0], 'buf').buf_ioreq_evtchn, '-1');
    assert.equal(at(rm[0], 'vcpu').port, '3');
    assert.equal(at(rm[1], 'vcpu').v, 'd1v1');
    assert.equal(at(rm[1], 'vcpu').port, '-1');
    const pages = calls('bufPort', 'hvm_destroy_ioreq_page');
    assert.deepEqual(pages.map((x) => [at(x, 'destroy').buf, at(x, 'destroy').iorp]), [['1', 'mapped, page 0xfeff8'], ['0', 'mapped, page 0xfeff9']]);
    assert.equal(at(pages[0], 'select').iorp, '<not in scope>');
  });

  it('fail_add_vcpu [SEED @618]: vcpu 1\'s port fails after vcpu 0 was added whole: vcpu 0\'s buffered and own ports are freed', () => {
    const [c] = calls('v1Port', 'hvm_create_ioreq_server');
    assert.equal(at(c, 'check_add_vcpu', 0).rc, '0');
    assert.equal(at(c, 'check_add_vcpu', 1).rc, '-ENOSPC');
    assert.equal(at(c, 'fail_add_vcpu').v, 'd1v1');
    const add = calls('v1Port', 'hvm_ioreq_server_add_vcpu');
    assert.deepEqual(add.map((x) => x.at), [['alloc', 'check', 'store', 'vcpu0', 'alloc_buf', 'check_buf', 'store_buf', 'update', 'ret'], ['alloc', 'check']]);
    assert.equal(at(add[0], 'check_buf').rc, '4');
    assert.equal(at(add[1], 'check').rc, '-ENOSPC');
    const rm = calls('v1Port', 'hvm_ioreq_server_remove_vcpu');
    assert.deepEqual(rm.map((x) => x.at), [['buf', 'free_buf', 'clear_buf', 'vcpu', 'free', 'clear'], ['buf', 'vcpu']]);
    assert.equal(at(rm[0], 'buf').buf_ioreq_evtchn, '4');
    assert.equal(at(rm[1], 'buf').buf_ioreq_evtchn, '-1', 'vcpu 0 cleared it');
    assert.equal(at(rm[1], 'vcpu').port, '-1');
  });

  it('hvm_set_ioreq_page [SEED @416-@519]: a dying domain drops the new mapping and the get fails -EINVAL', () => {
    const set = calls('s48', 'hvm_set_ioreq_page');
    assert.deepEqual(set.map((x) => x.at), [['init_d', 'prepare', 'check_rc', 'select', 'check_busy', 'drop_new', 'ret_einval']]);
    assert.equal(at(set[0], 'check_busy').is_dying, '1');
    assert.equal(at(set[0], 'check_busy').iorp, 'va NULL');
    assert.equal(at(set[0], 'drop_new').gmfn, '0xfeff9');
    const c = calls('s48', 'hvm_create_ioreq_server').find((x) => x.at.includes('fail_set_ioreq'))!;
    assert.equal(at(c, 'check_ioreq').rc, '-EINVAL');
  });

  it('hvm_destroy_ioreq_server [SEED @618]: prints, pauses, unpublishes, removes each vcpu, unpauses, unmaps buf then ioreq, frees', () => {
    const [c] = calls('s16', 'hvm_destroy_ioreq_server');
    assert.deepEqual(c.at, ['printk', 'init_s', 'check', 'pause', 'unpublish', 'remove_vcpus', 'unpause', 'unmap', 'unmap_ioreq', 'free']);
    assert.equal(at(c, 'printk').d, 'd1 (HVM) dying');
    assert.match(at(c, 'check').s, /ioreq server of d1 for dm d0/);
    const rm = calls('s16', 'hvm_ioreq_server_remove_vcpu');
    assert.deepEqual(rm.map((x) => x.at), [['buf', 'free_buf', 'clear_buf', 'vcpu', 'free', 'clear'], ['buf', 'vcpu', 'free', 'clear']]);
    assert.equal(at(rm[0], 'buf').buf_ioreq_evtchn, '4');
    assert.equal(at(rm[0], 'vcpu').port, '3');
    assert.equal(at(rm[1], 'buf').buf_ioreq_evtchn, '-1');
    assert.equal(at(rm[1], 'vcpu').port, '5');
    const pages = calls('s16', 'hvm_destroy_ioreq_page');
    assert.deepEqual(pages.map((x) => at(x, 'destroy').buf), ['1', '0']);
    assert.deepEqual(calls('s16', 'hvm_domain_relinquish_resources').map((x) => x.at), [['destroy']]);
    // hvm_vcpu_destroy [SEED @1606] runs after the server is gone: it finds none.
    const vd = calls('s16', 'hvm_vcpu_destroy');
    assert.deepEqual(vd.map((x) => x.at), [['init_s', 'check'], ['init_s', 'check']]);
    assert.equal(at(vd[0], 'check').s, 'NULL');
  });

  it('hvm_destroy_ioreq_server without a server: prints first, then returns at the check', () => {
    const [c] = calls('s15', 'hvm_destroy_ioreq_server');
    assert.deepEqual(c.at, ['printk', 'init_s', 'check']);
    assert.equal(at(c, 'check').s, 'NULL');
  });

  it('hvm_set_ioreq_server_domid [SEED @750]: a new domid replaces vcpu 0\'s buffered port, then each vcpu\'s, then rewrites the slots', () => {
    const cs = calls('s04', 'hvm_set_ioreq_server_domid');
    assert.deepEqual(cs.map((x) => x.at), [['init_s', 'init_rc', 'pause', 'enoent', 'check', 'rc_ok', 'same', 'init_v0', 'check_v0', 'replace_buf', 'check_rc',
      'for_each_vcpu', 'replace', 'check_replace', 'for_each_vcpu', 'replace', 'check_replace', 'check_rc_update', 'update', 'set_domid', 'done', 'ret']]);
    const c = cs[0];
    assert.equal(at(c, 'init_rc').rc, '<not in scope>');
    assert.equal(at(c, 'pause').rc, '0');
    assert.equal(at(c, 'check').rc, '-ENOENT');
    assert.equal(at(c, 'same').rc, '0');
    assert.equal(at(c, 'same').domid, '2');
    assert.equal(at(c, 'replace', 1).v, 'd1v1');
    assert.equal(at(c, 'done').rc, '0');
    const [create] = calls('s04', 'hvm_create_ioreq_server').filter((x) => x.step === cs[0].step);
    assert.deepEqual(create.at, ['init_s', 'init_pfn', 'init_rc', 'exist'], 'fail_exist: -EEXIST before any allocation');
    assert.equal(at(create, 'exist').rc, '-EEXIST');
  });

  it('hvm_set_ioreq_server_domid with the domid the server has: nothing replaced, rc 0', () => {
    const cs = calls('s05', 'hvm_set_ioreq_server_domid');
    assert.deepEqual(cs.map((x) => x.at), [['init_s', 'init_rc', 'pause', 'enoent', 'check', 'rc_ok', 'same', 'done', 'ret']]);
    assert.equal(at(cs[0], 'same').domid, '0');
  });

  it('hvm_set_ioreq_server_domid: a vcpu port that cannot be replaced stops the loop; the slots and domid are left; rc -ENOSPC', () => {
    const [c] = calls('domidFails', 'hvm_set_ioreq_server_domid');
    assert.deepEqual(c.at, ['init_s', 'init_rc', 'pause', 'enoent', 'check', 'rc_ok', 'same', 'init_v0', 'check_v0', 'replace_buf', 'check_rc',
      'for_each_vcpu', 'replace', 'check_replace', 'check_rc_update', 'done', 'ret']);
    assert.equal(at(c, 'check_rc').rc, '0');
    assert.equal(at(c, 'check_replace').rc, '-ENOSPC');
    assert.equal(at(c, 'done').rc, '-ENOSPC');
    const [op] = calls('domidFails', 'do_hvm_op').filter((x) => x.at.includes('dm_domain'));
    assert.equal(at(op, 'dm_domain_break').rc, '-ENOSPC');
    assert.equal(at(op, 'store').rc, '-ENOSPC', 'not stored');
  });

  it('hvm_set_ioreq_server_domid for a domain without vcpus: no port to replace, the domid is set', () => {
    const [c] = calls('noVcpus', 'hvm_set_ioreq_server_domid');
    assert.deepEqual(c.at, ['init_s', 'init_rc', 'pause', 'enoent', 'check', 'rc_ok', 'same', 'init_v0', 'check_v0', 'check_rc', 'check_rc_update', 'update', 'set_domid', 'done', 'ret']);
    assert.equal(at(c, 'init_v0').domid, '5');
    const up = calls('noVcpus', 'hvm_update_ioreq_server_evtchn');
    assert.deepEqual(up.at(-1)!.at, ['init_d', 'check']);
    assert.equal(at(up.at(-1)!, 'check').va, '"mapped"');
  });

  it('do_hvm_op get of BUFIOREQ_EVTCHN [SEED @4413-@4563]: creates, then reads the buffered port (4) from the server', () => {
    const op = calls('s03', 'do_hvm_op').find((x) => x.at.includes('get_port'))!;
    assert.deepEqual(op.at, [...DO_HVM_OP_HEAD, 'is_get', 'get_switch', 'create', 'create_rc', 'which', 'get_port', 'get_port_rc', 'set_port', 'create_break', 'got']);
    const [bp] = calls('s03', 'hvm_get_ioreq_server_buf_port').filter((x) => x.step === op.step);
    assert.deepEqual(bp.at, ['init_s', 'check', 'store', 'ret']);
    assert.match(at(bp, 'check').s, /ioreq server of d1/);
    assert.equal(at(op, 'got').rc, '0');
  });

  it('hvm_vcpu_initialise [SEED @1563]: a vcpu made after the server is added to it at once; one made before finds none', () => {
    const vi = calls('s14', 'hvm_vcpu_initialise');
    const after = vi.find((x) => x.at.includes('add'))!;
    assert.deepEqual(after.at, ['init_d', 'init_s', 'init_rc', 'check', 'add', 'check_add', 'ret']);
    assert.equal(at(after, 'add').v, 'd1v2');
    assert.equal(at(after, 'check').rc, '0');
    const before = vi.filter((x) => !x.at.includes('add'));
    assert.ok(before.length >= 2);
    for (const b of before) { assert.deepEqual(b.at, ['init_d', 'init_s', 'init_rc', 'check', 'ret']); assert.equal(at(b, 'check').s, 'NULL'); }
    const [add] = calls('s14', 'hvm_ioreq_server_add_vcpu').filter((x) => x.step === after.step);
    assert.deepEqual(add.at, ['alloc', 'check', 'store', 'vcpu0', 'update', 'ret']);
    assert.equal(at(add, 'check').rc, '6');
    const up = calls('s14', 'hvm_update_ioreq_server_evtchn').filter((x) => x.step === after.step)[0];
    assert.deepEqual(up.at, ['init_d', 'check', ...Array(3).fill(['for_each_vcpu', 'get_ioreq', 'write']).flat()]);
    assert.deepEqual([0, 1, 2].map((k) => at(up, 'write', k).port), ['3', '5', '6']);
  });

  it('hvm_send_assist_req_to_server [SEED @367]: a NONE slot gets the request READY, then the vcpu\'s port is notified', () => {
    const [c] = calls('s12', 'hvm_send_assist_req_to_server');
    assert.deepEqual(c.at, ['init_d', 'get_ioreq', 'check_state', 'copy', 'prepare_wait', 'wmb', 'ready', 'notify', 'ret']);
    assert.equal(at(c, 'check_state').state, 'STATE_IOREQ_NONE (0)');
    assert.equal(at(c, 'notify').port, '3');
    assert.match(at(c, 'notify').p, /STATE_IOREQ_READY/);
    assert.match(at(c, 'ready').p, /STATE_IOREQ_NONE/);
    const [s] = calls('s12', 'hvm_send_assist_req');
    assert.deepEqual(s.at, ['init_d', 'init_s', 'deferral', 'check_server', 'to_server']);
  });

  it('hvm_send_assist_req_to_server: a slot the device model left READY crashes the domain ("Device model set bad IO state 1")', () => {
    const [c] = calls('badState', 'hvm_send_assist_req_to_server');
    assert.deepEqual(c.at, ['init_d', 'get_ioreq', 'check_state', 'bad_state', 'crash', 'ret_bad']);
    assert.equal(at(c, 'check_state').state, 'STATE_IOREQ_READY (1)');
    assert.equal(at(c, 'bad_state').state, 'STATE_IOREQ_READY (1)');
    assert.match(at(c, 'ret_bad').d, /CRASHED/);
  });

  it('hvm_send_assist_req without a server: the request is dropped after the shutdown deferral (returns 0)', () => {
    const [s] = calls('noServer', 'hvm_send_assist_req');
    assert.deepEqual(s.at, ['init_d', 'init_s', 'deferral', 'check_server']);
    assert.equal(at(s, 'check_server').s, 'NULL');
    // A vcpu of a domain shutting down is refused the deferral: nothing checked after it.
    const sd = calls('s45', 'hvm_send_assist_req').filter((x) => x.at.at(-1) === 'deferral');
    assert.ok(sd.length >= 1);
  });

  it('hvm_do_resume and hvm_wait_on_io [SEED @1732]: IORESP_READY is completed, then NONE ends the loop; a weird state crashes', () => {
    const w = calls('s12', 'hvm_wait_on_io');
    assert.deepEqual(w.map((x) => x.at), [['init_v', 'loop', 'read_state', 'switch', 'assist', 'assist_break', 'loop'],
      ['init_v', 'loop', 'read_state', 'switch', 'weird', 'crash', 'bail']]);
    assert.equal(at(w[0], 'loop', 0).state, 'STATE_IORESP_READY (3)');
    assert.equal(at(w[0], 'loop', 1).state, 'STATE_IOREQ_NONE (0)');
    assert.equal(at(w[0], 'switch').state, 'STATE_IORESP_READY (3)');
    assert.equal(at(w[0], 'read_state').state, '<not in scope>');
    assert.equal(at(w[1], 'weird').state, 'invalid (5)');
    assert.equal(at(w[1], 'bail').state, 'invalid (5)');
    assert.match(at(w[1], 'bail').d, /CRASHED/);
    assert.doesNotMatch(at(w[1], 'crash').d, /CRASHED/);
    const r = calls('s12', 'hvm_do_resume');
    for (const c of r) assert.deepEqual(c.at, ['init_d', 'init_s', 'check_wakeup', 'pt_restore_timer', 'check_server', 'get_ioreq', 'wait', 'inject_trap']);
    assert.equal(at(r[0], 'inject_trap').vector, '-1');
    assert.match(at(r[1], 'inject_trap').d, /CRASHED/, 'the trap injection still runs after the crash');
  });

  it('hvm_wait_on_io: woken while the slot is still READY, the vcpu waits on its port again (hvm_do_resume goes no further)', () => {
    const [w] = calls('wait', 'hvm_wait_on_io');
    assert.deepEqual(w.at, ['init_v', 'loop', 'read_state', 'switch', 'wait']);
    assert.equal(at(w, 'wait').port, '3');
    assert.equal(at(w, 'switch').state, 'STATE_IOREQ_READY (1)');
    const [r] = calls('wait', 'hvm_do_resume');
    assert.deepEqual(r.at, ['init_d', 'init_s', 'check_wakeup', 'pt_restore_timer', 'check_server', 'get_ioreq', 'wait']);
  });

  it('hvm_do_resume without a server goes straight to the trap injection', () => {
    const r = calls('noServer', 'hvm_do_resume');
    assert.deepEqual(r.map((x) => x.at), [['init_d', 'init_s', 'check_wakeup', 'pt_restore_timer', 'check_server', 'inject_trap']]);
    assert.equal(at(r[0], 'check_server').s, 'NULL');
  });

  it('do_hvm_op [X44] 3925-4160: each check before the switch returns where it fails; each set/get case stops at its own lines', () => {
    const ops = calls('s51', 'do_hvm_op');
    const of = (step: number) => ops.filter((x) => x.step === step);
    // An index at or past HVM_NR_PARAMS: -EINVAL before the domain is looked up; an unknown domain: -ESRCH at the lookup.
    assert.deepEqual(of(2).map((x) => x.at), [['curr_d', 'init_rc', 'index']]);
    assert.deepEqual(of(4).map((x) => x.at), [['curr_d', 'init_rc', 'index', 'rcu_lock', 'lookup']]);
    assert.equal(at(of(4)[0], 'lookup').d, 'NULL', "rcu_lock_domain_by_any_id found no domain: d reads NULL, not undefined");
    assert.deepEqual(of(6)[0].at, [...DO_HVM_OP_HEAD, 'set_switch', 'set_default', 'store', 'set_ret']);
    assert.equal(at(of(6)[0], 'store').rc, '0');
    assert.deepEqual(of(7)[0].at, [...DO_HVM_OP_HEAD, 'is_get', 'get_switch', 'get_default', 'get_default_break', 'got']);
    const s3 = of(10)[0];
    assert.deepEqual(s3.at, [...DO_HVM_OP_HEAD, 'set_switch', 'acpi_s_state', 'acpi_s_state_self', 'acpi_s_state_ok', 'acpi_s_state_suspend', 'acpi_s_state_break', 'store', 'set_ret']);
    assert.equal(at(s3, 'acpi_s_state_suspend').value, '0x3');
    assert.equal(at(of(12)[0], 'acpi_s_state_suspend').value, '0x1');
    assert.equal(at(of(12)[0], 'store').rc, '-EINVAL');
    assert.deepEqual(of(11)[0].at, [...DO_HVM_OP_HEAD, 'is_get', 'get_switch', 'get_acpi_s_state', 'get_acpi_s_state_break', 'got']);
    const ev = of(15)[0];
    assert.deepEqual(ev.at, [...DO_HVM_OP_HEAD, 'set_switch', 'bufioreq_evtchn', 'bufioreq_evtchn_break', 'store', 'set_ret']);
    assert.equal(at(ev, 'bufioreq_evtchn_break').rc, '-EINVAL', 'the seed refuses a set of BUFIOREQ_EVTCHN');
    assert.equal(at(ev, 'store').rc, '-EINVAL');
  });

  it('do_hvm_op set of CALLBACK_IRQ stops at its case; IDENT_PT set a second time is -EINVAL at the already-set check', () => {
    const ops = calls('setCases', 'do_hvm_op');
    const cb = ops.find((x) => x.at.includes('callback_irq'))!;
    assert.deepEqual(cb.at, [...DO_HVM_OP_HEAD, 'set_switch', 'callback_irq', 'store', 'set_ret']);
    assert.equal(at(cb, 'store').rc, '0');
    const ids = ops.filter((x) => x.at.includes('ident_pt'));
    assert.equal(ids.length, 2, 'xc_hvm_build sets IDENT_PT, then the scenario sets it again');
    assert.deepEqual(ids[0].at.slice(DO_HVM_OP_HEAD.length), ['set_switch', 'ident_pt', 'ident_pt_self', 'ident_pt_einval', 'ident_pt_set', 'ident_pt_ok', 'ident_pt_break', 'store', 'set_ret']);
    assert.deepEqual(ids[1].at.slice(DO_HVM_OP_HEAD.length), ['set_switch', 'ident_pt', 'ident_pt_self', 'ident_pt_einval', 'ident_pt_set', 'store', 'set_ret']);
    assert.equal(at(ids[1], 'ident_pt_self').rc, '-EPERM');
    assert.equal(at(ids[1], 'ident_pt_set').rc, '-EINVAL');
    assert.equal(at(ids[1], 'store').rc, '-EINVAL');
    assert.equal(at(ids[0], 'store').rc, '0');
  });
});
