// The public ioreq ABI's names and byte order, as xen/include/public/hvm/ioreq.h spells them (RELEASE-4.5.0 lines
// 30-39 and 86-87): the names are what the Variables pane, the Model view and the event texts print for a slot's state
// and a request's type, so a misspelt or missing one shows the user a wrong Xen.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';

describe('abi: ioreq.h names and the buffered page byte order', () => {
  it('STATE_IOREQ_NONE..STATE_IORESP_READY are 0..3 and named as ioreq.h:30-33 names them', () => {
    assert.deepEqual([A.STATE_IOREQ_NONE, A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS, A.STATE_IORESP_READY], [0, 1, 2, 3]);
    assert.deepEqual(A.STATE_NAMES, ['STATE_IOREQ_NONE', 'STATE_IOREQ_READY', 'STATE_IOREQ_INPROCESS', 'STATE_IORESP_READY']);
  });

  it('IOREQ_TYPE_PIO 0, COPY 1, PCI_CONFIG 2, TIMEOFFSET 7, INVALIDATE 8, each under its ioreq.h:35-39 name, and no other', () => {
    assert.deepEqual({ ...A.TYPE_NAMES }, {
      0: 'IOREQ_TYPE_PIO', 1: 'IOREQ_TYPE_COPY', 2: 'IOREQ_TYPE_PCI_CONFIG', 7: 'IOREQ_TYPE_TIMEOFFSET', 8: 'IOREQ_TYPE_INVALIDATE',
    });
    const byValue = [A.IOREQ_TYPE_PIO, A.IOREQ_TYPE_COPY, A.IOREQ_TYPE_PCI_CONFIG, A.IOREQ_TYPE_TIMEOFFSET, A.IOREQ_TYPE_INVALIDATE].map((t) => A.TYPE_NAMES[t]);
    assert.deepEqual(byValue, ['IOREQ_TYPE_PIO', 'IOREQ_TYPE_COPY', 'IOREQ_TYPE_PCI_CONFIG', 'IOREQ_TYPE_TIMEOFFSET', 'IOREQ_TYPE_INVALIDATE']);
  });

  it("buffered_iopage_t's read_pointer and write_pointer (ioreq.h:86-87) are read little-endian, as x86 Xen stores them", () => {
    const dv = new DataView(new ArrayBuffer(A.PAGE_SIZE));
    dv.setUint32(A.BUF_OFF_READ_POINTER, 0x01020304, true);
    dv.setUint32(A.BUF_OFF_WRITE_POINTER, 0x0a0b0c0d, true);
    assert.deepEqual(A.readBufPointers(dv), { read_pointer: 0x01020304, write_pointer: 0x0a0b0c0d });
  });
});
