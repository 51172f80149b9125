/**
 * The server's timers: the background ones (oplog, cursor reaper, heap watchdog, malloc trimmer,
 * transaction sweeper, snapshot history, TTL sweeper, the listener's deadline sweep, the warm-up), every
 * one unref'd so it never keeps the process alive (the open listener does), and the ref'd waits of the
 * request path (`timeout`, `delay`). A leaf.
 *
 * They go straight to the runtime's own timer list (`Deno[Deno.internal].core.createTimer`: the list the
 * global `setTimeout`/`setInterval` also end in) when this Deno has it. The globals are Node's timers in
 * Deno 2.8+ and load part of Deno's Node layer (`node:timers` and what it imports) on their first call:
 * 11–16 ms of a cold start's CPU before the first ping, measured here (issue 18, target 3;
 * docs/performance.md "Twenty-seventh session"), where the runtime's list takes ~0.4 ms. Another Deno
 * without that list gets the globals, with the same behaviour. An `Atomics.waitAsync` with a timeout (a V8
 * platform task, unref'd by nature) was tried before and reverted: under CPU load its wake-ups came
 * seconds late; the runtime's list is the one Node's timers use, so it wakes exactly as they do.
 */

/** A timer from `unrefTimeout` / `unrefInterval` / `timeout`. */
export interface Timer {
  /** Stops it: `fn` is not called again (idempotent). */
  cancel(): void;
}

/** The runtime's timer list, as far as this module uses it. */
interface RuntimeTimers {
  createTimer(fn: () => void, ms: number, args: undefined, repeat: boolean, refed: boolean): unknown;
  cancelTimer(timer: unknown): void;
}

/** The runtime's timer list when this Deno exposes one of the expected shape, else undefined. */
function runtimeTimers(): RuntimeTimers | undefined {
  try {
    const d = Deno as unknown as { internal?: symbol; [k: symbol]: { core?: Partial<RuntimeTimers> } };
    const core = d.internal === undefined ? undefined : d[d.internal]?.core;
    if (typeof core?.createTimer !== "function" || typeof core.cancelTimer !== "function") return undefined;
    if (core.createTimer.length < 5) return undefined;
    return core as RuntimeTimers;
  } catch {
    return undefined;
  }
}

const runtime = runtimeTimers();

/** Whether timers use the runtime's list (true on the Deno this project pins; tests assert it). */
export const timersUseRuntimeList = runtime !== undefined;

function make(fn: () => void, ms: number, repeat: boolean, ref: boolean): Timer {
  if (runtime !== undefined) {
    const t = runtime.createTimer(fn, ms, undefined, repeat, ref);
    return { cancel: () => runtime.cancelTimer(t) };
  }
  const id = repeat ? setInterval(fn, ms) : setTimeout(fn, ms);
  if (!ref) Deno.unrefTimer(id);
  return { cancel: () => repeat ? clearInterval(id) : clearTimeout(id) };
}

/** Calls `fn` once after `ms`, unless cancelled; never keeps the process alive. */
export function unrefTimeout(fn: () => void, ms: number): Timer {
  return make(fn, ms, false, false);
}

/** Calls `fn` every `ms` until cancelled; never keeps the process alive. */
export function unrefInterval(fn: () => void, ms: number): Timer {
  return make(fn, ms, true, false);
}

/** Calls `fn` once after `ms`, unless cancelled; keeps the process alive until then, as `setTimeout`. */
export function timeout(fn: () => void, ms: number): Timer {
  return make(fn, ms, false, true);
}

/** Resolves after `ms` (keeps the process alive until then, as a `setTimeout` would). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => make(resolve, ms, false, true));
}
