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

  it("ioreq_server_alloc_rangesets failing: -ENOMEM, the target unpaused, and the emulator's reference NOT dropped (ioreq.c:596-598 @RELEASE-4.21.0 returns before put_domain)", () => {
    const t = x86();
    stub(t);
    t.addDm('s', 'qemu', 2, G);
    const before = t.domain(2).x421.refcnt;
    t.m.x.faults.xzalloc = 1; // the server struct is allocation 0; the first rangeset is 1
    assert.equal(t.dmOp('s', createOp()).value, -ENOMEM);
    assert.equal(t.domain(G).x421.server[0], null, 'no server is published');
    assert.equal(t.domain(G).pause_count, 0, 'ioreq_server_create unpauses the target on its fail path');
    assert.equal(t.domain(2).x421.refcnt, before + 1, 'the reference get_knownalive_domain took is leaked, as in Xen');
  });

  it('ioreq_server_add_vcpu failing in ioreq_server_init: fail_add drops the emulator reference again (ioreq.c:611-617)', () => {
    const t = x86();
    stub(t);
    t.addDm('s', 'qemu', 2, G);
    const before = t.domain(2).x421.refcnt;
    t.m.x.faults.evtchn = 0; // vcpu 0's ioreq event channel
    assert.notEqual(t.dmOp('s', createOp()).value, 0);
    assert.equal(t.domain(G).x421.server[0], null);
    assert.equal(t.domain(2).x421.refcnt, before);
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

describe('4.21 routing: ioreq_server_select (ioreq.c:1100-1154, x86 hvm/ioreq.c:265-321)', () => {
  it('two enabled servers with overlapping ranges: the newest (highest slot) wins; a disabled one is skipped', () => {
    const t = x86();
    qemu(t);
    const dm2 = t.addDm('q2', 'qemu', 0, G);
    dm2.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3f8n]];
    assert.equal(t.dmInit('q2').value, 0);
    assert.equal(t.mapRanges('q2').value, 0, 'overlap across servers is not checked');
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 0x41n);
    const d = t.domain(G);
    assert.equal(d.x421.server[1]!.ioreq_vcpu_list.find((sv) => sv.vcpu.vcpu_id === 0)!.pending, true, 'server 1 (newer) got it');
    assert.equal(d.x421.server[0]!.ioreq_vcpu_list.find((sv) => sv.vcpu.vcpu_id === 0)!.pending, false);
    t.serve('q2', 0);
    t.resume(G, 0);
    assert.equal(t.setState('q2', false).value, 0);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 0x42n);
    assert.equal(d.x421.server[0]!.ioreq_vcpu_list.find((sv) => sv.vcpu.vcpu_id === 0)!.pending, true, 'disabled server 1 skipped');
  });

  it('a port access must lie wholly inside one range: [addr, addr+size-1]', () => {
    const t = x86();
    qemu(t, [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]]);
    t.pio(G, 0, 0x3fe, 4, A.IOREQ_READ);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, false, 'straddles 0x3ff: no server, the null handler');
    assert.equal(t.vcpu(G, 0).rax & 0xffffffffn, 0xffffffffn);
  });

  it('with no server the null handler completes the access: reads all-ones, writes dropped (emulate.c:89-101, 434-437)', () => {
    const t = x86();
    qemu(t);
    t.vcpu(G, 0).rax = 0x1234n;
    assert.equal(t.pio(G, 0, 0x60, 1, A.IOREQ_READ).value, true);
    assert.equal(t.vcpu(G, 0).rax, 0x12ffn, 'a one-byte read replaces the low byte with all-ones');
    assert.equal(t.mmio(G, 0, 0xfed00000n, 4, A.IOREQ_READ).value, true);
    assert.equal(t.vcpu(G, 0).rax, 0xffffffffn);
    assert.equal(t.mmio(G, 0, 0xfed00000n, 4, A.IOREQ_WRITE, 5n).value, true);
    assert.equal(t.vcpu(G, 0).io_dropped, 3);
  });

  it('MMIO bounds honour the direction flag (ioreq_mmio_first/last_byte, ioreq.h:60-74)', () => {
    const t = x86();
    qemu(t, [[I.XEN_DMOP_IO_RANGE_MEMORY, 0xe0000000n, 0xe0000fffn]]);
    // rep movs of 4 x 4 bytes backwards from 0xe000000c covers 0xe0000000..0xe000000f: inside.
    t.mmio(G, 0, 0xe000000cn, 4, A.IOREQ_WRITE, 0n, 4, 1);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, true);
    t.serve('qemu', 0);
    t.resume(G, 0);
    // The same backwards from 0xe0000004 starts at 0xdffffff8: outside, the null handler.
    t.mmio(G, 1, 0xe0000004n, 4, A.IOREQ_WRITE, 0n, 4, 1);
    assert.equal(t.vcpu(G, 1).pause_flags.blocked_in_xen, false);
    assert.equal(t.vcpu(G, 1).io_dropped, 1);
  });

  it('PCI config through CF8: 0xcfc with CF8 enabled goes to the server holding the sbdf, type and addr rewritten', () => {
    const t = x86();
    const sbdf = (0 << 16) | (0 << 8) | (3 << 3) | 0; // 00:03.0
    qemu(t, [[I.XEN_DMOP_IO_RANGE_PCI, BigInt(sbdf), BigInt(sbdf)]]);
    const cf8 = 0x80000000 | (sbdf << 8) | 0x10;
    t.pio(G, 0, 0xcf8, 4, A.IOREQ_WRITE, BigInt(cf8));
    assert.equal(t.domain(G).x421.pci_cf8, cf8 >>> 0, 'hvm_access_cf8 latched it');
    t.pio(G, 0, 0xcfe, 2, A.IOREQ_READ);
    const s = t.domain(G).x421.server[0]!;
    const req = A.readIoreq(s.ioreq.va!, 0);
    assert.equal(req.type, A.IOREQ_TYPE_PCI_CONFIG);
    assert.equal(req.addr, (BigInt(sbdf) << 32n) | 0x12n, 'register 0x10 | (0xcfe & 3)');
    assert.equal(t.vcpu(G, 0).io.req.type, A.IOREQ_TYPE_PIO, 'vio->req keeps the port access');
    t.serve('qemu', 0, { data: 0xbeefn });
    t.resume(G, 0);
    assert.equal(t.vcpu(G, 0).rax & 0xffffn, 0xbeefn);
    // CF8 disabled: the same port is a plain port access.
    t.pio(G, 1, 0xcf8, 4, A.IOREQ_WRITE, 0n);
    t.pio(G, 1, 0xcfc, 4, A.IOREQ_READ);
    assert.equal(t.vcpu(G, 1).pause_flags.blocked_in_xen, false, 'no port range: null handler');
  });
});

