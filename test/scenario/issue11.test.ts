// Issue 11: the Xen mechanisms of the seed and legacy profiles that scenarios now reach. Each block pins one
// mechanism to its source ([X44] = RELEASE-4.4.0, [QEMU] = qemu-xen's xen-hvm.c of 2014, [SEED] = the patch).
import assert from 'node:assert/strict';
import * as A from '../../src/model/abi';
import { cFormat, specialPageLayout } from '../../src/model/layout';
import { dumpPage, pageDumps, pagesText } from '../../src/model/pages';
import { stateJson } from '../../src/model/state';
import { HvmHwStdvga } from '../../src/model/xen';
import type { HvmSeed } from '../../src/model/xen/seed/hvm.flat';
import { ScenarioError } from '../../src/scenario/errors';
import { explore } from '../../src/scenario/explore';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario, type RunResult } from '../../src/scenario/run';
import { main } from '../../src/cli/main';

type Doc = Record<string, any>;
const SETUP = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
  { actor: 'qemu', op: 'xen_hvm_init' },
  { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
];
function text(steps: unknown[], opts: { profile?: string; vcpus?: number; expect?: unknown[]; setup?: boolean } = {}): string {
  const setup = opts.setup === false ? [] : SETUP.map((s) => (s.op === 'xc_domain_create' ? { ...s, vcpus: opts.vcpus ?? 1 } : s));
  return JSON.stringify({ profile: opts.profile ?? 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps: [...setup, ...steps], expect: opts.expect ?? [] }, null, 1);
}
function run(steps: unknown[], opts: Parameters<typeof text>[1] = {}): { r: RunResult; doc: Doc; d1: Doc } {
  const r = runScenario(parseScenario(text(steps, opts), 'x.ioreq.json'));
  const doc = stateJson(r.session.m) as Doc;
  return { r, doc, d1: doc.domains['1'] };
}
const rcs = (r: RunResult) => r.steps.map((s) => s.result.rc);
const events = (r: RunResult, kind: string) => r.session.m.x.events.filter((e) => e.kind === kind);
const failed = (r: RunResult) => [...r.steps.flatMap((s) => s.verdicts), ...r.final].filter((v) => !v.ok).map((v) => v.text);
function parseErr(t: string): string {
  try { parseScenario(t, 'x.ioreq.json'); } catch (e) { if (e instanceof ScenarioError) return `${e.loc.line}:${e.loc.column} ${e.message}`; throw e; }
  return '';
}
const serve = [{ actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 }, { actor: 'd1v0', op: 'hvm_do_resume' }];

