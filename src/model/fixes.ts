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
  '3b586fc67d': {
    profiles: ['4.5'],
    title: 'ioreq-server: handle the lack of a default emulator properly',
    bug: 'an access no ioreq server claimed (with no default server) was neither sent nor completed: hvm_send_assist_req returned 0 and the instruction restarted forever, wedging the vcpu; and with a single server listed, hvm_select_ioreq_server returned the default server, NULL when that one was a secondary',
    where: 'xen/arch/x86/hvm/hvm.c hvm_select_ioreq_server, hvm_complete_assist_req, hvm_send_assist_req (first in RELEASE-4.5.0)',
  },
  b452430a4c: {
    profiles: ['4.21'],
    title: 'x86/HVM: avoid reading ioreq state more than once (XSA-166)',
    bug: "the wait loop switched on p->state, a field of the page the emulator writes: compiled to a jump table that is one load for the bounds check and another for the index, so a state changed between the two sends Xen through an entry past the table's end (arbitrary code execution)",
    where: 'xen/arch/x86/hvm/hvm.c hvm_wait_for_io (2015-12-17, first in RELEASE-4.7.0); today xen/common/ioreq.c wait_for_io',
  },
  '92938e5d14': {
    profiles: ['4.21'],
    title: 'x86/HVM: guard against emulator driving ioreq state in weird ways (XSA-262)',
    bug: 'the wait condition read p->state only to compare it and the loop read it again at its head: an emulator flipping the state back between the two reads (INPROCESS, then READY again) keeps Xen going round the loop without ever blocking; nothing insisted that the state only moves forward',
    where: 'xen/arch/x86/hvm/ioreq.c hvm_wait_for_io (2018-05-08, first in RELEASE-4.11.0); today xen/common/ioreq.c wait_for_io, the "Weird HVM ioreq state transition" check',
  },
} as const satisfies Record<string, Fix>;

export type FixId = keyof typeof FIXES;
export const FIX_IDS = Object.keys(FIXES) as FixId[];

export function isFixId(s: string): s is FixId {
  return Object.prototype.hasOwnProperty.call(FIXES, s);
}
