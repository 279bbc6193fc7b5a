// Mutation tests of src/model/xen/4.21/arch/x86/hvm/dm.ts (issue #16), the model of dm_op in
// xen/arch/x86/hvm/dm.c at RELEASE-4.21.0 (`dm.c:N` below): the remote-domain lookup, the XSM check, the op and pad
// checks, map_mem_type's continuation and type reset, nr_vcpus, and the hand-off to ioreq_server_dm_op.
import { strict as assert } from 'node:assert';
import type { Build } from '../../src/model/driver421';
import { Rec421 } from './rec421';
import { EINVAL, ENOENT, EOPNOTSUPP, EPERM, ESRCH } from '../../src/model/errno';
import type { Co } from '../../src/model/step';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import type { Hvm421 as Hvm421Flat } from '../../src/model/xen/4.21/arch/x86/hvm/hvm.flat';
import { XEN_DMOP_nr_vcpus } from '../../src/model/xen/4.21/arch/x86/hvm/dm';

const G = 1;

class Rec extends Rec421 {}
const guest = (build: Build = 'flat'): Rec => Rec.make('4.21', build, 2, G);
/** dm_op on domid, made by domain `caller` (its vcpu 0 is current). */
function dmop(t: Rec, caller: number, domid: number, op: I.XenDmOp): number {
  const v = t.domain(caller).vcpu[0];
  return t.m.flatRun(`d${caller}`, v, (f) => (f.x421!.hvm as unknown as Hvm421Flat).dmOp(domid, op)).value as number;
}
const W = I.XEN_DMOP_IOREQ_MEM_ACCESS_WRITE;
const mmt = (id: number, flags: number, opaque = 0): I.XenDmOp => ({ op: I.XEN_DMOP_map_mem_type_to_ioreq_server, u: { id, type: I.HVMMEM_ioreq_server, flags, opaque } });

