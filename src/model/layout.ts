// The special-page layout xc_hvm_build's setup_guest gives an HVM guest (tools/libxc/xc_hvm_build_x86.c), for the
// tree before the seed (legacy = RELEASE-4.4.0, lines 41-50, 117, 476-503), the seed as posted ([SEED] first hunks),
// and Xen 4.5 (RELEASE-4.5.0 lines 41-53, 120, 509-527). Every number is computed by expanding the #defines.
import { PAGE_SHIFT, hex } from './abi';
import { evalWithMacros, expandToText, type MacroDef } from './cexpr';
import * as P from './params';

export type ProfileName = 'legacy' | 'seed' | '4.5';
export const PROFILES: readonly ProfileName[] = ['legacy', 'seed', '4.5'];

export function isProfile(s: string): s is ProfileName {
  return (PROFILES as readonly string[]).includes(s);
}

/** hvmloader's e820 reserves RESERVED_MEMBASE (0xfc000000, tools/firmware/hvmloader/config.h:68) up to 4 GiB. */
export const HVMLOADER_RESERVED_MEMBASE = 0xfc000000;
export const FOUR_GIB_PFN = 0x100000;

interface ParamSet { param: number; expr: string; shift?: boolean }

interface LayoutSource {
  defines: MacroDef[];
  /** The loop bound of the allocation loop (`i < NR_SPECIAL_PAGES`), and the pfn of iteration i. */
  loopBound: string;
  pfnOf: string; // with `i` free
  /** Extra allocation loop (4.5's ioreq-server pages). */
  extraLoop?: { bound: string; pfnOf: string; name: string };
  /** The right-hand side written to hvm_info->reserved_mem_pgstart. */
  reserved: string;
  /** The xc_set_hvm_param calls of setup_guest, in source order. */
  params: ParamSet[];
}

const DEFS_44: MacroDef[] = [
  { name: 'SPECIALPAGE_PAGING', body: '0' }, { name: 'SPECIALPAGE_ACCESS', body: '1' },
  { name: 'SPECIALPAGE_SHARING', body: '2' }, { name: 'SPECIALPAGE_BUFIOREQ', body: '3' },
  { name: 'SPECIALPAGE_XENSTORE', body: '4' }, { name: 'SPECIALPAGE_IOREQ', body: '5' },
  { name: 'SPECIALPAGE_IDENT_PT', body: '6' }, { name: 'SPECIALPAGE_CONSOLE', body: '7' },
  { name: 'NR_SPECIAL_PAGES', body: '8' },
  { name: 'special_pfn', params: ['x'], body: '(0xff000u - NR_SPECIAL_PAGES + (x))' },
];

const PARAMS_44: ParamSet[] = [
  { param: P.HVM_PARAM_STORE_PFN, expr: 'special_pfn(SPECIALPAGE_XENSTORE)' },
  { param: P.HVM_PARAM_BUFIOREQ_PFN, expr: 'special_pfn(SPECIALPAGE_BUFIOREQ)' },
  { param: P.HVM_PARAM_IOREQ_PFN, expr: 'special_pfn(SPECIALPAGE_IOREQ)' },
  { param: P.HVM_PARAM_CONSOLE_PFN, expr: 'special_pfn(SPECIALPAGE_CONSOLE)' },
  { param: P.HVM_PARAM_PAGING_RING_PFN, expr: 'special_pfn(SPECIALPAGE_PAGING)' },
  { param: P.HVM_PARAM_ACCESS_RING_PFN, expr: 'special_pfn(SPECIALPAGE_ACCESS)' },
  { param: P.HVM_PARAM_SHARING_RING_PFN, expr: 'special_pfn(SPECIALPAGE_SHARING)' },
  { param: P.HVM_PARAM_IDENT_PT, expr: 'special_pfn(SPECIALPAGE_IDENT_PT)', shift: true },
];