describe('4.21 ioreq_send hazards (ioreq.c:1249-1311)', () => {
  it('a device model that enables before it maps its pages: vp_eport stays 0, binding fails, and the guest access is refused with "device model set bad event channel 0"', () => {
    const t = x86();
    const dm = t.addDm('q', 'qemu', 0, G);
    assert.equal(t.create('q', 2).value, 0);
    assert.equal(t.setState('q', true).value, 0);
    assert.equal(t.mapPages('q').value, 0, 'acquire after enable hands back freshly cleared pages');
    assert.equal(dm.shared_page!.getUint32(A.OFF_VP_EPORT, true), 0);
    assert.ok((t.bindAll('q').value as number) < 0, 'binding port 0 fails');
    assert.equal(t.mapRange('q', 0, 0x3f8n, 0x3ffn).value, 0);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    const lines = t.m.x.console.map((l) => l.text);
    assert.ok(lines.includes('device model set bad event channel 0'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('Unexpected PIO status 1, port 0x3f8 read')), 'handle_pio crashes on UNHANDLEABLE');
    assert.ok(t.domain(G).crashed);
  });

  it('a slot not NONE is refused with "device model set bad IO state %d"', () => {
    const t = x86();
    qemu(t);
    const dm = t.dm('qemu');
    A.setState(dm.shared_page!, A.ioreqOffset(0), A.STATE_IORESP_READY);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 1n);
    assert.ok(t.m.x.console.some((l) => l.text === 'device model set bad IO state 3'));
  });

  it('an enabled server that never got a page: ioreq_send dereferences NULL (get_ioreq) and Xen goes down', () => {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    t.create('q', 0);
    t.mapRange('q', 0, 0x3f8n, 0x3ffn);
    t.setState('q', true);
    const r = t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    assert.match(r.panic ?? '', /NULL dereference: get_ioreq/);
  });

  it('a refused shutdown deferral suspends the vcpu and returns RETRY without touching the slot (ioreq.c:1262-1266)', () => {
    const t = x86();
    qemu(t);
    t.domain(G).is_shutting_down = true;
    assert.equal(t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ).value, false);
    assert.equal(t.vcpu(G, 0).io.suspended, true);
    assert.equal(A.getState(t.dm('qemu').shared_page!, 0), A.STATE_IOREQ_NONE);
  });

  it('a device model that dies before its guest: the server stays enabled and the vcpu blocks for good', () => {
    const t = x86();
    qemu(t);
    t.die('qemu');
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    for (let k = 0; k < 3; k++) {
      assert.equal(t.serve('qemu', 0).value, -22, 'nothing answers');
      assert.equal(t.resume(G, 0).value, DESCHEDULED);
    }
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, true);
    assert.ok(t.domain(G).x421.server[0]!.enabled);
  });

  it('a stub-domain emulator killed before its guest stays referenced by the server until the guest goes (ccb42e0ca6)', () => {
    const t = x86();
    stub(t);
    const dm = t.addDm('s', 'qemu', 2, G);
    dm.want_ranges = [[0, 0x3f8n, 0x3ffn]];
    assert.equal(t.dmInit('s').value, 0, dm.last_error ?? '');
    t.mapRanges('s');
    t.kill(2);
    assert.equal(t.domain(2).x421.refcnt, 1, 'the server still holds the zombie emulator');
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    t.kill(G);
    assert.equal(t.domain(2).x421.refcnt, 0, 'ioreq_server_destroy_all at the target\'s teardown drops it');
  });
});

