/**
 * The server's background timers (oplog, cursor reaper, heap watchdog, malloc trimmer, transaction
 * sweeper, snapshot history, TTL sweeper, the listener's deadline sweep, the warm-up): one place that
 * creates them, every one unref'd, so it never keeps the process alive (the open listener does).
 *
 * They are Node's timers (Deno 2.8+'s global `setTimeout`/`setInterval`, which load part of Deno's
 * Node layer on their first call, ~1 ms of CPU at start). An `Atomics.waitAsync` with a timeout (V8
 * resolves it as a platform task; it loads nothing of Node's and is unref'd by nature) was tried for
 * them and reverted: under CPU load its wake-ups came seconds late (the listener's 0.3 s deadline
 * sweep in tests/integration/connections_test.ts dropped idle sockets after 4+ s, 3 loaded runs of 8,
 * never with Node's timers) — issue 18, docs/performance.md "Cold start". A leaf.
 */

/** A timer from `unrefTimeout` / `unrefInterval`. */
export interface Timer {
  /** Stops it: `fn` is not called again (idempotent). */
  cancel(): void;
}

/** Calls `fn` once after `ms`, unless cancelled; never keeps the process alive. */
export function unrefTimeout(fn: () => void, ms: number): Timer {
  const id = setTimeout(fn, ms);
  Deno.unrefTimer(id);
  return { cancel: () => clearTimeout(id) };
}

/** Calls `fn` every `ms` until cancelled; never keeps the process alive. */
export function unrefInterval(fn: () => void, ms: number): Timer {
  const id = setInterval(fn, ms);
  Deno.unrefTimer(id);
  return { cancel: () => clearInterval(id) };
}
