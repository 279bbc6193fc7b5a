// Mutation tests of src/model/xen/common/domain.ts (issue #16): domain_pause / domain_unpause's count and its BUG_ON,
// domain_crash's one-time record, code and log line, domain_shutdown's first reason and deferrals, the shutdown
// deferral of a vcpu with an I/O in flight, domain_resume, and SCHEDOP_(remote_)shutdown's checks
// (xen/common/domain.c and schedule.c @RELEASE-4.4.0, `domain.c:N` below; the same logic at RELEASE-4.21.0).
import { strict as assert } from 'node:assert';
import { DomainCode, SHUTDOWN_crash } from '../../src/model/xen/common/domain';
import { XenPanic } from '../../src/model/xen';
import { seedGuest } from './seed-guest';

const SHUTDOWN_poweroff = 0, SHUTDOWN_reboot = 1;

function guest(nrVcpus = 2) {
  const g = seedGuest(nrVcpus);
  g.m.x.on = true;
  const dc = new DomainCode(g.m.x);
  const from = g.m.x.events.length;
  const events = () => g.m.x.events.slice(from).map((e) => e.text);
  const consoleFrom = g.m.x.console.length;
  const console = () => g.m.x.console.slice(consoleFrom).map((l) => `${l.level} ${l.fn} d${l.domid}: ${l.text}`);
  return { ...g, dc, events, console };
}

