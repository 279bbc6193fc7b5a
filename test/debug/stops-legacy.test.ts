// Issue 12 for the legacy profile (the tree before the seed, src/model/xen/legacy/hvm.ts): the stops the stepped
// build makes in legacy/hvm.c's functions, along two small legacy scenarios written here (an answered port write then
// a weird slot state; S3 suspend and resume, a pending trap, a second IOREQ_PFN, DM_DOMAIN, the domain's destruction)
// and the bundled scenario 18. Each stop is on a code line of its function's listing, a call goes down its listing except
// where a loop goes round, and the error and "nothing changes" paths stop at each of their lines in order.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadListing, locateLabel } from '../../src/debug/listing';
import { show } from '../../src/debug/values';
import { Session } from '../../src/scenario/exec';
import { parseScenario } from '../../src/scenario/parse';

const ROOT = path.join(__dirname, '../../..');
const LISTING = loadListing('legacy/hvm.c');

interface Stop { step: number; depth: number; fn: string; at: string; line: number; text: string; rc?: string }

/** Every stop of every step of a scenario, run on the stepped build (the calls' frames as the debugger shows them). */
function stopsOf(text: string, file: string): Stop[] {
  const sc = parseScenario(text, file);
  assert.equal(sc.profile, 'legacy');
  const session = new Session(sc);
  const out: Stop[] = [];
  sc.steps.forEach((step, i) => {
    assert.equal(session.blocked(step), null, `${file} step ${i} runs`);
    const g = session.runStepped(step);
    for (let r = g.next(); !r.done; r = g.next()) {
      const frames = session.m.frames;
      const top = frames[frames.length - 1];
      const loc = locateLabel('legacy', top.fn, top.at);
      assert.ok(loc, `${top.fn}@${top.at} has a listing line`);
      const rc = top.locals.rc;
      out.push({ step: i, depth: frames.length, fn: top.fn, at: top.at, line: loc.line, text: loc.listing.text.split('\n')[loc.line - 1],
        rc: rc === undefined ? undefined : show('rc', rc).value });
    }
  });
  return out;
}

