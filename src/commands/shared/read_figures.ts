/**
 * The figures the profiler and the slow-query line show of a command's read through a query source
 * (mongod's planSummary, keysExamined, docsExamined), recorded in the request's `opStats`.
 */
import type { RequestContext } from "../context.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { AccessPath } from "../../planner/plan.ts";
import type { ExecStats } from "../../executor/compiled_query.ts";
import { isClustered } from "../../executor/clustered.ts";
import { planSummary } from "./plan_summary.ts";

/**
 * The plan of the read (known once planned: a failed run still shows it). An index scan's text is made
 * when read (few operations are profiled or logged); a collection scan's is set (`top` counts those).
 */
export function recordPlan(ctx: RequestContext<unknown>, coll: CollectionEntry, access: AccessPath): void {
  ctx.opStats.planSummary = access.kind === "ixScan" || access.kind === "or"
    ? () => planSummary(access, isClustered(coll))
    : planSummary(access, isClustered(coll));
}

/** What the read examined so far (call when it has run, or stopped). */
export function recordExamined(ctx: RequestContext<unknown>, source: { readonly stats: ExecStats }): void {
  const s = ctx.opStats;
  s.keysExamined = source.stats.keysExamined;
  s.docsExamined = source.stats.docsExamined;
}
