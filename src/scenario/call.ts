// What a scenario step turns into: a call into the model's own code, runnable on either build (flat or stepped),
// and what it returned. A leaf of the scenario layer: the table of operations and the runner both use it.
import type { FlatImpl, SteppedImpl } from '../model/model';
import type { Vcpu } from '../model/xen';

/** What a step returned: rc (a hypercall's return, an X86EMUL_* code for guest accesses, 0/1/2 for
 *  hvm_do_resume: resumed / descheduled / crashed) and a value where there is one. */
export interface StepResult {
  rc: number;
  value?: bigint;
  panic?: string;
}

export type AnyImpl = FlatImpl | SteppedImpl;

/** A prepared call: who runs it and the function to run on either build. */
export interface Call {
  actor: string;
  vcpu: Vcpu | null;
  fn: (impl: AnyImpl) => any;
  /** Turns the model function's return value into the step's result. */
  post: (ret: any) => StepResult;
}

/** Marks an operation that is not modelled code (misbehaviour, raw hypercalls): one indivisible step. */
export class Direct<T> {
  constructor(public f: () => T) {}
}

/** A direct (not stepped) operation, shaped so it can run under either build. */
export function direct<T>(f: () => T): any {
  return new Direct(f);
}

export function unwrapDirect(v: unknown): any {
  return v instanceof Direct ? v.f() : v;
}

export const rcOnly = (ret: number): StepResult => ({ rc: ret });
