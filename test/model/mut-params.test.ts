// HVM params as xen/include/public/hvm/params.h numbers and names them (RELEASE-4.4.0, RELEASE-4.5.0, RELEASE-4.21.0):
// the names a scenario may use, the names the events, the state document and the Variables pane print, and each
// tree's HVM_NR_PARAMS, which decides whether do_hvm_op answers -EINVAL (issue 16: the mutation run of params.ts).
import assert from 'node:assert/strict';
import * as P from '../../src/model/params';

describe('params: params.h numbers and names per Xen tree (issue 16)', () => {
  it('params.h @RELEASE-4.5.0 lines 41-190: indices 0-34 under their names, 3, 7 and 8 unused', () => {
    assert.deepEqual({ ...P.PARAM_NAMES }, {
      0: 'CALLBACK_IRQ', 1: 'STORE_PFN', 2: 'STORE_EVTCHN', 4: 'PAE_ENABLED', 5: 'IOREQ_PFN', 6: 'BUFIOREQ_PFN',
      9: 'VIRIDIAN', 10: 'TIMER_MODE', 11: 'HPET_ENABLED', 12: 'IDENT_PT', 13: 'DM_DOMAIN', 14: 'ACPI_S_STATE',
      15: 'VM86_TSS', 16: 'VPT_ALIGN', 17: 'CONSOLE_PFN', 18: 'CONSOLE_EVTCHN', 19: 'ACPI_IOPORTS_LOCATION',
      20: 'MEMORY_EVENT_CR0', 21: 'MEMORY_EVENT_CR3', 22: 'MEMORY_EVENT_CR4', 23: 'MEMORY_EVENT_INT3',
      24: 'NESTEDHVM', 25: 'MEMORY_EVENT_SINGLE_STEP', 26: 'BUFIOREQ_EVTCHN', 27: 'PAGING_RING_PFN',
      28: 'ACCESS_RING_PFN', 29: 'SHARING_RING_PFN', 30: 'MEMORY_EVENT_MSR', 31: 'TRIPLE_FAULT_REASON',
      32: 'IOREQ_SERVER_PFN', 33: 'NR_IOREQ_SERVER_PAGES', 34: 'VM_GENERATION_ID_ADDR',
    });
  });

  it('HVM_NR_PARAMS is 32 in 4.4 and the seed (params.h:148 @RELEASE-4.4.0), 35 in 4.5 (:192 @RELEASE-4.5.0), 39 in 4.21 on x86 and Arm (:294 @RELEASE-4.21.0)', () => {
    assert.deepEqual(['legacy', 'seed', '4.5', '4.21', '4.21-arm'].map(P.nrParamsOf), [32, 32, 35, 39, 39]);
  });

  it('4.21 names 28 MONITOR_RING_PFN (params.h:236 @RELEASE-4.21.0) and adds ALTP2M, X87_FIP_WIDTH, VM86_TSS_SIZED, MCA_CAP (35-38); the rest keep 4.4\'s names', () => {
    for (const p of ['4.21', '4.21-arm']) {
      assert.deepEqual([28, 35, 36, 37, 38].map((i) => P.paramNameOf(p, i)), ['MONITOR_RING_PFN', 'ALTP2M', 'X87_FIP_WIDTH', 'VM86_TSS_SIZED', 'MCA_CAP'], p);
      assert.equal(P.paramNameOf(p, 5), 'IOREQ_PFN');
      assert.equal(P.paramNameOf(p, 39), undefined);
    }
    for (const p of ['legacy', 'seed', '4.5']) {
      assert.equal(P.paramNameOf(p, 28), 'ACCESS_RING_PFN', p);
      assert.equal(P.paramNameOf(p, 35), undefined, p);
    }
  });

  it('paramIndex: a name with or without HVM_PARAM_, or a number, below the tree\'s HVM_NR_PARAMS; nothing else', () => {
    const n44 = P.HVM_NR_PARAMS_44, n45 = P.HVM_NR_PARAMS_45, n421 = P.HVM_NR_PARAMS_421;
    assert.equal(P.paramIndex('IOREQ_PFN', n44), 5);
    assert.equal(P.paramIndex('HVM_PARAM_BUFIOREQ_EVTCHN', n44), 26);
    assert.equal(P.paramIndex('CALLBACK_IRQ', n44), 0);
    assert.equal(P.paramIndex('X_HVM_PARAM_IOREQ_PFN', n44), undefined, 'the prefix only at the start');
    assert.equal(P.paramIndex('IOREQ_SERVER_PFN', n44), undefined, '4.4 has no param 32');
    assert.equal(P.paramIndex('IOREQ_SERVER_PFN', n45), 32);
    assert.equal(P.paramIndex('VM_GENERATION_ID_ADDR', n45), 34);
    assert.equal(P.paramIndex('TRIPLE_FAULT_REASON', n44), 31);
    assert.equal(P.paramIndex('MONITOR_RING_PFN', n421), 28);
    assert.equal(P.paramIndex('HVM_PARAM_MCA_CAP', n421), 38);
    assert.equal(P.paramIndex('MCA_CAP', n45), undefined, 'a 4.21 name in 4.5');
    assert.equal(P.paramIndex('IOREQ_PFN', n421), 5);
    assert.equal(P.paramIndex('BOGUS', n421), undefined);
    assert.equal(P.paramIndex('31', n44), 31);
    assert.equal(P.paramIndex('32', n44), undefined);
    assert.equal(P.paramIndex('0', n44), 0);
    assert.equal(P.paramIndex('1x', n44), undefined);
    assert.equal(P.paramIndex('IOREQ_HVM_PARAM_PFN', n44), undefined, 'HVM_PARAM_ is a prefix, not cut from the middle');
    assert.equal(P.paramIndex('0x10', n44), undefined, 'a number in a string is decimal digits only');
    assert.equal(P.paramIndex('1e1', n44), undefined, 'a number in a string is decimal digits only');
    assert.equal(P.paramIndex(0, n44), 0);
    assert.equal(P.paramIndex(31, n44), 31);
    assert.equal(P.paramIndex(32, n44), undefined);
    assert.equal(P.paramIndex(-1, n44), undefined);
    assert.equal(P.paramIndex(1.5, n44), undefined);
  });

  it('the params holding guest frame numbers (STORE, IOREQ, BUFIOREQ, CONSOLE, the three rings, IOREQ_SERVER_PFN) and IDENT_PT\'s address are the ones shown in hex (params.h @RELEASE-4.5.0)', () => {
    assert.deepEqual([...P.PFN_PARAMS].sort((a, b) => a - b).map((i) => P.PARAM_NAMES[i]), [
      'STORE_PFN', 'IOREQ_PFN', 'BUFIOREQ_PFN', 'IDENT_PT', 'CONSOLE_PFN', 'PAGING_RING_PFN', 'ACCESS_RING_PFN',
      'SHARING_RING_PFN', 'IOREQ_SERVER_PFN',
    ]);
  });
});
