// What each stop shows along a bundled scenario: stepping statement by statement through scenario 02's creating
// HVMOP_get_param (step 2), every stop's frame, statement, listing line and locals. The statement order is the seed's
// hvm_create_ioreq_server and its callees as [SEED @618] and [X44] hvm.c 423-464 write them; a step label or a local
// that moves, disappears or changes value fails here.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { loadListing, locateLabel } from '../../src/debug/listing';
import { show } from '../../src/debug/values';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');
const F02 = path.join(ROOT, 'scenarios', '02-create-on-get-ioreq-pfn.ioreq.json');

interface Stop { depth: number; at: string; line: number; text: string; locals: Record<string, string> }

/** Every stop inside step `index` of scenario 02, as the debugger would show it. */
function stopsOfStep(index: number): Stop[] {
  const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F02, 'utf8'), F02));
  const out: Stop[] = [];
  const actor = rt.sc.steps[index].actor;
  // stepIn stays in the step's thread (actor); a step's last position is its return, which has no modelled frame.
  for (let s = rt.stepIn(actor); s.reason !== 'end'; s = rt.stepIn(actor)) {
    if (rt.pos.step < index) continue;
    if (rt.pos.step > index) break;
    if (rt.returned) continue;
    const frames = rt.frames();
    const top = frames.at(-1)!;
    const loc = locateLabel('seed', top.fn, top.at);
    assert.ok(loc, `${top.fn}@${top.at} has a listing line`);
    out.push({
      depth: frames.length, at: `${top.fn}@${top.at}`, line: loc.line, text: loc.listing.text.split('\n')[loc.line - 1],
      locals: Object.fromEntries(Object.entries(top.locals).map(([k, v]) => [k, show(k, v).value])),
    });
  }
  return out;
}

const CREATE = ['init_s', 'init_pfn', 'init_rc', 'exist', 'printk', 'enomem', 'alloc', 'check_alloc', 'set_domain', 'set_domid', 'init_ports', 'init_buf_port', 'get_ioreq_pfn', 'ioreq_pfn'];
const INIT_PAGE = ['hvm_init_ioreq_page@select', 'hvm_init_ioreq_page@lock_init'];
const PREPARE = ['get_page', 'get_page_from_gfn', 'is_shared', 'is_null', 'get_page_type', 'map_global', 'check_va', 'set_page', 'set_va', 'ret']
  .map((l) => `prepare_ring_for_helper@${l}`);
const SET_PAGE = ['hvm_set_ioreq_page@init_d', 'hvm_set_ioreq_page@prepare', ...PREPARE, 'hvm_set_ioreq_page@check_rc', 'hvm_set_ioreq_page@select', 'hvm_set_ioreq_page@check_busy', 'hvm_set_ioreq_page@publish',
  'hvm_set_ioreq_page@publish_page', 'hvm_set_ioreq_page@ret'];
const WRITE_PORT = ['hvm_update_ioreq_server_evtchn@for_each_vcpu', 'hvm_update_ioreq_server_evtchn@get_ioreq', 'hvm_update_ioreq_server_evtchn@write'];
const UPDATE = ['hvm_ioreq_server_add_vcpu@update', 'hvm_update_ioreq_server_evtchn@init_d', 'hvm_update_ioreq_server_evtchn@check', ...WRITE_PORT, ...WRITE_PORT];

