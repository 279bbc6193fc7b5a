// The bug zoo: fixes from Xen's history that a scenario can undo ("revert") to run the profile's code as it was
// before the fix. Each entry names the commit, the profiles whose code carries the switch, what was wrong and where
// the fixed code is. The model's code reads `x.reverted(id)` at the one place the commit changed.
import type { ProfileName } from './layout';

export interface Fix {
  /** The profiles whose modelled code has this switch. */
  profiles: readonly ProfileName[];
  /** The commit's subject. */
  title: string;
  /** What the unfixed code did, in the project's words. */
  bug: string;
  /** Where the fix is (file, function, the release that first has it). */
  where: string;
}

export const FIXES = {
  '282ed258a5': {
    profiles: ['4.21'],
    title: 'x86/hvm/ioreq: Fix condition in hvm_alloc_legacy_ioreq_gfn()',
    bug: 'the test of legacy_mask was inverted: a set-aside legacy gfn (IOREQ_PFN / BUFIOREQ_PFN) was never handed out, and once its bit was clear the same param gfn was handed out again and again',
    where: 'xen/arch/x86/hvm/ioreq.c hvm_alloc_legacy_ioreq_gfn (first in RELEASE-4.21.0; broken since 3486f398a3dd, 4.12)',
  },
} as const satisfies Record<string, Fix>;

export type FixId = keyof typeof FIXES;
export const FIX_IDS = Object.keys(FIXES) as FixId[];

export function isFixId(s: string): s is FixId {
  return Object.prototype.hasOwnProperty.call(FIXES, s);
}
