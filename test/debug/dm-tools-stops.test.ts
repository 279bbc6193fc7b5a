// Issue 12 for the device model's and the toolstack's listings (common/xen-hvm.c, common/toolstack.c, common/stdvga.c,
// 4.5/xen-hvm-4.5.c): stepping a bundled scenario statement by statement stops at each statement of these functions
// in the order the listing writes them (a loop goes back only to its head), and the serve path of a request stops
// at every line of cpu_handle_ioreq and its callees, the barriers included.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { locateLabel } from '../../src/debug/listing';
import type { ProfileName } from '../../src/model/layout';
import { parseScenario } from '../../src/scenario/parse';
import { walkCalls } from './calls';

const ROOT = path.join(__dirname, '../../..');
const MINE = new Set(['common/xen-hvm.c', 'common/toolstack.c', 'common/stdvga.c', '4.5/xen-hvm-4.5.c']);
/** The labels of a loop's head: stepping goes back to them for the next element. */
const LOOP_HEADS = new Set(['for_each_vcpu', 'for_each_item', 'pointers', 'for_each_page', 'for_each_param', 'for_each', 'destroydomain', 'hvm_vcpu_destroy']);

/** One call of a listed function: its labels in the order the stepping stopped at them, with their listing lines. */
interface Activation { fn: string; listing: string; at: string[]; lines: number[] }

/** Every call of a function of the listings above that `actor` makes in the scenario, stepped statement by statement. */
function activations(file: string, actor: string): Activation[] {
  const f = path.join(ROOT, 'scenarios', file);
  const rt = new IoreqRuntime(parseScenario(fs.readFileSync(f, 'utf8'), f));
  const profile = rt.sc.profile as ProfileName;
  const done = walkCalls<Activation>(rt, actor, (f) => {
    const loc = locateLabel(profile, f.fn, f.at);
    return { fn: f.fn, listing: loc?.listing.name ?? '?', at: [], lines: [] };
  }, (a, top) => {
    const loc = locateLabel(profile, top.fn, top.at);
    assert.ok(loc, `${top.fn}@${top.at} has a listing line`);
    a.at.push(top.at);
    a.lines.push(loc.line);
  });
  return done.filter((a) => MINE.has(a.listing) && a.at.length > 0);
}

const SCENARIOS: Array<[string, string]> = [
  ['08-sync-pio-read-write.ioreq.json', 'qemu'], ['08-sync-pio-read-write.ioreq.json', 'toolstack'],
  ['10-buffered-writes.ioreq.json', 'qemu'], ['46-qemu-badness-destroys-guest.ioreq.json', 'qemu'],
  ['16-destroy-with-live-server.ioreq.json', 'toolstack'], ['43-stdvga-caching.ioreq.json', 'd1v0'],
  ['22-x45-qemu45-own-server-beside-default.ioreq.json', 'qemu'],
];

