/**
 * Background timers that never keep the process alive and do not load Deno's Node compatibility
 * layer. Since Deno 2.8 the global `setTimeout`/`setInterval` are Node's timers, loaded on their
 * first call together with node:buffer and the rest of the layer (~3 ms of CPU); the server's start
 * creates nine background timers before it answers its first ping (oplog, cursor reaper, heap
 * watchdog, malloc trimmer, transaction sweeper, snapshot history, TTL sweeper, the listener's
 * deadline sweep, the warm-up), so they use these instead (issue 18, cold start).
 *
 * A timer here is an `Atomics.waitAsync` with a timeout on a private cell: V8 resolves it after the
 * timeout as a platform task, which the event loop runs while it is alive but does not wait for, so
 * every timer here is unref'd (as `Deno.unrefTimer` made the timers it replaces). `cancel()` wakes
 * the waiter at once so nothing stays queued. An interval re-arms before it calls `fn` (a callback
 * that throws does not end it) and counts its period from when it fired, as Node's does. A leaf.
 */

/** A timer from `unrefTimeout` / `unrefInterval`. */
export interface Timer {
  /** Stops it: `fn` is not called again (idempotent). */
  cancel(): void;
}

/** One waiter on `cell` for `ms`, then `then()` unless cancelled. */
function arm(cell: Int32Array, ms: number, then: () => void): void {
  const r = Atomics.waitAsync(cell, 0, 0, Math.max(1, ms));
  if (r.async) void r.value.then(then);
  else queueMicrotask(then); // "not-equal": cancelled, which `then` sees
}

/** Calls `fn` once after `ms`, unless cancelled; never keeps the process alive. */
export function unrefTimeout(fn: () => void, ms: number): Timer {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  arm(cell, ms, () => {
    if (cell[0] === 0) fn();
  });
  return { cancel: () => cancel(cell) };
}

/** Calls `fn` every `ms` until cancelled; never keeps the process alive. */
export function unrefInterval(fn: () => void, ms: number): Timer {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const tick = () => {
    if (cell[0] !== 0) return;
    arm(cell, ms, tick);
    fn();
  };
  arm(cell, ms, tick);
  return { cancel: () => cancel(cell) };
}

function cancel(cell: Int32Array): void {
  if (Atomics.compareExchange(cell, 0, 0, 1) === 0) Atomics.notify(cell, 0);
}