describe('issue 11: Xen decides what is buffered (stdvga, [X44] stdvga.c / intercept.c / io.c)', () => {
  it("mmio_write has no 'buffered' flag any more: a file that still says it is refused at the field", () => {
    const t = text([{ actor: 'd1v0', op: 'mmio_write', addr: '0xa0000', size: 2, value: 1, buffered: true }]);
    assert.match(parseErr(t), /unexpected field 'buffered' for op 'mmio_write'/);
  });

  it('outside caching mode every write in 0xa0000-0xbffff is queued and nothing else is: reads, straddling writes and writes next to the window go synchronous', () => {
    for (const [addr, size, dir, queued] of [['0xa0000', 2, 'w', true], ['0xbfffe', 2, 'w', true], ['0xbffff', 2, 'w', false], ['0x9ffff', 1, 'w', false],
      ['0xc0000', 1, 'w', false], ['0xa0000', 2, 'r', false]] as const) {
      const step = dir === 'w' ? { actor: 'd1v0', op: 'mmio_write', addr, size, value: 1 } : { actor: 'd1v0', op: 'mmio_read', addr, size };
      const { d1 } = run([step]);
      assert.equal(d1.ioreqServer.bufferedRing.writePointer, queued ? 1 : 0, `${dir} ${addr}/${size}`);
      assert.equal(d1.vcpus[0].slot.stateName, queued ? 'STATE_IOREQ_NONE' : 'STATE_IOREQ_READY', `${dir} ${addr}/${size}`);
      assert.equal(d1.stdvga.cache, false);
    }
  });

  it('an 8-byte VGA write takes two slots (high half second); the ring refuses what misbehave_buffered_send forces above 0xfffff', () => {
    const { d1, r } = run([
      { actor: 'd1v0', op: 'mmio_write', addr: '0xa0008', size: 8, value: '0x1122334455667788' },
      { actor: 'd1v0', op: 'misbehave_buffered_send', addr: '0x100000', size: 4, value: 5 },
    ]);
    assert.deepEqual(d1.ioreqServer.bufferedRing.pending.map((p: Doc) => p.data), ['0x55667788', '0x11223344']);
    assert.equal(d1.vcpus[0].slot.addr, '0x100000', 'refused by hvm_buffered_io_send: synchronous');
    assert.equal(events(r, 'buffered_write').length, 1);
  });

  it('misbehave_buffered_send queues a write outside the window (the deviation is explicit), a normal mmio_write of the same never', () => {
    const a = run([{ actor: 'd1v0', op: 'misbehave_buffered_send', addr: '0xd0000', size: 2, value: 7 }]);
    const b = run([{ actor: 'd1v0', op: 'mmio_write', addr: '0xd0000', size: 2, value: 7 }]);
    assert.equal(a.d1.ioreqServer.bufferedRing.writePointer, 1);
    assert.equal(b.d1.ioreqServer.bufferedRing.writePointer, 0);
    assert.equal(b.d1.vcpus[0].slot.stateName, 'STATE_IOREQ_READY');
  });

  it('a sequencer write enters standard VGA mode and caching; in chain-4 a cached read is answered by Xen with what the write left, and queued too', () => {
    const { d1, r } = run([
      { actor: 'd1v0', op: 'pio_write', port: '0x3c4', size: 2, value: '0x0f02' }, ...serve,
      { actor: 'd1v0', op: 'pio_write', port: '0x3c4', size: 2, value: '0x0804' }, ...serve,
      { actor: 'd1v0', op: 'mmio_write', addr: '0xa0010', size: 4, value: '0xdeadbeef' },
      { actor: 'd1v0', op: 'mmio_read', addr: '0xa0011', size: 2 },
    ]);
    assert.deepEqual(failed(r), []);
    assert.equal(d1.stdvga.cache, true);
    assert.equal(d1.vcpus[0].rax, '0xadbe', 'bytes 1-2 of 0xdeadbeef, from the cache');
    assert.equal(d1.vcpus[0].slot.stateName, 'STATE_IOREQ_NONE', 'no synchronous request for the read');
    const ring = d1.ioreqServer.bufferedRing.pending;
    assert.deepEqual(ring.map((p: Doc) => [p.dir, p.addr, p.data]), [[0, '0xa0010', '0xdeadbeef'], [1, '0xa0011', '0xadbe']]);
    assert.equal(r.session.m.x.console.filter((l) => l.text === 'entering stdvga and caching modes').length, 1);
  });

  it('stdvga_outb keeps only the bits Xen keeps, ignores indices past the register files, and sr[7] != 0 leaves standard VGA mode', () => {
    const m = run([]).r.session.m;
    const h = m.flat.hvm as HvmSeed;
    const d = m.x.domains.get(1)!;
    const outb = (port: number, val: number) => h.stdvgaOutb(d, port, val);
    outb(0x3c4, 4); outb(0x3c5, 0xff);
    assert.equal(d.stdvga.sr[4], 0x0e, 'sr[4] keeps bits 1-3');
    outb(0x3ce, 5); outb(0x3cf, 0xff);
    assert.equal(d.stdvga.gr[5], 0x7b);
    outb(0x3c4, 9);
    assert.equal(outb(0x3c5, 1), 0, 'index 9 is past sr[8]');
    assert.equal(d.stdvga.stdvga, true);
    outb(0x3c4, 7); outb(0x3c5, 1);
    assert.equal(d.stdvga.stdvga, false);
    assert.equal(d.stdvga.cache, true, 'leaving standard VGA mode does not clear the cache flag (stdvga.c:149-152)');
  });

  it('planar write mode 0 with set/reset and the bit mask, then read mode 0 and 1 on the latch (stdvga.c:319-425, 226-276)', () => {
    const h = run([]).r.session.m.flat.hvm as HvmSeed;
    const s = new HvmHwStdvga();
    s.sr[2] = 0x0f; s.gr[8] = 0xff; // all planes, all bits
    h.stdvgaMemWriteb(s, 0xa0000, 0x5a);
    assert.equal(h.vramLong(s, 0), 0x5a5a5a5a, 'mode 0 replicates the byte to the four planes');
    s.gr[1] = 0x04; s.gr[0] = 0x04; // set/reset plane 2 to ones
    h.stdvgaMemWriteb(s, 0xa0001, 0x00);
    assert.equal(h.vramLong(s, 1), 0x00ff0000);
    s.gr[4] = 2;
    assert.equal(h.stdvgaMemReadb(s, 0xa0001), 0xff, 'read mode 0 returns plane 2 of the latch');
    s.gr[5] = 0x08; s.gr[2] = 0; s.gr[7] = 0x0f; // read mode 1: compare with colour 0 on all planes
    assert.equal(h.stdvgaMemReadb(s, 0xa0001), 0xff & ~0xff, 'every bit differs from colour 0 somewhere: all 0');
    s.gr[6] = 0x0c; // memory map 3: 0xb8000-0xbffff only
    assert.equal(h.stdvgaMemOffset(s, 0xa0000), -1);
    assert.equal(h.stdvgaMemOffset(s, 0xb8001), 1);
  });

  it('mmio_move failing on a paged-out element drops the cache; the request then goes to the device model synchronously', () => {
    const { d1 } = run([
      { actor: 'd1v0', op: 'pio_write', port: '0x3c4', size: 2, value: '0x0f02' }, ...serve,
      { actor: 'toolstack', op: 'set_page', domid: 1, pfn: '0x31', pagedOut: true },
      { actor: 'd1v0', op: 'rep_movs', src: '0x30ffc', dst: '0xa0000', size: 4, count: 2 },
    ]);
    assert.equal(d1.stdvga.cache, false);
    assert.equal(d1.vcpus[0].slot.stateName, 'STATE_IOREQ_READY');
    assert.equal(d1.vcpus[0].slot.data_is_ptr, 1);
    assert.deepEqual(d1.pagingRequests, ['0x31']);
  });

  it("the MMIO intercepts come first: vlapic and vioapic accesses stay in Xen, the HPET's only while HVM_PARAM_HPET_ENABLED is set", () => {
    const { r, d1 } = run([
      { actor: 'd1v0', op: 'mmio_write', addr: '0xfee000b0', size: 4, value: 0 },
      { actor: 'd1v0', op: 'mmio_read', addr: '0xfec00010', size: 4 },
      { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'HPET_ENABLED', value: 1 },
      { actor: 'd1v0', op: 'mmio_write', addr: '0xfed000f0', size: 4, value: 1 },
      { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'HPET_ENABLED', value: 0 },
      { actor: 'd1v0', op: 'mmio_write', addr: '0xfed000f0', size: 4, value: 2 },
    ]);
    assert.deepEqual(events(r, 'io_internal').map((e) => e.detail!.handler), ['vlapic', 'vioapic', 'hpet']);
    assert.equal(events(r, 'ioreq_send').length, 1, 'only the last write, with the HPET off, reaches QEMU');
    assert.equal(d1.vcpus[0].slot.addr, '0xfed000f0');
    assert.equal(d1.vcpus[0].slot.data, '0x2');
  });

  it('send_timeoffset_req: nothing for 0, two TIMEOFFSET slots otherwise, "Unsuccessful timeoffset update" when the ring is full', () => {
    const writes = Array.from({ length: 510 }, (_, i) => ({ actor: 'd1v0', op: 'mmio_write', addr: `0x${(0xa0000 + 2 * i).toString(16)}`, size: 2, value: i }));
    const { r, d1 } = run([{ actor: 'd1v0', op: 'send_timeoffset_req', value: 0 }, ...writes, { actor: 'd1v0', op: 'send_timeoffset_req', value: 5 }]);
    assert.equal(r.steps[4].result.value, 0n);
    assert.equal(r.steps[r.steps.length - 1].result.value, 0n, 'at 510 used an 8-byte entry does not fit');
    assert.equal(d1.ioreqServer.bufferedRing.used, 510);
    assert.ok(r.session.m.x.console.some((l) => l.text === 'Unsuccessful timeoffset update'));
  });
});

