// Issue 16, src/model/qemu/xen-hvm-common.ts: today's QEMU start-up and buffered-ring drain, what the mutation run
// found unpinned. Line numbers are qemu.git 017b2e73 hw/xen/xen-hvm-common.c (xen_map_ioreq_server 642-717,
// xen_do_ioreq_register 767-842, handle_buffered_iopage 463-525, cpu_handle_ioreq 540-588, xen_exit_notifier
// 629-640). Where a test acts at one of QEMU's stops, it is another CPU (the toolstack, another dom0 process)
// acting while QEMU runs there.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { EINVAL, ENOENT, EOPNOTSUPP } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import type { OpResult } from '../../src/model/model';
import type { Co } from '../../src/model/step';
import type { Vcpu } from '../../src/model/xen';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { Rec421, type Stop } from './rec421';

const G = 1;
/** Rec421 with a hook at each stop (another CPU's move while QEMU is stopped there). */
class Hooked extends Rec421 {
  hook: ((s: Stop) => void) | null = null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override run<T>(actor: string, v: Vcpu | null, fn: (i: any) => Co<T> | T): OpResult<T> {
    if (this.build === 'flat' || !this.hook) return super.run(actor, v, fn);
    const g = this.m.steppedRun(actor, v, (s) => fn(s.x421!) as Co<T>);
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      const top = this.m.frames.at(-1);
      if (top) { const s = { fn: top.fn, at: top.at, locals: { ...top.locals } }; this.stops.push(s); this.hook(s); }
    }
  }
  /** Run `act` once, at the first stop fn@at. */
  once(fn: string, at: string, act: () => void): void {
    let done = false;
    this.hook = (s) => { if (!done && s.fn === fn && s.at === at) { done = true; act(); } };
  }
}
const guest = (nvcpus = 1) => Hooked.make('4.21', 'stepped', nvcpus, G);
const server0 = (t: Rec421) => t.domain(G).x421.server[0];
/** dom0, as the toolstack, destroys QEMU's server (a DMOP of another dom0 process). */
function destroyBehind(t: Hooked, dm: { ioservid: number }) {
  t.addDm('tool', 'qemu', 0, G);
  assert.equal(t.dmOp('tool', { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: dm.ioservid } }).value, 0);
}