const SOURCES: Record<ProfileName, LayoutSource> = {
  legacy: {
    defines: DEFS_44,
    loopBound: 'NR_SPECIAL_PAGES', pfnOf: 'special_pfn(i)',
    reserved: 'special_pfn(0)',
    params: PARAMS_44,
  },
  seed: {
    defines: [
      { name: 'SPECIALPAGE_PAGING', body: '0' }, { name: 'SPECIALPAGE_ACCESS', body: '1' },
      { name: 'SPECIALPAGE_SHARING', body: '2' }, { name: 'SPECIALPAGE_XENSTORE', body: '3' },
      { name: 'SPECIALPAGE_IDENT_PT', body: '4' }, { name: 'SPECIALPAGE_CONSOLE', body: '5' },
      { name: 'SPECIALPAGE_IOREQ', body: '6' },
      // As posted: no parentheses around the replacement list.
      { name: 'NR_SPECIAL_PAGES', body: 'SPECIALPAGE_IOREQ + 2' },
      { name: 'special_pfn', params: ['x'], body: '(0xff000u - 1 - (x))' },
    ],
    loopBound: 'NR_SPECIAL_PAGES', pfnOf: 'special_pfn(i)',
    reserved: 'special_pfn(0) - NR_SPECIAL_PAGES',
    params: [
      { param: P.HVM_PARAM_STORE_PFN, expr: 'special_pfn(SPECIALPAGE_XENSTORE)' },
      { param: P.HVM_PARAM_CONSOLE_PFN, expr: 'special_pfn(SPECIALPAGE_CONSOLE)' },
      { param: P.HVM_PARAM_PAGING_RING_PFN, expr: 'special_pfn(SPECIALPAGE_PAGING)' },
      { param: P.HVM_PARAM_ACCESS_RING_PFN, expr: 'special_pfn(SPECIALPAGE_ACCESS)' },
      { param: P.HVM_PARAM_SHARING_RING_PFN, expr: 'special_pfn(SPECIALPAGE_SHARING)' },
      { param: P.HVM_PARAM_IOREQ_PFN, expr: 'special_pfn(SPECIALPAGE_IOREQ)' },
      { param: P.HVM_PARAM_BUFIOREQ_PFN, expr: 'special_pfn(SPECIALPAGE_IOREQ) - 1' },
      { param: P.HVM_PARAM_IDENT_PT, expr: 'special_pfn(SPECIALPAGE_IDENT_PT)', shift: true },
    ],
  },
  '4.5': {
    defines: [
      ...DEFS_44,
      { name: 'NR_IOREQ_SERVER_PAGES', body: '8' },
      { name: 'ioreq_server_pfn', params: ['x'], body: '(special_pfn(0) - NR_IOREQ_SERVER_PAGES + (x))' },
    ],
    loopBound: 'NR_SPECIAL_PAGES', pfnOf: 'special_pfn(i)',
    extraLoop: { bound: 'NR_IOREQ_SERVER_PAGES', pfnOf: 'ioreq_server_pfn(i)', name: 'IOREQ_SERVER' },
    reserved: 'ioreq_server_pfn(0)',
    params: [
      ...PARAMS_44.filter((p) => p.param !== P.HVM_PARAM_IDENT_PT),
      { param: P.HVM_PARAM_IOREQ_SERVER_PFN, expr: 'ioreq_server_pfn(0)' },
      { param: P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, expr: 'NR_IOREQ_SERVER_PAGES' },
      { param: P.HVM_PARAM_IDENT_PT, expr: 'special_pfn(SPECIALPAGE_IDENT_PT)', shift: true },
    ],
  },
};

export interface SpecialPage {
  /** SPECIALPAGE_* suffix; BUFIOREQ for the seed's unnamed eighth page; IOREQ_SERVER for 4.5's pool. */
  name: string;
  /** The allocation loop's index i. */
  index: number;
  pfn: number;
  /** Inside [reserved_mem_pgstart, 4 GiB), the region hvm_info declares reserved. */
  insideReserved: boolean;
  /** Inside hvmloader's e820 reserved area [0xfc000000, 4 GiB). */
  insideE820Reserved: boolean;
}

export interface Layout {
  profile: ProfileName;
  reservedMemPgstart: number;
  /** How the compiler saw the reserved_mem_pgstart expression, after macro expansion. */
  reservedExpansion: string;
  /** The allocation loop's bound, as evaluated (the seed's DPRINTF prints it as "%d SPECIAL PAGES"). */
  nrSpecialPages: number;
  pages: SpecialPage[];
  /** HVM params setup_guest sets, in order: [index, value]. */
  params: Array<[number, number]>;
}

/** setup_guest / build_hvm_info's layout for a profile. */
const layoutCache = new Map<ProfileName, Layout>();

export function specialPageLayout(profile: ProfileName): Layout {
  let l = layoutCache.get(profile);
  if (!l) { l = computeLayout(profile); layoutCache.set(profile, l); }
  return l;
}

function computeLayout(profile: ProfileName): Layout {
  const src = SOURCES[profile];
  const ev = (e: string, i?: number): number =>
    evalWithMacros(e, i === undefined ? src.defines : [...src.defines, { name: 'i', body: String(i) }]);
  const reserved = ev(src.reserved);
  const params: Array<[number, number]> = src.params.map((p) => {
    const v = ev(p.expr);
    return [p.param, p.shift ? v * 2 ** PAGE_SHIFT : v];
  });
  const names = new Map<number, string>();
  for (const d of src.defines) {
    const m = /^SPECIALPAGE_(\w+)$/.exec(d.name);
    if (m) names.set(ev(d.name), m[1]);
  }
  const bufParam = params.find(([k]) => k === P.HVM_PARAM_BUFIOREQ_PFN);
  const inside = (pfn: number) => pfn >= reserved && pfn < FOUR_GIB_PFN;
  const inE820 = (pfn: number) => pfn * 4096 >= HVMLOADER_RESERVED_MEMBASE && pfn < FOUR_GIB_PFN;
  const pages: SpecialPage[] = [];
  const n = ev(src.loopBound);
  for (let i = 0; i < n; i++) {
    const pfn = ev(src.pfnOf, i);
    let name = names.get(i);
    if (!name) name = bufParam && bufParam[1] === pfn ? 'BUFIOREQ' : `UNNAMED_${i}`;
    pages.push({ name, index: i, pfn, insideReserved: inside(pfn), insideE820Reserved: inE820(pfn) });
  }
  if (src.extraLoop) {
    const m = ev(src.extraLoop.bound);
    for (let i = 0; i < m; i++) {
      const pfn = ev(src.extraLoop.pfnOf, i);
      pages.push({ name: src.extraLoop.name, index: i, pfn, insideReserved: inside(pfn), insideE820Reserved: inE820(pfn) });
    }
  }
  return { profile, reservedMemPgstart: reserved, reservedExpansion: expandToText(src.reserved, src.defines), nrSpecialPages: n, pages, params };
}

/** The `layout --json` shape. */
export function layoutJson(l: Layout): object {
  return {
    profile: l.profile,
    reservedMemPgstart: hex(l.reservedMemPgstart),
    pages: l.pages.map((p) => ({ name: p.name, index: p.index, pfn: hex(p.pfn), insideReserved: p.insideReserved })),
  };
}
