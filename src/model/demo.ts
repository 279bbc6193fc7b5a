// The built-in sequence `ioreq-scope state` runs when given no scenario: a host with dom0, an HVM guest d1 with two
// vcpus built by the toolstack, a device model in dom0 that initialises the way QEMU's xen_hvm_init does, one
// synchronous port write and read, and two buffered writes left on the ring for the device model.
import { IOREQ_READ, IOREQ_WRITE } from './abi';
import { Model } from './model';
import type { ProfileName } from './layout';

export function runDemo(profile: ProfileName): Model {
  const m = new Model(profile).boot();
  const must = <T>(r: { value: T | undefined; panic?: string }, what: string): T => {
    if (r.panic) throw new Error(`${what}: Xen panicked: ${r.panic}`);
    if (typeof r.value === 'number' && r.value < 0) throw new Error(`${what} failed: ${r.value}`);
    return r.value as T;
  };
  must(m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 2, true)), 'xc_domain_create');
  const d1 = m.x.domains.get(1)!;
  must(m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d1, 0x8000, 0, 0)), 'setup_guest');
  must(m.flatRun('toolstack', null, (f) => f.libxc.domainUnpauseByController(d1)), 'xc_domain_unpause');
  const dm = m.addDeviceModel('qemu', 0, 1, 2);
  must(m.flatRun('dm0', null, (f) => f.qemu.xenHvmInit(dm)), 'xen_hvm_init');
  const [v0, v1] = d1.vcpu;
  must(m.flatRun('vcpu0', v0, (f) => f.hvm.handlePio(v0, 0x3f8, 1, IOREQ_WRITE, 0x41n)), 'outb');
  must(m.flatRun('dm0', null, (f) => f.qemu.cpuHandleIoreq(dm, 0, {})), 'cpu_handle_ioreq');
  must(m.flatRun('vcpu0', v0, (f) => f.hvm.hvmDoResume(v0)), 'hvm_do_resume');
  must(m.flatRun('vcpu1', v1, (f) => f.hvm.handlePio(v1, 0x3f8, 1, IOREQ_READ, 0n)), 'inb');
  must(m.flatRun('dm0', null, (f) => f.qemu.cpuHandleIoreq(dm, 1, {})), 'cpu_handle_ioreq');
  must(m.flatRun('vcpu1', v1, (f) => f.hvm.hvmDoResume(v1)), 'hvm_do_resume');
  must(m.flatRun('vcpu0', v0, (f) => f.hvm.handleMmio(v0, 0xa0000n, 2, IOREQ_WRITE, 0x0741n, true)), 'stdvga write');
  must(m.flatRun('vcpu0', v0, (f) => f.hvm.sendTimeoffsetReq(v0, 0x123456789n)), 'send_timeoffset_req');
  return m;
}
