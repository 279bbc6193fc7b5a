// The special-page layouts of tools/libxc/xc_hvm_build_x86.c: RELEASE-4.4.0 (legacy, lines 41-50, 117), the seed's
// first hunk, RELEASE-4.5.0 (lines 41-53, 120, 509-527); and the C macro/expression evaluator behind them.
import assert from 'node:assert/strict';
import { CExprError, evalWithMacros, expandToText, type MacroDef } from '../../src/model/cexpr';
import { cFormat, computeLayout, specialPageLayout as cachedLayout, type ProfileName } from '../../src/model/layout';

// Uncached: the cache would answer every test after the first from one computation, so a wrong computation could
// pass all but one of them (a mutation run keeps one process across mutants).
const specialPageLayout = (p: ProfileName) => computeLayout(p);
import * as P from '../../src/model/params';

const pfns = (p: 'legacy' | 'seed' | '4.5') =>
  Object.fromEntries(specialPageLayout(p).pages.filter((x) => x.name !== 'IOREQ_SERVER').map((x) => [x.name, x.pfn]));
const param = (p: 'legacy' | 'seed' | '4.5', i: number) => specialPageLayout(p).params.find(([k]) => k === i)?.[1];

describe('layout: special pages per profile', () => {
  it('specialPageLayout answers from its cache what computeLayout computes, for every profile', () => {
    for (const p of ['legacy', 'seed', '4.5', '4.21', '4.21-arm'] as ProfileName[]) {
      assert.deepEqual(cachedLayout(p), computeLayout(p));
      assert.equal(cachedLayout(p), cachedLayout(p), 'the same object: computed once');
    }
  });

  it('legacy (4.4): special_pfn(x) = 0xff000 - 8 + x counts upward from 0xfeff8; reserved_mem_pgstart = 0xfeff8', () => {
    const l = specialPageLayout('legacy');
    assert.equal(l.reservedMemPgstart, 0xfeff8);
    assert.equal(l.nrSpecialPages, 8);
    assert.deepEqual(pfns('legacy'), {
      PAGING: 0xfeff8, ACCESS: 0xfeff9, SHARING: 0xfeffa, BUFIOREQ: 0xfeffb,
      XENSTORE: 0xfeffc, IOREQ: 0xfeffd, IDENT_PT: 0xfeffe, CONSOLE: 0xfefff,
    });
    assert.ok(l.pages.every((x) => x.insideReserved && x.insideE820Reserved));
    assert.equal(param('legacy', P.HVM_PARAM_IOREQ_PFN), 0xfeffd);
    assert.equal(param('legacy', P.HVM_PARAM_BUFIOREQ_PFN), 0xfeffb);
    assert.equal(param('legacy', P.HVM_PARAM_IDENT_PT), 0xfeffe000); // a byte address
  });

  it('seed: special_pfn(x) = 0xff000 - 1 - x counts downward; reserved_mem_pgstart = 0xfeffb (macro without parentheses)', () => {
    const l = specialPageLayout('seed');
    assert.equal(l.reservedMemPgstart, 0xfeffb);
    assert.equal(l.nrSpecialPages, 8);
    assert.deepEqual(pfns('seed'), {
      PAGING: 0xfefff, ACCESS: 0xfeffe, SHARING: 0xfeffd, XENSTORE: 0xfeffc,
      IDENT_PT: 0xfeffb, CONSOLE: 0xfeffa, IOREQ: 0xfeff9, BUFIOREQ: 0xfeff8,
    });
    assert.deepEqual(l.pages.find((x) => x.name === 'BUFIOREQ')?.index, 7);
    assert.deepEqual(l.pages.filter((x) => !x.insideReserved).map((x) => x.name).sort(), ['BUFIOREQ', 'CONSOLE', 'IOREQ']);
    assert.ok(l.pages.every((x) => x.insideE820Reserved)); // hvmloader's e820 still covers them
    assert.equal(param('seed', P.HVM_PARAM_IOREQ_PFN), 0xfeff9);
    assert.equal(param('seed', P.HVM_PARAM_BUFIOREQ_PFN), 0xfeff8);
    assert.equal(param('seed', P.HVM_PARAM_IDENT_PT), 0xfeffb000);
    assert.match(l.reservedExpansion.replace(/\s+/g, ''), /-6\+2$/);
  });

  it('seed sets IOREQ_PFN and BUFIOREQ_PFN last (after SHARING_RING_PFN) [SEED first hunk]', () => {
    const order = specialPageLayout('seed').params.map(([k]) => k);
    const i = order.indexOf(P.HVM_PARAM_SHARING_RING_PFN);
    assert.ok(order.indexOf(P.HVM_PARAM_IOREQ_PFN) > i);
    assert.equal(order.indexOf(P.HVM_PARAM_BUFIOREQ_PFN), order.indexOf(P.HVM_PARAM_IOREQ_PFN) + 1);
  });

  it('4.5: the 4.4 pages plus 8 ioreq-server pages 0xfeff0..0xfeff7; reserved_mem_pgstart = 0xfeff0', () => {
    const l = specialPageLayout('4.5');
    assert.equal(l.reservedMemPgstart, 0xfeff0);
    assert.deepEqual(pfns('4.5'), pfns('legacy'));
    const pool = l.pages.filter((x) => x.name === 'IOREQ_SERVER');
    assert.deepEqual(pool.map((x) => x.pfn), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => 0xfeff0 + i));
    assert.ok(l.pages.every((x) => x.insideReserved));
    assert.equal(param('4.5', P.HVM_PARAM_IOREQ_SERVER_PFN), 0xfeff0);
    assert.equal(param('4.5', P.HVM_PARAM_NR_IOREQ_SERVER_PAGES), 8);
  });
});

