/**
 * js_rounds.ts — server-side JavaScript inside a write statement's synchronous storage transactions,
 * awaited (issue 15): `$function` in an update pipeline, and `$where` / an `$expr` calling
 * `$function` met by the write's own matching (documents the prefetch in shared/where.ts did not
 * see: written after it, or past its limit).
 *
 * A storage transaction runs synchronously, so a call cannot be awaited where the write makes it.
 * The write runs in rounds instead (as engine/aggregate/js_defer.ts does for stages): a round is one
 * attempt of the transaction with the host's deferral active (engine/js/host.ts) and the `$where`
 * runner strict; a call with no answer yet is recorded and throws `JS_DEFERRED` before the document
 * it belongs to is written. `writeInRounds` then lets the attempt end without effect — rolled back,
 * or inside a multi-document transaction simply returned from, since nothing was written in it yet
 * (a throw there would fail the whole transaction) — runs the recorded calls awaited on the
 * sandbox's batch lane (other clients are served), and tries again with the answers. A yielding
 * batch that meets such a call after some targets instead commits the targets before it
 * (write/yielding_write.ts) and settles before the next batch.
 *
 * Answers are keyed by function, arguments and occurrence within the attempt, so every call runs
 * once; they are dropped after each commit (`committed`). Before each batch the filter's `$where` /
 * `$expr` results for its next targets are evaluated ahead, in batches (`prefetch`). A statement that keeps meeting new calls
 * without committing (documents changing under it) runs its calls inline after `MAX_ROUNDS`.
 */
import { namesJavaScript } from "../shared/names_javascript.ts";
import { JS_DEFERRED, type JsDeferral } from "../../engine/expression/types.ts";
import type { WriteOptions, WriteTxn } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import {
  hasWhere,
  type JsParts,
  prefetchedJsParts,
  type WhereRunner,
  withoutWhere,
} from "../shared/where.ts";
import { compileQueryWithLet } from "../shared/query_let.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import type { CollectionEntry } from "../../storage/api.ts";

/** Attempts without a commit before the rest of the calls run inline (128 targets × a few calls). */
const MAX_ROUNDS = 4096;

/** The JavaScript rounds of one write statement. */
export class JsRounds {
  #rounds = 0;

  constructor(private readonly d: JsDeferral, private readonly where: WhereRunner) {}

  /** Starts an attempt: calls without an answer are recorded (inline after too many attempts). */
  begin(): void {
    const inline = this.#rounds >= MAX_ROUNDS;
    this.d.begin(inline);
    this.where.strict = !inline;
  }

  /** Ends an attempt; true when calls wait to be settled. */
  end(): boolean {
    this.where.strict = false;
    return this.d.end() || this.where.waiting;
  }

  get waiting(): boolean {
    return this.d.waiting || this.where.waiting;
  }

  /** Runs the recorded calls (awaited) and keeps their answers. */
  async settle(): Promise<void> {
    this.#rounds++;
    if (this.d.waiting) await this.d.settle();
    await this.where.settlePending();
  }

  /** The filter's `$where` / `$expr` results for `docs`, evaluated ahead on the batch lane. */
  async prefetch(docs: readonly Doc[]): Promise<void> {
    if (this.where.fns.length > 0) await this.where.prefetch(docs);
  }

  /**
   * A transaction committed: its answers are no longer needed. A call recorded for the target after
   * it is dropped too: the next attempt records it again (one cheap attempt more, never a call twice).
   */
  committed(): void {
    this.#rounds = 0;
    this.d.forget();
    this.where.dropPending();
  }

  /** The statement is done. */
  close(): void {
    this.where.strict = false;
    this.d.forget();
  }
}

/**
 * The rounds of a statement whose filter or update may call JavaScript, or undefined (the write runs
 * as is: no round, no cost).
 */
