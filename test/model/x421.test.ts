// Today's Xen (RELEASE-4.21.0, [X421]): the common ioreq code on x86 (profile 4.21) and Arm (4.21-arm), driven as
// today's device models drive it. Each test names the Xen behaviour it pins and where the source has it.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { Driver421, type Build } from '../../src/model/driver421';
import { EEXIST, EINVAL, ENOENT, ENOSPC, EOPNOTSUPP, EPERM, ENOMEM } from '../../src/model/errno';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { DESCHEDULED, RESUMED, CRASHED } from '../../src/model/xen/common/outcome';

const G = 1;

function x86(build: Build = 'flat', nvcpus = 2): Driver421 {
  const t = Driver421.boot('4.21', build);
  assert.equal(t.createGuest(G, nvcpus), 0);
  return t;
}

function qemu(t: Driver421, ranges: Array<[number, bigint, bigint]> = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]]): void {
  const dm = t.addDm('qemu', 'qemu', 0, G);
  dm.want_ranges = ranges;
  assert.equal(t.dmInit('qemu').value, 0, t.dm('qemu').last_error ?? '');
  assert.equal(t.mapRanges('qemu').value, 0);
}

describe('4.21 smoke', () => {
  it('QEMU registers, a port read goes to its server and completes through hvm_do_resume', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = x86(build);
      qemu(t);
      const d = t.domain(G);
      const s = d.x421.server[0]!;
      assert.ok(s.enabled);
      assert.equal(s.emulator.domain_id, 0);
      const r = t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
      assert.equal(r.value, true);
      assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, true);
      assert.equal(t.serve('qemu', 0, { data: 0x5an }).value, 1);
      assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, false);
      assert.equal(t.resume(G, 0).value, RESUMED);
      assert.equal(t.vcpu(G, 0).rax & 0xffn, 0x5an);
    }
  });
});

/** A second domain d2 acting as a device model of G (a stub domain), for the -EPERM cases. */
function stub(t: Driver421, domid = 2): void {
  t.createDmDomain(domid, G);
}
const createOp = (b = 0): I.XenDmOp => ({ op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: b } });

describe('4.21 ioreq_server_create / destroy (xen/common/ioreq.c:643-742)', () => {
  it('takes the lowest free slot, refuses a ninth with -ENOSPC, reuses a destroyed id', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    const ids: number[] = [];
    for (let k = 0; k < 8; k++) {
      const op = createOp();
      assert.equal(t.dmOp('q', op).value, 0);
      ids.push(op.u.id!);
    }
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(t.dmOp('q', createOp()).value, -ENOSPC);
    assert.equal(t.domain(G).pause_count, 0, 'the -ENOSPC path unpauses the target');
    assert.equal(t.dmOp('q', { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 3 } }).value, 0);
    const op = createOp();
    assert.equal(t.dmOp('q', op).value, 0);
    assert.equal(op.u.id, 3);
  });

  it('the emulator is current->domain and holds a reference on it until destroy (ioreq.c:586-587, 640)', () => {
    const t = x86();
    stub(t);
    t.addDm('s', 'qemu', 2, G);
    const before = t.domain(2).x421.refcnt;
    assert.equal(t.dmOp('s', createOp()).value, 0);
    assert.equal(t.domain(G).x421.server[0]!.emulator.domain_id, 2);
    assert.equal(t.domain(2).x421.refcnt, before + 1);
    assert.equal(t.dmOp('s', { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 0 } }).value, 0);
    assert.equal(t.domain(2).x421.refcnt, before);
  });

  it('every other domain gets -EPERM on get_info, map, unmap, set_state, destroy, map_mem_type (ioreq.c:760, 861, 913, 975, 1003, 715)', () => {
    const t = x86();
    stub(t, 2);
    stub(t, 3);
    t.addDm('a', 'qemu', 2, G);
    t.addDm('b', 'qemu', 3, G);
    assert.equal(t.dmOp('a', createOp()).value, 0);
    const u = { id: 0 };
    assert.equal(t.dmOp('b', { op: I.XEN_DMOP_get_ioreq_server_info, u: { ...u } }).value, -EPERM);
    assert.equal(t.dmOp('b', { op: I.XEN_DMOP_map_io_range_to_ioreq_server, u: { ...u, type: 0, start: 1n, end: 2n } }).value, -EPERM);
    assert.equal(t.dmOp('b', { op: I.XEN_DMOP_unmap_io_range_from_ioreq_server, u: { ...u, type: 0, start: 1n, end: 2n } }).value, -EPERM);
    assert.equal(t.dmOp('b', { op: I.XEN_DMOP_set_ioreq_server_state, u: { ...u, enabled: 1 } }).value, -EPERM);
    assert.equal(t.dmOp('b', { op: I.XEN_DMOP_map_mem_type_to_ioreq_server, u: { ...u, type: I.HVMMEM_ioreq_server, flags: 2 } }).value, -EPERM);
    assert.equal(t.dmOp('b', { op: I.XEN_DMOP_destroy_ioreq_server, u: { ...u } }).value, -EPERM);
    t.dm('b').ioservid = 0;
    assert.equal(t.acquire('b', 1, 1).value, -EPERM);
    assert.equal(t.dmOp('a', { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 5 } }).value, -ENOENT);
  });

  it('bufioreq_handling above ATOMIC is -EINVAL on x86; any buffering is -EINVAL on Arm (ioreq.c:650-654)', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    assert.equal(t.dmOp('q', createOp(3)).value, -EINVAL);
    assert.equal(t.dmOp('q', createOp(2)).value, 0);
    const a = Driver421.boot('4.21-arm');
    a.createGuest(G, 1);
    a.addDm('v', 'virtio', 0, G);
    assert.equal(a.dmInit('v', I.HVM_IOREQSRV_BUFIOREQ_ATOMIC).value, -EINVAL, 'an Arm backend asking for buffered mode');
    assert.equal(a.domain(G).x421.server[0], null);
    assert.equal(a.dmInit('v').value, 0);
  });
});

