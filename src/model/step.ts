// The stepping mechanism. Every modelled Xen, libxc and device-model function is written once, as a generator
// method that yields `$(label)` (optionally with values the statement reads) before each statement. Two builds are
// made from that one source by tools/gen-flat.js:
//  - the stepped build (foo.stepped.ts) runs the generators, so a debugger can stop at any statement; each `$()` is
//    handed the function's own scope there (its parameters and locals by C name, and the list the function declares);
//  - the flat build is the same source with each `yield $(…)` statement, `function*` and `yield*` removed by
//    tools/gen-flat.js (a TypeScript AST transform), for runs nobody is stepping (the explorer, benchmarks).
// test/model/flat.test.ts checks the two builds give identical states and events on random operation sequences.

/** A statement the stepped build stops before: its label within the function, and the values the source names. */
export interface At {
  at: string;
  locals?: Record<string, unknown>;
  /** Stepped build: the function's scope at this statement (read while the generator is suspended here). */
  scope?: () => Record<string, unknown>;
  /** Stepped build: the C names of every parameter and local the function declares, in declaration order. */
  declared?: readonly string[];
}

/** The type of a stepped function returning T. In the flat build `Co<T>` becomes `T`. */
export type Co<T> = Generator<At, T, void>;

/** A local the function declares that is not in scope at this statement (not yet declared, or its block ended). */
export class NotInScope {
  toString(): string { return '<not in scope>'; }
}
export const NOT_IN_SCOPE = new NotInScope();

/**
 * A statement label. In the sources: `$(label)` or `$(label, values)`; the stepped build adds the scope there (every
 * name in scope by C name, as a closure) and the C names the function declares (see tools/gen-flat.js).
 */
export function $(at: string, locals?: Record<string, unknown>, scope?: () => Record<string, unknown>, declared?: readonly string[]): At {
  return { at, locals, scope, declared };
}

/**
 * The locals a frame shows at a statement: every declared name in order (NOT_IN_SCOPE for one out of scope), then
 * any extra value the source names there. Without a scope (a hand-built frame) the values the source names.
 */
export function localsAt(a: At): Record<string, unknown> {
  if (!a.scope || !a.declared) return a.locals ?? {};
  const scope = a.scope();
  const out: Record<string, unknown> = {};
  // The scope's value, unless it is undefined and the label names the value to show (`d ?? null`: a lookup that
  // found nothing reads NULL, as in C).
  const named = (n: string) => a.locals !== undefined && n in a.locals;
  for (const n of a.declared) out[n] = n in scope && !(scope[n] === undefined && named(n)) ? scope[n] : named(n) ? a.locals![n] : NOT_IN_SCOPE;
  for (const n of Object.keys(scope)) if (!(n in out)) out[n] = scope[n];
  // An extra value named by its TypeScript spelling of a local (nrVcpus) is that local, already under its C name.
  if (a.locals) for (const n of Object.keys(a.locals)) if (!(n in out) && !(cName(n) in out)) out[n] = a.locals[n];
  return out;
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
      // The most derived definition of a name is the one instances call, wrapped already or not: a base's is never
      // copied over it (an instrumented middle class's override would otherwise lose to its base's method).
      done.add(name);
      const desc = Object.getOwnPropertyDescriptor(p, name);
      const f = desc?.value;
      if (typeof f !== 'function' || f.constructor?.name !== 'GeneratorFunction' || f.__instrumented) continue;
      const fn = cName(name);
      const wrapped = function* (this: any, ...args: unknown[]): Generator<At, unknown, void> {
        const sink = sinkOf(this);
        let last: At | null = null;
        // The locals are read when asked (the debugger asks while the generator is suspended at `last`).
        const frame = { fn, unit, at: 'entry', get locals() { return last ? localsAt(last) : {}; } } as Frame;
        sink.frames.push(frame);
        try {
          const g = f.apply(this, args) as Generator<At, unknown, void>;
          for (;;) {
            const r = g.next();
            if (r.done) return r.value;
            // A callee's statements pass up through every caller's wrapper: only the innermost frame moves.
            if (sink.frames[sink.frames.length - 1] === frame) {
              frame.at = r.value.at;
              last = r.value;
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
