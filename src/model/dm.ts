// The device model's own state, as QEMU's XenIOState of 2014 keeps it (xen-hvm.c): the pages it mapped, its local
// event-channel ports per vcpu, the buffered port, and a small register file standing for the emulated devices.

/** Which device model's code a scenario's device model runs under the 4.21 profiles (QEMU, varstored, a virtio backend). */
export type DmKind = 'qemu' | 'varstored' | 'virtio' | 'ioeventfd';
/** 'ioeventfd' is not a process: the dom0 kernel's privcmd ioeventfd, sharing another device model's ports and page. */
export const DM_KINDS: readonly DmKind[] = ['qemu', 'varstored', 'virtio', 'ioeventfd'];
export class DeviceModel {
  /** Pfns learned from HVMOP_get_param (-1: not asked yet). */
  ioreq_pfn = -1;
  bufioreq_pfn = -1;
  /** The buffered port number in the target domain, from HVMOP_get_param(BUFIOREQ_EVTCHN). */
  bufioreq_remote_port = -1;
  /** Foreign mappings of the pages (xc_map_foreign_range), or null. */
  shared_page: DataView | null = null;
  buffered_io_page: DataView | null = null;
  /** ioreq_local_port[i]: the DM's port bound to vcpu i's ioreq port (-1: not bound). */
  ioreq_local_port: number[] = [];
  bufioreq_local_port = -1;
  /** What the emulated devices hold, by devKey(): the last value written to each port or MMIO address. */
  devices = new Map<number, bigint>();
  /** Requests served, buffered slots consumed. */
  handled = 0;
  buffered_handled = 0;
  /** The vcpu whose request is in service between take and complete (send_vcpu), or -1. */
  send_vcpu = -1;
  /** Set by destroy_hvm_domain: the DM asked the toolstack to destroy its guest. */
  destroyed_guest = false;
  /** Where cpu_handle_ioreq stands for send_vcpu (issue 11's split steps): taken (INPROCESS), handled, or none. */
  service: 'none' | 'taken' | 'handled' = 'none';
  /** What the device model printed on stderr (fprintf in xen-hvm.c), in order. */
  stderr: string[] = [];
  // ---- issue 10 (today's Xen): a device model with its own ioreq server ----
  /** The server it created (its ioservid_t), or -1. */
  ioservid = -1;
  bufioreq_handling = 0;
  /** How its pages were obtained: XENMEM_acquire_resource, or get_info's legacy gfns (foreign-mapped). */
  pages_how: 'resource' | 'gfn' | null = null;
  /** The dom0 kernel's privcmd cannot map resources: xenforeignmemory_map_resource fails with EOPNOTSUPP. */
  resource_unsupported = false;
  /** Set when the device model's process has gone (it answers nothing any more). */
  dead = false;
  /** Ranges it maps once enabled: [type, start, end]. */
  want_ranges: Array<[number, bigint, bigint]> = [];
  /** The last error the device model reported (error_report / ERR), or null. */
  last_error: string | null = null;
  /** Whose code it runs (4.21 profiles; the seed-era profiles run QEMU of their era). */
  kind: DmKind = 'qemu';
  // ---- the dom0 kernel's privcmd ioeventfd (kind 'ioeventfd') ----
  /** The ioeventfd's address (the virtio-mmio base), length and virtqueue; ownOnly: the fix of issue 15. */
  kio_addr = 0n;
  kio_addr_len = 0;
  kio_vq = 0;
  kio_own_only = false;
  /** Per vcpu: where ioeventfd_interrupt stands between its parts (KIO_*), and the state it will write back. */
  kio_at: number[] = [];
  kio_state: number[] = [];
  /** eventfd_signal calls (its own queue notifies answered). */
  kio_signals = 0;
  // ---- end 4.21 ----
  constructor(public domid: number, public target: number, public max_cpus: number) {}

  clone(): DeviceModel {
    const c = new DeviceModel(this.domid, this.target, this.max_cpus);
    c.ioreq_pfn = this.ioreq_pfn; c.bufioreq_pfn = this.bufioreq_pfn; c.bufioreq_remote_port = this.bufioreq_remote_port;
    c.ioreq_local_port = this.ioreq_local_port.slice(); c.bufioreq_local_port = this.bufioreq_local_port;
    c.devices = new Map(this.devices); c.handled = this.handled; c.buffered_handled = this.buffered_handled;
    c.send_vcpu = this.send_vcpu; c.destroyed_guest = this.destroyed_guest; c.service = this.service; c.stderr = this.stderr.slice();
    // 4.21
    c.ioservid = this.ioservid; c.bufioreq_handling = this.bufioreq_handling; c.pages_how = this.pages_how;
    c.resource_unsupported = this.resource_unsupported; c.dead = this.dead; c.last_error = this.last_error; c.kind = this.kind;
    c.kio_addr = this.kio_addr; c.kio_addr_len = this.kio_addr_len; c.kio_vq = this.kio_vq; c.kio_own_only = this.kio_own_only;
    c.kio_at = this.kio_at.slice(); c.kio_state = this.kio_state.slice(); c.kio_signals = this.kio_signals;
    c.want_ranges = this.want_ranges.map(([t, a, b]) => [t, a, b]);
    return c;
  }
}

/** A register file key: ports 0..0xffff as themselves, MMIO addresses above them. */
export function devKey(isPio: boolean, addr: bigint | number): number {
  return isPio ? Number(addr) : 0x10000 + Number(addr);
}
