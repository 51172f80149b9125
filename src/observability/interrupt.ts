/**
 * interrupt.ts — the interrupt point inside one evaluation. A pure engine's loop over a large array
 * within one document (`$reduce`, `$map`, `$filter`, `$range`) cannot yield to the event loop, so the
 * operation's deadline, its kill and its client's hang-up went unseen until the whole expression ended
 * (a `$reduce` over a `$range` of millions ran seconds past `maxTimeMS: 200` and answered). Such loops
 * call {@link interruptTick} per item; every {@link INTERRUPT_STRIDE} ticks it runs the check of the
 * operation whose synchronous section is running — set by that operation's async driver around each
 * synchronous pull (`enterInterruptible` … `leaveInterruptible`) — which throws 50 past the deadline,
 * the kill's code once killed, and polls the client's connection. Outside such a section a tick does
 * nothing. Sound because a synchronous section never interleaves with another operation's.
 *
 * The event loop stays held for the rest of the expression's run when no limit ends it: other clients
 * wait (docs/concurrency.md, "what cannot yield").
 */

/** What an interruptible section checks (an `OpControl`). */
export interface Interruptible {
  /** Throws when the operation must stop; called from inside a loop that cannot yield. */
  checkInLoop(): void;
}

/** Ticks between two checks (a power of two). */
export const INTERRUPT_STRIDE = 4096;

let current: Interruptible | undefined;
let ticks = 0;

/** One item of a long synchronous loop: every INTERRUPT_STRIDE ticks, the running section's check. */
export function interruptTick(): void {
  if ((++ticks & (INTERRUPT_STRIDE - 1)) === 0 && current !== undefined) current.checkInLoop();
}

/** Opens `op`'s synchronous section; returns what to pass to {@link leaveInterruptible} after it. */
export function enterInterruptible(op: Interruptible): Interruptible | undefined {
  const prev = current;
  current = op;
  return prev;
}

/** Closes the section {@link enterInterruptible} opened (in a `finally`). */
export function leaveInterruptible(prev: Interruptible | undefined): void {
  current = prev;
}