describe('4.21 DMOP dispatch (ioreq.c:1339-1442, x86 dm.c:325-640)', () => {
  it('non-zero padding is -EINVAL, an op past the table -EOPNOTSUPP', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    assert.equal(t.dmOp('q', { op: 1, u: { pad3: [0, 1, 0] } }).value, -EINVAL);
    assert.equal(t.dmOp('q', { op: 1, pad: 1, u: {} }).value, -EINVAL);
    assert.equal(t.dmOp('q', createOp()).value, 0);
    for (const op of [3, 4, 5, 6]) assert.equal(t.dmOp('q', { op, u: { id: 0, pad: 1 } }).value, -EINVAL, `op ${op}`);
    assert.equal(t.dmOp('q', { op: 2, u: { id: 0, flags: 2 } }).value, -EINVAL);
    assert.equal(t.dmOp('q', { op: 21, u: {} }).value, -EOPNOTSUPP);
    assert.equal(t.dmOp('q', { op: 0, u: {} }).value, -EOPNOTSUPP, 'op 0 reaches ioreq_server_dm_op\'s default');
  });

  it('map_mem_type takes HVMMEM_ioreq_server with the write flag only; Arm has no mem-type (-EOPNOTSUPP)', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    t.dmOp('q', createOp());
    const mm = (type: number, flags: number) => t.dmOp('q', { op: 15, u: { id: 0, type, flags } }).value;
    assert.equal(mm(1, 2), -EINVAL);
    assert.equal(mm(I.HVMMEM_ioreq_server, 1), -EINVAL);
    assert.equal(mm(I.HVMMEM_ioreq_server, 2), 0);
    assert.equal(t.domain(G).x421.p2m_ioreq_server, 0);
    const a = Driver421.boot('4.21-arm');
    a.createGuest(G, 1);
    a.addDm('v', 'virtio', 0, G);
    a.dmOp('v', createOp());
    assert.equal(a.dmOp('v', { op: 15, u: { id: 0, type: I.HVMMEM_ioreq_server, flags: 2 } }).value, -EOPNOTSUPP);
  });
});

describe('4.21 ranges (ioreq.c:842-944)', () => {
  it('start > end -EINVAL; overlap inside a server -EEXIST; unmap of a range not wholly mapped -ENOENT; bad type -EINVAL', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    t.dmOp('q', createOp());
    const map = (type: number, a: bigint, b: bigint, m = true) => t.mapRange('q', type, a, b, m).value;
    assert.equal(map(0, 10n, 9n), -EINVAL);
    assert.equal(map(0, 10n, 9n, false), -EINVAL);
    assert.equal(map(3, 1n, 2n), -EINVAL);
    assert.equal(map(0, 0x3f8n, 0x3ffn), 0);
    assert.equal(map(0, 0x3ffn, 0x400n), -EEXIST);
    assert.equal(map(1, 0x3f8n, 0x3ffn), 0, 'another type is another range set');
    assert.equal(map(0, 0x3f0n, 0x3f8n, false), -ENOENT);
    assert.equal(map(0, 0x3f9n, 0x3fan, false), 0, 'a contained piece may be unmapped (the range splits)');
    assert.deepEqual(t.domain(G).x421.server[0]!.range[0].ranges, [[0x3f8n, 0x3f8n], [0x3fbn, 0x3ffn]]);
  });

  it('a range set holds at most 256 ranges (rangeset_limit, ioreq.c:528): the 257th disjoint one is -ENOMEM', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    t.dmOp('q', createOp());
    for (let k = 0; k < 256; k++) assert.equal(t.mapRange('q', 1, BigInt(k * 16), BigInt(k * 16 + 7)).value, 0);
    assert.equal(t.mapRange('q', 1, 0x10000n, 0x10007n).value, -ENOMEM);
    assert.equal(t.mapRange('q', 1, 8n, 15n).value, 0, 'an adjacent range merges and needs no new one');
  });
});

