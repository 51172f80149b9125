/**
 * where.ts — `$where` for the commands that allow it (find, count, distinct, update, delete,
 * findAndModify, mapReduce's query), over the JavaScript sandbox (engine/js/).
 *
 * mongod's semantics: the argument is a function or an expression (a string or Code; a Code's scope
 * becomes global variables); it runs with `this` and `obj` bound to the document and the document
 * matches when the result is truthy (a returned function is called once more). With JavaScript
 * disabled the filter is refused at parse time with mongod's 6108304 ("no globalScriptEngine in
 * $where parsing"), even on an empty collection.
 *
 * Two ways to run it. `prefetchWhere` (find and count) evaluates `$where` for the candidate documents
 * (the filter minus its `$where` conjuncts) in batches on the sandbox's batch lane while the event
 * loop serves other clients, remembering each document's result by `_id`; the executor's matcher
 * then only looks results up. Anything not prefetched (other commands, documents written meanwhile)
 * runs inline: the event loop waits for that call (at most the inline budget).
 */
import type { WhereSupport } from "../../engine/query/filter.ts";
import { toSandbox } from "../../engine/js/codec.ts";
import type { JsRuntime } from "../../engine/js/runtime.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument } from "../../bson/values.ts";
import type { Doc } from "../reply.ts";
import type { RequestContext } from "../context.ts";
import type { JsHost } from "../../engine/expression/types.ts";
import { jsHost } from "../../engine/js/host.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import { QuerySource } from "../../executor/query.ts";
import { compileQuery } from "./compile_query.ts";

interface WhereFn {
  readonly code: string;
  readonly scope: Record<string, unknown> | undefined;
  /** `_id` key → result, filled by prefetch and by inline calls. */
  readonly results: Map<string, boolean>;
}

/** Remembered results past which prefetching stops (the rest run inline). */
const PREFETCH_MAX = 200_000;
const PREFETCH_BATCH = 256;

function idKey(doc: Doc): string | undefined {
  const id = doc._id;
  return id === undefined ? undefined : JSON.stringify(toSandbox(id));
}

/** The `$where` support of one command execution. */
export class WhereRunner implements WhereSupport {
  readonly fns: WhereFn[] = [];
  readonly #token: string;

  constructor(readonly js: JsRuntime, readonly deadline: number | undefined) {
    this.#token = js.newToken();
  }

  compile(code: string, scope: Record<string, unknown> | undefined) {
    if (!this.js.enabled) {
      throw new CommandError(Location.WhereNoScriptEngine, "no globalScriptEngine in $where parsing");
    }
    const fn: WhereFn = { code, scope, results: new Map() };
    this.fns.push(fn);
    const wireScope = scope ? wireScopeOf(scope) : undefined;
    return (doc: Record<string, unknown>): boolean => {
      const key = idKey(doc);
      const known = key === undefined ? undefined : fn.results.get(key);
      if (known !== undefined) return known;
      const [r] = this.js.callSync({
        kind: "where",
        fn: code,
        items: [toSandbox(doc)],
        scope: wireScope,
        token: this.#token,
      }, { deadline: this.deadline });
      const b = r === true;
      if (key !== undefined && fn.results.size < PREFETCH_MAX) fn.results.set(key, b);
      return b;
    };
  }

  /** How many of `docs` every `$where` is known to accept. */
  countAllTrue(docs: readonly Doc[]): number {
    let n = 0;
    for (const d of docs) {
      const k = idKey(d);
      if (k !== undefined && this.fns.every((fn) => fn.results.get(k) === true)) n++;
    }
    return n;
  }