describe('4.21 wait_for_io (ioreq.c:154-209)', () => {
  function blocked(profile: '4.21' | '4.21-arm') {
    const t = profile === '4.21' ? x86() : Driver421.boot('4.21-arm');
    if (profile === '4.21-arm') {
      t.createGuest(G, 2);
      t.addDm('v', 'virtio', 0, G);
      assert.equal(t.dmInit('v').value, 0);
      t.armMmio(G, 0, { gpa: 0x2000000n, size: 2, write: 0, sign: 0 });
    } else {
      qemu(t);
      t.addDm('v', 'qemu', 0, G); // an alias of the same pages for the writes below
      t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    }
    const name = profile === '4.21' ? 'qemu' : 'v';
    assert.equal(t.resume(G, 0).value, DESCHEDULED, 'waits on READY');
    return { t, pg: t.dm(name).shared_page!, name };
  }
  const wake = (t: Driver421, name: string) => { t.vcpu(G, 0).pause_flags.blocked_in_xen = false; void name; };

  it('Arm keeps its place while blocked: INPROCESS then READY is "Weird HVM ioreq state transition 2 -> 1" and a crash', () => {
    const { t, pg, name } = blocked('4.21-arm');
    A.setState(pg, 0, A.STATE_IOREQ_INPROCESS);
    wake(t, name);
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    A.setState(pg, 0, A.STATE_IOREQ_READY);
    wake(t, name);
    assert.equal(t.resume(G, 0).value, CRASHED);
    assert.ok(t.m.x.console.some((l) => l.text === 'Weird HVM ioreq state transition 2 -> 1'));
  });

  it('x86 restarts wait_for_io on every wake (a per-pCPU stack): the same moves back are only seen within one run', () => {
    const { t, pg, name } = blocked('4.21');
    A.setState(pg, 0, A.STATE_IOREQ_INPROCESS);
    wake(t, name);
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    A.setState(pg, 0, A.STATE_IOREQ_READY);
    wake(t, name);
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    assert.equal(t.domain(G).crashed, null);
  });

  it('x86: a state that moves back between the first read and the wait condition crashes (stepped, the DM on another CPU)', () => {
    const { t, pg } = blocked('4.21');
    A.setState(pg, 0, A.STATE_IOREQ_INPROCESS);
    t.vcpu(G, 0).pause_flags.blocked_in_xen = false;
    let moved = false;
    const r = t.resumeStepped(G, 0, (top) => {
      if (!moved && top.fn === 'wait_for_io' && top.at === 'wait') { A.setState(pg, 0, A.STATE_IOREQ_READY); moved = true; }
    });
    assert.ok(moved);
    assert.equal(r.value, CRASHED);
    assert.ok(t.m.x.console.some((l) => l.text === 'Weird HVM ioreq state transition 2 -> 1'));
  });

  it('a state outside the four is "Weird HVM iorequest state %u" and a crash; NONE at once completes (the emulator died)', () => {
    const { t, pg, name } = blocked('4.21');
    A.setState(pg, 0, 7);
    wake(t, name);
    assert.equal(t.resume(G, 0).value, CRASHED);
    assert.ok(t.m.x.console.some((l) => l.text === 'Weird HVM iorequest state 7'));
    const b = blocked('4.21');
    A.setState(b.pg, 0, A.STATE_IOREQ_NONE);
    wake(b.t, b.name);
    assert.equal(b.t.resume(G, 0).value, RESUMED);
    assert.equal(b.t.vcpu(G, 0).rax & 0xffn, 0xffn, 'data stays ~0');
  });
});