describe('mutation (issue 16): today\'s QEMU xen_map_ioreq_server (xen-hvm-common.c:642-717)', () => {
  it('with buffering: frames 0 and 1 of the resource, the ioreq page from frame 1, the buffered page from frame 0; get_info asks for no gfns', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    assert.equal(t.dmInit('qemu').value, 0);
    const s = server0(t)!;
    assert.equal(dm.pages_how, 'resource');
    assert.equal(dm.shared_page!.buffer, s.ioreq.va!.buffer);
    assert.equal(dm.buffered_io_page!.buffer, s.bufioreq.va!.buffer);
    assert.deepEqual(t.pick('xen_map_ioreq_server', 'map_resource', ['frame', 'nr']), [{ frame: 0, nr: 2 }]);
    assert.deepEqual(t.pick('xen_map_ioreq_server', 'get_info', ['mapped']), [{ mapped: true }]);
    assert.equal(dm.ioreq_pfn, -1, 'no gfn asked for');
    assert.ok(dm.bufioreq_local_port > 0, 'the buffered port bound');
    assert.deepEqual(t.labels('xen_do_ioreq_register'), ['create', 'map', 'enable', 'bind_vcpu', 'bind_buf']);
    assert.deepEqual(t.pick('xen_do_ioreq_register', 'bind_buf', ['port']), [{ port: dm.bufioreq_remote_port }]);
    assert.deepEqual(t.pick('xen_do_ioreq_register', 'map', ['id']), [{ id: 0 }]);
    assert.deepEqual(t.pick('xen_do_ioreq_register', 'enable', ['id']), [{ id: 0 }]);
  });

  it('without buffering (HVM_IOREQSRV_BUFIOREQ_OFF): frame 1 alone, no buffered page and no buffered port bound', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    assert.equal(t.dmInit('qemu', I.HVM_IOREQSRV_BUFIOREQ_OFF).value, 0);
    assert.deepEqual(t.pick('xen_map_ioreq_server', 'map_resource', ['frame', 'nr']), [{ frame: 1, nr: 1 }]);
    assert.equal(dm.shared_page!.buffer, server0(t)!.ioreq.va!.buffer);
    assert.equal(dm.buffered_io_page, null);
    assert.equal(dm.bufioreq_local_port, -1);
    assert.equal(dm.dead, false);
  });

  it('privcmd without resource mapping (EOPNOTSUPP): get_info with gfns, both gfns foreign-mapped (xen-hvm-common.c:663-700)', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    dm.resource_unsupported = true;
    assert.equal(t.dmInit('qemu').value, 0);
    assert.equal(dm.pages_how, 'gfn');
    assert.ok(dm.ioreq_pfn > 0 && dm.bufioreq_pfn > 0);
    // The gfns' pages are the server's (enabling took them out of the guest's physmap afterwards).
    assert.equal(dm.shared_page!.buffer, server0(t)!.ioreq.va!.buffer);
    assert.equal(dm.buffered_io_page!.buffer, server0(t)!.bufioreq.va!.buffer);
    assert.deepEqual(t.pick('xen_map_ioreq_server', 'get_info', ['mapped']), [{ mapped: false }]);
    assert.deepEqual(t.pick('xen_map_ioreq_server', 'map_gfns', ['ioreq_pfn', 'bufioreq_pfn']), [{ ioreq_pfn: A.hex(dm.ioreq_pfn), bufioreq_pfn: A.hex(dm.bufioreq_pfn) }]);
    assert.equal(dm.dead, false);
  });

  it('the resource map failing otherwise (the server gone, -ENOENT): "failed to map ioreq server resources", the err: exit (xen-hvm-common.c:700-705, 839-841)', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    t.once('xen_do_ioreq_register', 'map', () => destroyBehind(t, dm));
    const rc = t.dmInit('qemu').value;
    assert.equal(rc, -ENOENT);
    assert.equal(dm.last_error, `failed to map ioreq server resources: error ${ENOENT}; xen hardware virtual machine initialisation failed`);
    assert.equal(dm.dead, true);
    assert.deepEqual(t.pick('xen_hvm_init_failed', 'failed', ['rc', 'why']), [{ rc: -ENOENT, why: `failed to map ioreq server resources: error ${ENOENT}` }]);
  });

  it('get_info failing (the server gone): "failed to get ioreq server info ... handle=<xc handle>", the err: exit', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    dm.resource_unsupported = true;
    t.once('xen_map_ioreq_server', 'get_info', () => destroyBehind(t, dm));
    assert.equal(t.dmInit('qemu').value, -ENOENT);
    assert.equal(dm.last_error, `failed to get ioreq server info: error ${ENOENT} handle=<xc handle>; xen hardware virtual machine initialisation failed`);
  });

  it('the legacy ioreq gfn will not map: reported, the buffered one is still mapped, then -EINVAL; a buffered gfn that will not map: -EINVAL at once', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    dm.resource_unsupported = true;
    t.once('xen_map_ioreq_server', 'map_gfns', () => t.domain(G).holes.add(dm.ioreq_pfn));
    assert.equal(t.dmInit('qemu').value, -EINVAL);
    assert.equal(dm.last_error, 'map shared IO page returned error; xen hardware virtual machine initialisation failed');
    assert.ok(dm.buffered_io_page, 'the buffered page was mapped before giving up');
    assert.equal(dm.shared_page, null);
    assert.notEqual(dm.pages_how, 'gfn');
    const t2 = guest();
    const dm2 = t2.addDm('qemu', 'qemu', 0, G);
    dm2.resource_unsupported = true;
    t2.once('xen_map_ioreq_server', 'map_gfns', () => t2.domain(G).holes.add(dm2.bufioreq_pfn));
    assert.equal(t2.dmInit('qemu').value, -EINVAL);
    assert.equal(dm2.last_error, 'map buffered IO page returned error; xen hardware virtual machine initialisation failed');
    assert.ok(dm2.shared_page);
    assert.equal(dm2.buffered_io_page, null);
  });

  it('the legacy gfns without buffering: only the ioreq gfn is mapped', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    dm.resource_unsupported = true;
    const from = t.m.x.events.length;
    assert.equal(t.dmInit('qemu', I.HVM_IOREQSRV_BUFIOREQ_OFF).value, 0);
    assert.equal(dm.buffered_io_page, null);
    assert.equal(t.m.x.events.slice(from).filter((e) => e.kind === 'foreign_map').length, 1);
  });
});

