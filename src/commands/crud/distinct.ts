/**
 * distinct: the distinct values of `key` over the documents matching `query`, as mongod: arrays at
 * the end of the path are unwound one level (nested arrays stay values), missing fields contribute
 * nothing, values come back in BSON order (under the collation, which also decides equality; the
 * first value met of an equal group is kept), and a result over 16 MiB fails with 17217.
 */
import { recordExamined, recordPlan } from "../shared/read_figures.ts";
import { effectiveCollation } from "../shared/default_collation.ts";
import { viewOf } from "../aggregate/view_source.ts";
import { distinctOnView } from "./on_view.ts";
import { BSON } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues } from "../../bson/compare.ts";
import { QuerySource } from "../../executor/query.ts";
import { makeStringComparator, splitPath, visitPathValues } from "../../engine/mod.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, doc, ignored, optional, type Parsed, parseShape, required, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { compileQuery, indexInfos } from "../shared/compile_query.ts";
import {
  chooseDistinctScan,
  type DistinctScanPlan,
  distinctScansOver,
  planDistinctScan,
} from "../../planner/distinct_plan.ts";
import { entriesUpTo } from "../shared/sort_trial_race.ts";
import { planQuery } from "../../planner/find_plan.ts";
import { DistinctScan } from "../../executor/distinct_scan.ts";
import { recordPlanAccess } from "../../executor/index_usage.ts";
import { EXAMINE_PER_PULL } from "../../executor/query.ts";
import { distinctScanSummary } from "../shared/plan_summary.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import type { IxScanPath } from "../../planner/plan.ts";
import type { CollectionEntry, StorageEngine } from "../../storage/api.ts";
import { jsQueryParts, prefetchWhere } from "../shared/where.ts";
import { findCollection } from "../shared/namespace.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { LIMITS } from "../../limits.ts";

const FIELDS = {
  key: required(str),
  query: optional(doc),
  collation: optional(doc),
  hint: optional(any),
  rawData: ignored,
  mirrored: ignored,
  sampleId: ignored,
} as const;

