// The stepping mechanism. Every modelled Xen, libxc and device-model function is written once, as a generator
// method that yields `$(label, locals)` before each statement. Two builds are made from that one source:
//  - the stepped build runs the generators, so a debugger can stop at any statement and read the locals;
//  - the flat build is the same source with each `yield $(…)` statement, `function*` and `yield*` removed by
//    tools/gen-flat.js (a TypeScript AST transform), for runs nobody is stepping (the explorer, benchmarks).
// test/model/flat.test.ts checks the two builds give identical states and events on random operation sequences.

/** A statement the stepped build stops before: its label within the function, and the locals in scope. */
export interface At {
  at: string;
  locals?: Record<string, unknown>;
}

/** The type of a stepped function returning T. In the flat build `Co<T>` becomes `T`. */
export type Co<T> = Generator<At, T, void>;

export function $(at: string, locals?: Record<string, unknown>): At {
  return { at, locals };
}

/** One frame of a stepped call stack. */
export interface Frame {
  /** The C function's name, e.g. hvm_wait_on_io. */
  fn: string;
  /** Which listing it belongs to: 'xen', 'libxc' or 'qemu'. */
  unit: string;
  at: string;
  locals: Record<string, unknown>;
}

/** hvmDoResume -> hvm_do_resume. */
export function cName(method: string): string {
  return method.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/** Where the stepped build keeps each actor's call stack while its generators run. */
export interface FrameSink {
  frames: Frame[];
}

/**
 * Wraps every generator method of a stepped class's prototype chain so each call pushes a frame on entry and pops
 * it on exit, and each yield updates the top frame. Applied once per stepped class; the flat build is never wrapped.
 */
export function instrument(proto: object, unit: string, sinkOf: (self: any) => FrameSink): void {
  const done = new Set<string>();
  for (let p: any = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (done.has(name) || name === 'constructor') continue;
      const desc = Object.getOwnPropertyDescriptor(p, name);
      const f = desc?.value;
      if (typeof f !== 'function' || f.constructor?.name !== 'GeneratorFunction' || f.__instrumented) continue;
      done.add(name);
      const fn = cName(name);
      const wrapped = function* (this: any, ...args: unknown[]): Generator<At, unknown, void> {
        const sink = sinkOf(this);
        const frame: Frame = { fn, unit, at: 'entry', locals: {} };
        sink.frames.push(frame);
        try {
          const g = f.apply(this, args) as Generator<At, unknown, void>;
          for (;;) {
            const r = g.next();
            if (r.done) return r.value;
            // A callee's statements pass up through every caller's wrapper: only the innermost frame moves.
            if (sink.frames[sink.frames.length - 1] === frame) {
              frame.at = r.value.at;
              if (r.value.locals) frame.locals = r.value.locals;
            }
            yield r.value;
          }
        } finally {
          sink.frames.pop();
        }
      };
      (wrapped as any).__instrumented = true;
      Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true });
    }
  }
}

/** Runs a stepped generator to completion (used where no one is stepping a stepped build). */
export function drain<T>(g: Co<T>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}