describe('4.21 buffered ring: ioreq_send_buffered (ioreq.c:1156-1247)', () => {
  function ring(mode: number) {
    const t = x86();
    t.addDm('q', 'qemu', 0, G);
    t.dm('q').want_ranges = [[1, 0xa0000n, 0xbffffn]];
    assert.equal(t.dmInit('q', mode).value, 0, t.dm('q').last_error ?? '');
    t.mapRanges('q');
    return { t, pg: t.dm('q').buffered_io_page! };
  }
  const wr = (addr: bigint, size: number, data: bigint): A.Ioreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr, size, count: 1, dir: A.IOREQ_WRITE, data });

  it('limits: no page, addr > 0xfffff, data_is_ptr, count != 1, odd sizes are UNHANDLED; a queued write returns HANDLED (0, the fixed value of 2e0b545b84)', () => {
    const { t } = ring(I.HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0x100000n, 4, 1n)).value, 1);
    assert.equal(t.sendBuffered(G, 0, 0, { ...wr(0xa0000n, 4, 1n), data_is_ptr: 1 }).value, 1);
    assert.equal(t.sendBuffered(G, 0, 0, { ...wr(0xa0000n, 4, 1n), count: 2 }).value, 1);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 3, 1n)).value, 1);
    assert.ok(t.m.x.console.some((l) => l.text === 'unexpected ioreq size: 3'));
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 8, 0x1122334455667788n)).value, 0);
    const { t: t2 } = ring(I.HVM_IOREQSRV_BUFIOREQ_OFF);
    assert.equal(t2.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 1n)).value, 1, 'no buffered page');
  });

  it('an 8-byte write takes two slots; the ring is full once write - read >= 511 - qw; QEMU consumes both halves', () => {
    const { t, pg } = ring(I.HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    for (let k = 0; k < 511; k++) assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 1, BigInt(k & 0xff))).value, 0);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 1, 0n)).value, 1, 'full: 511 used >= 511 - 0');
    assert.equal(t.drainBuffered('q').value, 511);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0008n, 8, 0x1122334455667788n)).value, 0);
    assert.equal((pg.getUint32(4, true) - pg.getUint32(0, true)) >>> 0, 2);
    t.drainBuffered('q');
    assert.equal(t.dm('q').devices.get(0x10000 + 0xa0008), 0x1122334455667788n);
  });

  it('ATOMIC pulls both pointers back below 511 after each write; LEGACY leaves them to run up to 2^32 and wrap', () => {
    const near = 0xfffffff0;
    const a = ring(I.HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    a.pg.setUint32(0, near, true); a.pg.setUint32(4, near, true);
    assert.equal(a.t.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 1n)).value, 0);
    const n = Math.floor(near / 511);
    assert.equal(a.pg.getUint32(0, true), near - n * 511);
    assert.equal(a.pg.getUint32(4, true), near - n * 511 + 1);
    const l = ring(I.HVM_IOREQSRV_BUFIOREQ_LEGACY);
    l.pg.setUint32(0, near, true); l.pg.setUint32(4, near, true);
    for (let k = 0; k < 20; k++) assert.equal(l.t.sendBuffered(G, 0, 0, wr(0xa0000n, 4, BigInt(k))).value, 0);
    assert.equal(l.pg.getUint32(0, true), near, 'read_pointer untouched');
    assert.equal(l.pg.getUint32(4, true), (near + 20) % 2 ** 32, 'write_pointer wrapped past 2^32');
    // The slot index jumps at the wrap: 2^32 - 1 is slot 31, 2^32 (= 0) is slot 0, not 32.
    assert.equal((2 ** 32 - 1) % 511, 31);
    assert.equal(l.t.drainBuffered('q').value, 20, 'the consumer follows the same arithmetic');
  });

  it('ioreq_broadcast skips disabled servers and, when buffered, those without a ring; it counts failures (ioreq.c:1313-1330)', () => {
    const t = x86();
    qemu(t);
    const v = t.addDm('vs', 'varstored', 0, G);
    assert.equal(t.dmInit('vs').value, 0, v.last_error ?? '');
    const p: A.Ioreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_TIMEOFFSET, size: 8, count: 1, dir: A.IOREQ_WRITE, data: 5n, state: A.STATE_IOREQ_READY };
    assert.equal(t.broadcast(G, 0, p, true).value, 0, 'varstored (OFF) skipped, QEMU queued');
    assert.equal(t.domain(G).x421.server[1]!.bufioreq_handling, 0);
  });
});

