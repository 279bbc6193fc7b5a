// Xen's fatal checks. A BUG()/BUG_ON()/failed ASSERT stops the host: the model throws XenPanic, the driver records it
// and nothing runs after it. A leaf module (no imports) so every layer of the model can raise it without a cycle.

/** A Xen BUG()/BUG_ON()/failed ASSERT: the host panics, so nothing in the model runs after it. */
export class XenPanic extends Error {
  constructor(public fn: string, message: string) {
    super(message);
  }
}
