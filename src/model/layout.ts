// The special-page layout xc_hvm_build's setup_guest gives an HVM guest (tools/libxc/xc_hvm_build_x86.c), for the
// tree before the seed (legacy = RELEASE-4.4.0, lines 41-50, 117, 476-503), the seed as posted ([SEED] first hunks),
// and Xen 4.5 (RELEASE-4.5.0 lines 41-53, 120, 509-527). Every number is computed by expanding the #defines.
import { PAGE_SHIFT, hex } from './abi';
import { evalWithMacros, expandToText, type MacroDef } from './cexpr';
import * as P from './params';

// ---- issue 10 (today's Xen): the 4.21 profiles ----
/** Today's Xen (RELEASE-4.21.0): x86 and Arm builds of the common ioreq code. */
export type X421Profile = '4.21' | '4.21-arm';
export const X421_PROFILES: readonly X421Profile[] = ['4.21', '4.21-arm'];
export function isX421(p: string): p is X421Profile {
  return p === '4.21' || p === '4.21-arm';
}
// ---- end 4.21 ----

/** The seed era's profiles. */
export type SeedEraProfile = 'legacy' | 'seed' | '4.5';
export type ProfileName = SeedEraProfile | X421Profile;
/** The profiles of the seed's era (the seed-style properties and flows run on these). */
export const SEED_ERA_PROFILES: readonly SeedEraProfile[] = ['legacy', 'seed', '4.5'];
/** Every profile: the seed's era, then today's. A scenario, `compare`, `layout` and the debugger take any of them. */
export const PROFILES: readonly ProfileName[] = [...SEED_ERA_PROFILES, ...X421_PROFILES];
/** The same list (the name older code uses). */
export const ALL_PROFILES = PROFILES;

export function isSeedEra(p: string): p is SeedEraProfile {
  return (SEED_ERA_PROFILES as readonly string[]).includes(p);
}

/** Any profile the model has, today's included. */
export function isProfile(s: string): s is ProfileName {
  return (PROFILES as readonly string[]).includes(s);
}
export const isAnyProfile = isProfile;

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
  /** setup_guest's DPRINTFs about the special pages: the format (string literals and PRI_* already pasted) and its argument expressions. */
  dprintf?: Array<{ fmt: string; args: string[] }>;
}

/** PRI_xen_pfn is "lx" on x86 (xen/include/public/arch-x86/xen.h:70@RELEASE-4.4.0). */
const PRI_xen_pfn = 'lx';

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

// ---- issue 10 (today's Xen): layouts of RELEASE-4.21.0 ----
// x86: tools/libs/guest/xg_dom_x86.c:61-73 (SPECIALPAGE_*, special_pfn over X86_HVM_END_SPECIAL_REGION 0xff000 and
// X86_HVM_NR_SPECIAL_PAGES 8 of tools/include/xenguest.h:33-34, NR_IOREQ_SERVER_PAGES 8), reserved_mem_pgstart at
// :619, the params in alloc_magic_pages_hvm's order :653-666, :707-710 (with a device model), :733.
const LAYOUT_421: LayoutSource = {
  defines: [
    ...DEFS_44.filter((d) => d.name !== 'special_pfn' && d.name !== 'NR_SPECIAL_PAGES'),
    { name: 'X86_HVM_NR_SPECIAL_PAGES', body: '8' }, { name: 'X86_HVM_END_SPECIAL_REGION', body: '0xff000u' },
    { name: 'NR_SPECIAL_PAGES', body: 'X86_HVM_NR_SPECIAL_PAGES' },
    { name: 'special_pfn', params: ['x'], body: '(X86_HVM_END_SPECIAL_REGION - X86_HVM_NR_SPECIAL_PAGES + (x))' },
    { name: 'NR_IOREQ_SERVER_PAGES', body: '8' },
    { name: 'ioreq_server_pfn', params: ['x'], body: '(special_pfn(0) - NR_IOREQ_SERVER_PAGES + (x))' },
  ],
  loopBound: 'X86_HVM_NR_SPECIAL_PAGES', pfnOf: 'special_pfn(i)',
  extraLoop: { bound: 'NR_IOREQ_SERVER_PAGES', pfnOf: 'ioreq_server_pfn(i)', name: 'IOREQ_SERVER' },
  reserved: 'ioreq_server_pfn(0)',
  params: [
    ...PARAMS_44.filter((p) => p.param !== P.HVM_PARAM_IDENT_PT),
    { param: P.HVM_PARAM_IOREQ_SERVER_PFN, expr: 'ioreq_server_pfn(0)' },
    { param: P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, expr: 'NR_IOREQ_SERVER_PAGES' },
    { param: P.HVM_PARAM_IDENT_PT, expr: 'special_pfn(SPECIALPAGE_IDENT_PT)', shift: true },
  ],
};
// Arm: tools/libs/guest/xg_dom_arm.c:28-32 (NR_MAGIC_PAGES 4 and the offsets), alloc_magic_pages :53-83, with
// GUEST_MAGIC_BASE 0x39000000 of public/arch-arm.h:481. Arm has no ioreq pages of its own: servers get theirs from
// XENMEM_acquire_resource. The page names reuse the SPECIALPAGE_ prefix so the layout code can name them.
const LAYOUT_421_ARM: LayoutSource = {
  defines: [
    { name: 'GUEST_MAGIC_BASE', body: '0x39000000' }, { name: 'XC_PAGE_SHIFT', body: '12' },
    { name: 'NR_MAGIC_PAGES', body: '4' },
    { name: 'SPECIALPAGE_CONSOLE', body: '0' }, { name: 'SPECIALPAGE_XENSTORE', body: '1' },
    { name: 'SPECIALPAGE_MEMACCESS', body: '2' }, { name: 'SPECIALPAGE_VUART', body: '3' },
    { name: 'magic_pfn', params: ['x'], body: '((GUEST_MAGIC_BASE >> XC_PAGE_SHIFT) + (x))' },
  ],
  loopBound: 'NR_MAGIC_PAGES', pfnOf: 'magic_pfn(i)',
  reserved: 'magic_pfn(0)',
  params: [
    { param: P.HVM_PARAM_CONSOLE_PFN, expr: 'magic_pfn(SPECIALPAGE_CONSOLE)' },
    { param: P.HVM_PARAM_STORE_PFN, expr: 'magic_pfn(SPECIALPAGE_XENSTORE)' },
    { param: P.HVM_PARAM_MONITOR_RING_PFN, expr: 'magic_pfn(SPECIALPAGE_MEMACCESS)' },
  ],
};
// ---- end 4.21 ----