describe('4.21 pages: acquire_resource and legacy gfns (ioreq.c:261-307, 744-840; x86 hvm/ioreq.c:138-236)', () => {
  it('frame 0 is the buffered page, frame 1 the ioreq page; frame 0 without buffering -ENOENT, frame 2 -EINVAL', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    t.dmOp('q', createOp(0));
    t.dm('q').ioservid = 0;
    assert.equal(t.acquire('q', 0, 1).value, -ENOENT);
    assert.equal(t.acquire('q', 2, 1).value, -EINVAL);
    assert.equal(t.acquire('q', 1, 1).value, 0);
    assert.equal(t.domain(G).x421.server[0]!.how[0], 'resource');
  });

  it('the two paths exclude each other: -EPERM both ways (alloc_mfn 273-274, hvm_map_ioreq_gfn 151-152)', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    t.dmOp('q', createOp(2));
    t.dmOp('q', createOp(2));
    t.dm('q').ioservid = 0;
    assert.equal(t.dmOp('q', { op: 2, u: { id: 0 } }).value, 0, 'get_info maps gfns');
    assert.equal(t.acquire('q', 0, 2).value, -EPERM);
    t.dm('q').ioservid = 1;
    assert.equal(t.acquire('q', 0, 2).value, 0);
    assert.equal(t.dmOp('q', { op: 2, u: { id: 1 } }).value, -EPERM);
    assert.equal(t.dmOp('q', { op: 2, u: { id: 1, flags: I.XEN_DMOP_no_gfns } }).value, 0, 'without gfns get_info is fine');
  });

  it('legacy gfns come from the IOREQ_SERVER_PFN pool; enable takes them out of the p2m, disable puts them back cleared', () => {
    const t = x86();
    const d = t.domain(G);
    const dm = t.addDm('q', 'qemu', 0, G);
    dm.resource_unsupported = true; // QEMU falls back to get_info's gfns on EOPNOTSUPP
    dm.want_ranges = [[0, 0x3f8n, 0x3ffn]];
    assert.equal(t.dmInit('q').value, 0, dm.last_error ?? '');
    assert.equal(dm.pages_how, 'gfn');
    const s = d.x421.server[0]!;
    assert.equal(s.ioreq.gfn, d.arch.hvm_domain.params[32], 'the first pool page (HVM_PARAM_IOREQ_SERVER_PFN)');
    assert.equal(s.bufioreq.gfn, d.arch.hvm_domain.params[32] + 1);
    assert.equal(d.page(s.ioreq.gfn), null, 'enabled: not in the guest p2m');
    assert.notEqual(A.readIoreq(s.ioreq.va!, 0).vp_eport, 0, 'vp_eport written after the clear');
    assert.equal(t.setState('q', false).value, 0);
    const back = d.page(s.ioreq.gfn);
    assert.ok(back && back === s.ioreq.page);
    assert.ok(back!.bytes!.every((b) => b === 0), 'back in the p2m cleared');
    // The device model's requests still work on the gfn path.
    t.setState('q', true);
    t.mapRanges('q');
    t.pio(G, 1, 0x3f8, 1, A.IOREQ_READ);
    assert.equal(t.serve('q', 1, { data: 7n }).value, 1);
    assert.equal(t.resume(G, 1).value, RESUMED);
    assert.equal(t.vcpu(G, 1).rax & 0xffn, 7n);
  });

  it('Arm refuses legacy pages: get_info asking for gfns is -EOPNOTSUPP (arm ioreq.c:146-149)', () => {
    const a = Driver421.boot('4.21-arm');
    a.createGuest(G, 1);
    a.addDm('v', 'virtio', 0, G);
    a.dmOp('v', createOp());
    assert.equal(a.dmOp('v', { op: 2, u: { id: 0 } }).value, -EOPNOTSUPP);
    assert.equal(a.dmOp('v', { op: 2, u: { id: 0, flags: I.XEN_DMOP_no_gfns } }).value, 0);
  });
});
