// Values the modelled hypervisor code of every profile shares: x86_emulate's return codes, the model's outcome of
// a resume, and the request a vcpu's emulation builds before hand-off.
import type * as A from '../../abi';

/** An hvm_do_resume / wait outcome: the C code never returns from a wait that deschedules the vcpu. */
export const RESUMED = 0;
export const DESCHEDULED = 1;
export const CRASHED = 2;
/** A slice of the wait (the wait_for_io op) ended right after a read: the vcpu is still in Xen's loop. */
export const IN_WAIT = 3;

/** X86EMUL_* (xen/arch/x86/x86_emulate/x86_emulate.h). */
export const X86EMUL_OKAY = 0;
export const X86EMUL_UNHANDLEABLE = 1;
export const X86EMUL_RETRY = 3;

/** The proto ioreq a vcpu's emulation builds before hand-off. */
export interface ProtoIoreq extends A.Ioreq {}
