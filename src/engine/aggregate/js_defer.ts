/**
 * js_defer.ts — stages whose expressions call server-side JavaScript (`$function`, `$accumulator`)
 * without holding the event loop (issue 15).
 *
 * The pipeline is a synchronous pull chain, so a call cannot be awaited where it is made. Instead a
 * stage evaluates a document in rounds (`deferJs`): a round that meets a call with no answer yet is
 * abandoned, the stage yields `PAUSE`, the async consumer at the end of the chain runs the recorded
 * call on the sandbox's batch lane (awaited: other clients are served meanwhile) and pulls again, and
 * the stage evaluates the document again — now with the answer (engine/js/host.ts keys answers by
 * function, arguments and occurrence, so each call runs once). A consumer that never settles (a
 * stage further down drops pauses) makes the stage fall back to calling inline, as before.
 *
 * Every stage of an aggregate defers (`StageContext.jsDefer`), sub-pipelines too: $lookup, $facet and
 * $unionWith pass their sub-pipeline's markers out. Blocking stages evaluate in rounds per document
 * (keys, arguments) and per result (accumulators), never a whole partition or group at once.
 */
import type { JsDeferral } from "../expression/types.ts";
import { PAUSE } from "./pause.ts";
import type { Document, StageContext } from "./types.ts";

/** Rounds one evaluation may take before the rest of its calls run inline. */
const MAX_ROUNDS = 256;

/** The deferral for a stage whose specification calls JavaScript, or undefined (evaluate directly). */
export function jsDeferralFor(ctx: StageContext, spec: unknown): JsDeferral | undefined {
  if (!ctx.jsDefer) return undefined;
  const text = JSON.stringify(spec) ?? "";
  return text.includes('"$function"') || text.includes('"$accumulator"') ? ctx.jsDefer : undefined;
}

/**
 * One round of `f` under `d` (`inline`: calls without an answer run inline): its value (or its error,
 * thrown) when every call it made had an answer, else undefined (the calls are recorded for settling).
 */
function oneRound<T>(d: JsDeferral, inline: boolean, f: () => T): { value: T } | undefined {
  d.begin(inline);
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  try {
    value = f();
  } catch (e) {
    error = e;
    failed = true;
  }
  if (d.end()) return undefined;
  if (failed) throw error;
  return { value: value as T };
}

/**
 * Evaluates `f` in rounds (see above), yielding `PAUSE` between them; returns its value. `f` must be
 * free of side effects until its calls are answered (it runs again from the start).
 */
export function* deferJs<T>(d: JsDeferral, f: () => T): Generator<Document, T> {
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const done = oneRound(d, false, f);
      if (done) return done.value;
      yield PAUSE;
      if (d.waiting) break; // nobody settled the calls: run them inline
    }
    d.begin(true);
    try {
      return f();
    } finally {
      d.end();
    }
  } finally {
    d.forget();
  }
}

/** `f()` in rounds when `d` is given (a stage calling JavaScript), else directly. */
export function* evaluated<T>(d: JsDeferral | undefined, f: () => T): Generator<Document, T> {
  return d ? yield* deferJs(d, f) : f();
}

/**
 * Evaluates `f` in rounds from async code (no pause markers): a round that meets a call with no
 * answer yet is abandoned, the recorded calls run awaited on the sandbox's batch lane, and `f` runs
 * again; after `MAX_ROUNDS` the rest of the calls run inline. `f` must be free of side effects until
 * its calls are answered. Used where a synchronous step (a find projection) is driven by an async
 * loop.
 */
export async function evaluateAwaited<T>(d: JsDeferral, f: () => T): Promise<T> {
  try {
    for (let round = 0;; round++) {
      const done = oneRound(d, round >= MAX_ROUNDS, f);
      if (done) return done.value;
      await d.settle();
    }
  } finally {
    d.forget();
  }
}
