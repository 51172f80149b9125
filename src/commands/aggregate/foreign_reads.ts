/**
 * Reads of other collections for `$lookup`, `$graphLookup` and `$unionWith` (the pipeline's injected
 * `resolveCollection` and `lookupByValues`).
 *
 * - `readForeign`: every document of a collection (or view), lazily, one storage slice of 1,000 at a
 *   time, so a stage that pauses between documents lets other clients run and `maxTimeMS` fire while
 *   it reads a large foreign collection (it used to be read whole in one synchronous call).
 * - `lookupByValues` (and `streamByValues`, read as pulled): the documents whose `field` equals one of
 *   `values` (query `$in` semantics),
 *   through an index on `field` — what mongod's indexed nested-loop `$lookup` does — or `undefined`
 *   when no index serves it (the stage then reads the collection once and hash-joins).
 *
 * A view's pipeline runs with the aggregate's JavaScript host: its `$function` calls are deferred
 * (engine/aggregate/js_defer.ts) and its `PAUSE` markers reach the reading stage, which passes them out
 * to the cursor that settles them.
 */
import { compileFilter, compilePipeline, PAUSE, withoutPauses } from "../../engine/mod.ts";
import type { JsHost } from "../../engine/expression/types.ts";
import { jsHost } from "../../engine/js/host.ts";
import { QuerySource } from "../../executor/query.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../spec.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { defaultCollation } from "../shared/default_collation.ts";
import { findCollection } from "../shared/namespace.ts";
import { viewOf } from "./view_source.ts";
import { isRegexValue } from "../../engine/query/regex.ts";

/** Documents per storage slice of a foreign read. */
const SLICE_DOCS = 1000;

/** Every document of another collection (or view) of the same database, read lazily. */
export function readForeign(ctx: RequestContext, name: string, js?: JsHost): Iterable<Doc> {
  const coll = findCollection(ctx, name);
  if (coll) return slices(new QuerySource(ctx.storage, coll, compileQuery({}, coll)));
  const view = viewOf(ctx, name);
  if (!view) return [];
  const viewPipeline = compilePipeline(view.pipeline as Doc[], {
    ...(view.collation ? { collation: view.collation } : {}),
    now: new Date(),
    resolveCollection: (other) => readForeign(ctx, other, js),
    js: js ?? jsHost(ctx.js, ctx.control),
  });
  let docs: Iterable<Doc> = readForeign(ctx, view.base, js);
  if (viewPipeline.leadingMatch) {
    const m = compileFilter(viewPipeline.leadingMatch, view.collation ? { collation: view.collation } : {});
    docs = filtered(docs, (d) => m.matches(d));
  }
  const out = viewPipeline.run(docs, { prefixApplied: false });
  // with the aggregate's deferrable host the markers go to the reading stage, which passes them out
  return js?.deferred ? out : withoutPauses(out);
}

function* filtered(docs: Iterable<Doc>, keep: (d: Doc) => boolean): Generator<Doc> {
  for (const d of docs) if (d === PAUSE || keep(d)) yield d;
}

/**
 * The source's documents (only `fields` decoded when given), one storage slice of SLICE_DOCS at a
 * time; closes the source at the end.
 */
function* slices(
  source: QuerySource,
  first = SLICE_DOCS,
  fields?: ReadonlySet<string> | null,
): Generator<Doc> {
  let n = first;
  try {
    for (;;) {
      const { docs, done } = source.nextDocs(n, fields);
      n = Math.min(SLICE_DOCS, n * 2);
      yield* docs;
      if (done) return;
    }
  } finally {
    source.close();
  }
}

/**
 * The documents of collection `name` whose `field` matches one of `values` as `{field: {$in: values}}`
 * does, in index order, when an index on `field` serves that query under the simple collation;
 * otherwise `undefined`. `fields`: only these top-level fields are decoded (null: whole documents).
 */
export function lookupByValues(
  ctx: RequestContext,
  name: string,
  field: string,
  values: readonly unknown[],
  fields?: ReadonlySet<string> | null,
  filter?: Doc,
): Doc[] | undefined {
  const source = byValuesSource(ctx, name, field, values, filter);
  return source ? [...slices(source, SLICE_DOCS, fields)] : undefined;
}

/**
 * `lookupByValues` read as the consumer pulls: slices of 16 documents, doubling up to SLICE_DOCS, so
 * a consumer that stops after a few (a sub-pipeline's `$limit`) fetches few.
 */
export function streamByValues(
  ctx: RequestContext,
  name: string,
  field: string,
  values: readonly unknown[],
  fields?: ReadonlySet<string> | null,
): Iterable<Doc> | undefined {
  const source = byValuesSource(ctx, name, field, values);
  return source ? slices(source, 16, fields) : undefined;
}

function byValuesSource(
  ctx: RequestContext,
  name: string,
  field: string,
  values: readonly unknown[],
  filter?: Doc,
): QuerySource | undefined {
  const coll = findCollection(ctx, name);
  if (!coll || defaultCollation(coll) !== undefined) return undefined;
  // One value (each outer document of a `let` equality, most of a localField's): `$eq` matches as
  // `$in` of it does (but for a regex, kept as `$in`), and through the plan cache its shape is planned
  // once — a plan template fills in the next value's bounds (planner/plan_template.ts), an `_id` is
  // IDHACK — instead of the indexes being ranked again for each outer document.
  const one = values.length === 1 && !isRegexValue(values[0]);
  // (a filter the joined documents must pass — a `$match` the `$lookup` took — goes in the query too)
  const also = (f: Doc) =>
    filter === undefined ? f : Object.hasOwn(filter, field) ? { $and: [f, filter] } : { ...f, ...filter };
  const q = one
    ? compileQuery({ filter: also({ [field]: { $eq: values[0] } }) }, coll)
    : compileQuery({ filter: also({ [field]: { $in: values } }) }, coll, { planCache: false });
  if (q.access.kind !== "ixScan" && q.access.kind !== "idLookup") return undefined;
  return new QuerySource(ctx.storage, coll, q);
}
