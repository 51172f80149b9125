/**
 * where.ts — `$where` for the commands that allow it (find, count, distinct, update, delete,
 * findAndModify, mapReduce's query), over the JavaScript sandbox (engine/js/).
 *
 * mongod's semantics: the argument is a function or an expression (a string or Code; BSON code with
 * scope is refused by the filter's parser, 4649201, as since mongod 4.4); it runs with `this` and `obj`
 * bound to the document and the document matches when the result is truthy (a returned function is called once more). With JavaScript
 * disabled the filter is refused at parse time with mongod's 6108304 ("no globalScriptEngine in
 * $where parsing"), even on an empty collection.
 *
 * Two ways to run it. `prefetchWhere` (find, count, distinct, mapReduce; and through
 * `prefetchedJsParts` update, delete, findAndModify and bulkWrite before their synchronous write)
 * evaluates `$where` for the candidate documents (the filter minus its `$where` conjuncts) in batches
 * on the sandbox's batch lane while the event loop serves other clients and maxTimeMS is checked,
 * remembering each result by the document's `_id` and a fingerprint of its content (a document
 * changed meanwhile is evaluated again); the executor's matcher then only looks results up.
 * An `$expr` calling `$function` is prefetched the same way (its result per document remembered), each
 * document's expression evaluated in rounds: a call with no answer yet ends the round and runs awaited
 * on the batch lane (engine/aggregate/js_defer.ts describes the rounds).
 * A document not prefetched (written meanwhile, past `PREFETCH_MAX`) is not run inline either: in a
 * write statement's transactions (commands/write/js_rounds.ts) and in the executor's async pulls
 * (`ReadRounds` below) the runner is `strict`: the document is recorded, the attempt or pull ends, its
 * call runs awaited (`settlePending`) and the document is matched again — in a near query's cursor,
 * every waiting document of a ring is held aside until its calls are answered (executor/geo_near.ts).
 * Only synchronous reads still call inline: the event loop waits for that call (at most the inline
 * budget).
 */
import type { WhereSupport } from "../../engine/query/filter.ts";
import type { DocPred } from "../../engine/query/predicates.ts";
import { toSandbox } from "../../engine/js/codec.ts";
import type { JsLimits, JsRuntime } from "../../engine/js/runtime.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument } from "../../bson/values.ts";
import type { Doc } from "../reply.ts";
import type { RequestContext } from "../context.ts";
import { JS_DEFERRED, type JsDeferral, type JsHost } from "../../engine/expression/types.ts";
import { jsHost } from "../../engine/js/host.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { JsRounds as ExecutorJsRounds } from "../../executor/compiled_query.ts";
import { QuerySource } from "../../executor/query.ts";
import { compileQuery } from "./compile_query.ts";

interface WhereFn {
  readonly code: string;
  readonly scope: Record<string, unknown> | undefined;
  /** An `$expr` calling `$function`: its predicate, evaluated in rounds by the prefetch. */
  readonly pred?: DocPred | undefined;
  /** `_id` key → result, filled by prefetch and by inline calls. */
  readonly results: Map<string, boolean>;
}

/** Remembered results past which prefetching stops (the rest run inline). */
const PREFETCH_MAX = 200_000;
const PREFETCH_BATCH = 256;
/** Evaluation rounds of one document's `$expr` before it is left to the query (inline). */
const MAX_ROUNDS = 256;

/** True for a filter entry the prefetch evaluates: `$where`, or `$expr` calling `$function`. */
function isJsEntry(k: string, v: unknown): boolean {
  return k === "$where" || (k === "$expr" && (JSON.stringify(v) ?? "").includes('"$function"'));
}

/** 53 bits of a string hash (two 32-bit FNV-1a-style lanes), as a base-36 string. */
function fingerprint(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return ((h2 >>> 11) * 0x100000000 + (h1 >>> 0)).toString(36);
}

/** `_id` and content of one document: the key its `$where` results are remembered under. */
function docKey(doc: Doc): string | undefined {
  const id = doc._id;
  if (id === undefined) return undefined;
  return JSON.stringify(toSandbox(id)) + "#" + fingerprint(JSON.stringify(toSandbox(doc)));
}

/** The `$where` support of one command execution. */
export class WhereRunner implements WhereSupport {
  readonly fns: WhereFn[] = [];
  /** Each function (code + scope) once, however often the filter is compiled. */
  readonly #byCode = new Map<string, WhereFn>();
  readonly #token: string;
  /**
   * Inside a write's round (commands/write/js_rounds.ts): a `$where` whose result is not known for a
   * document records it and throws `JS_DEFERRED` instead of running inline; `settlePending` runs it.
   */
  strict = false;
  #pending: { fn: WhereFn; doc: Doc; key: string }[] = [];

  constructor(
    readonly js: JsRuntime,
    /** The operation's deadline and kill (its OpControl). */
    readonly limits: JsLimits,
    /** The host `$expr`'s `$function` calls go through (deferrable: the prefetch awaits them). */
    readonly host?: JsHost,
  ) {
    this.#token = js.newToken();
  }