describe('mutation (issue 16): today\'s QEMU xen_do_ioreq_register\'s err: exit (xen-hvm-common.c:767-842, 629-640)', () => {
  it('enable failing (the server gone): "failed to enable ioreq server info", the exit notifier runs, QEMU is gone', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    t.once('xen_do_ioreq_register', 'enable', () => destroyBehind(t, dm));
    assert.equal(t.dmInit('qemu').value, -ENOENT);
    assert.equal(dm.last_error, `failed to enable ioreq server info: error ${ENOENT} handle=<xc handle>; xen hardware virtual machine initialisation failed`);
    assert.equal(dm.dead, true);
    assert.deepEqual(t.labels('xen_exit_notifier'), ['destroy', 'evtchn_close']);
  });

  it('the buffered port will not bind (another dom0 process bound it first): "buffered evtchn bind error", the exit notifier destroys the server and closes the vcpu ports', () => {
    const t = guest(2);
    const dm = t.addDm('qemu', 'qemu', 0, G);
    let other = -1;
    let dmPorts: number[] = [];
    t.once('xen_do_ioreq_register', 'bind_buf', () => { dmPorts = [...dm.ioreq_local_port]; other = E.evtchnBindInterdomain(t.m.x, t.domain(0), G, dm.bufioreq_remote_port); });
    assert.equal(t.dmInit('qemu').value, -EINVAL);
    assert.ok(other > 0);
    assert.equal(dm.last_error, `buffered evtchn bind error ${EINVAL}; xen hardware virtual machine initialisation failed`);
    assert.equal(server0(t), null, 'destroyed by xen_exit_notifier');
    assert.deepEqual(t.pick('xen_exit_notifier', 'evtchn_close', ['ports']), [{ ports: 2 }]);
    assert.deepEqual(t.pick('xen_exit_notifier', 'destroy', ['id']), [{ id: 0 }]);
    assert.deepEqual([...dm.ioreq_local_port, dm.bufioreq_local_port], [-1, -1, -1]);
    const [a, b] = dmPorts;
    assert.ok(a > 0 && b > 0);
    assert.equal(t.domain(0).evtchn.ports[a].state, E.ECS_FREE, 'QEMU\'s end of vcpu 0\'s port closed');
    assert.equal(t.domain(0).evtchn.ports[b].state, E.ECS_FREE);
    assert.notEqual(t.domain(0).evtchn.ports[other].state, E.ECS_FREE, 'the other process\'s port is not QEMU\'s to close');
  });

  it('a clean exit of a running QEMU (the dm_exit op): xen_exit_notifier destroys the server and closes every port QEMU bound, the buffered one too', () => {
    const t = guest(2);
    const dm = t.addDm('qemu', 'qemu', 0, G);
    assert.equal(t.dmInit('qemu').value, 0);
    const ports = [...dm.ioreq_local_port, dm.bufioreq_local_port];
    assert.ok(ports.every((p) => p > 0));
    t.run('dm0', t.dmVcpu(dm), (i) => i.qemu.xenExitNotifier(dm));
    assert.deepEqual(t.pick('xen_exit_notifier', 'evtchn_close', ['ports']), [{ ports: 3 }]);
    for (const p of ports) assert.equal(t.domain(0).evtchn.ports[p].state, E.ECS_FREE);
    assert.equal(server0(t), null);
    assert.equal(dm.dead, true);
  });

  it('xen_map_ranges: each wanted range mapped in turn; the first refused one stops it with its rc (xen_native.h:366, 400, 434)', () => {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    assert.equal(t.dmInit('qemu').value, 0);
    dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn], [I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3f9n], [I.XEN_DMOP_IO_RANGE_PORT, 0x60n, 0x60n]];
    const rc = t.mapRanges('qemu').value!;
    assert.ok(rc < 0);
    assert.equal(dm.last_error, `map range 0x3f8-0x3f9: ${rc}`);
    assert.deepEqual(t.pick('xen_map_ranges', 'range', ['type', 'start', 'end']), [
      { type: 0, start: 0x3f8n, end: 0x3ffn }, { type: 0, start: 0x3f8n, end: 0x3f9n }]);
    dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x60n, 0x60n]];
    assert.equal(t.mapRanges('qemu').value, 0);
  });
});

