// Where each step of a counterexample goes in the modelled C: the trail replayed on the stepped build (the model's
// own code, statement by statement), and for each step the last statement it ran, with the calls that led there,
// as a listing line. A Xen developer reads the interleaving as "the vcpu got as far as ioreq_send, then QEMU ...".
import { locateLabel } from '../debug/listing';
import type { Frame } from '../model/step';
import { Session } from '../scenario/exec';
import type { Scenario } from '../scenario/types';

export interface StepPlace {
  step: number;
  /** The C function and the statement label of the last statement the step ran, and the calls around it (outermost first). */
  fn: string;
  label: string;
  stack: string[];
  /** `listing:line`, or null when that function has no listing (a misbehaviour step, a raw op). */
  where: string | null;
}

/** Replays `trail` of `sc` on the stepped build and says where each step ended. */
export function stepPlaces(sc: Scenario, trail: number[]): StepPlace[] {
  const s = new Session(sc);
  s.m.x.on = false;
  const out: StepPlace[] = [];
  for (const i of trail) {
    const step = sc.steps[i];
    let last: Frame[] = [];
    if (s.blocked(step) === null) {
      const g = s.runStepped(step);
      for (let r = g.next(); !r.done; r = g.next()) last = s.m.frames.map((f) => ({ ...f }));
    }
    const top = last[last.length - 1];
    if (!top) { out.push({ step: i, fn: step.op, label: 'entry', stack: [], where: null }); continue; }
    const at = locateLabel(sc.profile, top.fn, top.at);
    out.push({ step: i, fn: top.fn, label: top.at, stack: last.slice(0, -1).map((f) => f.fn), where: at ? `${at.listing.name}:${at.line}` : null });
  }
  return out;
}