describe('debugger: the device model\'s and the toolstack\'s statements, stop by stop (issue 12)', () => {
  // Each scenario is stepped in the test that reads it (not when the file loads), so that a mutant breaking the
  // stepping fails those tests instead of the file's load.
  const runs = new Map<string, Activation[]>();
  beforeEach(() => runs.clear());
  const run = (f: string, a: string) => {
    const k = `${f} ${a}`;
    if (!runs.has(k)) runs.set(k, activations(f, a));
    return runs.get(k)!;
  };
  const calls = (f: string, a: string, fn: string) => run(f, a).filter((x) => x.fn === fn).map((x) => x.at);

  it('each call stops at its statements in the listing\'s order; a loop goes back only to its head', () => {
    let checked = 0;
    for (const [f, actor] of SCENARIOS) {
      const k = `${f} ${actor}`, acts = run(f, actor);
      for (const a of acts) {
        for (let i = 1; i < a.lines.length; i++) {
          if (a.lines[i] < a.lines[i - 1]) assert.ok(LOOP_HEADS.has(a.at[i]), `${k}: ${a.fn} goes back from @${a.at[i - 1]} (line ${a.lines[i - 1]}) to @${a.at[i]} (line ${a.lines[i]})`);
        }
        checked++;
      }
    }
    assert.ok(checked > 40, `${checked} calls checked`);
  });

  it('QEMU serves a request at every line: take, cpu_get_ioreq with its read barrier, handle_ioreq, the answer with its write barrier', () => {
    const F = '08-sync-pio-read-write.ioreq.json';
    for (const c of calls(F, 'qemu', 'cpu_handle_ioreq')) assert.deepEqual(c, ['entry', 'take', 'handle', 'answer']);
    for (const c of calls(F, 'qemu', 'cpu_handle_ioreq_take')) assert.deepEqual(c, ['port', 'pending', 'take', 'drain', 'ret']);
    const get = calls(F, 'qemu', 'cpu_get_ioreq');
    assert.equal(get.length, 3, 'three requests served');
    for (const c of get) assert.deepEqual(c, ['get_req', 'check_ready', 'rmb', 'inprocess', 'send_vcpu', 'ret']);
    for (const c of calls(F, 'qemu', 'handle_ioreq')) assert.deepEqual(c, ['get_req', 'dispatch', 'is_ptr', 'single_dir']);
    for (const c of calls(F, 'qemu', 'cpu_handle_ioreq_answer')) {
      assert.deepEqual(c, ['get_req', 'port', 'check_inprocess', 'wmb', 'requested', 'reset', 'resp_ready', 'send_vcpu', 'notify', 'ret']);
    }
  });

  it('xen_hvm_init maps both pages and binds every port at lines of their own', () => {
    const F = '08-sync-pio-read-write.ioreq.json';
    assert.deepEqual(calls(F, 'qemu', 'xen_hvm_init'), [['init_rc', 'get_ioreq_pfn', 'map_shared', 'get_bufioreq_pfn', 'map_buffered', 'for_each_vcpu', 'bind_vcpu', 'get_bufioreq_evtchn', 'bind_buffered']]);
    const maps = calls(F, 'qemu', 'xc_map_foreign_range');
    assert.deepEqual(maps, [0, 1].map((b) => ['get_domain', 'pfn', 'map', 'get_page', 'check_page', 'foreign_maps', 'which', b ? 'map_buffered' : 'map_shared', 'ret']));
    assert.deepEqual(calls(F, 'qemu', 'bind_vcpu_port'), [['read_eport', 'port', 'bind', 'local_port', 'ret']]);
    assert.deepEqual(calls(F, 'qemu', 'xc_get_hvm_param').map((c) => c.join(' ')), Array(3).fill('init_arg hypercall result value ioreq_pfn bufioreq_pfn bufioreq_evtchn ret'));
  });

  it('the buffered ring is drained entry by entry, each entry at every line from its pointers to n++', () => {
    const [drain] = calls('10-buffered-writes.ioreq.json', 'qemu', 'handle_buffered_iopage');
    const entry = (qword: boolean) => ['pointers', 'init_qw', 'loop', 'corrupt', 'slot', 'data', 'is_qword', ...(qword ? ['hi', 'qw'] : []), 'write', 'mb', 'read_pointer', 'count'];
    // The 2-byte MMIO write takes one slot; the TIMEOFFSET after it carries 8 bytes, its high half in a second slot.
    assert.deepEqual(drain, ['init_pg', 'init_n', 'check', 'pending', ...entry(false), ...entry(true), 'pointers', 'init_qw', 'loop', 'ret']);
  });

  it('a slot no longer INPROCESS: the Badness line, destroy_hvm_domain, the return, each a stop', () => {
    const F = '46-qemu-badness-destroys-guest.ioreq.json';
    assert.deepEqual(calls(F, 'qemu', 'cpu_handle_ioreq_answer'), [['get_req', 'port', 'check_inprocess', 'badness', 'bad_destroy', 'bad_ret']]);
    assert.deepEqual(calls(F, 'qemu', 'destroy_hvm_domain'), [['shutdown', 'report']]);
  });

  it('the toolstack: domain_create, alloc_vcpu and domain_kill stop at each line, the model\'s no-op lines included', () => {
    assert.deepEqual(calls('08-sync-pio-read-write.ioreq.json', 'toolstack', 'domain_create'),
      [['alloc', 'set_domid', 'guest_type', 'evtchn_init', 'domlist_insert', 'paused_by_controller', 'pause_count', 'is_hvm', 'hvm_init', 'check_init', 'ret']]);
    assert.deepEqual(calls('08-sync-pio-read-write.ioreq.json', 'toolstack', 'alloc_vcpu'),
      [['alloc', 'in_order', 'alloc_struct', 'set_domain', 'set_vcpu_id', 'publish', 'hvm_vcpu_initialise', 'check_init', 'ret']]);
    const kill = calls('16-destroy-with-live-server.ioreq.json', 'toolstack', 'domain_kill');
    assert.equal(kill.length, 1);
    assert.deepEqual(kill[0].filter((l) => l !== 'hvm_vcpu_destroy'),
      ['is_dying', 'pause', 'set_dying', 'evtchn_destroy', 'relinquish', 'relinquish_hvm', 'set_dead', 'vcpu_destroy', 'dead_break', 'ret']);
    assert.ok(kill[0].includes('hvm_vcpu_destroy'));
    assert.deepEqual(calls('16-destroy-with-live-server.ioreq.json', 'toolstack', 'xc_domain_destroy'), [['destroydomain', 'again', 'ret']]);
  });

  it("a data breakpoint on vcpu 0's slot state stops in the writer's own function, at the statement after the write", () => {
    const f = path.join(ROOT, 'scenarios', '08-sync-pio-read-write.ioreq.json');
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(f, 'utf8'), f));
    rt.dataBreakpoints = [{ id: 1, dataId: 'mem:1:feff9:30:1' }];
    const seen: string[] = [];
    for (let s = rt.continue(), n = 0; s.reason === 'data breakpoint' && n < 4; s = rt.continue(), n++) {
      const top = rt.frames().at(-1)!;
      seen.push(`${/written by (\S+ in \S+ \(\w+\))/.exec(s.description ?? '')?.[1]} -> ${top.fn}@${top.at}`);
    }
    // QEMU's READY -> INPROCESS is followed by state->send_vcpu = i, its answer's IORESP_READY by state->send_vcpu = -1.
    assert.deepEqual(seen.slice(1), [
      'd1v0 in hvm_send_assist_req_to_server (ready) -> hvm_send_assist_req_to_server@notify',
      'qemu in cpu_get_ioreq (inprocess) -> cpu_get_ioreq@send_vcpu',
      'qemu in cpu_handle_ioreq_answer (resp_ready) -> cpu_handle_ioreq_answer@send_vcpu',
    ]);
  });

  it('stdvga: a 16-bit write to 0x3c4 snoops both registers, each stdvga_outb at its case\'s line', () => {
    const F = '43-stdvga-caching.ioreq.json';
    const pio = calls(F, 'd1v0', 'stdvga_intercept_pio');
    assert.ok(pio.length >= 3);
    assert.deepEqual(pio[0], ['snoop', 'one_byte', 'two_bytes', 'ret']);
    const outb = calls(F, 'd1v0', 'stdvga_outb');
    // The first byte's call enters standard VGA mode (sr[7] is 0) and starts caching; the second's finds it entered.
    assert.deepEqual(outb[0], ['init_s', 'init_rc', 'switch', 'sr_index', 'set_stdvga', 'mode', 'cache_on', 'entering', 'ret']);
    assert.deepEqual(outb[1], ['init_s', 'init_rc', 'switch', 'sr', 'set_stdvga', 'mode', 'is_leaving', 'ret']);
    const move = calls(F, 'd1v0', 'mmio_move');
    assert.ok(move.some((c) => c.includes('for_each') && c.includes('mem_write')), 'rep movs element by element');
  });
});
