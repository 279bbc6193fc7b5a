// The bug zoo: fixes from Xen's history that a scenario can undo ("revert") to run the profile's code as it was
// before the fix. Each entry names the commit, the profiles whose code carries the switch, what was wrong and where
// the fixed code is. The model's code reads `x.reverted(id)` at the one place the commit changed.
import type { ProfileName } from './layout';

export interface Fix {
  /** The profiles whose modelled code has this switch. */
  profiles: readonly ProfileName[];
  /** The commit's subject (and its XSA number, for a security fix). */
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
  '125833f5f1': {
    profiles: ['4.5'],
    title: 'x86: fix ioreq-server event channel vulnerability',
    bug: "hvm_send_assist_req_to_ioreq_server took the port to notify from the slot's vp_eport, a field of the page shared with the emulator (and, for the default server, still in the guest's p2m): whoever could write that page chose which port Xen notified, and a port that does not exist tripped notify_via_xen_event_channel's ASSERT (an out-of-range event-channel lookup in a release build)",
    where: 'xen/arch/x86/hvm/hvm.c hvm_send_assist_req_to_ioreq_server, hvm_do_resume (first in RELEASE-4.5.0; the port is now sv->ioreq_evtchn, and a vp_eport that differs crashes the domain)',
  },
  'b7007bc6f9': {
    profiles: ['4.21'],
    title: 'x86/HVM: avoid pointer wraparound in bufioreq handling',
    bug: 'the buffered ring\'s 32-bit read and write pointers were never pulled back, so after 2^32 entries they wrapped; 511 slots do not divide 2^32 (2^32 mod 511 = 32), so across the wrap two unconsumed entries 32 apart share a slot and the newer overwrites the older before the emulator reads it',
    where: 'xen/arch/x86/hvm/hvm.c hvm_buffered_io_send, hvm_create_ioreq_server (first in RELEASE-4.6.0; today xen/common/ioreq.c ioreq_send_buffered and ioreq_server_create, HVM_IOREQSRV_BUFIOREQ_ATOMIC)',
  },
  'f7039ee41b': {
    profiles: ['4.21'],
    title: 'ioreq: handle pending emulation racing with ioreq server destruction',
    bug: "the vcpu's own copy of its request (v->io.req) was set back to IORESP_READY / NONE, and its shutdown deferral ended, only in hvm_io_assist, called while waiting on the server that took the request; a server destroyed after answering but before the vcpu ran left no pending server to wait on, so the request stayed READY and the deferral in place, and the vcpu's next access was refused by hvmemul_do_io (X86EMUL_UNHANDLEABLE)",
    where: 'xen/arch/x86/hvm/ioreq.c handle_hvm_io_completion (first in RELEASE-4.14.0; today xen/common/ioreq.c vcpu_ioreq_handle_completion)',
  },
  'da20c93108': {
    profiles: ['4.21', '4.21-arm'],
    title: 'IOREQ: fix waiting for broadcast completion',
    bug: 'vcpu_ioreq_handle_completion waited on the first server (newest first) that had the vcpu\'s request pending and then finished the access: after a synchronous broadcast (the map-cache INVALIDATE every enabled server gets) the vcpu went back to the guest while the other servers had not answered yet',
    where: 'xen/common/ioreq.c vcpu_ioreq_handle_completion (first in RELEASE-4.15.0; the bug came with 1745806a41 of 2020-07-17 on the way to 4.15, so no release shipped it)',
  },
  'b7e0d89788': {
    profiles: ['4.21'],
    title: 'xen: io: Fix race between sending an I/O and domain shutdown',
    bug: 'hvmemul_do_io and handle_pio asked whether the domain was shutting down after ioreq_send had returned: a shutdown (a checkpoint\'s suspend) landing just after the request went to the device model made Xen drop the request\'s completion and leave RIP where it was, so after XEN_DOMCTL_resumedomain the guest ran the instruction again and a port with side effects saw the access twice',
    where: 'xen/arch/x86/hvm/emulate.c hvmemul_do_io, xen/arch/x86/hvm/io.c handle_pio, xen/common/ioreq.c ioreq_send (vio->suspended; first in RELEASE-4.17.0)',
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

// Not in the zoo: 2e0b545b84 ("ioreq: don't wrongly claim "success" in ioreq_send_buffered()", 2024-10-08, first in
// RELEASE-4.20.0). Before it, ioreq_send_buffered returned 0 (X86EMUL_OKAY on x86: "sent") for a request with
// addr > 0xfffff, data_is_ptr or count != 1 ([X421] common/ioreq.c:1185-1186 has the fixed UNHANDLED, which the 4.21
// model returns). No caller can hand it such a request, in 4.21 or in any release since f6bf39f84f (4.6) added the
// literal: the only buffered senders are stdvga_mem_write (arch/x86/hvm/stdvga.c:49-67), which builds its own request
// with count 1, data by value and an address that stdvga_mem_accept (69-82) keeps inside 0xa0000-0xbffff, and
// send_timeoffset_req (arch/x86/hvm/io.c:35-51, through ioreq_broadcast(&p, true)), whose request has addr 0, count 1
// and no data_is_ptr; the only other broadcast (ioreq_signal_mapcache_invalidate) is synchronous, and Arm never
// creates a buffered server. So no scenario can show the bug; only a direct call can (test/model/x421.test.ts).

export type FixId = keyof typeof FIXES;
export const FIX_IDS = Object.keys(FIXES) as FixId[];

export function isFixId(s: string): s is FixId {
  return Object.prototype.hasOwnProperty.call(FIXES, s);
}