describe('mutation (issue 16): today\'s QEMU handle_buffered_iopage (xen-hvm-common.c:463-525)', () => {
  /** QEMU up with buffering; the buffered page and a writer of its slots (what hvm_buffered_io_send puts there). */
  function ring() {
    const t = guest();
    const dm = t.addDm('qemu', 'qemu', 0, G);
    assert.equal(t.dmInit('qemu').value, 0);
    const pg = dm.buffered_io_page!;
    const put = (b: Partial<A.BufIoreq>) => {
      const wp = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
      A.writeBufIoreq(pg, A.bufSlotOffset(wp), { type: A.IOREQ_TYPE_COPY, pad: 0, dir: A.IOREQ_WRITE, size: 0, addr: 0xa0000, data: 0, ...b });
      pg.setUint32(A.BUF_OFF_WRITE_POINTER, (wp + 1) >>> 0, true);
    };
    return { t, dm, pg, put, rp: () => pg.getUint32(A.BUF_OFF_READ_POINTER, true) };
  }

  it('each entry handled and the read pointer moved one slot (two for a quad word, its high half in the next slot); a write is stored, a read or a TIMEOFFSET is not', () => {
    const { t, dm, put, rp } = ring();
    put({ addr: 0xa0010, data: 0x11, size: 0 });
    put({ addr: 0xa0020, data: 0x22222222, size: 3 }); put({ addr: 0xa0020, data: 0x33, size: 3 });
    put({ addr: 0xa0030, data: 0x44, dir: A.IOREQ_READ });
    put({ type: A.IOREQ_TYPE_TIMEOFFSET, addr: 0xa0040, data: 0x55 });
    const from = t.m.x.events.length;
    assert.equal(t.drainBuffered('qemu').value, 4);
    assert.equal(rp(), 5);
    assert.equal(dm.buffered_handled, 4);
    assert.equal(dm.devices.get(0x10000 + 0xa0010), 0x11n);
    assert.equal(dm.devices.get(0x10000 + 0xa0020), 0x3322222222n, 'the quad word\'s halves joined');
    assert.equal(dm.devices.has(0x10000 + 0xa0030), false);
    assert.equal(dm.devices.has(0x10000 + 0xa0040), false);
    const ev = t.m.x.events.slice(from).filter((e) => e.kind === 'buffered_consume');
    assert.deepEqual(ev.map((e) => [e.before, e.after]), [[0, 1], [1, 3], [3, 4], [4, 5]]);
    assert.equal(ev[1].text, `dm d0 consumes buffered IOREQ_TYPE_COPY 0xa0020 data 0x3322222222: read_pointer 1 -> 3`);
    assert.deepEqual(ev[1].detail, { type: 'IOREQ_TYPE_COPY', addr: '0xa0020', data: '0x3322222222' });
    assert.equal(ev[0].domid, G);
    assert.ok(ev.every((e) => e.fn === 'handle_buffered_iopage'));
    assert.deepEqual(t.pick('handle_buffered_iopage', 'handle', ['type', 'addr', 'data']).slice(-4), [
      { type: 'IOREQ_TYPE_COPY', addr: '0xa0010', data: 0x11n }, { type: 'IOREQ_TYPE_COPY', addr: '0xa0020', data: 0x3322222222n },
      { type: 'IOREQ_TYPE_COPY', addr: '0xa0030', data: 0x44n }, { type: 'IOREQ_TYPE_TIMEOFFSET', addr: '0xa0040', data: 0x55n }]);
    assert.deepEqual(t.pick('handle_buffered_iopage', 'pointers', ['rdptr', 'wrptr']).slice(-5), [
      { rdptr: 0, wrptr: 5 }, { rdptr: 1, wrptr: 5 }, { rdptr: 3, wrptr: 5 }, { rdptr: 4, wrptr: 5 }, { rdptr: 5, wrptr: 5 }]);
    // With events off (the explorer's runs) nothing is recorded.
    t.m.x.on = false;
    put({ addr: 0xa0050, data: 0x66 });
    const n = t.m.x.events.length;
    assert.equal(t.drainBuffered('qemu').value, 1);
    assert.equal(t.m.x.events.length, n);
  });

  it('the drain starts by clearing the buffered port\'s pending bit, and stops at once when no buffered page is mapped', () => {
    const { t, dm } = ring();
    const port = dm.bufioreq_local_port;
    t.domain(0).evtchn.w(port).pending = true; // the notification hvm_buffered_io_send sent
    assert.equal(t.drainBuffered('qemu').value, 0);
    assert.equal(t.domain(0).evtchn.ports[port].pending, false);
    assert.deepEqual(t.pick('handle_buffered_iopage', 'check', ['mapped']).at(-1), { mapped: true });
    const t2 = guest();
    t2.addDm('qemu', 'qemu', 0, G);
    assert.equal(t2.dmInit('qemu', I.HVM_IOREQSRV_BUFIOREQ_OFF).value, 0);
    assert.equal(t2.drainBuffered('qemu').value, 0);
    assert.deepEqual(t2.labels('handle_buffered_iopage'), ['check']);
    assert.deepEqual(t2.pick('handle_buffered_iopage', 'check', ['mapped']), [{ mapped: false }]);
  });

  it('half a quad word after an entry already consumed: still "Incomplete quad word" (the pointers\' difference, not their sum)', () => {
    const { t, dm, put, rp } = ring();
    put({ addr: 0xa0010, data: 0x11 });
    put({ addr: 0xa0020, data: 0x22, size: 3 });
    assert.equal(t.drainBuffered('qemu').value, -22);
    assert.equal(dm.last_error, 'Incomplete quad word buffered ioreq');
    assert.equal(rp(), 1);
  });

  it('half a quad word (its second slot not written yet): hw_error "Incomplete quad word buffered ioreq", QEMU aborts; the pointer stays', () => {
    const { t, dm, put, rp } = ring();
    put({ addr: 0xa0020, data: 0x22, size: 3 });
    assert.equal(t.drainBuffered('qemu').value, -22);
    assert.equal(dm.last_error, 'Incomplete quad word buffered ioreq');
    assert.equal(dm.dead, true);
    assert.equal(rp(), 0);
    assert.equal(t.drainBuffered('qemu').value, 0, 'a dead QEMU reads nothing');
  });

  it('pointers more than a ring apart: given up, -EINVAL, nothing consumed; exactly a ring apart is a full ring and is read', () => {
    const { t, dm, pg, rp } = ring();
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, A.IOREQ_BUFFER_SLOT_NUM + 1, true);
    assert.equal(t.drainBuffered('qemu').value, -22);
    assert.equal(dm.last_error, `buffered ring pointers apart by more than a ring (read 0, write ${A.IOREQ_BUFFER_SLOT_NUM + 1})`);
    assert.equal(rp(), 0);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, A.IOREQ_BUFFER_SLOT_NUM, true);
    assert.equal(t.drainBuffered('qemu').value, A.IOREQ_BUFFER_SLOT_NUM);
    assert.equal(rp(), A.IOREQ_BUFFER_SLOT_NUM);
  });

  it('cpu_handle_ioreq drains the buffered ring before serving the vcpu, unless no buffered page is mapped or QEMU is dead (xen-hvm-common.c:540-588)', () => {
    const { t, dm, put, rp } = ring();
    put({ addr: 0xa0010, data: 0x11 });
    t.serve('qemu', 0);
    assert.equal(rp(), 1);
    assert.deepEqual(t.pick('cpu_handle_ioreq', 'buffered', ['mapped']).at(-1), { mapped: true });
    put({ addr: 0xa0010, data: 0x12 });
    dm.dead = true;
    t.serve('qemu', 0);
    assert.equal(rp(), 1, 'a dead QEMU drains nothing');
    const t2 = guest();
    const dm2 = t2.addDm('qemu', 'qemu', 0, G);
    assert.equal(t2.dmInit('qemu', I.HVM_IOREQSRV_BUFIOREQ_OFF).value, 0);
    t2.serve('qemu', 0);
    assert.deepEqual(t2.pick('cpu_handle_ioreq', 'buffered', ['mapped']), [{ mapped: false }]);
    assert.deepEqual(t2.labels('handle_buffered_iopage'), []);
    void dm2;
  });
});
