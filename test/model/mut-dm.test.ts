// The device model's own state (src/model/dm.ts) under issue 16's mutation testing: a clone (the explorer forks the
// whole model at every branch) carries every field, shares nothing mutable with the original, and leaves the two page
// mappings to Model.clone, which points them at the cloned domain's frames (model.ts).
import assert from 'node:assert/strict';
import { devKey, DeviceModel, DM_KINDS } from '../../src/model/dm';

/** A device model with every field set away from its default. */
function busy(): DeviceModel {
  const dm = new DeviceModel(0, 1, 2);
  Object.assign(dm, {
    ioreq_pfn: 0xfeff9, bufioreq_pfn: 0xfeff8, bufioreq_remote_port: 4, ioreq_local_port: [7, 8], bufioreq_local_port: 9,
    handled: 3, buffered_handled: 5, send_vcpu: 1, destroyed_guest: true, service: 'taken', stderr: ['a', 'b'],
    ioservid: 2, bufioreq_handling: 2, pages_how: 'resource', resource_unsupported: true, dead: true,
    want_ranges: [[0, 0x3f8n, 0x3ffn]], last_error: 'boom', kind: 'virtio',
    kio_addr: 0x2000000n, kio_addr_len: 0x200, kio_vq: 1, kio_own_only: true, kio_at: [1, 2], kio_state: [3, 0], kio_signals: 6,
  });
  dm.devices.set(devKey(true, 0x3f8), 0x41n);
  return dm;
}

describe('device model state', () => {
  it('a fresh device model has asked nothing, mapped nothing, bound nothing', () => {
    const dm = new DeviceModel(0, 1, 2);
    assert.deepEqual([dm.domid, dm.target, dm.max_cpus], [0, 1, 2]);
    assert.deepEqual([dm.ioreq_pfn, dm.bufioreq_pfn, dm.bufioreq_remote_port, dm.bufioreq_local_port, dm.send_vcpu, dm.ioservid], [-1, -1, -1, -1, -1, -1]);
    assert.deepEqual([dm.shared_page, dm.buffered_io_page, dm.pages_how, dm.last_error, dm.kind, dm.service], [null, null, null, null, 'qemu', 'none']);
    assert.deepEqual([dm.ioreq_local_port, dm.stderr, dm.want_ranges, dm.kio_at, dm.kio_state, [...dm.devices]], [[], [], [], [], [], []]);
    assert.deepEqual([dm.destroyed_guest, dm.resource_unsupported, dm.dead, dm.kio_own_only], [false, false, false, false]);
    assert.deepEqual([dm.handled, dm.buffered_handled, dm.bufioreq_handling, dm.kio_addr, dm.kio_addr_len, dm.kio_vq, dm.kio_signals], [0, 0, 0, 0n, 0, 0, 0]);
    assert.deepEqual(DM_KINDS, ['qemu', 'varstored', 'virtio', 'ioeventfd']);
  });

  it('a clone carries every field but the two page mappings', () => {
    const dm = busy();
    dm.shared_page = new DataView(new ArrayBuffer(8));
    dm.buffered_io_page = new DataView(new ArrayBuffer(8));
    const c = dm.clone();
    const strip = (x: DeviceModel) => { const { shared_page, buffered_io_page, ...rest } = x; return rest; };
    assert.deepEqual(strip(c), strip(dm));
    assert.deepEqual([c.shared_page, c.buffered_io_page], [null, null]);
    // Every field was looked at: the clone has the same own keys.
    assert.deepEqual(Object.keys(c).sort(), Object.keys(dm).sort());
  });

  it("a clone shares nothing mutable: changing its lists, registers and ranges leaves the original's", () => {
    const dm = busy();
    const c = dm.clone();
    c.ioreq_local_port[0] = 99; c.stderr.push('c'); c.devices.set(1, 1n); c.kio_at[0] = 9; c.kio_state[0] = 9;
    c.want_ranges[0][1] = 0n; c.want_ranges.push([1, 0n, 1n]);
    assert.deepEqual(dm.ioreq_local_port, [7, 8]);
    assert.deepEqual(dm.stderr, ['a', 'b']);
    assert.deepEqual([...dm.devices], [[0x3f8, 0x41n]]);
    assert.deepEqual([dm.kio_at, dm.kio_state], [[1, 2], [3, 0]]);
    assert.deepEqual(dm.want_ranges, [[0, 0x3f8n, 0x3ffn]]);
  });

  it('the register file keys ports as themselves and MMIO addresses above the port space', () => {
    assert.equal(devKey(true, 0x3f8), 0x3f8);
    assert.equal(devKey(true, 0xffffn), 0xffff);
    assert.equal(devKey(false, 0), 0x10000);
    assert.equal(devKey(false, 0xa0000n), 0xb0000);
  });
});