describe('cexpr: cpp expansion and C constant evaluation', () => {
  const defs: MacroDef[] = [
    { name: 'IOREQ', body: '6' },
    { name: 'NR', body: 'IOREQ + 2' },
    { name: 'NRP', body: '(IOREQ + 2)' },
    { name: 'twice', params: ['x'], body: 'x * 2' },
    { name: 'twiceP', params: ['x'], body: '((x) * 2)' },
    { name: 'inc', params: ['y'], body: 'twice(y + 1)' },
    { name: 'pfn', params: ['x'], body: '(0xff000u - 1 - (x))' },
    { name: 'SELF', body: 'SELF + 1' },
  ];
  const ev = (e: string) => evalWithMacros(e, defs);

  it('an object-like macro is substituted as text: 100 - NR is 100 - 6 + 2 = 96, not 92', () => {
    assert.equal(ev('100 - NR'), 96);
    assert.equal(ev('100 - NRP'), 92);
    assert.equal(ev('NR * 2'), 10); // 6 + 2 * 2
    assert.equal(expandToText('100 - NR', defs).replace(/\s+/g, ''), '100-6+2');
  });

  it('function-like macros nest and their arguments are pasted without parentheses', () => {
    assert.equal(ev('twice(3 + 1)'), 5); // 3 + 1 * 2
    assert.equal(ev('twiceP(3 + 1)'), 8);
    assert.equal(ev('inc(3)'), 5); // twice(3 + 1) -> 3 + 1 * 2
    assert.equal(ev('pfn(pfn(0xff000u - 1 - 5))'), 0xfeffa);
    assert.equal(ev('pfn(IOREQ) - 1'), 0xfeff8);
  });

  it('unsigned int arithmetic wraps modulo 2^32; signed int does not become unsigned', () => {
    assert.equal(ev('0u - 1'), 0xffffffff);
    assert.equal(ev('0 - 1'), -1);
    assert.equal(ev('0xffffffff + 1'), 0); // an unsuffixed hex constant above INT_MAX is unsigned int
    assert.equal(ev('1u - 2 + 3'), 2);
    assert.equal(ev('(0 - 1) / 2'), 0); // C division truncates toward zero
    assert.equal(ev('-7 % 3'), -1);
  });

  it('C precedence: * over +, + over <<, << over &, & over ^ over |', () => {
    assert.equal(ev('1 + 2 * 3'), 7);
    assert.equal(ev('1 << 2 + 1'), 8);
    assert.equal(ev('6 & 3 << 1'), 6);
    assert.equal(ev('1 | 2 ^ 3 & 1'), 3);
    assert.equal(ev('10 - 4 - 3'), 3); // left-associative
  });

  it('a macro is not re-expanded inside its own expansion, leaving an identifier: an error', () => {
    assert.throws(() => ev('SELF'), CExprError);
    assert.throws(() => ev('UNDEFINED + 1'), CExprError);
    assert.throws(() => ev('twice(1, 2)'), CExprError);
    assert.throws(() => ev('(1 + 2'), CExprError);
  });
});