describe('xen/common/domain.c (mutation): pause counts, crash, shutdown and its deferral', () => {
  it('domain_pause / domain_unpause count, each with its event; unpausing a count of 0 is the BUG_ON', () => {
    const { d1, dc, events } = guest();
    const n = d1.pause_count;
    dc.domainPause(d1, 'f');
    assert.equal(d1.pause_count, n + 1);
    dc.domainUnpause(d1, 'f');
    assert.equal(d1.pause_count, n);
    assert.deepEqual(events(), [`d1 paused (count ${n + 1})`, `d1 unpaused (count ${n})`]);
    d1.pause_count = 0;
    assert.throws(() => dc.domainUnpause(d1, 'g'), (e: unknown) => e instanceof XenPanic && e.fn === 'g' && e.message === 'BUG_ON: domain_unpause(d1) with pause_count 0');
    assert.equal(d1.pause_count, 0, 'the count never goes below 0');
  });

  it('domain_pause of the current vcpu\'s own domain is the ASSERT (it would wait for itself)', () => {
    const { m, d1, dc } = guest();
    m.x.current = d1.vcpu[1];
    assert.throws(() => dc.domainPause(d1, 'h'), (e: unknown) => e instanceof XenPanic && e.message === 'ASSERT(d != current->domain) failed: d1v1 pauses its own domain in h');
  });

  it('domain_crash: SHUTDOWN_crash, every vcpu paused with its deferral ended, the domain shut down; logged as the current vcpu\'s crash', () => {
    const { m, d1, dc, events, console } = guest();
    d1.vcpu[0].defer_shutdown = true;
    m.x.current = d1.vcpu[0];
    m.x.actor = 'vcpu0';
    dc.domainCrash(d1, 'hvm_wait_on_io', 'bad state');
    assert.deepEqual(d1.crashed, { reason: 'bad state', fn: 'hvm_wait_on_io', actor: 'vcpu0' });
    assert.equal(d1.shutdown_code, SHUTDOWN_crash);
    assert.deepEqual([d1.is_shutting_down, d1.is_shut_down], [true, true]);
    assert.deepEqual(d1.vcpu.map((v) => [v.defer_shutdown, v.paused_for_shutdown]), [[false, true], [false, true]]);
    assert.deepEqual(console(), ['XENLOG_INFO domain_crash d1: Domain 1 (vcpu#0) crashed on cpu#0:']);
    assert.ok(events().includes('d1 crashed: bad state'));
    // A domain already shutting down: __domain_crash says nothing more and keeps the first record.
    dc.domainCrash(d1, 'other', 'again');
    assert.equal(d1.crashed?.reason, 'bad state');
    assert.equal(console().length, 1);
  });

  it('domain_crash reported by another domain names it (dom0 without a current vcpu); a code already set is kept', () => {
    const a = guest();
    a.d1.shutdown_code = SHUTDOWN_reboot;
    a.m.x.current = null;
    a.dc.domainCrash(a.d1, 'f', 'r');
    assert.equal(a.d1.shutdown_code, SHUTDOWN_reboot, 'domain_shutdown keeps the first reason');
    assert.deepEqual(a.console(), ['XENLOG_INFO domain_crash d1: Domain 1 reported crashed by domain 0 on cpu#0:']);
    const b = guest();
    b.m.x.current = b.d2.vcpu[0];
    b.dc.domainCrash(b.d1, 'f', 'r');
    assert.deepEqual(b.console(), ['XENLOG_INFO domain_crash d1: Domain 1 reported crashed by domain 2 on cpu#0:']);
    // A domain without vcpus is shutting down but never shut down (no vcpu has paused for it).
    const c = guest();
    c.d1.vcpu = [];
    c.dc.domainCrash(c.d1, 'f', 'r');
    assert.deepEqual([c.d1.is_shutting_down, c.d1.is_shut_down], [true, false]);
  });

  it('domain_shutdown (domain.c:592-628): the first reason sticks, a deferring vcpu is left running, the shutdown final once all have paused', () => {
    const { d1, dc, events } = guest();
    d1.vcpu[1].defer_shutdown = true;
    dc.domainShutdown(d1, SHUTDOWN_poweroff, 'test');
    assert.equal(d1.shutdown_code, SHUTDOWN_poweroff);
    assert.deepEqual(d1.vcpu.map((v) => v.paused_for_shutdown), [true, false]);
    assert.equal(d1.is_shut_down, false, 'd1v1 still defers it');
    assert.deepEqual(events(), ['d1 shutting down (SHUTDOWN_poweroff)', 'd1v0 paused for the shutdown', 'd1v1 defers the shutdown (an I/O is in flight)']);
    // Again, with another reason: nothing (already shutting down), and the code stays.
    dc.domainShutdown(d1, SHUTDOWN_reboot, 'test');
    assert.equal(d1.shutdown_code, SHUTDOWN_poweroff);
    assert.equal(events().length, 3);
    // vcpu_end_shutdown_deferral (domain.c:670-676): d1v1 pauses now, and the shutdown is final.
    dc.vcpuEndShutdownDeferral(d1.vcpu[1]);
    assert.deepEqual([d1.vcpu[1].defer_shutdown, d1.vcpu[1].paused_for_shutdown, d1.is_shut_down], [false, true, true]);
    assert.deepEqual(events().slice(3), ['d1v1 paused for the shutdown', 'd1 is shut down (SHUTDOWN_poweroff): VIRQ_DOM_EXC to the toolstack']);
    // Finalising again says nothing.
    dc.domainFinaliseShutdown(d1, 'test');
    assert.equal(events().length, 5);
  });

  it('domain_shutdown for SHUTDOWN_crash ends every deferral; an unknown code is shown by number', () => {
    const a = guest();
    a.d1.vcpu[1].defer_shutdown = true;
    a.dc.domainShutdown(a.d1, SHUTDOWN_crash);
    assert.deepEqual(a.d1.vcpu.map((v) => [v.defer_shutdown, v.paused_for_shutdown]), [[false, true], [false, true]]);
    assert.equal(a.d1.is_shut_down, true);
    assert.equal(a.events()[0], 'd1 shutting down (SHUTDOWN_crash)');
    assert.equal(a.m.x.events.find((e) => e.text === 'd1 shutting down (SHUTDOWN_crash)')!.fn, 'domain_shutdown', 'the default fn');
    const b = guest();
    b.dc.domainShutdown(b.d1, 9);
    assert.equal(b.events()[0], 'd1 shutting down (9)');
    assert.equal(b.events().at(-1), 'd1 is shut down (9): VIRQ_DOM_EXC to the toolstack');
  });

  it('vcpu_start_shutdown_deferral (domain.c:657-668): true while the domain runs (once), false once it is shutting down, the vcpu then paused', () => {
    const { d1, dc, events } = guest();
    const v = d1.vcpu[0];
    assert.equal(dc.vcpuStartShutdownDeferral(v), true);
    assert.equal(v.defer_shutdown, true);
    assert.equal(dc.vcpuStartShutdownDeferral(v), true, 'already deferring');
    assert.deepEqual(events(), []);
    v.defer_shutdown = false;
    d1.is_shutting_down = true;
    assert.equal(dc.vcpuStartShutdownDeferral(v), false);
    assert.deepEqual([v.defer_shutdown, v.paused_for_shutdown], [false, true]);
    assert.deepEqual(events(), ['d1v0 paused for the shutdown']);
    assert.equal(d1.is_shut_down, false, 'd1v1 has not paused');
    // vcpu_check_shutdown of a running domain does nothing; of the last vcpu it finalises.
    dc.vcpuCheckShutdown(d1.vcpu[1], 'check');
    assert.equal(d1.is_shut_down, true);
    const g = guest();
    g.dc.vcpuCheckShutdown(g.d1.vcpu[0], 'check');
    g.dc.vcpuEndShutdownDeferral(g.d1.vcpu[0]);
    assert.deepEqual([g.d1.vcpu[0].paused_for_shutdown, g.events()], [false, []]);
  });

  it('domain_resume (domain.c:1354-1379 @RELEASE-4.21.0): the shutdown forgotten, every vcpu runs again, the pause count as before', () => {
    const { d1, dc, events } = guest();
    const n = d1.pause_count;
    dc.domainShutdown(d1, SHUTDOWN_reboot);
    dc.domainResume(d1);
    assert.deepEqual([d1.is_shutting_down, d1.is_shut_down, d1.shutdown_code, d1.pause_count], [false, false, -1, n]);
    assert.deepEqual(d1.vcpu.map((v) => v.paused_for_shutdown), [false, false]);
    assert.ok(events().includes('d1 resumed: its shutdown undone, its vcpus run again'));
    assert.equal(d1.vcpu.length, 2);
  });

  it('SCHEDOP_shutdown takes the reason\'s low byte; SCHEDOP_remote_shutdown: -ESRCH, -EPERM unless dom0 or the target\'s device model', () => {
    const a = guest();
    assert.equal(a.dc.schedopShutdown(a.d1.vcpu[0], 0x100 | SHUTDOWN_reboot), 0);
    assert.equal(a.d1.shutdown_code, SHUTDOWN_reboot);
    assert.equal(a.m.x.events.find((e) => e.kind === 'domain_shutdown')!.fn, 'SCHEDOP_shutdown');
    const b = guest();
    assert.equal(b.dc.schedopRemoteShutdown(b.d0, 7, 0), -3, 'no such domain');
    b.d1.is_dying = 2;
    assert.equal(b.dc.schedopRemoteShutdown(b.d0, 1, 0), -3, 'a dead domain');
    b.d1.is_dying = 1;
    assert.equal(b.dc.schedopRemoteShutdown(b.d2, 1, 0), -1, 'd2 is not d1\'s device model');
    assert.equal(b.d1.is_shutting_down, false);
    b.d2.target = 1;
    assert.equal(b.dc.schedopRemoteShutdown(b.d2, 1, 0x200 | SHUTDOWN_poweroff), 0, 'the target\'s device-model domain may');
    assert.equal(b.d1.shutdown_code, SHUTDOWN_poweroff);
    assert.equal(b.m.x.events.find((e) => e.kind === 'domain_shutdown')!.fn, 'SCHEDOP_remote_shutdown');
    const c = guest();
    assert.equal(c.dc.schedopRemoteShutdown(c.d0, 1, SHUTDOWN_reboot), 0, 'dom0 may');
  });
  it('with the model\'s events off nothing is emitted; each event carries its function, kind and decoded detail', () => {
    const q = guest();
    q.m.x.on = false;
    q.d1.vcpu[1].defer_shutdown = true;
    q.dc.domainPause(q.d1, 'f'); q.dc.domainUnpause(q.d1, 'f');
    q.dc.domainShutdown(q.d1, SHUTDOWN_reboot);
    q.dc.vcpuEndShutdownDeferral(q.d1.vcpu[1]);
    q.dc.domainResume(q.d1);
    q.dc.domainCrash(q.d1, 'f', 'r');
    assert.deepEqual(q.events(), [], 'events off: none');
    assert.equal(q.d1.is_shut_down, true, 'the state still changes');
    const { m, d1, dc } = guest();
    const from = m.x.events.length;
    d1.vcpu[0].defer_shutdown = true;
    dc.domainShutdown(d1, SHUTDOWN_reboot, 'test');
    const ev = () => m.x.events.slice(from).map((e) => ({ kind: e.kind, fn: e.fn, after: e.after, detail: e.detail }));
    assert.deepEqual(ev()[0], { kind: 'domain_shutdown', fn: 'test', after: 'SHUTDOWN_reboot', detail: undefined });
    dc.vcpuEndShutdownDeferral(d1.vcpu[0]);
    assert.deepEqual(ev().slice(-2).map((e) => [e.kind, e.fn, e.after]), [['vcpu_shutdown', 'vcpu_end_shutdown_deferral', undefined], ['domain_shutdown', 'vcpu_end_shutdown_deferral', 'is_shut_down']]);
    dc.domainResume(d1);
    assert.deepEqual(ev().filter((e) => e.after === 'resumed').map((e) => [e.kind, e.fn]), [['domain_shutdown', 'domain_resume']]);
    dc.domainCrash(d1, 'hvm_do_resume', 'weird');
    assert.deepEqual(ev().filter((e) => e.kind === 'domain_crash'), [{ kind: 'domain_crash', fn: 'hvm_do_resume', after: undefined, detail: { reason: 'weird' } }]);
    // A deferral asked for while the domain shuts down: the event names vcpu_start_shutdown_deferral.
    const g = guest();
    g.d1.is_shutting_down = true;
    const f0 = g.m.x.events.length;
    assert.equal(g.dc.vcpuStartShutdownDeferral(g.d1.vcpu[0]), false);
    assert.deepEqual(g.m.x.events.slice(f0).map((e) => e.fn), ['vcpu_start_shutdown_deferral']);
  });

  it('a vcpu already deferring keeps its deferral even once the domain shuts down; pausing a paused vcpu again says nothing', () => {
    const { d1, dc, events } = guest();
    const v = d1.vcpu[0];
    v.defer_shutdown = true;
    d1.is_shutting_down = true;
    assert.equal(dc.vcpuStartShutdownDeferral(v), true);
    assert.equal(v.paused_for_shutdown, false);
    dc.pauseForShutdown(d1.vcpu[1], 'x');
    dc.pauseForShutdown(d1.vcpu[1], 'x');
    assert.deepEqual(events(), ['d1v1 paused for the shutdown']);
  });

  it('domain_crash after domain_resume records the new crash only if none is on record (the first crash stays the model\'s report)', () => {
    const { d1, dc } = guest();
    dc.domainCrash(d1, 'f1', 'first');
    dc.domainResume(d1);
    dc.domainCrash(d1, 'f2', 'second');
    assert.deepEqual([d1.crashed?.reason, d1.crashed?.fn, d1.is_shutting_down], ['first', 'f1', true]);
  });
});