describe('issue 11: every access form ([X44] emulate.c hvmemul_do_io and the rep callbacks, [QEMU] cpu_ioreq_pio/move)', () => {
  it('REP OUTS of each size and both DF values puts count, size, df and the buffer address in ONE slot; QEMU reads the elements in DF order', () => {
    for (const size of [1, 2, 4]) {
      for (const df of [0, 1]) {
        const { d1, r } = run([
          { actor: 'd1v0', op: 'write_guest_memory', gpa: '0x10000', bytes: '0102030405060708090a0b0c0d0e0f10' },
          { actor: 'd1v0', op: 'rep_outs', port: '0x80', size, count: 3, gpa: df ? `0x${(0x10000 + 2 * size).toString(16)}` : '0x10000', df },
        ]);
        const slot = d1.vcpus[0].slot;
        assert.deepEqual([slot.typeName, slot.dir, slot.size, slot.count, slot.df, slot.data_is_ptr], ['IOREQ_TYPE_PIO', 0, size, 3, df, 1]);
        assert.equal(rcs(r)[5], 0, 'X86EMUL_OKAY once sent: p_data is NULL');
        // QEMU's last write to the port is the last element it read: at offset 2*size forwards, at offset 0 backwards.
        const m = r.session.m;
        m.flatRun('qemu', null, (f) => f.qemu.cpuHandleIoreq(m.dms.get('qemu')!, 0, {}));
        const off = df ? 0 : 2 * size;
        let want = 0n;
        for (let k = 0; k < size; k++) want |= BigInt(off + k + 1) << BigInt(8 * k); // memory byte i holds i + 1
        assert.equal(m.dms.get('qemu')!.devices.get(0x80), want, `size ${size} df ${df}`);
      }
    }
  });

  it('REP INS writes what the port returns into guest memory, backwards with DF', () => {
    const { r } = run([
      { actor: 'd1v0', op: 'rep_ins', port: '0x60', size: 2, count: 2, gpa: '0x20002', df: 1 },
      { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0, data: '0xabcd' }, { actor: 'd1v0', op: 'hvm_do_resume' },
      { actor: 'd1v0', op: 'read_guest_memory', gpa: '0x20000', size: 4 },
    ]);
    assert.equal(r.steps[r.steps.length - 1].result.value, 0xabcdabcdn);
  });

  it("REP MOVS: Xen's p2m decides the direction; MMIO on both sides and a self-overlapping RAM copy are refused; RAM to RAM Xen copies itself", () => {
    const w = { actor: 'd1v0', op: 'write_guest_memory', gpa: '0x30000', bytes: '11223344' };
    const toDev = run([w, { actor: 'd1v0', op: 'rep_movs', src: '0x30000', dst: '0xfebf0000', size: 4, count: 1 }]).d1.vcpus[0].slot;
    assert.deepEqual([toDev.typeName, toDev.dir, toDev.addr, toDev.data], ['IOREQ_TYPE_COPY', 0, '0xfebf0000', '0x30000']);
    const fromDev = run([{ actor: 'd1v0', op: 'rep_movs', src: '0xfebf0000', dst: '0x40000', size: 4, count: 1 }]).d1.vcpus[0].slot;
    assert.deepEqual([fromDev.dir, fromDev.addr, fromDev.data], [1, '0xfebf0000', '0x40000']);
    const both = run([{ actor: 'd1v0', op: 'rep_movs', src: '0xfebf0000', dst: '0xfec00000', size: 4, count: 1 }]);
    assert.equal(rcs(both.r)[4], 1);
    const overlap = run([{ actor: 'd1v0', op: 'rep_movs', src: '0x30000', dst: '0x30002', size: 4, count: 2 }]);
    assert.equal(rcs(overlap.r)[4], 1, 'the first element would overwrite the source');
    const copy = run([w, { actor: 'd1v0', op: 'rep_movs', src: '0x30000', dst: '0x50000', size: 2, count: 2 }, { actor: 'd1v0', op: 'read_guest_memory', gpa: '0x50000', size: 4 }]);
    assert.equal(copy.r.steps[6].result.value, 0x44332211n);
    assert.equal(events(copy.r, 'ioreq_send').length, 0);
  });

  it('QEMU steps an MMIO address with the buffer, backwards under DF (rw_phys_req_item)', () => {
    const { r } = run([
      { actor: 'd1v0', op: 'write_guest_memory', gpa: '0x30000', bytes: 'aaaaaaaabbbbbbbb' },
      { actor: 'd1v0', op: 'rep_movs', src: '0x30004', dst: '0xfebf0004', size: 4, count: 2, df: 1 }, ...serve,
    ]);
    const dev = r.session.m.dms.get('qemu')!.devices;
    assert.equal(dev.get(0x10000 + 0xfebf0004), 0xbbbbbbbbn);
    assert.equal(dev.get(0x10000 + 0xfebf0000), 0xaaaaaaaan);
  });

  it('a buffer frame that is paged out retries with p2m_mem_paging_populate, a shared one retries quietly', () => {
    const paged = run([{ actor: 'toolstack', op: 'set_page', domid: 1, pfn: '0x30', pagedOut: true }, { actor: 'd1v0', op: 'rep_outs', port: '0x80', size: 1, count: 2, gpa: '0x30000' }]);
    assert.equal(rcs(paged.r)[5], 3);
    assert.deepEqual(paged.d1.pagingRequests, ['0x30']);
    assert.equal(paged.d1.p2m['0x30'], 'p2m_ram_paged');
    assert.equal(paged.d1.p2m['0xfeff9'], 'p2m_ram_rw', 'the special pages are always listed');
    const shared = run([{ actor: 'toolstack', op: 'set_page', domid: 1, pfn: '0x30', shared: true }, { actor: 'd1v0', op: 'rep_outs', port: '0x80', size: 1, count: 2, gpa: '0x30000' }]);
    assert.equal(rcs(shared.r)[5], 3);
    assert.deepEqual(shared.d1.pagingRequests, []);
    assert.equal(shared.d1.p2m['0x30'], 'p2m_ram_shared');
    assert.equal(shared.d1.vcpus[0].slot.stateName, 'STATE_IOREQ_NONE');
  });

  it('the string ops exist in the seed and legacy profiles only (4.5 has its own emulate.c)', () => {
    assert.match(parseErr(text([{ actor: 'd1v0', op: 'rep_outs', port: 1, size: 1, count: 1, gpa: 0 }], { profile: '4.5' })), /op 'rep_outs' does not exist in profile 4.5/);
    const legacy = run([{ actor: 'd1v0', op: 'write_guest_memory', gpa: '0x10000', bytes: '41' }, { actor: 'd1v0', op: 'rep_outs', port: '0x3f8', size: 1, count: 1, gpa: '0x10000' }], { profile: 'legacy' });
    assert.equal(legacy.d1.vcpus[0].slot.data_is_ptr, 1);
  });
});