describe('debugger: what each stop shows along scenario 02 (the get of IOREQ_PFN that creates the server)', () => {
  // Stepped in each test that reads it (not when the file loads), so that a mutant breaking the stepping fails the
  // tests that read the stops instead of the file's load.
  let cached: Stop[] | null = null;
  beforeEach(() => { cached = null; });
  const stops = () => (cached ??= stopsOfStep(2));
  const at = (name: string, nth = 0) => stops().filter((s) => s.at === name)[nth];

  it('stops at every statement in the seed\'s order, from xc_get_hvm_param down to prepare_ring_for_helper and back', () => {
    assert.deepEqual(stops().map((s) => s.at), [
      'xc_get_hvm_param@init_arg', 'xc_get_hvm_param@hypercall',
      ...['curr_d', 'init_rc', 'index', 'rcu_lock', 'lookup', 'is_hvm', 'xsm', 'xsm_rc', 'is_set', 'is_get', 'get_switch', 'create'].map((l) => `do_hvm_op@${l}`),
      ...CREATE.map((l) => `hvm_create_ioreq_server@${l}`),
      ...INIT_PAGE, 'hvm_create_ioreq_server@set_ioreq', ...SET_PAGE, 'hvm_create_ioreq_server@check_ioreq',
      'hvm_create_ioreq_server@get_bufioreq_pfn', 'hvm_create_ioreq_server@bufioreq_pfn', ...INIT_PAGE, 'hvm_create_ioreq_server@set_bufioreq', ...SET_PAGE,
      'hvm_create_ioreq_server@check_bufioreq', 'hvm_create_ioreq_server@pause',
      'hvm_create_ioreq_server@for_each_vcpu', 'hvm_create_ioreq_server@add_vcpu', 'hvm_ioreq_server_add_vcpu@alloc', 'hvm_ioreq_server_add_vcpu@check',
      'hvm_ioreq_server_add_vcpu@store', 'hvm_ioreq_server_add_vcpu@vcpu0',
      'hvm_ioreq_server_add_vcpu@alloc_buf', 'hvm_ioreq_server_add_vcpu@check_buf', 'hvm_ioreq_server_add_vcpu@store_buf', ...UPDATE,
      'hvm_ioreq_server_add_vcpu@ret', 'hvm_create_ioreq_server@check_add_vcpu',
      'hvm_create_ioreq_server@for_each_vcpu', 'hvm_create_ioreq_server@add_vcpu', 'hvm_ioreq_server_add_vcpu@alloc', 'hvm_ioreq_server_add_vcpu@check',
      'hvm_ioreq_server_add_vcpu@store', 'hvm_ioreq_server_add_vcpu@vcpu0', ...UPDATE, 'hvm_ioreq_server_add_vcpu@ret', 'hvm_create_ioreq_server@check_add_vcpu',
      'hvm_create_ioreq_server@publish', 'hvm_create_ioreq_server@unpause', 'hvm_create_ioreq_server@ret',
      'do_hvm_op@create_rc', 'do_hvm_op@which', 'do_hvm_op@get_pfn',
      ...['init_s', 'check', 'select', 'store', 'ret'].map((l) => `hvm_get_ioreq_server_pfn@${l}`),
      'do_hvm_op@get_pfn_rc', 'do_hvm_op@set_pfn', 'do_hvm_op@create_break', 'do_hvm_op@got', 'xc_get_hvm_param@result',
      ...['value', 'ioreq_pfn', 'bufioreq_pfn', 'bufioreq_evtchn', 'ret'].map((l) => `xc_get_hvm_param@${l}`),
    ]);
  });

  it('the call stack deepens with each call: libxc 1, do_hvm_op 2, create 3, set_ioreq_page 4, prepare_ring_for_helper 5', () => {
    assert.equal(at('xc_get_hvm_param@hypercall').depth, 1);
    assert.equal(at('do_hvm_op@index').depth, 2);
    assert.equal(at('hvm_create_ioreq_server@exist').depth, 3);
    assert.equal(at('hvm_set_ioreq_page@prepare').depth, 4);
    assert.equal(at('prepare_ring_for_helper@map_global').depth, 5);
    assert.equal(at('xc_get_hvm_param@result').depth, 1);
  });

  it('each stop is on a code line of its listing that reads like the statement', () => {
    for (const s of stops()) {
      assert.ok(s.text.trim() !== '' && !/^\s*(\/\*|\*(\s|\/|$))/.test(s.text), `${s.at}: line ${s.line} is code, not '${s.text}'`);
    }
    assert.match(at('hvm_create_ioreq_server@printk').text, /printk/);
    assert.match(at('hvm_create_ioreq_server@publish').text, /ioreq_server\s*=\s*s/);
    assert.match(at('hvm_create_ioreq_server@pause').text, /domain_pause/);
    assert.match(at('do_hvm_op@create').text, /hvm_create_ioreq_server/);
    assert.match(at('prepare_ring_for_helper@map_global').text, /map_domain_page_global/);
  });

  it('the locals hold what the C code holds at that statement, shown as a Xen developer reads them', () => {
    assert.equal(at('xc_get_hvm_param@hypercall').locals.name, '"IOREQ_PFN"');
    assert.equal(at('hvm_create_ioreq_server@exist').locals.rc, '-EEXIST');
    assert.equal(at('hvm_create_ioreq_server@exist').locals.domid, '0');
    assert.equal(at('hvm_create_ioreq_server@alloc').locals.rc, '-ENOMEM');
    assert.equal(at('hvm_create_ioreq_server@ioreq_pfn').locals.pfn, '0xfeff9');
    assert.equal(at('hvm_create_ioreq_server@bufioreq_pfn').locals.pfn, '0xfeff8');
    assert.equal(at('hvm_set_ioreq_page@check_rc').locals.rc, '0');
    assert.equal(at('hvm_init_ioreq_page@select', 1).locals.buf, '1');
    assert.equal(at('hvm_ioreq_server_add_vcpu@check').locals.rc, '3', "vcpu 0's port: the lowest free after the build's two");
    assert.equal(at('hvm_ioreq_server_add_vcpu@check_buf').locals.rc, '4');
    assert.equal(at('hvm_ioreq_server_add_vcpu@check', 1).locals.rc, '5');
    assert.equal(at('hvm_update_ioreq_server_evtchn@check').locals.va, '"mapped"');
    assert.equal(at('do_hvm_op@create_rc').locals.rc, '0');
    assert.equal(at('xc_get_hvm_param@result').locals.value, '0xfeff9');
    assert.ok('s' in at('hvm_create_ioreq_server@publish').locals && 'd' in at('hvm_create_ioreq_server@publish').locals);
  });

  it('every stop shows the C function\'s parameters and locals by their C names, in declaration order; those not in scope say so', () => {
    const exist = at('hvm_create_ioreq_server@exist').locals;
    // hvm_create_ioreq_server(struct domain *d, domid_t domid): s, pfn and rc are declared before the first statement;
    // the loop's v and w (and i) only in the loops below.
    assert.deepEqual(Object.keys(exist).slice(0, 5), ['d', 'domid', 's', 'pfn', 'rc']);
    assert.equal(exist.d, 'd1 (HVM)');
    assert.equal(exist.s, 'NULL');
    for (const n of ['v', 'w', 'i']) assert.equal(exist[n], '<not in scope>', n);
    const add = at('hvm_create_ioreq_server@add_vcpu').locals;
    assert.equal(add.v, 'd1v0', 'inside for_each_vcpu, v is the vcpu');
    assert.match(add.s, /ioreq server of d1 for dm d0/);
    // A caller's parameter is there even where its statement names nothing but the callee's arguments.
    assert.equal(at('hvm_set_ioreq_page@publish').locals.d, 'd1 (HVM)');
    assert.equal(at('hvm_set_ioreq_page@publish').locals.iorp, 'va NULL', 'iorp before the page is published into it');
    assert.equal(at('prepare_ring_for_helper@map_global').locals.gmfn, at('hvm_set_ioreq_page@prepare').locals.gmfn);
  });

  it('xc_domain_create shows nr_vcpus (the listing\'s name), not the model\'s nrVcpus', () => {
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F02, 'utf8'), F02));
    const s = rt.stepIn();
    assert.notEqual(s.reason, 'end');
    const f = rt.frames().find((x) => x.fn === 'xc_domain_create');
    assert.ok(f, 'step 0 runs xc_domain_create');
    assert.equal(show('nr_vcpus', f!.locals.nr_vcpus).value, '2');
    assert.ok(!('nrVcpus' in f!.locals));
    assert.equal(f!.locals.domid, 1);
  });

  it("a step's last position is its return: no modelled frame, the result and the after checks known", () => {
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F02, 'utf8'), F02));
    while (!(rt.pos.step === 2 && rt.returned)) assert.notEqual(rt.stepIn('qemu').reason, 'end');
    assert.deepEqual(rt.frames(), []);
    assert.equal(rt.stepResult!.result.rc, 0);
    assert.equal(rt.stepResult!.result.value, 0xfeff9n);
    assert.ok(rt.stepResult!.verdicts.length >= 3 && rt.stepResult!.verdicts.every((v) => v.ok));
  });

  it("every statement line of hvm_create_ioreq_server and hvm_ioreq_server_add_vcpu can be stopped on (no line skipped)", () => {
    const l = loadListing('seed/hvm.c');
    const lines = l.text.split('\n');
    for (const name of ['hvm_create_ioreq_server', 'hvm_ioreq_server_add_vcpu']) {
      const f = l.fns.get(name)!;
      const labelled = new Set(f.labels.values());
      for (let ln = f.line + 2; ln <= f.endLine; ln++) {
        const t = lines[ln - 1].trim();
        // Not statements: blank lines, comments, braces, declarations without a value.
        if (!t || /^(\/\*|\*)/.test(t) || /^[{}]$/.test(t) || /^(struct|unsigned|int)\b[^=(]*;$/.test(t)) continue;
        assert.ok(labelled.has(ln), `${name}: line ${ln} '${t}' has no statement to stop on`);
      }
    }
    // And the stepping reaches the happy path's lines in order: the seed's 64 -> 69 and 110 -> 115 gaps are gone.
    const create = stops().filter((s) => s.at.startsWith('hvm_create_ioreq_server@')).map((s) => s.line);
    const body = [...l.fns.get('hvm_create_ioreq_server')!.labels.entries()].filter(([k]) => !/^fail_|^entry$/.test(k)).map(([, v]) => v);
    for (const ln of body) assert.ok(create.includes(ln), `line ${ln} of hvm_create_ioreq_server never stopped on`);
  });
});
