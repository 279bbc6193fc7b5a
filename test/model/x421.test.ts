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