export type DistinctParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseDistinct(body: Doc): DistinctParams {
  return {
    ...parseShape("distinct", body, FIELDS, { skip: "distinct", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("distinct", body),
  };
}

/**
 * The values met so far, in the order met, each string, number, boolean or null kept once (the first
 * met): distinct sorts and de-duplicates them at its end (under the collation, across BSON number
 * types), so a scan of many documents holds about one entry per value, not one per document.
 */
export class FoundValues {
  readonly list: unknown[] = [];
  readonly #seen = new Set<unknown>();
  push(v: unknown): void {
    const t = typeof v;
    if (t === "string" || t === "number" || t === "boolean" || v === null) {
      if (this.#seen.has(v)) return;
      this.#seen.add(v);
    }
    this.list.push(v);
  }
}

/** The values `path` contributes from one document (distinct's unwinding rules). */
export function distinctValues(doc: Doc, parts: readonly string[], out: { push(v: unknown): void }): void {
  visitPathValues(doc, parts, (v, isElem) => {
    if (v === undefined) return false;
    if (Array.isArray(v) && !isElem) return false;
    out.push(v);
    return false;
  });
}

async function run(ctx: RequestContext<DistinctParams>): Promise<Doc> {
  const { collection, key, query, collation, hint } = ctx.params;
  if (key.includes("\0")) {
    throw new CommandError(Location.DistinctKeyNul, "Key field cannot contain an embedded null byte");
  }
  const coll = findCollection(ctx, collection);
  const js = jsQueryParts(ctx);
  const q = compileQuery({ filter: query, hint, collation, ...js }, coll, {
    noTableScan: ctx.tableScans.refused,
    trial: { storage: ctx.storage },
  });
  const strCmp = makeStringComparator(effectiveCollation(collation, coll));
  const view = coll ? undefined : viewOf(ctx, collection);
  if (!coll && !view) return { values: [], ok: 1 };
  const parts = splitPath(key);
  const found = new FoundValues();
  if (!coll) {
    const values = await distinctOnView(ctx, collection, key, { query, hint, collation });
    return sortedDistinct(values, strCmp);
  }
  await prefetchWhere(ctx, coll, query, collation, js.where); // $where on the batch lane, not inline
  const walk = distinctScanFor(coll, q, key, { query, hint, collation }, ctx.storage);
  if (walk) {
    ctx.opStats.planSummary = distinctScanSummary(walk.path.keyPattern);
    recordPlanAccess(coll, walk.path);
    try {
      await runDistinctScan(ctx, walk.scan, found);
    } finally {
      ctx.opStats.keysExamined = walk.scan.stats.keysExamined;
      ctx.opStats.docsExamined = walk.scan.stats.docsExamined;
    }
    return sortedDistinct(found.list, strCmp);
  }
  const source = new QuerySource(ctx.storage, coll, q);
  recordPlan(ctx, coll, q.access);
  // only the key's top-level field of each match is decoded (a document's other fields are never read)
  const fields = new Set([parts[0]!]);
  try {
    for (;;) {
      const { docs, done } = await source.nextDocsAsync(10_000, ctx.control, fields); // maxTimeMS + yielding
      for (const d of docs) distinctValues(d, parts, found);
      if (done) break;
    }
  } finally {
    source.close();
    recordExamined(ctx, source);
  }
  return sortedDistinct(found.list, strCmp);
}

/**
 * The index walk (DISTINCT_SCAN) a distinct on `key` makes instead of reading every matching document,
 * when the planner says it is exact (planner/distinct_plan.ts); not for a filter calling JavaScript.
 * With `storage` (and a filter, no hint, the simple collation), a walk over another index holding the
 * key is taken when its bounds hold no more entries than the chosen plan's (`otherDistinctScan`).
 */
export function distinctScanFor(
  coll: CollectionEntry,
  q: CompiledQuery,
  key: string,
  parts: { readonly query?: Doc | undefined; readonly hint?: unknown; readonly collation?: Doc | undefined },
  storage?: StorageEngine,
): { readonly path: IxScanPath; readonly scan: DistinctScan } | undefined {
  if (q.jsRounds !== undefined) return undefined;
  const filterEmpty = parts.query === undefined || Object.keys(parts.query).length === 0;
  const hinted = parts.hint !== undefined && parts.hint !== null;
  const infos = indexInfos(coll);
  const plan = planDistinctScan(key, q.access, infos, { filterEmpty, hinted }) ??
    (storage && !filterEmpty && !hinted && effectiveCollation(parts.collation, coll) === undefined
      ? otherDistinctScan(storage, coll, q, key, parts.query!, infos)
      : undefined);
  if (!plan) return undefined;
  const { path, fieldNo } = plan;
  const keyParts = splitPath(key);
  // each visited document is decoded as far as the key, the index fields before it and the filter go
  const filterFields = q.match === null ? [] : q.readFields ? [...q.readFields] : null;
  const fields = filterFields === null ? undefined : new Set([
    keyParts[0]!,
    ...Object.keys(path.keyPattern).slice(0, fieldNo).map((f) => f.split(".")[0]!),
    ...filterFields,
  ]);
  const scan = new DistinctScan(coll, path, { fieldNo }, {
    match: q.match,
    values: (d, out) => distinctValues(d, keyParts, out),
    fields,
  });
  return { path, scan };
}

/**
 * Entries counted of each plan when a walk over another index is weighed: a count costs a few
 * µs an entry, so a plan holding more counts as "many" (then the walk is taken).
 */
const DISTINCT_COUNT_CAP = 1000;

/**
 * A walk over another index holding the key (the filter planned again over those indexes:
 * `distinctScansOver`), when the entries say it costs no more than the chosen plan (`chooseDistinctScan`).
 */
function otherDistinctScan(
  storage: StorageEngine,
  coll: CollectionEntry,
  q: CompiledQuery,
  key: string,
  filter: Doc,
  infos: ReturnType<typeof indexInfos>,
): DistinctScanPlan | undefined {
  const chosen = q.access;
  if (chosen.kind !== "ixScan" && chosen.kind !== "or" && chosen.kind !== "collScan") return undefined;
  if (chosen.kind === "ixScan" && chosen.text !== undefined) return undefined;
  // the filter planned over the indexes holding the key (the chosen plan may come from the plan
  // cache, planned over its winner alone)
  const holding = infos.filter((i) => !i.hidden && Object.hasOwn(i.key, key));
  if (holding.length === 0) return undefined;
  const keyPlans = planQuery({ filter, indexes: holding });
  const plans = distinctScansOver(key, [keyPlans.access, ...keyPlans.rejected], infos);
  if (plans.length === 0) return undefined;
  return storage.read((txn) => {
    const cap = DISTINCT_COUNT_CAP;
    const chosenEntries = chosen.kind === "collScan" ? cap : entriesUpTo(txn, coll, chosen, cap);
    const limit = Math.min(cap, chosenEntries + 1);
    const counted = plans.map((plan) => ({ plan, entries: entriesUpTo(txn, coll, plan.path, limit) }));
    return chooseDistinctScan(counted, chosenEntries, cap);
  });
}

/** Runs the walk to its end in steps, yielding between them (deadline and kill checked there). */
export async function runDistinctScan(
  ctx: RequestContext<unknown>,
  scan: DistinctScan,
  out: { push(v: unknown): void },
): Promise<void> {
  while (!ctx.storage.read((txn) => scan.step(txn, EXAMINE_PER_PULL, out))) await ctx.control.checkpoint();
  ctx.control.check();
}

/** The distinct values in BSON order, duplicates (under the collation) removed, within 16 MiB. */
function sortedDistinct(found: unknown[], strCmp: ReturnType<typeof makeStringComparator>): Doc {
  const sorted = found.map((v, i) => ({ v, i })).sort((a, b) => compareValues(a.v, b.v, strCmp) || a.i - b.i);
  const values: unknown[] = [];
  let bytes = 0;
  for (const { v } of sorted) {
    if (values.length > 0 && compareValues(values[values.length - 1], v, strCmp) === 0) continue;
    values.push(v);
    bytes += BSON.calculateObjectSize({ v }) - 5;
    if (bytes > LIMITS.maxBsonObjectSize) {
      throw new CommandError(Location.DistinctTooBig, "distinct too big, 16mb cap");
    }
  }
  return { values, ok: 1 };
}

function explain(p: DistinctParams): ExplainShape {
  return {
    coll: p.collection,
    parts: { filter: p.query, hint: p.hint, collation: p.collation },
    distinctKey: p.key,
  };
}

export const distinct = defineCommand<DistinctParams>({
  name: "distinct",
  help: "distinct values of a field: {distinct: <coll>, key, query, collation, hint}",
  auth: "find",
  parse: parseDistinct,
  run,
  explain,
});