describe('4.21 x86 dm.c (mutation): dm_op (dm.c:325-640)', () => {
  it('rcu_lock_remote_domain_by_id: no such domain or a dead one -ESRCH, oneself -EPERM; a dying domain is still found', () => {
    const t = guest();
    const nr = (): I.XenDmOp => ({ op: XEN_DMOP_nr_vcpus, u: {} });
    assert.equal(dmop(t, 0, 7, nr()), -ESRCH);
    assert.equal(dmop(t, G, G, nr()), -EPERM, 'the guest on itself');
    t.domain(G).is_dying = 1;
    assert.equal(dmop(t, 0, G, nr()), 0);
    t.domain(G).is_dying = 2;
    assert.equal(dmop(t, 0, G, nr()), -ESRCH);
  });

  it('a PV target is -EINVAL; XSM_DM_PRIV lets dom0 and the target\'s device-model domain in, no one else', () => {
    const t = guest();
    t.createDmDomain(2, G);
    t.createDmDomain(3, 2);
    const nr = (): I.XenDmOp => ({ op: XEN_DMOP_nr_vcpus, u: {} });
    assert.equal(dmop(t, 0, 2, nr()), -EINVAL, 'd2 is PV');
    assert.equal(dmop(t, 2, G, nr()), 0, 'd2 is d1\'s stub domain');
    assert.equal(dmop(t, 3, G, nr()), -EPERM, 'd3 serves d2, not d1');
    assert.equal(dmop(t, 0, G, nr()), 0);
  });

  it('op numbers: past the table (21) -EOPNOTSUPP; nr_vcpus (20) gives the vcpu count; an op the model leaves out is refused loudly', () => {
    const t = guest();
    assert.equal(dmop(t, 0, G, { op: 21, u: {} }), -EOPNOTSUPP);
    assert.equal(dmop(t, 0, G, { op: -1, u: {} }), -EOPNOTSUPP, 'op is unsigned in Xen: a huge number');
    assert.equal(dmop(t, 0, G, { op: 1.5, u: {} }), -EOPNOTSUPP);
    const op: I.XenDmOp = { op: XEN_DMOP_nr_vcpus, u: {} };
    assert.equal(dmop(t, 0, G, op), 0);
    assert.equal(op.u.id, 2);
    assert.throws(() => dmop(t, 0, G, { op: 7, u: {} }), /DMOP 7 is not modelled/);
    assert.throws(() => dmop(t, 0, G, { op: 19, u: {} }), /DMOP 19 is not modelled/);
  });

  it('an op past the table stops at the check: no hand-off to ioreq_server_dm_op and no dm_op event; op 0 is inside the table and is handed on (its -EOPNOTSUPP comes from there)', () => {
    const t = guest();
    const from = t.m.x.events.length;
    for (const op of [21, 22, -1, 1.5]) assert.equal(dmop(t, 0, G, { op, u: {} }), -EOPNOTSUPP, `${op}`);
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.fn === 'dm_op'), []);
    assert.equal(dmop(t, 0, G, { op: 0, u: {} }), -EOPNOTSUPP);
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.fn === 'dm_op').map((e) => e.detail), [{ op: 0, rc: -EOPNOTSUPP, by: 0 }]);
  });

  it('stops: a dm_op on oneself ends at the lookup', () => {
    const t = guest('stepped');
    t.createDmDomain(2, G);
    const v = t.domain(G).vcpu[0];
    t.run('d1', v, (i) => (i.hvm as unknown as { dmOp(domid: number, op: I.XenDmOp): Co<number> }).dmOp(G, { op: XEN_DMOP_nr_vcpus, u: {} }));
    assert.deepEqual(t.labels('dm_op'), ['lock']);
  });

  it('a non-zero outer pad is -EINVAL (dm.c:391-393), before any op runs', () => {
    const t = guest();
    const op: I.XenDmOp = { op: XEN_DMOP_nr_vcpus, pad: 1, u: {} };
    assert.equal(dmop(t, 0, G, op), -EINVAL);
    assert.equal(op.u.id, undefined);
    assert.equal(dmop(t, 0, G, { op: I.XEN_DMOP_create_ioreq_server, pad: 2, u: { handle_bufioreq: 0 } }), -EINVAL);
    assert.equal(t.domain(G).x421.server[0], null, 'no server created');
  });

  it('map_mem_type: a continuation (opaque != 0) does not claim again; a release (flags 0) resets the frames of the type, a failed one does not', () => {
    const t = guest();
    const d = t.domain(G);
    assert.equal(dmop(t, 0, G, { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: 0 } }), 0);
    d.x421.p2m_ioreq_gfns = [0xd0000];
    assert.equal(dmop(t, 0, G, mmt(0, W, 0x100)), 0, 'a later round of the reset: rc 0');
    assert.equal(d.x421.p2m_ioreq_server, -1, 'nothing claimed');
    assert.deepEqual(d.x421.p2m_ioreq_gfns, [0xd0000], 'flags non-zero: no reset');
    d.x421.p2m_ioreq_gfns = [];
    assert.equal(dmop(t, 0, G, mmt(0, W)), 0);
    assert.equal(d.x421.p2m_ioreq_server, 0);
    d.x421.p2m_ioreq_gfns = [0xd0000];
    assert.equal(dmop(t, 0, G, mmt(3, 0)), -ENOENT, 'no server 3 (ioreq_server_map_mem_type, xen/common/ioreq.c)');
    assert.deepEqual(d.x421.p2m_ioreq_gfns, [0xd0000], 'a failed release keeps the frames');
    assert.equal(dmop(t, 0, G, mmt(0, 0)), 0);
    assert.deepEqual(d.x421.p2m_ioreq_gfns, [], 'p2m_finish_type_change: back to ram_rw (dm.c:419-427)');
    d.x421.p2m_ioreq_gfns = [0xd0000];
    assert.equal(dmop(t, 0, G, mmt(0, W)), -16, 'entries remain: -EBUSY');
    assert.deepEqual(d.x421.p2m_ioreq_gfns, [0xd0000]);
  });

  it('every dm_op that got past the checks records a dm_op event with its rc and caller (none with event recording off)', () => {
    const t = guest();
    const from = t.m.x.events.length;
    dmop(t, 0, G, { op: XEN_DMOP_nr_vcpus, u: {} });
    dmop(t, 0, G, { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 4 } });
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.fn === 'dm_op').map(({ seq: _s, actor: _a, ...e }) => e), [
      { kind: 'dm_op', fn: 'dm_op', domid: G, detail: { op: 20, rc: 0, by: 0 }, text: 'd0 dm_op 20 on d1: rc 0' },
      { kind: 'dm_op', fn: 'dm_op', domid: G, detail: { op: 6, rc: -2, by: 0 }, text: 'd0 dm_op 6 on d1: rc -2' },
    ]);
    t.m.x.on = false;
    const f2 = t.m.x.events.length;
    dmop(t, 0, G, { op: XEN_DMOP_nr_vcpus, u: {} });
    assert.equal(t.m.x.events.length, f2);
  });

  it('stops: the xsm check shows its rc, the pad its value, map_mem_type its arguments; other ops go to ioreq_server_dm_op', () => {
    const t = guest('stepped');
    t.addDm('q', 'qemu', 0, G);
    let from = t.stops.length;
    t.dmOp('q', { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: 0 } });
    assert.deepEqual(t.labels('dm_op', from), ['lock', 'is_hvm', 'xsm', 'op', 'pad', 'common']);
    assert.deepEqual(t.pick('dm_op', 'xsm', ['rc'], from), [{ rc: 0 }]);
    assert.deepEqual(t.pick('dm_op', 'pad', ['pad'], from), [{ pad: 0 }]);
    from = t.stops.length;
    t.dmOp('q', { op: I.XEN_DMOP_map_mem_type_to_ioreq_server, pad: 0, u: { id: 0, type: I.HVMMEM_ioreq_server, flags: W } });
    assert.deepEqual(t.labels('dm_op', from), ['lock', 'is_hvm', 'xsm', 'op', 'pad', 'map_mem_type']);
    assert.deepEqual(t.pick('dm_op', 'map_mem_type', ['id', 'type', 'flags'], from), [{ id: 0, type: I.HVMMEM_ioreq_server, flags: W }]);
    from = t.stops.length;
    t.dmOp('q', { op: XEN_DMOP_nr_vcpus, pad: 3, u: {} });
    assert.deepEqual(t.pick('dm_op', 'pad', ['pad'], from), [{ pad: 3 }]);
    t.createDmDomain(3, 2);
    const dm3 = t.addDm('x', 'qemu', 3, G);
    from = t.stops.length;
    assert.equal(t.dmOp('x', { op: XEN_DMOP_nr_vcpus, u: {} }).value, -EPERM);
    assert.deepEqual(t.pick('dm_op', 'xsm', ['rc'], from), [{ rc: -EPERM }]);
    assert.equal(dm3.domid, 3);
  });
});