  expr(spec: unknown, pred: DocPred): DocPred {
    const name = "$expr\u0000" + JSON.stringify(toSandbox(spec));
    let fn = this.#byCode.get(name);
    if (!fn) {
      fn = { code: name, scope: undefined, pred, results: new Map() };
      this.#byCode.set(name, fn);
      this.fns.push(fn);
    }
    const results = fn.results;
    return (doc) => {
      const key = docKey(doc);
      const known = key === undefined ? undefined : results.get(key);
      if (known !== undefined) return known;
      const b = pred(doc); // not prefetched: its calls run inline
      if (key !== undefined && results.size < PREFETCH_MAX) results.set(key, b);
      return b;
    };
  }

  compile(code: string, scope: Record<string, unknown> | undefined) {
    if (!this.js.enabled) {
      throw new CommandError(Location.WhereNoScriptEngine, "no globalScriptEngine in $where parsing");
    }
    const wireScope = scope ? wireScopeOf(scope) : undefined;
    const name = JSON.stringify([code, wireScope ?? null]);
    let fn = this.#byCode.get(name);
    if (!fn) {
      fn = { code, scope, results: new Map() };
      this.#byCode.set(name, fn);
      this.fns.push(fn);
    }
    const results = fn.results;
    const entry = fn;
    return (doc: Record<string, unknown>): boolean => {
      const key = docKey(doc);
      const known = key === undefined ? undefined : results.get(key);
      if (known !== undefined) return known;
      if (this.strict && key !== undefined) {
        this.#pending.push({ fn: entry, doc, key });
        throw JS_DEFERRED;
      }
      const [r] = this.js.callSync({
        kind: "where",
        fn: code,
        items: [toSandbox(doc)],
        scope: wireScope,
        token: this.#token,
      }, { deadline: this.limits.deadline });
      const b = r === true;
      if (key !== undefined && results.size < PREFETCH_MAX) results.set(key, b);
      return b;
    };
  }

  /** `$where`s recorded by a strict round and not run yet. */
  get waiting(): boolean {
    return this.#pending.length > 0;
  }

  /** Forgets the recorded `$where`s (a strict round will record them again). */
  dropPending(): void {
    this.#pending = [];
  }

  /** Runs the recorded `$where`s on the batch lane (awaited) and remembers their results. */
  async settlePending(): Promise<void> {
    const todo = this.#pending;
    this.#pending = [];
    for (const p of todo) {
      if (p.fn.results.has(p.key)) continue;
      // past the prefetch's cap the remembered results start over (a forgotten one is asked again)
      if (p.fn.results.size >= PREFETCH_MAX) p.fn.results.clear();
      const [r] = await this.js.run({
        kind: "where",
        fn: p.fn.code,
        items: [toSandbox(p.doc)],
        scope: p.fn.scope ? wireScopeOf(p.fn.scope) : undefined,
        token: this.#token,
      }, { deadline: this.limits.deadline, signal: this.limits.signal });
      p.fn.results.set(p.key, r === true);
    }
  }

  /** How many of `docs` every `$where` is known to accept. */
  countAllTrue(docs: readonly Doc[]): number {
    let n = 0;
    for (const d of docs) {
      const k = docKey(d);
      if (k !== undefined && this.fns.every((fn) => fn.results.get(k) === true)) n++;
    }
    return n;
  }

  /** Evaluates every `$where` of the filter for `docs` on the batch lane (not blocking the event loop). */
  async prefetch(docs: readonly Doc[]): Promise<void> {
    const keyed = docs.map((d) => ({ d, k: docKey(d) })).filter((x) => x.k !== undefined);
    for (const fn of this.fns) {
      const todo = keyed.filter((x) => !fn.results.has(x.k as string));
      if (todo.length === 0 || fn.results.size >= PREFETCH_MAX) continue;
      if (fn.pred) {
        await this.#prefetchExpr(fn, fn.pred, todo);
        continue;
      }
      const out = await this.js.run({
        kind: "where",
        fn: fn.code,
        items: todo.map((x) => toSandbox(x.d)),
        scope: fn.scope ? wireScopeOf(fn.scope) : undefined,
        token: this.#token,
      }, { deadline: this.limits.deadline, signal: this.limits.signal });
      todo.forEach((x, i) => fn.results.set(x.k as string, out[i] === true));
    }
  }

  /**
   * An `$expr` calling `$function`, evaluated for each document in rounds (engine/aggregate/js_defer.ts):
   * a call with no answer ends the round and runs awaited on the batch lane, then the document is
   * evaluated again. A document whose evaluation fails is left to the query (it reports the error).
   */
  async #prefetchExpr(fn: WhereFn, pred: DocPred, todo: readonly { d: Doc; k: string | undefined }[]) {
    const d = this.host?.deferred;
    if (!d) return;
    for (const x of todo) {
      let value = false;
      let ok = false;
      try {
        for (let round = 0; round < MAX_ROUNDS; round++) {
          d.begin(false);
          let failed = false;
          try {
            value = pred(x.d);
          } catch {
            failed = true;
          }
          if (!d.end()) {
            ok = !failed;
            break;
          }
          await d.settle();
        }
      } finally {
        d.forget();
      }
      if (ok) fn.results.set(x.k as string, value);
    }
  }
}

