/**
 * "The first (or last) document per key": a `$sort` the index gives, then a `$group` by the sort's
 * first field whose accumulators are all `$first`, or all `$last` (or none). Each group needs only one
 * document, its first or last in sort order, so the pipeline's input is that document per value of the
 * field — one index entry visited per value, then a seek past the rest (DISTINCT_SCAN,
 * executor/distinct_scan.ts; mongod 8.0 rewrites these patterns the same way, flipping the walk for
 * `$last`) — instead of every document. The `$group` and what follows run as written on that input.
 *
 * The walk goes the index scan's way for `$first` and against it for `$last` (each value's last entry
 * in scan order is then met first). Ties in the sort are in index order (key, then record id), which
 * is the order the `$sort` gets its input in without the rewrite (the same index scan), so the same
 * document is chosen; a `$last` walk's groups are handed out reversed at its end, in sort order, as
 * the `$group` would emit them (first-seen order).
 *
 * Taken only where it is exact: the planner's index scan gives the whole sort (either direction),
 * leads with the field and is not multikey (one entry per document, its value); no collation (groups
 * compare strings under it, the index's binary bounds do not); no `$skip`/`$limit` before the group;
 * the field's path has no numeric part; `$first` and `$last` not mixed (one document cannot serve
 * both; mongod 8.0 does not mix them either, and `$top`/`$bottom` are not rewritten by 8.0). A residual
 * `$match` filter is applied to each visited document: a group's first (last) document is its first
 * (last) matching one.
 */
import type { Doc } from "../spec.ts";
import type { RequestContext } from "../context.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import type { IxScanPath } from "../../planner/plan.ts";
import type { ControlSlot } from "./pipeline_source.ts";
import { DistinctScan, plainValueAt } from "../../executor/distinct_scan.ts";
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
): FirstPerGroupPlan | undefined {
  const a = q.access;
  if (!sort || collated || a.kind !== "ixScan" || !a.providesSort || a.multikey) {
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
  const ops = new Set<string>();
  for (const [, acc] of entries.slice(1)) {
    if (!isPlainDoc(acc) || Object.keys(acc as Doc).length !== 1) return undefined;
    ops.add(Object.keys(acc as Doc)[0]!);
  }
  if (ops.size > 1 || (ops.size === 1 && !ops.has("$first") && !ops.has("$last"))) return undefined;
  return { path: a, field, last: ops.has("$last") };
}

/** The index scan walked, the group's field, and whether each group takes its last document. */
export interface FirstPerGroupPlan {
  readonly path: IxScanPath;
  readonly field: string;
  readonly last: boolean;
}

/**
 * The first (last) matching document of each value, in sort order, walked in slices of storage reads
 * with `PAUSE` markers when the command's control is due; records the plan and what it examined. A
 * `$last` walk goes against the sort and keeps its documents (one per group, as the `$group` would)
 * to hand them out reversed at its end.
 */
export function* firstPerGroupInput(
  ctx: RequestContext<unknown>,
  coll: CollectionEntry,
  plan: FirstPerGroupPlan,
  q: CompiledQuery,
  slot: ControlSlot,
): Generator<Doc> {
  ctx.opStats.planSummary = distinctScanSummary(plan.path.keyPattern);
  recordPlanAccess(coll, plan.path);
  const parts = plan.field.split(".");
  let ready: Doc[] = [];
  const kept: Doc[] = [];
  const scan = new DistinctScan(coll, plan.path, { fieldNo: 0, backward: plan.path.reverse !== plan.last }, {
    match: q.match,
    values: () => {},
    first: { valueOf: (d) => plainValueAt(d, parts), take: (d) => ready.push(d) },
  });
  const none = { push() {} };
  try {
    for (;;) {
      const done = ctx.storage.read((txn) => scan.step(txn, EXAMINE_PER_PULL, none));
      const out = ready;
      ready = [];
      if (plan.last) {
        for (const d of out) kept.push(d);
      } else {
        yield* out;
      }
      if (done) break;
      if (slot.current.dueNow()) yield PAUSE;
    }
    for (let i = kept.length - 1; i >= 0; i--) yield kept[i]!;
  } finally {
    ctx.opStats.keysExamined = scan.stats.keysExamined;
    ctx.opStats.docsExamined = scan.stats.docsExamined;
  }
}
