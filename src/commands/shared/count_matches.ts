/**
 * Counting a collection's matches for `count` and for the pipeline drivers send for countDocuments
 * (`$match`, `$skip`, `$limit`, `$group {_id: <constant>, n: {$sum: 1}}`): from the index entries alone
 * (COUNT_SCAN, executor/count_scan.ts) when the plan's bounds answer the whole filter, else by reading
 * the matching records (their stored bytes, never re-encoded). Skip and limit apply; the walk stops at
 * `skip + limit` entries.
 * Records the plan summary and the examined figures (profiler, slow-query line).
 */
import type { RequestContext } from "../context.ts";
import type { Doc } from "../spec.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import { QuerySource } from "../../executor/query.ts";
import { countIndexEntries, countScanOf } from "../../executor/count_scan.ts";
import { compileQuery } from "./compile_query.ts";
import { jsQueryParts, prefetchWhere } from "./where.ts";
import { recordExamined, recordPlan } from "./read_figures.ts";
import { countScanSummary } from "./plan_summary.ts";
import { recordPlanAccess } from "../../executor/index_usage.ts";

export interface CountParts {
  readonly filter?: Doc | undefined;
  readonly skip: number;
  /** 0: no limit. */
  readonly limit: number;
  readonly hint?: unknown;
  readonly collation?: Doc | undefined;
  /** `let` variables (for `$expr` in the filter). */
  readonly variables?: Doc | undefined;
  /**
   * The plan summary of an index-only count: `count`'s COUNT_SCAN, or the covered IXSCAN an aggregate's
   * query layer reports (mongod has no COUNT_SCAN in a pipeline).
   */
  readonly indexOnly: "COUNT_SCAN" | "IXSCAN";
}

export async function countMatches(
  ctx: RequestContext<unknown>,
  coll: CollectionEntry,
  p: CountParts,
): Promise<number> {
  if (
    (p.filter === undefined || Object.keys(p.filter).length === 0) &&
    (p.hint === undefined || p.hint === null)
  ) {
    // every document: the collection's count (a hint is planned: a sparse or partial index counts what it holds)
    const n = Math.max(0, ctx.storage.read((txn) => txn.count(coll)) - p.skip);
    return p.limit > 0 ? Math.min(n, p.limit) : n;
  }
  const js = jsQueryParts(ctx);
  const q = compileQuery(
    {
      filter: p.filter,
      skip: p.skip,
      limit: p.limit,
      hint: p.hint,
      collation: p.collation,
      variables: p.variables,
      ...js,
    },
    coll,
    { exactBounds: true, noTableScan: ctx.tableScans.refused, trial: { storage: ctx.storage } },
  );
  const scan = countScanOf(q);
  if (scan) {
    if (p.indexOnly === "COUNT_SCAN") ctx.opStats.planSummary = countScanSummary(scan.keyPattern);
    else recordPlan(ctx, coll, scan);
    recordPlanAccess(coll, scan);
    const stats = { keysExamined: 0 };
    let n: number;
    try {
      const max = p.limit > 0 ? p.skip + p.limit : Infinity;
      n = await countIndexEntries(ctx.storage, coll, scan, ctx.control, stats, max);
    } finally {
      ctx.opStats.keysExamined = stats.keysExamined;
      ctx.opStats.docsExamined = 0;
    }
    n = Math.max(0, n - p.skip);
    return p.limit > 0 ? Math.min(n, p.limit) : n;
  }
  await prefetchWhere(ctx, coll, p.filter, p.collation, js.where);
  const source = new QuerySource(ctx.storage, coll, q);
  recordPlan(ctx, coll, q.access);
  try {
    return await countRead(ctx, source); // (the source applies skip and limit)
  } finally {
    recordExamined(ctx, source);
  }
}

/** No field of a match is read beyond the filter's: the scan projects records to those (query.ts). */
const NO_FIELDS: ReadonlySet<string> = new Set();

/** Drains `source`, counting its matches; only the filter's fields of each record are read. */
async function countRead(ctx: RequestContext<unknown>, source: QuerySource): Promise<number> {
  let n = 0;
  try {
    for (;;) {
      // ctx.control: maxTimeMS + cooperative yielding (docs/concurrency.md)
      const { docs, done } = await source.nextDocsAsync(10_000, ctx.control, NO_FIELDS);
      n += docs.length;
      if (done) return n;
    }
  } finally {
    source.close();
  }
}
