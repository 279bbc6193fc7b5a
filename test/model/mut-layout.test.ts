// What the mutation run of src/model/layout.ts (issue 16) showed no test pinned: the page names of the 4.21 layouts,
// 4.5's xc_hvm_param_set calls in setup_guest's order, which profiles are the seed's era, %d as C's int conversion,
// and specialPageLayout's first answer in a process that has not asked before (as the command line's `layout` does).
import assert from 'node:assert/strict';
import { cFormat, computeLayout, isProfile, isSeedEra, type ProfileName } from '../../src/model/layout';
import * as P from '../../src/model/params';

const pages = (p: ProfileName) => computeLayout(p).pages.map((x) => [x.name, x.index, x.pfn.toString(16)]);

/** The layout module loaded afresh: its cache is empty, as in a command-line process that has just started. */
function freshLayoutModule(): typeof import('../../src/model/layout') {
  const id = require.resolve('../../src/model/layout');
  const saved = require.cache[id];
  delete require.cache[id];
  try {
    return require(id);
  } finally {
    if (saved) require.cache[id] = saved;
  }
}

describe('layout: what the mutation run found unpinned (issue 16)', () => {
  it('the seed era is RELEASE-4.4.0 (legacy), the seed and RELEASE-4.5.0; RELEASE-4.21.0 on x86 and Arm is not', () => {
    for (const p of ['legacy', 'seed', '4.5']) assert.equal(isSeedEra(p), true, p);
    for (const p of ['4.21', '4.21-arm', 'bogus']) assert.equal(isSeedEra(p), false, p);
    assert.equal(isProfile('4.21-arm'), true);
    assert.equal(isProfile('4.4'), false);
  });

  it('4.21 x86: the SPECIALPAGE_* pages at 0xfeff8 + i, then the eight ioreq-server pages from 0xfeff0 (xg_dom_x86.c:61-73, 638-639, 691-692 @RELEASE-4.21.0)', () => {
    assert.deepEqual(pages('4.21'), [
      ['PAGING', 0, 'feff8'], ['ACCESS', 1, 'feff9'], ['SHARING', 2, 'feffa'], ['BUFIOREQ', 3, 'feffb'],
      ['XENSTORE', 4, 'feffc'], ['IOREQ', 5, 'feffd'], ['IDENT_PT', 6, 'feffe'], ['CONSOLE', 7, 'fefff'],
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => ['IOREQ_SERVER', i, (0xfeff0 + i).toString(16)]),
    ]);
    assert.ok(computeLayout('4.21').pages.every((x) => x.insideReserved && x.insideE820Reserved));
  });

  it('4.21 Arm: the four magic pages console, xenstore, memaccess, vuart at GUEST_MAGIC_BASE >> 12 + 0..3, below hvmloader\'s e820 hole (xg_dom_arm.c:28-32 @RELEASE-4.21.0, arch-arm.h:481)', () => {
    const l = computeLayout('4.21-arm');
    assert.deepEqual(pages('4.21-arm'), [['CONSOLE', 0, '39000'], ['XENSTORE', 1, '39001'], ['MEMACCESS', 2, '39002'], ['VUART', 3, '39003']]);
    assert.equal(l.nrSpecialPages, 4);
    assert.equal(l.reservedMemPgstart, 0x39000);
    assert.ok(l.pages.every((x) => !x.insideE820Reserved), '0x39000000 lies below RESERVED_MEMBASE 0xfc000000');
  });

  it("4.5: setup_guest's xc_hvm_param_set calls in source order, IDENT_PT last as a byte address (xc_hvm_build_x86.c:490-502, 524-527, 541-542 @RELEASE-4.5.0)", () => {
    const got = computeLayout('4.5').params.map(([k, v]) => [P.PARAM_NAMES[k], v.toString(16)]);
    assert.deepEqual(got, [
      ['STORE_PFN', 'feffc'], ['BUFIOREQ_PFN', 'feffb'], ['IOREQ_PFN', 'feffd'], ['CONSOLE_PFN', 'fefff'],
      ['PAGING_RING_PFN', 'feff8'], ['ACCESS_RING_PFN', 'feff9'], ['SHARING_RING_PFN', 'feffa'],
      ['IOREQ_SERVER_PFN', 'feff0'], ['NR_IOREQ_SERVER_PAGES', '8'], ['IDENT_PT', 'feffe000'],
    ]);
  });

  it("cFormat %d converts as C's int: an unsigned int at or past 2^31 prints negative (the seed's \"%d SPECIAL PAGES\" DPRINTF, [SEED] hunk @473)", () => {
    assert.equal(cFormat('%d', [0xffffffff]), '-1');
    assert.equal(cFormat('%d SPECIAL PAGES:', [0x80000000]), '-2147483648 SPECIAL PAGES:');
    assert.equal(cFormat('%u', [0xffffffff]), '4294967295');
  });

  it("specialPageLayout's first answer in a fresh process is setup_guest's layout, and later answers the same object (the seed's reserved_mem_pgstart 0xfeffb)", () => {
    const fresh = freshLayoutModule();
    const l = fresh.specialPageLayout('seed');
    assert.ok(l, 'a layout on the first call');
    assert.equal(l.reservedMemPgstart, 0xfeffb);
    assert.deepEqual(l.pages.filter((x) => !x.insideReserved).map((x) => x.name), ['CONSOLE', 'IOREQ', 'BUFIOREQ']);
    assert.equal(fresh.specialPageLayout('seed'), l);
    assert.equal(fresh.specialPageLayout('4.21-arm').reservedMemPgstart, 0x39000);
  });
});