describe('4.21-arm: try_fwd_ioserv / handle_ioserv (arm ioreq.c:16-136, io.c:186-234)', () => {
  function arm() {
    const t = Driver421.boot('4.21-arm');
    t.createGuest(G, 1);
    t.addDm('v', 'virtio', 0, G);
    assert.equal(t.dmInit('v').value, 0);
    return t;
  }
  it('a signed byte load is masked to the access and sign-extended', () => {
    const t = arm();
    assert.equal(t.armMmio(G, 0, { gpa: 0x2000010n, size: 0, write: 0, sign: 1 }).value, 3, 'IO_RETRY');
    t.serve('v', 0, { data: 0x1280n });
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.equal(t.vcpu(G, 0).rax, 0xffffffffffffff80n);
  });
  it('a write carries only the access-size bits; an address outside every server reads all-ones', () => {
    const t = arm();
    t.armMmio(G, 0, { gpa: 0x2000000n, size: 1, write: 1, sign: 0 }, 0xdeadbeefn);
    const s = t.domain(G).x421.server[0]!;
    assert.equal(A.readIoreq(s.ioreq.va!, 0).data, 0xbeefn);
    t.serve('v', 0);
    t.resume(G, 0);
    assert.equal(t.armMmio(G, 0, { gpa: 0x9000000n, size: 2, write: 0, sign: 0 }).value, 1, 'IO_HANDLED by the unmapped handler');
    assert.equal(t.vcpu(G, 0).rax, 0xffffffffn);
  });
  it('a new access while one is in flight is "wrong state %u" and IO_ABORT', () => {
    const t = arm();
    t.armMmio(G, 0, { gpa: 0x2000000n, size: 2, write: 0, sign: 0 });
    assert.equal(t.armMmio(G, 0, { gpa: 0x2000000n, size: 2, write: 0, sign: 0 }).value, 0);
    assert.ok(t.m.x.console.some((l) => l.text === 'wrong state 1'));
  });
});