describe('issue 11: params as do_hvm_op sees them ([X44] hvm.c:3925-3953)', () => {
  it('an index past HVM_NR_PARAMS reaches the hypercall (-EINVAL); a missing or destroyed domain is -ESRCH, not a step that cannot run', () => {
    const { r } = run([
      { actor: 'toolstack', op: 'hvmop_get_param', domid: 1, param: 33 },
      { actor: 'toolstack', op: 'hvmop_get_param', domid: 5, param: 'STORE_PFN' },
      { actor: 'toolstack', op: 'xc_domain_destroy', domid: 1 },
      { actor: 'qemu', op: 'hvmop_get_param', param: 'IOREQ_PFN' },
      { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'VIRIDIAN', value: 1 },
    ]);
    assert.deepEqual(rcs(r).slice(4), [-22, -3, 0, -3, -3]);
  });
});

describe('issue 11: shutdown ([X44] domain.c:592-676, schedule.c:925-1000)', () => {
  it('SHUTDOWN_crash pauses even a vcpu with an I/O in flight; other reasons let it finish first', () => {
    for (const [reason, pausedAtOnce] of [['crash', true], ['suspend', false]] as const) {
      const { d1, r } = run([{ actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, { actor: 'd1v1', op: 'sched_shutdown', reason }], { vcpus: 2 });
      assert.equal(d1.vcpus[0].pausedForShutdown, pausedAtOnce, reason);
      assert.equal(d1.isShutDown, pausedAtOnce, reason);
      assert.equal(d1.shutdownCode, `SHUTDOWN_${reason}`);
      assert.deepEqual(failed(r), []);
    }
  });

  it('a vcpu paused for the shutdown cannot run a step: the run says so at the step', () => {
    const t = text([{ actor: 'd1v0', op: 'sched_shutdown', reason: 'poweroff' }, { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: 1 }]);
    assert.throws(() => runScenario(parseScenario(t, 'x.ioreq.json')), /d1v0 is paused for d1's shutdown \(SHUTDOWN_poweroff\): it no longer runs/);
  });

  it('hvm_send_assist_req refuses a request once vcpu_start_shutdown_deferral fails, and says so in an event (seed and legacy)', () => {
    for (const profile of ['seed', 'legacy']) {
      const m = run([{ actor: 'd1v0', op: 'sched_shutdown', reason: 'poweroff' }], { profile }).r.session.m;
      const v = m.x.domains.get(1)!.vcpu[0];
      v.paused_for_shutdown = false; // as a vcpu still inside Xen on another CPU when domain_shutdown ran
      const p = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1 };
      const sent = m.flatRun('d1v0', v, (f) => f.hvm.hvmSendAssistReq(v, p)).value;
      assert.equal(sent, 0, profile);
      assert.equal(v.paused_for_shutdown, true, 'vcpu_check_shutdown paused it');
      assert.ok(m.x.events.some((e) => e.kind === 'io_dropped' && e.fn === 'hvm_send_assist_req' && /binned.*SHUTDOWN_poweroff/.test(e.text)), profile);
    }
  });
});

describe('issue 11: destruction in steps ([X44] domain.c:514-557, arch/x86/domain.c:1881-1990)', () => {
  it('a preempted XEN_DOMCTL_destroydomain leaves the domain dying with its server; the next call finishes; the first call on a dying domain does not pause again', () => {
    const { r } = run([
      { actor: 'toolstack', op: 'xen_domctl_destroydomain', domid: 1, preempt: true, after: [{ path: 'domains.1.isDying', equals: 1 }, { path: 'domains.1.ioreqServer.freed', equals: false }, { path: 'domains.1.pauseCount', equals: 1 }] },
      { actor: 'qemu', op: 'hvmop_get_param', param: 'IOREQ_PFN', expect: { rc: 0, valuePath: 'domains.1.params.IOREQ_PFN' } },
      { actor: 'toolstack', op: 'xen_domctl_destroydomain', domid: 1, preempt: true, after: [{ path: 'domains.1.pauseCount', equals: 1 }] },
      { actor: 'toolstack', op: 'xen_domctl_destroydomain', domid: 1, after: [{ path: 'domains.1.isDying', equals: 2 }, { event: 'server_destroy', count: 1 }] },
    ]);
    assert.deepEqual(rcs(r).slice(4), [-11, 0, -11, 0]);
    assert.deepEqual(failed(r), []);
  });

  it('in the dying window a first get_param creates and then loses the server: -EINVAL, the new mapping dropped', () => {
    const t = JSON.parse(text([
      { actor: 'toolstack', op: 'xen_domctl_destroydomain', domid: 1, preempt: true },
      { actor: 'qemu', op: 'hvmop_get_param', param: 'BUFIOREQ_EVTCHN' },
    ]));
    t.steps = t.steps.filter((s: Doc) => s.op !== 'xen_hvm_init' && s.op !== 'xc_domain_unpause');
    const r = runScenario(parseScenario(JSON.stringify(t), 'x.ioreq.json'));
    assert.deepEqual(rcs(r), [0, 0, -11, -22]);
    assert.equal(r.session.m.x.heap.hvm_ioreq_server, 0);
    assert.equal(r.session.m.x.domains.get(1)!.physmap.get(0xfeff9)!.xen_maps, 0);
  });
});

describe("issue 11: QEMU's cpu_handle_ioreq in steps ([QEMU] xen-hvm.c:853-890)", () => {
  it('handle_ioreq before cpu_get_ioreq, or an answer before handling, cannot run, with the reason', () => {
    const t1 = text([{ actor: 'd1v0', op: 'pio_read', port: '0x60', size: 1 }, { actor: 'qemu', op: 'handle_ioreq', vcpu: 0 }]);
    assert.throws(() => runScenario(parseScenario(t1, 'x.ioreq.json')), /has not taken vcpu 0's request \(cpu_get_ioreq first\)/);
    const t2 = text([{ actor: 'd1v0', op: 'pio_read', port: '0x60', size: 1 }, { actor: 'qemu', op: 'cpu_get_ioreq', vcpu: 0 }, { actor: 'qemu', op: 'cpu_handle_ioreq_answer', vcpu: 0 }]);
    assert.throws(() => runScenario(parseScenario(t2, 'x.ioreq.json')), /has not handled vcpu 0's request \(handle_ioreq first\)/);
  });

  it('the three steps give what cpu_handle_ioreq gives in one (the same slot, rax and events)', () => {
    const one = run([{ actor: 'd1v0', op: 'pio_read', port: '0x60', size: 1 }, { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0, data: '0x42' }, { actor: 'd1v0', op: 'hvm_do_resume' }]);
    const three = run([{ actor: 'd1v0', op: 'pio_read', port: '0x60', size: 1 }, { actor: 'qemu', op: 'cpu_get_ioreq', vcpu: 0 }, { actor: 'qemu', op: 'handle_ioreq', vcpu: 0, data: '0x42' },
      { actor: 'qemu', op: 'cpu_handle_ioreq_answer', vcpu: 0 }, { actor: 'd1v0', op: 'hvm_do_resume' }]);
    assert.equal(three.d1.vcpus[0].rax, '0x42');
    assert.deepEqual(three.d1.vcpus[0], one.d1.vcpus[0]);
    const kinds = (x: RunResult) => x.session.m.x.events.map((e) => e.kind).filter((k) => k !== 'dm_take');
    assert.deepEqual(kinds(three.r), kinds(one.r));
  });

  it("scenario 46's badness leaves the vcpu blocked forever: explore finds it and its counterexample ends with QEMU's answer", () => {
    const fs = require('node:fs') as typeof import('node:fs');
    const path = require('node:path') as typeof import('node:path');
    const file = path.join(__dirname, '../../../scenarios/46-qemu-badness-destroys-guest.ioreq.json');
    const sc = parseScenario(fs.readFileSync(file, 'utf8'), file);
    const res = explore(sc, { maxStates: 20000, hashing: true });
    const v = res.violations.find((x) => x.kind === 'vcpu-blocked-forever');
    assert.ok(v, res.violations.map((x) => x.kind).join(', '));
    assert.equal(sc.steps[v.trail[v.trail.length - 1]].op, 'cpu_handle_ioreq_answer');
  });
});

describe('issue 11: page bytes from the command line', () => {
  const cap = () => { const out: string[] = [], err: string[] = []; return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err }; };
  const fs = require('node:fs') as typeof import('node:fs');
  const os = require('node:os') as typeof import('node:os');
  const path = require('node:path') as typeof import('node:path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-pages-')), 'p.ioreq.json');
  fs.writeFileSync(file, text([{ actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 2, value: '0x4142' }, ...serve, { actor: 'd1v0', op: 'mmio_write', addr: '0xa0004', size: 1, value: 7 }]));

  it('pages FILE PFN marks every ioreq_t field of the slot with its decoded value, beside the bytes', () => {
    const c = cap();
    assert.equal(main(['pages', file, '--at', '5', '0xfeff9'], c.io), 0);
    const lines = c.out.join('\n').split('\n');
    assert.match(lines[0], /^d1 pfn 0xfeff9 IOREQ: ioreq page/);
    assert.equal(lines[1], '00000000  f8 03 00 00 00 00 00 00  42 41 00 00 00 00 00 00  |........BA......|  v0 addr=0x3f8 | v0 data=0x4142');
    assert.match(lines[2], /^00000010  01 00 00 00 02 00 00 00  03 00 00 00 00 00 01 00  .*v0 count=1 \| size=2 \| vp_eport=3 \| _pad0 \| state=1 \(STATE_IOREQ_READY\) data_is_ptr=0 dir=0 df=0 \| type=0 \(IOREQ_TYPE_PIO\)$/);
  });

  it('pages FILE --at N shows the buffered ring pointers and slots; the dump decodes bytes, not a copy', () => {
    const c = cap();
    assert.equal(main(['pages', file, '0xfeff8'], c.io), 0);
    assert.match(c.out.join('\n'), /read_pointer=0 \| write_pointer=1 \| slot 0: type=1 \(IOREQ_TYPE_COPY\) pad=0 dir=0 size=0 \(1 bytes\) addr=0xa0004 data=0x7/);
    const c2 = cap();
    assert.equal(main(['pages', file, '--at', '7', '0xfeff8'], c2.io), 0);
    assert.match(c2.out.join('\n'), /read_pointer=0 \| write_pointer=0\n00000010 {2}(00 ){7}00 {2}(00 ){7}00 {2}\|\.{16}\|\n\*\n/);
    // Bytes written behind the model's back are decoded as they are.
    const dv = new DataView(new ArrayBuffer(4096));
    dv.setUint32(4, 0xffffffff, true);
    assert.match(dumpPage('bufioreq', dv, 1)[0], /write_pointer=4294967295/);
  });

  it('pages: usage errors exit 2; state --json --bytes carries each special page as hex', () => {
    const c = cap();
    assert.equal(main(['pages'], c.io), 2);
    assert.equal(main(['pages', file, '1', '2'], cap().io), 2);
    assert.equal(main(['pages', file, '--at', '99'], cap().io), 2);
    const s = cap();
    assert.equal(main(['state', file, '--at', '5', '--json', '--bytes'], s.io), 0);
    const pages = JSON.parse(s.out.join('\n')).domains['1'].specialPages as Doc[];
    const ioreq = pages.find((p) => p.name === 'IOREQ')!;
    assert.equal(ioreq.bytes.length, 8192);
    assert.equal(ioreq.bytes.slice(0, 4), 'f803');
    assert.equal(pages.find((p) => p.name === 'PAGING')!.bytes, null);
    const plain = cap();
    main(['state', file, '--json'], plain.io);
    assert.equal('bytes' in JSON.parse(plain.out.join('\n')).domains['1'].specialPages[0], false);
  });

  it('pageDumps with no PFN covers every special page of the layout, and pagesText names them', () => {
    const m = runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file)).session.m;
    const d = pageDumps(m);
    assert.deepEqual(d.map((x) => x.name), specialPageLayout('seed').pages.map((p) => p.name));
    assert.match(pagesText(d), /d1 pfn 0xfeff8 BUFIOREQ: buffered page/);
  });
});