// What the mutation run of src/model/layout.ts showed no test pinned (issue 16): today's params in the order the
// toolstack sets them, the seed's DPRINTF lines as setup_guest prints them, and the printf the lines go through.
describe('layout: 4.21 params, the seed DPRINTFs, cFormat (issue 16)', () => {
  const params = (p: ProfileName) => specialPageLayout(p).params.map(([k, v]) => [P.PARAM_NAMES[k], v.toString(16)]);
  it("4.21 x86: alloc_magic_pages_hvm's params in its order, special_pfn(x) = 0xfeff8 + x (xg_dom_x86.c:61-73, 653-733 @RELEASE-4.21.0)", () => {
    assert.deepEqual(params('4.21'), [
      ['STORE_PFN', 'feffc'], ['BUFIOREQ_PFN', 'feffb'], ['IOREQ_PFN', 'feffd'], ['CONSOLE_PFN', 'fefff'],
      ['PAGING_RING_PFN', 'feff8'], ['ACCESS_RING_PFN', 'feff9'], ['SHARING_RING_PFN', 'feffa'],
      ['IOREQ_SERVER_PFN', 'feff0'], ['NR_IOREQ_SERVER_PAGES', '8'], ['IDENT_PT', 'feffe000'],
    ]);
    assert.equal(specialPageLayout('4.21').reservedMemPgstart, 0xfeff0);
    assert.deepEqual(specialPageLayout('4.21').dprintf, [], 'no DPRINTFs in that tree');
  });
  it('4.21 Arm: console, xenstore and the monitor ring at GUEST_MAGIC_BASE >> 12 + 0, 1, 2 (xg_dom_arm.c:28-32, 78-83 @RELEASE-4.21.0)', () => {
    // HVM_PARAM_MONITOR_RING_PFN is ACCESS_RING_PFN's number under its later name.
    assert.deepEqual(params('4.21-arm'), [['CONSOLE_PFN', '39000'], ['STORE_PFN', '39001'], ['ACCESS_RING_PFN', '39002']]);
  });
  it("seed: setup_guest's DPRINTFs, a count line then one per named page ([SEED] hunk @473, seed file lines 64-77)", () => {
    assert.deepEqual(specialPageLayout('seed').dprintf, [
      '8 SPECIAL PAGES:', '  PAGING:    fefff', '  ACCESS:    feffe', '  SHARING:   feffd', '  STORE:     feffc',
      '  IDENT_PT:  feffb', '  CONSOLE:   feffa', '  IOREQ:     feff9',
    ]);
  });
  it('cFormat: %d signed, %u unsigned, %x and %lx lower-case hex without prefix, zero and space padding, %%', () => {
    assert.equal(cFormat('%d|%u|%x|%lx|%05x|%4d|%%|%d', [-1, 4294967295, 255, 0xfeff9, 0xab, 7, 3]), '-1|4294967295|ff|feff9|000ab|   7|%|3');
    assert.equal(cFormat('%d %d', [5]), '5 0', 'a missing argument prints as 0');
  });
});