describe('4.21 map-cache invalidation and the broadcast wait (ioreq.c:36-59, 211-259; x86 hypercall.c:187-191)', () => {
  /** A one-vcpu guest with two QEMUs: 'qemu' on server 0 (the serial ports) and 'q2' on server 1 (no ranges). */
  function two(build: Build): Driver421 {
    const t = x86(build, 1);
    qemu(t);
    t.addDm('q2', 'qemu', 0, G);
    assert.equal(t.dmInit('q2').value, 0, t.dm('q2').last_error ?? '');
    assert.ok(t.domain(G).x421.server[1]!.enabled);
    return t;
  }
  const slot = (t: Driver421, id: number) => A.readIoreq(t.domain(G).x421.server[id]!.ioreq.va!, A.ioreqOffset(0));

  it('decrease_reservation takes the frame out of the p2m and sends every enabled server a synchronous INVALIDATE; the vcpu waits for each', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = two(build);
      const v = t.vcpu(G, 0);
      assert.ok(t.domain(G).page(0x100));
      assert.equal(t.decreaseReservation(G, 0, 0x100).value, 1, 'nr_done');
      assert.equal(t.domain(G).page(0x100), null);
      for (const id of [0, 1]) {
        assert.equal(slot(t, id).type, A.IOREQ_TYPE_INVALIDATE);
        assert.equal(slot(t, id).state, A.STATE_IOREQ_READY);
      }
      assert.equal(v.pause_flags.blocked_in_xen, true);
      assert.equal(v.mapcache_invalidate, false, 'the hypercall tail took the flag');
      // Server 1 answers first: the vcpu finishes it, then waits on server 0.
      assert.equal(t.serve('q2', 0).value, 1);
      assert.equal(t.resume(G, 0).value, DESCHEDULED, build);
      assert.equal(v.pause_flags.blocked_in_xen, true);
      assert.equal(t.serve('qemu', 0).value, 1);
      assert.equal(t.resume(G, 0).value, RESUMED);
      assert.equal(t.m.flat.x421!.hvm.vcpuIoreqPending(v), false);
      assert.equal(v.io_completed_pending, 0);
    }
  });

  it('with da20c93108 reverted the vcpu finishes after the first pending server (newest first) and goes on with the other still pending', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = two(build);
      t.m.x.reverts = new Set(['da20c93108']);
      const v = t.vcpu(G, 0);
      t.decreaseReservation(G, 0, 0x100);
      assert.equal(t.serve('q2', 0).value, 1);
      assert.equal(t.resume(G, 0).value, RESUMED, build);
      assert.equal(v.pause_flags.blocked_in_xen, false);
      assert.equal(t.domain(G).x421.server[0]!.ioreq_vcpu_list[0].pending, true, 'server 0 never answered');
      assert.equal(slot(t, 0).state, A.STATE_IOREQ_READY);
      assert.equal(v.io_completed_pending, 1);
    }
  });

  it('a frame with no RAM is not removed: nr_done 0, no flush, the vcpu runs on', () => {
    const t = two('flat');
    const gfn = 0x7ffff;
    assert.equal(t.domain(G).page(gfn), null);
    assert.equal(t.decreaseReservation(G, 0, gfn).value, 0);
    assert.equal(slot(t, 0).state, A.STATE_IOREQ_NONE);
    assert.equal(slot(t, 1).state, A.STATE_IOREQ_NONE);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, false);
  });

  it('a flush asked for while an access was in flight goes out when the access completes, and the vcpu waits again (ioreq.c:251-256)', () => {
    const t = two('flat');
    const v = t.vcpu(G, 0);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    v.mapcache_invalidate = true;
    assert.equal(t.serve('qemu', 0, { data: 0x41n }).value, 1);
    t.resume(G, 0);
    assert.equal(v.rax & 0xffn, 0x41n, 'the read completed first');
    assert.equal(v.mapcache_invalidate, false);
    assert.equal(slot(t, 0).type, A.IOREQ_TYPE_INVALIDATE);
    assert.equal(slot(t, 1).type, A.IOREQ_TYPE_INVALIDATE);
    assert.equal(v.pause_flags.blocked_in_xen, true);
  });
});