describe('issue 11: expectations a reviewer needs', () => {
  const base = [{ actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: 1 }, ...serve];
  const verdict = (e: unknown) => run(base, { expect: [e] }).r.final[0];

  it('events in order: holds as a subsequence, fails when two are swapped, and says how far it got', () => {
    assert.equal(verdict({ events: [{ event: 'ioreq_send' }, { event: 'dm_handle' }, { event: 'io_assist' }] }).ok, true);
    const v = verdict({ events: [{ event: 'dm_handle' }, { event: 'ioreq_send' }] });
    assert.equal(v.ok, false);
    assert.match(v.text, /the first 1 found in order; no ioreq_send after them/);
  });

  it("console lines: substring, exact and regex matches, and a count of matching lines", () => {
    assert.equal(verdict({ console: 'create_ioreq_server' }).ok, true);
    assert.equal(verdict({ console: 'create_ioreq_server', match: 'exact' }).ok, false);
    assert.equal(verdict({ console: 'hvm_create_ioreq_server: 1', match: 'exact', count: 1 }).ok, true);
    assert.equal(verdict({ console: '^hvm_create_ioreq_server: \\d+$', match: 'regex', count: 1 }).ok, true);
    assert.equal(verdict({ console: 'ioreq_server', count: 2 }).ok, false);
    assert.match(parseErr(text(base, { expect: [{ console: '(', match: 'regex' }] })), /'console' is not a valid regular expression/);
  });

  it("a step's value compared with a path of the state right after it", () => {
    const ok = run([{ actor: 'qemu', op: 'hvmop_get_param', param: 'STORE_PFN', expect: { valuePath: 'domains.1.params.STORE_PFN' } }]);
    assert.deepEqual(failed(ok.r), []);
    const bad = run([{ actor: 'qemu', op: 'hvmop_get_param', param: 'STORE_PFN', expect: { valuePath: 'domains.1.params.CONSOLE_PFN' } }]);
    assert.match(failed(bad.r)[0], /value == domains.1.params.CONSOLE_PFN \(value 0xfeffc, domains.1.params.CONSOLE_PFN "0xfeffa"\)/);
  });
});