  /** Evaluates every `$where` of the filter for `docs` on the batch lane (not blocking the event loop). */
  async prefetch(docs: readonly Doc[]): Promise<void> {
    const keyed = docs.map((d) => ({ d, k: idKey(d) })).filter((x) => x.k !== undefined);
    for (const fn of this.fns) {
      const todo = keyed.filter((x) => !fn.results.has(x.k as string));
      if (todo.length === 0 || fn.results.size >= PREFETCH_MAX) continue;
      const out = await this.js.run({
        kind: "where",
        fn: fn.code,
        items: todo.map((x) => toSandbox(x.d)),
        scope: fn.scope ? wireScopeOf(fn.scope) : undefined,
        token: this.#token,
      }, { deadline: this.deadline });
      todo.forEach((x, i) => fn.results.set(x.k as string, out[i] === true));
    }
  }
}

function wireScopeOf(scope: Record<string, unknown>): Record<string, unknown> {
  return toSandbox(scope) as Record<string, unknown>;
}

/** True if the filter uses `$where` anywhere a filter may hold it. */
export function hasWhere(filter: unknown): boolean {
  if (!isDocument(filter)) return false;
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$where") return true;
    if ((k === "$and" || k === "$or" || k === "$nor") && Array.isArray(v) && v.some(hasWhere)) return true;
  }
  return false;
}

/**
 * The filter without its `$where` conditions: a superset of the matches (conjuncts holding `$where`
 * are dropped, including a whole `$or`/`$nor` that holds one), for the prefetch scan.
 */
export function withoutWhere(filter: Doc): Doc {
  const out: Doc = {};
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$where") continue;
    if (k === "$and" && Array.isArray(v)) {
      const kept = v.filter((x) => !hasWhere(x));
      if (kept.length > 0) out[k] = kept;
      continue;
    }
    if ((k === "$or" || k === "$nor") && Array.isArray(v) && v.some(hasWhere)) continue;
    out[k] = v;
  }
  return out;
}

/** `$where` and `$function` support of one command (QueryParts fields). */
export function jsQueryParts(ctx: RequestContext): { where: WhereRunner; js: JsHost } {
  return { where: new WhereRunner(ctx.js, ctx.deadline), js: jsHost(ctx.js, ctx.deadline) };
}

/** True when every `$where` of `filter` is a top-level conjunct (candidate ∧ all true ⇒ match). */
function whereOnlyConjunctive(filter: Doc): boolean {
  for (const [k, v] of Object.entries(filter)) {
    if ((k === "$or" || k === "$nor") && Array.isArray(v) && v.some(hasWhere)) return false;
    if (k === "$and" && Array.isArray(v)) {
      for (const x of v) {
        if (isDocument(x) && hasWhere(x) && !(Object.keys(x).length === 1 && "$where" in x)) return false;
      }
    }
  }
  return true;
}

/**
 * Evaluates the filter's `$where`s for the candidate documents (the filter without them) on the
 * batch lane, yielding between batches, so the query that follows finds each result remembered.
 * With `stopAfter` (an unsorted find's skip + limit) it stops once that many candidates are known
 * to match, when every `$where` is a top-level conjunct (`findOne` no longer runs `$where` over the
 * whole collection); the executor then runs any further document inline.
 */
export async function prefetchWhere(
  ctx: RequestContext,
  coll: CollectionEntry,
  filter: Doc | undefined,
  collation: Doc | undefined,
  where: WhereRunner,
  stopAfter?: number,
): Promise<void> {
  if (where.fns.length === 0 || !filter) return;
  const enough = stopAfter !== undefined && whereOnlyConjunctive(filter) ? stopAfter : Infinity;
  const q = compileQuery({ filter: withoutWhere(filter), ...(collation ? { collation } : {}) }, coll);
  const source = new QuerySource(ctx.storage, coll, q);
  try {
    let seen = 0;
    let matched = 0;
    for (;;) {
      const { docs, done } = await source.nextDocsAsync(PREFETCH_BATCH, ctx.control);
      await where.prefetch(docs);
      seen += docs.length;
      if (enough !== Infinity) matched += where.countAllTrue(docs);
      if (done || seen >= PREFETCH_MAX || matched >= enough) break;
      if (ctx.control.dueNow()) await ctx.control.yieldNow();
    }
  } finally {
    source.close();
  }
}