describe('4.21 a shutdown racing a port access: vio->suspended (emulate.c:441-445, io.c:125-135, domain.c:1354-1379)', () => {
  const SHUTDOWN_suspend = 2;
  /** A guest with QEMU on ports 0x510-0x511, its vcpu 0's read of 0x510 held just after ioreq_send. */
  function held(build: Build, revert: boolean): Driver421 {
    const t = x86(build, 1);
    if (revert) t.m.x.reverts = new Set(['b7e0d89788']);
    qemu(t, [[I.XEN_DMOP_IO_RANGE_PORT, 0x510n, 0x511n]]);
    const v = t.vcpu(G, 0);
    v.io.hold_after_send = true;
    assert.equal(t.pio(G, 0, 0x510, 1, A.IOREQ_READ).value, true);
    assert.equal(v.io.held_rc, 3, 'X86EMUL_RETRY from ioreq_send');
    assert.equal(v.io.hold_after_send, false, 'one access only');
    return t;
  }
  const shutdown = (t: Driver421) => t.m.flat.x421!.hvm.schedopRemoteShutdown(t.domain(0), G, SHUTDOWN_suspend);

  it('fixed: a shutdown after the send leaves the read in flight; it completes into rax, the vcpu then pauses, and domain_resume lets it run', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = held(build, false);
      const v = t.vcpu(G, 0);
      assert.equal(shutdown(t), 0);
      assert.equal(v.paused_for_shutdown, false, 'the vcpu defers the shutdown');
      assert.equal(t.continueIo(G, 0).value, true, build);
      assert.equal(v.io.req.state, A.STATE_IOREQ_READY);
      assert.equal(v.io.completion, 2, 'VIO_pio_completion');
      assert.equal(t.serve('qemu', 0, { data: 0x2an }).value, 1);
      t.resume(G, 0);
      assert.equal(v.rax & 0xffn, 0x2an);
      assert.equal(v.paused_for_shutdown, true);
      assert.equal(t.domain(G).is_shut_down, true);
      assert.equal(v.io_restarted_sent, 0);
      t.m.flat.x421!.hvm.domainResume(t.domain(G));
      assert.equal(t.domain(G).is_shutting_down, false);
      assert.equal(t.domain(G).is_shut_down, false);
      assert.equal(t.domain(G).shutdown_code, -1);
      assert.equal(v.paused_for_shutdown, false);
      assert.equal(t.domain(G).pause_count, 0);
    }
  });

  it('with b7e0d89788 reverted the same shutdown makes Xen forget the sent read and leave RIP: the answer is dropped and the IN will run again', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = held(build, true);
      const v = t.vcpu(G, 0);
      shutdown(t);
      assert.equal(t.continueIo(G, 0).value, false, build);
      assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
      assert.equal(v.io_restarted_sent, 1);
      assert.equal(t.domain(G).x421.server[0]!.ioreq_vcpu_list[0].pending, true, 'QEMU has it');
      assert.equal(t.serve('qemu', 0, { data: 0x2an }).value, 1);
      t.resume(G, 0);
      assert.equal(v.rax & 0xffn, 0n, 'the answer went nowhere');
    }
  });

  it('either way, a request ioreq_send refused (the shutdown came first) restarts without being counted: nothing was sent', () => {
    for (const revert of [false, true]) {
      const t = x86('flat', 1);
      if (revert) t.m.x.reverts = new Set(['b7e0d89788']);
      qemu(t, [[I.XEN_DMOP_IO_RANGE_PORT, 0x510n, 0x511n]]);
      shutdown(t);
      const v = t.vcpu(G, 0);
      assert.equal(t.pio(G, 0, 0x510, 1, A.IOREQ_READ).value, false);
      assert.equal(v.io.suspended, true);
      assert.equal(v.io_restarted_sent, 0);
    }
  });

  it('without a shutdown the held access finishes as an unheld one would', () => {
    const t = held('flat', true);
    assert.equal(t.continueIo(G, 0).value, true);
    t.serve('qemu', 0, { data: 0x17n });
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.equal(t.vcpu(G, 0).rax & 0xffn, 0x17n);
  });
});

describe("today's QEMU start-up failing (qemu.git 017b2e73 hw/xen/xen-hvm-common.c xen_register_ioreq / xen_do_ioreq_register)", () => {
  it('a vcpu port that will not bind: exit(1) through the err: label runs xen_exit_notifier, which destroys the server and closes the ports', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = x86(build, 1);
      const dm = t.addDm('qemu', 'qemu', 0, G);
      dm.max_cpus = 2; // one slot more than the guest has vcpus: slot 1's vp_eport is 0, and remote port 0 is not unbound
      const rc = t.dmInit('qemu').value;
      assert.equal(rc, -EINVAL);
      assert.equal(dm.last_error, `shared evtchn 1 bind error ${EINVAL}; xen hardware virtual machine initialisation failed`);
      assert.equal(dm.dead, true);
      assert.equal(t.domain(G).x421.server[0], null, 'the exit notifier destroyed server 0');
      assert.deepEqual([...dm.ioreq_local_port, dm.bufioreq_local_port].filter((p) => p > 0), [], 'no port of QEMU is left bound');
      // The guest's next port access finds no server: the null handler's all-ones, no wait.
      const r = t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
      assert.equal(r.value, true);
      assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, false);
    }
  });

  it('a create that fails is only a warning: QEMU runs on with no ioreq server', () => {
    const t = x86('flat', 1);
    const dm = t.addDm('qemu', 'qemu', 0, G);
    // Fill all eight slots first so the create gets -ENOSPC.
    t.addDm('other', 'qemu', 0, G);
    for (let i = 0; i < 8; i++) assert.equal(t.dmOp('other', { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: 0 } }).value, 0);
    assert.equal(t.dmInit('qemu').value, -ENOSPC);
    assert.equal(dm.last_error, 'xen: failed to create ioreq server');
    assert.equal(dm.dead, false);
  });
});