export function jsRoundsFor(js: JsParts, filter: unknown, update?: unknown): JsRounds | undefined {
  const d = js.js.deferred;
  if (!d || !js.js.enabled) return undefined;
  const updateCalls = update !== undefined && namesFunction(update);
  return updateCalls || hasWhere(filter) ? new JsRounds(d, js.where) : undefined;
}

/**
 * True when a key `$function` appears anywhere in `v` (through plain documents and arrays): an
 * update can call JavaScript only through one. (It replaced a search of `JSON.stringify(v)` for
 * `"$function"`, which also answered true for such a string value: rounds that were never needed.)
 */
export function namesFunction(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) {
    for (const x of v) if (namesFunction(x)) return true;
    return false;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false; // a BSON value, a Date: no keys of a document
  for (const k in v) {
    if (k === "$function" || namesFunction((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** A write statement's filter, update or `let` variables can call JavaScript (`namesJavaScript`). */
export function statementCallsJs(filter: unknown, update: unknown, variables: unknown): boolean {
  return namesJavaScript(filter) || namesJavaScript(update) || namesJavaScript(variables);
}

/**
 * A write statement's `$where`/`$function` support (shared/where.ts `prefetchedJsParts`: its `$where`s
 * prefetched), or undefined when it names no JavaScript (`statementCallsJs`): most statements, which
 * then build no `$where` runner, JavaScript host or rounds.
 */
export function statementJsParts(
  ctx: RequestContext,
  coll: CollectionEntry | undefined,
  st: { readonly filter: Doc | undefined; readonly update?: unknown; readonly collation: Doc | undefined },
  variables: Doc | undefined,
  stopAfter?: number,
): Promise<JsParts> | undefined {
  if (!statementCallsJs(st.filter, st.update, variables)) return undefined;
  return prefetchedJsParts(ctx, coll, st.filter, st.collation, variables, stopAfter);
}

/**
 * `ctx.storage.write(fn)` in rounds (see above). `fn` must make every JavaScript call of a document
 * before writing that document, and throw `JS_DEFERRED` only before its first write or catch it
 * itself (a yielding batch commits the targets before the call).
 */
export async function writeInRounds<T>(
  ctx: RequestContext,
  rounds: JsRounds | undefined,
  fn: (txn: WriteTxn) => T,
  opts?: WriteOptions,
): Promise<T> {
  if (!rounds) return ctx.storage.write(fn, opts);
  for (;;) {
    let deferred = false;
    let out: T | undefined;
    rounds.begin();
    try {
      out = ctx.storage.write((txn) => {
        try {
          return fn(txn);
        } catch (e) {
          // In a multi-document transaction a throw fails the transaction: this attempt wrote nothing
          // yet (see above), so it just ends.
          if (e !== JS_DEFERRED || !ctx.transaction) throw e;
          deferred = true;
          return undefined;
        }
      }, opts);
    } catch (e) {
      if (e !== JS_DEFERRED) {
        rounds.end();
        throw e;
      }
      deferred = true;
    }
    const waiting = rounds.end();
    if (!deferred) return out as T;
    if (!waiting) throw new Error("server-side JavaScript call deferred with nothing to run");
    await rounds.settle();
  }
}

/**
 * The statement's query without its `$where` / `$function` conditions (a superset of its targets),
 * for a multi write that collects targets without running JavaScript; undefined when it has none.
 */
export function jsFreeTargets(
  coll: CollectionEntry,
  st: {
    readonly q: Doc;
    readonly multi: boolean;
    readonly hint?: unknown;
    readonly collation?: Doc | undefined;
    readonly variables?: Doc | undefined;
  },
  js: JsParts,
): CompiledQuery | undefined {
  if (!st.multi || !hasWhere(st.q) || js.where.fns.length === 0) return undefined;
  try {
    return compileQueryWithLet(
      { filter: withoutWhere(st.q), hint: st.hint, collation: st.collation },
      coll,
      st.variables,
    );
  } catch {
    return undefined; // (a hint the smaller filter cannot use): the targets are collected as they are
  }
}

export { namesJavaScript };