const BOOT = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
  { actor: 'qemu', op: 'xen_hvm_init', expect: { rc: 0 } },
  { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
  { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41', expect: { rc: 0 } },
  { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0, expect: { rc: 0, value: 1 } },
  { actor: 'd1v0', op: 'hvm_do_resume', expect: { rc: 0 } },
];
const scenario = (steps: object[]) => JSON.stringify({ name: 'legacy stops', profile: 'legacy', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps: [...BOOT, ...steps] });

// A: a second write whose slot the device model sets to 5, a state no step of the protocol leaves.
const A = stopsOf(scenario([
  { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x42', expect: { rc: 0 } },
  { actor: 'qemu', op: 'write_state', vcpu: 0, state: 5, expect: { rc: 0 } },
  { actor: 'qemu', op: 'evtchn_send', port: 1, expect: { rc: 0 } },
  { actor: 'd1v0', op: 'hvm_do_resume', expect: { rc: 2 } },
]), 'a.ioreq.json');
// B: S3 suspend, a value that means nothing, resume; a slot the device model sets READY unasked, so the next MMIO write is unhandleable and leaves a #GP pending, injected once the slot is NONE again; IOREQ_PFN set again
// (what gets torn down is the page already mapped); the get of ACPI_S_STATE; DM_DOMAIN set; the domain destroyed.
const B = stopsOf(scenario([
  { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'ACPI_S_STATE', value: 3, expect: { rc: 0 } },
  { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'ACPI_S_STATE', value: 1, expect: { rc: '-EINVAL' } },
  { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'ACPI_S_STATE', value: 0, expect: { rc: 0 } },
  { actor: 'qemu', op: 'write_state', vcpu: 0, state: 1, expect: { rc: 0 } },
  { actor: 'd1v0', op: 'mmio_write', addr: '0xfebf0000', size: 1, value: '0x5a', expect: { rc: 1 } },
  { actor: 'qemu', op: 'write_state', vcpu: 0, state: 0, expect: { rc: 0 } },
  { actor: 'd1v0', op: 'hvm_do_resume', expect: { rc: 0 } },
  { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'IOREQ_PFN', value: '0xfeffd', expect: { rc: '-EINVAL' } },
  { actor: 'toolstack', op: 'hvmop_get_param', domid: 1, param: 'ACPI_S_STATE', expect: { rc: 0, value: 0 } },
  { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'DM_DOMAIN', value: 0, expect: { rc: 0 } },
  { actor: 'toolstack', op: 'xc_domain_destroy', domid: 1 },
]), 'b.ioreq.json');
const F18 = path.join(ROOT, 'scenarios', '18-legacy-layout.ioreq.json');
const S18 = stopsOf(fs.readFileSync(F18, 'utf8'), F18);

/** The stops of one function in step `step` (every call of it there, one after another). */
const inStep = (stops: Stop[], step: number, fn: string) => stops.filter((s) => s.step === step && s.fn === fn);
const ats = (stops: Stop[]) => stops.map((s) => s.at);
const N = BOOT.length;

describe('debugger: the legacy profile stops at every statement line of legacy/hvm.c (issue 12)', () => {
  it('each stop in a legacy/hvm.c function is a code line of that function; a call only goes down its listing, but where a loop goes round', () => {
    const seen = new Set<string>();
    for (const stops of [A, B, S18]) {
      // One call: the stops of a frame from its first to its last (callees' stops in between are deeper).
      const open: (Stop | undefined)[] = [];
      let depth = 0;
      for (const s of stops) {
        open.length = s.depth;
        if (s.depth > depth) open[s.depth - 1] = undefined; // a call begins
        depth = s.depth;
        const f = LISTING.fns.get(s.fn);
        if (!f) continue;
        seen.add(s.fn);
        assert.ok(s.line > f.line && s.line <= f.endLine, `${s.fn}@${s.at}: line ${s.line} is in the function`);
        assert.ok(!/^\s*(\/\*|\*(\s|\/|$)|$)/.test(s.text), `${s.fn}@${s.at}: line ${s.line} is code, not '${s.text}'`);
        const prev = open[s.depth - 1];
        if (prev && prev.fn === s.fn && prev.step === s.step) {
          const round = s.at === 'loop' || s.at === 'for_each_vcpu';
          assert.ok(s.line > prev.line || (round && s.line < prev.line), `${s.fn}: ${prev.at} (line ${prev.line}) then ${s.at} (line ${s.line})`);
        }
        open[s.depth - 1] = s;
      }
    }
    for (const fn of LISTING.fns.keys()) assert.ok(seen.has(fn), `${fn} is stepped through`);
  });

  it('domain creation: hvm_init_ioreq_server and each hvm_init_ioreq_page stop at every line, the lock\'s too', () => {
    assert.deepEqual(ats(inStep(S18, 0, 'hvm_init_ioreq_server')),
      ['alloc', 'check_alloc', 'set_domain', 'init_ports', 'init_buf_port', 'init_pages', 'init_buf_page', 'publish', 'ret']);
    assert.deepEqual(ats(inStep(S18, 0, 'hvm_init_ioreq_page')), ['lock_init', 'pause', 'lock_init', 'pause']);
    assert.match(inStep(S18, 0, 'hvm_init_ioreq_page')[0].text, /spin_lock_init/);
    // vcpu 0 takes the buffered port too; vcpu 1 does not
    assert.deepEqual(ats(inStep(S18, 0, 'hvm_ioreq_server_add_vcpu')), ['alloc', 'check', 'store', 'store_xen_port', 'vcpu0', 'alloc_buf', 'check_buf', 'store_buf', 'update', 'ret',
      'alloc', 'check', 'store', 'store_xen_port', 'vcpu0', 'update', 'ret']);
  });

  it('an answered write: hvm_send_assist_req copies the request line by line; hvm_do_resume goes round its loop once', () => {
    assert.deepEqual(ats(inStep(A, 4, 'hvm_send_assist_req')),
      ['init_d', 'init_s', 'deferral', 'check_server', 'get_ioreq', 'check_state', 'copy', 'copy_port', 'copy_slot', 'prepare_wait', 'wmb', 'ready', 'notify', 'ret']);
    assert.match(inStep(A, 4, 'hvm_send_assist_req').find((s) => s.at === 'wmb')!.text, /wmb\(\);.*nothing changes/);
    assert.deepEqual(ats(inStep(A, 6, 'hvm_do_resume')),
      ['init_d', 'init_s', 'check_wakeup', 'check_server', 'get_ioreq', 'loop', 'read_state', 'switch', 'assist', 'assist_break', 'loop', 'inject_trap']);
  });

  it('a weird slot state: the printk, domain_crash and the return each stop, and no trap is injected', () => {
    const resume = inStep(A, N + 3, 'hvm_do_resume');
    assert.deepEqual(ats(resume).slice(-5), ['read_state', 'switch', 'weird', 'crash', 'bail']);
    assert.match(resume.at(-2)!.text, /domain_crash\(d\)/);
    assert.match(resume.at(-1)!.text, /return;/);
  });

  it('HVM_PARAM_ACPI_S_STATE: a stop at each line of the case, rc as each line leaves it', () => {
    const acpi = (step: number) => inStep(B, step, 'do_hvm_op').filter((s) => s.at.startsWith('acpi_s_state')).map((s) => `${s.at} ${s.rc}`);
    assert.deepEqual(acpi(N), ['acpi_s_state 0', 'acpi_s_state_self -EPERM', 'acpi_s_state_ok -EPERM', 'acpi_s_state_s3 0', 'acpi_s_state_break 0']);
    assert.deepEqual(acpi(N + 1), ['acpi_s_state 0', 'acpi_s_state_self -EPERM', 'acpi_s_state_ok -EPERM', 'acpi_s_state_s3 0', 'acpi_s_state_s0 0',
      'acpi_s_state_einval 0', 'acpi_s_state_break -EINVAL']);
    assert.deepEqual(acpi(N + 2), ['acpi_s_state 0', 'acpi_s_state_self -EPERM', 'acpi_s_state_ok -EPERM', 'acpi_s_state_s3 0', 'acpi_s_state_s0 0', 'acpi_s_state_break 0']);
    assert.match(inStep(B, N + 1, 'do_hvm_op').find((s) => s.at === 'acpi_s_state_einval')!.text, /else rc = -EINVAL;/);
    assert.deepEqual(ats(inStep(B, N + 8, 'do_hvm_op')).slice(-5), ['is_get', 'get_switch', 'get_acpi_s_state', 'get_acpi_s_state_break', 'got']);
  });

  it('a pending trap: hvm_do_resume stops at the injection (nothing changes) and at the clearing of the vector', () => {
    const resume = inStep(B, N + 6, 'hvm_do_resume');
    assert.deepEqual(ats(resume).slice(-4), ['loop', 'inject_trap', 'inject', 'clear_trap']);
    assert.match(resume.at(-2)!.text, /hvm_inject_trap.*nothing changes/);
  });

  it('IOREQ_PFN set again: the old mapping is torn down under the lock, and the unlock and the -EINVAL each stop', () => {
    const set = inStep(B, N + 7, 'hvm_set_ioreq_page');
    assert.deepEqual(ats(set), ['prepare', 'check_rc', 'lock', 'check_busy', 'drop_old', 'busy_unlock', 'ret_einval']);
    assert.match(set.at(-2)!.text, /spin_unlock.*nothing changes/);
    assert.match(set.at(-1)!.text, /return -EINVAL;/);
    assert.deepEqual(ats(inStep(B, N + 7, 'hvm_set_ioreq_server_pfn')), ['set', 'check_rc']);
    assert.equal(inStep(B, N + 7, 'do_hvm_op').find((s) => s.at === 'ioreq_pfn_break')!.rc, '-EINVAL');
  });

  it('DM_DOMAIN set: hvm_set_ioreq_server_domid stops at every line, its loop\'s head and check included', () => {
    assert.deepEqual(ats(inStep(B, N + 9, 'hvm_set_ioreq_server_domid')), ['init_d', 'init_rc', 'pause', 'init_v0', 'check_v0', 'replace_buf', 'check_rc',
      'for_each_vcpu', 'replace', 'check_replace', 'check_rc_update', 'update', 'set_domid', 'done', 'ret']);
    assert.deepEqual(ats(inStep(B, N + 9, 'do_hvm_op')).slice(-8), ['set_switch', 'dm_domain', 'dm_domain_self', 'dm_domain_domid', 'set_domid', 'dm_domain_break', 'store', 'set_ret']);
  });

  it('the domain destroyed: hvm_deinit_ioreq_server and each hvm_destroy_ioreq_page stop at every line', () => {
    assert.deepEqual(ats(inStep(B, N + 10, 'hvm_deinit_ioreq_server')), ['init_s', 'destroy', 'destroy_page', 'destroy_buf_page', 'free']);
    assert.deepEqual(ats(inStep(B, N + 10, 'hvm_destroy_ioreq_page')), ['assert', 'lock', 'destroy', 'unlock', 'assert', 'lock', 'destroy', 'unlock']);
    assert.deepEqual(ats(inStep(B, N + 10, 'hvm_vcpu_destroy')), ['init_s', 'remove']);
    assert.deepEqual(ats(inStep(B, N + 10, 'hvm_ioreq_server_remove_vcpu')), ['free', 'free_port']);
  });
});