function wireScopeOf(scope: Record<string, unknown>): Record<string, unknown> {
  return toSandbox(scope) as Record<string, unknown>;
}

/** True if the filter uses `$where` anywhere a filter may hold it. */
export function hasWhere(filter: unknown): boolean {
  if (!isDocument(filter)) return false;
  // (Object.keys, not Object.entries: this runs for every write statement, no pair array per field)
  for (const k of Object.keys(filter)) {
    const v = filter[k];
    if (isJsEntry(k, v)) return true;
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
    if (isJsEntry(k, v)) continue;
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
export interface JsParts {
  readonly where: WhereRunner;
  readonly js: JsHost;
  /** The executor's async pulls run the filter's calls for documents not prefetched awaited. */
  readonly jsRounds: ExecutorJsRounds & { readonly used: boolean };
}

export function jsQueryParts(ctx: RequestContext): JsParts {
  // deferrable: the prefetch awaits an `$expr`'s `$function` calls, the executor's async pulls the rest
  const js = jsHost(ctx.js, ctx.control, { deferrable: true });
  const where = new WhereRunner(ctx.js, ctx.control, js);
  return { where, js, jsRounds: new ReadRounds(js.deferred!, where) };
}

/**
 * The filter's JavaScript in the executor's async pulls (executor/query.ts `JsRounds`): a document the
 * prefetch did not see (written after it, or past `PREFETCH_MAX`) makes the pull stop at it instead
 * of calling inline (the runner is strict, the host's deferral records); the source settles the
 * calls awaited and matches the document again. Inactive (no cost) when the filter has no JavaScript.
 */
class ReadRounds implements ExecutorJsRounds {
  #active = false;

  constructor(private readonly d: JsDeferral, private readonly where: WhereRunner) {}

  /** The filter calls JavaScript (its `$where` / `$expr` functions are registered when it compiles). */
  get used(): boolean {
    return this.where.fns.length > 0;
  }

  begin(): void {
    this.#active = this.used;
    if (!this.#active) return;
    this.d.begin(false);
    this.where.strict = true;
  }

  end(deferred: boolean): void {
    if (!this.#active) return;
    this.#active = false;
    this.where.strict = false;
    this.d.end();
    if (!deferred) this.consumed();
  }

  consumed(): void {
    this.d.forget(); // (inside a round: its answers; nothing is recorded yet)
    this.where.dropPending();
  }

  isDeferred(e: unknown): boolean {
    return e === JS_DEFERRED;
  }

  async settle(): Promise<void> {
    if (this.d.waiting) await this.d.settle();
    await this.where.settlePending();
  }
}

/**
 * The `$where` support of one write statement (update, delete, findAndModify, a bulkWrite op), its
 * `$where`s evaluated beforehand for the candidate documents on the batch lane (awaited: the event
 * loop keeps serving and maxTimeMS applies), so the synchronous write that follows finds each result
 * remembered. `stopAfter` as in `prefetchWhere` (1 for a single-document write without sort).
 */
export async function prefetchedJsParts(
  ctx: RequestContext,
  coll: CollectionEntry | undefined,
  filter: Doc | undefined,
  collation: Doc | undefined,
  variables: Doc | undefined,
  stopAfter?: number,
): Promise<JsParts> {
  const parts = jsQueryParts(ctx);
  if (!coll || !filter || !hasWhere(filter) || !ctx.js.enabled) return parts;
  try {
    // registers the filter's $where functions (the write compiles the same filter with these parts)
    compileQuery({
      filter,
      ...(collation ? { collation } : {}),
      ...(variables ? { variables } : {}),
      ...parts,
    }, coll);
  } catch {
    return parts; // the write compiles the filter again and reports the error there
  }
  await prefetchWhere(ctx, coll, filter, collation, parts.where, stopAfter, variables);
  return parts;
}

/** True when every `$where` of `filter` is a top-level conjunct (candidate ∧ all true ⇒ match). */
function whereOnlyConjunctive(filter: Doc): boolean {
  for (const [k, v] of Object.entries(filter)) {
    if ((k === "$or" || k === "$nor") && Array.isArray(v) && v.some(hasWhere)) return false;
    if (k === "$and" && Array.isArray(v)) {
      for (const x of v) {
        if (
          isDocument(x) && hasWhere(x) &&
          !(Object.keys(x).length === 1 && isJsEntry(...(Object.entries(x)[0] as [string, unknown])))
        ) return false;
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
  variables?: Doc,
): Promise<void> {
  if (where.fns.length === 0 || !filter) return;
  const enough = stopAfter !== undefined && whereOnlyConjunctive(filter) ? stopAfter : Infinity;
  const q = compileQuery({
    filter: withoutWhere(filter),
    ...(collation ? { collation } : {}),
    ...(variables ? { variables } : {}),
  }, coll);
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