describe("issue 11: libxc's debug output ([SEED] setup_guest DPRINTFs)", () => {
  it('printf as C would: %d, %lx without prefix or padding, zero-padded widths, %%', () => {
    assert.equal(cFormat('%d SPECIAL PAGES:\n', [8]), '8 SPECIAL PAGES:\n');
    assert.equal(cFormat('  IOREQ:     %lx', [0xfeff9]), '  IOREQ:     feff9');
    assert.equal(cFormat('0x%016lx %u%%', [0xc0, 3]), '0x00000000000000c0 3%');
  });

  it("only the seed prints them, and only with xc_hvm_build's debug switch; the numbers come from the macros", () => {
    assert.deepEqual(specialPageLayout('seed').dprintf[0], '8 SPECIAL PAGES:');
    assert.equal(specialPageLayout('seed').dprintf.length, 8);
    assert.deepEqual(specialPageLayout('legacy').dprintf, []);
    const on = run([{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1, debug: true }], { setup: false });
    const off = run([{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 }], { setup: false });
    assert.deepEqual(events(on.r, 'libxc_dprintf').map((e) => e.text.replace('xc: detail: ', '')), specialPageLayout('seed').dprintf);
    assert.equal(events(off.r, 'libxc_dprintf').length, 0);
  });
});

describe('issue 11: the flat and the stepped build agree on every bundled scenario', function () {
  this.timeout(120000);
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const { Session } = require('../../src/scenario/exec') as typeof import('../../src/scenario/exec');
  const dir = path.join(__dirname, '../../../scenarios');
  for (const f of fs.readdirSync(dir).filter((x) => /^(0[6-9]|1[0-6]|4\d|5\d)-.*\.ioreq\.json$/.test(x)).sort()) {
    it(f, () => {
      const sc = parseScenario(fs.readFileSync(path.join(dir, f), 'utf8'), f);
      const flat = new Session(sc), stepped = new Session(sc);
      const results: Array<[unknown, unknown]> = [];
      for (const step of sc.steps) {
        if (flat.blocked(step) !== null) break;
        const a = flat.runFlat(step);
        const g = stepped.runStepped(step);
        let r = g.next();
        while (!r.done) r = g.next();
        results.push([a, r.value]);
      }
      for (const [a, b] of results) assert.deepEqual(b, a);
      assert.deepEqual(stateJson(stepped.m), stateJson(flat.m));
      assert.deepEqual(stepped.m.x.events.map((e) => e.text), flat.m.x.events.map((e) => e.text));
    });
  }
});