const SOURCES: Record<ProfileName, LayoutSource> = {
  '4.21': LAYOUT_421,
  '4.21-arm': LAYOUT_421_ARM,
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
    // [SEED] hunk @473: a count line, then one line per named page (no BUFIOREQ line). The (xen_pfn_t) casts widen
    // an unsigned int to unsigned long and leave the value as it is, so the expressions below omit them.
    dprintf: [
      { fmt: '%d SPECIAL PAGES:\n', args: ['NR_SPECIAL_PAGES'] },
      ...(['PAGING', 'ACCESS', 'SHARING', 'STORE', 'IDENT_PT', 'CONSOLE', 'IOREQ'] as const).map((n) => ({
        fmt: `  ${(n + ':').padEnd(11)}%${PRI_xen_pfn}\n`, args: [`special_pfn(SPECIALPAGE_${n === 'STORE' ? 'XENSTORE' : n})`],
      })),
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
  /** The lines setup_guest's DPRINTFs print (without the trailing newline), in order; none in trees without them. */
  dprintf: string[];
}

/**
 * printf for the conversions setup_guest's DPRINTFs use: %d (int), %u, %x and %lx (unsigned, lower-case hex, no
 * prefix), with an optional zero-pad width; %% is a percent sign.
 */
export function cFormat(fmt: string, args: readonly number[]): string {
  let k = 0;
  return fmt.replace(/%(0?)(\d*)(l{0,2})([dux%])/g, (_m, zero: string, width: string, _l: string, conv: string) => {
    if (conv === '%') return '%';
    const v = args[k++] ?? 0;
    const text = conv === 'd' ? String(v | 0) : conv === 'u' ? String(v >>> 0 === v ? v : v) : Math.trunc(v).toString(16);
    return width ? text.padStart(Number(width), zero ? '0' : ' ') : text;
  });
}

/** setup_guest / build_hvm_info's layout for a profile. */
const layoutCache = new Map<ProfileName, Layout>();

export function specialPageLayout(profile: ProfileName): Layout {
  let l = layoutCache.get(profile);
  if (!l) { l = computeLayout(profile); layoutCache.set(profile, l); }
  return l;
}

/** The layout computed afresh (specialPageLayout caches it per profile; tests call this so that every test, in a
 *  process that runs many, exercises the computation itself). */
export function computeLayout(profile: ProfileName): Layout {
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
  const dprintf = (src.dprintf ?? []).map((p) => cFormat(p.fmt, p.args.map((a) => ev(a))).replace(/\n$/, ''));
  return { profile, reservedMemPgstart: reserved, reservedExpansion: expandToText(src.reserved, src.defines), nrSpecialPages: n, pages, params, dprintf };
}

/** The `layout --json` shape. */
export function layoutJson(l: Layout): object {
  return {
    profile: l.profile,
    reservedMemPgstart: hex(l.reservedMemPgstart),
    pages: l.pages.map((p) => ({ name: p.name, index: p.index, pfn: hex(p.pfn), insideReserved: p.insideReserved })),
  };
}
