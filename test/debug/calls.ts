// The calls a stepped actor makes, for the tests that pin each call's stops (stops-seed, dm-tools-stops).
import type { IoreqRuntime } from '../../src/debug/runtime';
import type { Frame } from '../../src/model/step';

/**
 * Steps `actor` statement by statement (at most 20000 stops) and groups the stops into calls: the calls still open are
 * the common prefix of the stack (each call has a frame object of its own). `open(frame)` makes a new call's record;
 * `stop(record, top)` adds a stop to the innermost call. Returns the records in the order their calls returned.
 */
export function walkCalls<C>(rt: IoreqRuntime, actor: string, open: (f: Frame) => C, stop: (c: C, top: Frame) => void): C[] {
  const done: C[] = [];
  const stack: Array<{ frame: Frame; rec: C }> = [];
  const close = (depth: number) => { while (stack.length > depth) done.push(stack.pop()!.rec); };
  for (let s = rt.stepIn(actor), n = 0; s.reason !== 'end' && n < 20000; s = rt.stepIn(actor), n++) {
    if (rt.returned) { close(0); continue; }
    const frames = rt.frames();
    let keep = 0;
    while (keep < stack.length && keep < frames.length && stack[keep].frame === frames[keep]) keep++;
    close(keep);
    for (let k = stack.length; k < frames.length; k++) stack.push({ frame: frames[k], rec: open(frames[k]) });
    stop(stack[stack.length - 1].rec, frames[frames.length - 1]);
  }
  close(0);
  return done;
}
