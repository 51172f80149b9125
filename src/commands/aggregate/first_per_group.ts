/**
 * "The first document per key": a `$sort` the index gives, then a `$group` by the sort's first field
 * whose accumulators are all `$first`. Each group needs only its first document in sort order, so the
 * pipeline's input is that document per value of the field — one index entry visited per value, then a
 * seek past the rest (DISTINCT_SCAN, executor/distinct_scan.ts; mongod rewrites this pattern the same
 * way) — instead of every document. The `$group` and what follows run as written on that input.
 *
 * Taken only where it is exact: the planner's index scan gives the whole sort forward, leads with the
 * field and is not multikey (one entry per document, its value); no collation (groups compare strings
 * under it, the index's binary bounds do not); no `$skip`/`$limit` before the group; the field's path
 * has no numeric part. A residual `$match` filter is applied to each visited document: a group's
 * first document is its first matching one.
 */
import type { Doc } from "../spec.ts";
import type { RequestContext } from "../context.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import type { IxScanPath } from "../../planner/plan.ts";
import type { ControlSlot } from "./pipeline_source.ts";
import { DistinctScan } from "../../executor/distinct_scan.ts";
import { EXAMINE_PER_PULL } from "../../executor/query.ts";
import { recordPlanAccess } from "../../executor/index_usage.ts";
import { PAUSE } from "../../engine/mod.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { distinctScanSummary } from "../shared/plan_summary.ts";

/** The index scan whose first document per value feeds the `$group` at `stages[at]`, if it can. */
export function firstPerGroupPlan(
  stages: readonly unknown[],
  at: number,
  sort: Doc | undefined,
  q: CompiledQuery,
  collated: boolean,
): { readonly path: IxScanPath; readonly field: string } | undefined {
  const a = q.access;
  if (!sort || collated || a.kind !== "ixScan" || !a.providesSort || a.reverse || a.multikey) {
    return undefined;
  }
  if (a.text !== undefined || q.sort !== null || q.jsRounds !== undefined || q.rowMeta) return undefined;
  const field = Object.keys(sort)[0];
  if (field === undefined || Object.keys(a.keyPattern)[0] !== field) return undefined;
  if (field.split(".").some((p) => p === "" || /^\d+$/.test(p))) return undefined;
  const stage = stages[at];
  if (!isPlainDoc(stage) || Object.keys(stage as Doc).length !== 1) return undefined;
  const spec = (stage as Doc)["$group"];
  if (!isPlainDoc(spec)) return undefined;
  const entries = Object.entries(spec as Doc);
  if (entries[0]?.[0] !== "_id" || entries[0][1] !== `$${field}`) return undefined;
  for (const [, acc] of entries.slice(1)) {
    if (!isPlainDoc(acc) || Object.keys(acc as Doc).length !== 1 || Object.keys(acc as Doc)[0] !== "$first") {
      return undefined;
    }
  }
  return { path: a, field };
}

/** The value at a dotted path through documents (undefined when missing; the index is not multikey). */
function valueAt(doc: Doc, parts: readonly string[]): unknown {
  let v: unknown = doc;
  for (const p of parts) {
    if (!isPlainDoc(v)) return undefined;
    v = (v as Doc)[p];
  }
  return v;
}

/**
 * The first matching document of each value, in index order, walked in slices of storage reads with
 * `PAUSE` markers when the command's control is due; records the plan and what it examined.
 */
export function* firstPerGroupInput(
  ctx: RequestContext<unknown>,
  coll: CollectionEntry,
  plan: { readonly path: IxScanPath; readonly field: string },
  q: CompiledQuery,
  slot: ControlSlot,
): Generator<Doc> {
  ctx.opStats.planSummary = distinctScanSummary(plan.path.keyPattern);
  recordPlanAccess(coll, plan.path);
  const parts = plan.field.split(".");
  let ready: Doc[] = [];
  const scan = new DistinctScan(coll, plan.path, { fieldNo: 0 }, {
    match: q.match,
    values: () => {},
    first: { valueOf: (d) => valueAt(d, parts), take: (d) => ready.push(d) },
  });
  const none = { push() {} };
  try {
    for (;;) {
      const done = ctx.storage.read((txn) => scan.step(txn, EXAMINE_PER_PULL, none));
      const out = ready;
      ready = [];
      yield* out;
      if (done) return;
      if (slot.current.dueNow()) yield PAUSE;
    }
  } finally {
    ctx.opStats.keysExamined = scan.stats.keysExamined;
    ctx.opStats.docsExamined = scan.stats.docsExamined;
  }
}
