/**
 * regex_budget.ts — a time budget for the risky patterns the linear engine cannot run.
 *
 * A pattern `isRiskyRegex` flags that RE2 cannot express (backreferences, lookahead) needs V8's
 * backtracking engine, and one `RegExp.test` on this thread cannot be interrupted. So such a pattern
 * runs on a worker thread of its own while this thread waits (`Atomics.wait`) at most
 * `REGEX_MATCH_BUDGET_MS`; a match that takes longer terminates the worker (a fresh one starts on the
 * next use) and fails with mongod's 51156, the code of a regex that fails while executing (PCRE2's match
 * limit). The wait blocks the event loop for at most the budget, once per operation in practice (the
 * error ends it), instead of for the seconds-to-hours of a catastrophic backtrack. Each budgeted match
 * costs a thread round trip (~0.05–0.5 ms), which only this rare class of patterns pays. The worker
 * boots when the first such pattern is compiled (that first match waits for the boot, ~0.1 s); a
 * running server holds it (`holdRegexWorker`: kept while the server runs, replaced at once after a
 * timeout); without a server it stops after 10 s idle.
 * Not pure like the rest of engine/: it owns a Worker and a timer.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { type Timer, unrefTimeout } from "../../timers.ts";

/** Longest one budgeted match may run before it fails with 51156. */
export const REGEX_MATCH_BUDGET_MS = 100;

let budgetMs = REGEX_MATCH_BUDGET_MS;

/**
 * Tests only: a longer budget for checks that expect an answer (a loaded CI machine can starve the
 * worker thread past 100 ms); returns a function restoring the default.
 */
export function widenRegexBudgetForTests(ms: number): () => void {
  budgetMs = ms;
  return () => budgetMs = REGEX_MATCH_BUDGET_MS;
}

const WORKER_SOURCE = `
const cache = new Map();
self.onmessage = (e) => {
  if (e.data.init) {
    const ready = new Int32Array(e.data.init, 8, 1);
    Atomics.store(ready, 0, 1);
    Atomics.notify(ready, 0);
    return;
  }
  const { sab, op, source, flags, input } = e.data;
  const ctl = new Int32Array(sab, 0, 3);
  let out = "";
  try {
    const key = op + "/" + flags + "/" + source;
    let re = cache.get(key);
    if (!re) {
      re = new RegExp(source, flags + (op === "test" ? "" : "g"));
      if (cache.size > 64) cache.clear();
      cache.set(key, re);
    }
    re.lastIndex = 0;
    if (op === "test") out = re.test(input) ? "1" : "0";
    else {
      const all = [];
      for (const m of input.matchAll(re)) {
        all.push([m.index, ...Array.from(m, (x) => x === undefined ? null : x)]);
        if (op === "exec") break;
      }
      out = JSON.stringify(all);
    }
  } catch (err) {
    out = "!" + String(err && err.message);
  }
  const bytes = new TextEncoder().encode(out);
  if (sab.byteLength < 12 + bytes.length) sab.grow(Math.min(sab.maxByteLength, 12 + bytes.length));
  new Uint8Array(sab, 12, bytes.length).set(bytes);
  Atomics.store(ctl, 1, bytes.length);
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
};`;

/** An idle worker is terminated after this long (a live worker keeps the process running). */
const IDLE_MS = 10_000;

let workerUrl: string | undefined;
let worker: Worker | undefined;
let shared: SharedArrayBuffer | undefined;
let idleTimer: Timer | undefined;
/** Servers running: while any holds the worker it is kept booted (no idle stop), so no match waits for a boot. */
let holds = 0;
/** Longest a match waits for a worker that is still booting. */
const BOOT_WAIT_MS = 5_000;

function ensureWorker(): { w: Worker; sab: SharedArrayBuffer } {
  if (!worker || !shared) {
    workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    worker = new Worker(workerUrl, { type: "module" });
    // [0] reply ready, [1] reply length, [2] worker booted; the reply's bytes from offset 12
    shared = new SharedArrayBuffer(4096, { maxByteLength: 64 * 1024 * 1024 });
    worker.postMessage({ init: shared });
  }
  return { w: worker, sab: shared };
}

/**
 * A server holds the worker while it runs: once booted (at the first budgeted pattern, not at start:
 * a worker costs ~0.3 s of start-up) it stays, and a timed-out one is replaced at once (see `holds`).
 */
export function holdRegexWorker(): () => void {
  holds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds === 0) stopRegexWorker();
  };
}

/** Starts the worker ahead of the first match (it takes ~50–100 ms to boot). */
export function warmRegexWorker(): void {
  ensureWorker();
  scheduleIdleStop();
}

/** Terminates the worker (server stop; tests). A later budgeted match starts a new one. */
export function stopRegexWorker(): void {
  idleTimer?.cancel();
  idleTimer = undefined;
  worker?.terminate();
  worker = undefined;
  shared = undefined;
}

function scheduleIdleStop(): void {
  idleTimer?.cancel();
  if (holds > 0) return;
  idleTimer = unrefTimeout(stopRegexWorker, IDLE_MS);
}

function run(op: "test" | "exec" | "all", source: string, flags: string, input: string): string {
  const { w, sab } = ensureWorker();
  const ctl = new Int32Array(sab, 0, 3);
  // a worker still booting (first use, or just replaced) is waited for outside the match's budget
  if (Atomics.load(ctl, 2) === 0) Atomics.wait(ctl, 2, 0, BOOT_WAIT_MS);
  Atomics.store(ctl, 0, 0);
  w.postMessage({ sab, op, source, flags, input });
  const r = Atomics.wait(ctl, 0, 0, budgetMs);
  if (r === "timed-out") {
    stopRegexWorker();
    if (holds > 0) ensureWorker(); // boot the replacement now, while the error travels back
    throw new CommandError(
      Location.RegexExecutionFailed,
      `Error occurred while executing the regular expression: a match ran longer than its ${budgetMs} ms budget (catastrophic backtracking in a pattern with backreferences or lookaround)`,
    );
  }
  scheduleIdleStop();
  const len = Atomics.load(ctl, 1);
  const out = new TextDecoder().decode(new Uint8Array(sab, 12, len).slice());
  if (out.startsWith("!")) {
    throw new CommandError(
      Location.RegexExecutionFailed,
      `Error occurred while executing the regular expression: ${out.slice(1)}`,
    );
  }
  return out;
}

function toMatch(row: (string | number | null)[], input: string): RegExpExecArray {
  const [index, ...groups] = row;
  const m = groups.map((g) => g === null ? undefined : g) as unknown as RegExpExecArray;
  m.index = index as number;
  m.input = input;
  return m;
}

/** test / exec / matchAll for `source` with `flags`, each match bounded by the budget. */
export function budgetedMatcher(source: string, flags: string): {
  test(s: string): boolean;
  exec(s: string): RegExpExecArray | null;
  matchAll(s: string): Iterable<RegExpMatchArray>;
} {
  warmRegexWorker();
  return {
    test: (s) => run("test", source, flags, s) === "1",
    exec: (s) => {
      const rows = JSON.parse(run("exec", source, flags, s)) as (string | number | null)[][];
      return rows.length ? toMatch(rows[0]!, s) : null;
    },
    matchAll: (s) =>
      (JSON.parse(run("all", source, flags, s)) as (string | number | null)[][]).map((r) => toMatch(r, s)),
  };
}
