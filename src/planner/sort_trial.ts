/**
 * sort_trial.ts — the choice between a plan that sorts its matches (a blocking SORT) and one whose
 * index gives the requested order, which only the data can decide. PURE.
 *
 * mongod's multi-planner runs its candidate plans side by side for a trial period — at most
 * max(10,000, 0.3 × the collection's records) works (internalQueryPlanEvaluationWorks,
 * internalQueryPlanEvaluationCollFraction), ending early when a plan reaches EOF or returns its first
 * results (internalQueryPlanEvaluationMaxResults, 101, or the find's smaller limit / batch size).
 * A plan under a blocking sort returns nothing before its input ends, so `{status: "a"}` sorted by
 * `{createdAt: -1}` with an index on each takes the `createdAt` index whenever the status index holds
 * more entries than a trial lets it read, or more than the ordered scan needs to find its first
 * results; a selective status keeps its index and sorts.
 *
 * Our static ranking (index_plan.ts) always prefers the bounded index; this module names the pair to
 * race (`sortTrialPair`) and the trial's limits, and the executor runs the race on the data
 * (executor/sort_trial.ts): the blocking plan's entries are counted (up to the trial's length), and
 * the ordered plan is walked for as many entries to see whether it finds its first results first.
 */
import type { AccessPath, IxScanPath, OrPath, PlanChoice } from "./plan.ts";

/** mongod's trial period: internalQueryPlanEvaluationWorks. */
export const TRIAL_WORKS = 10_000;
/** …or this fraction of the collection's records, when more (internalQueryPlanEvaluationCollFraction). */
export const TRIAL_COLL_FRACTION = 0.3;
/** Results that end a trial: internalQueryPlanEvaluationMaxResults. */
export const TRIAL_MAX_RESULTS = 101;

/**
 * The plans a sort's trial races: the chosen plan, which sorts (an index scan, or an OR of them whose
 * branches are not merged in the order), and the best one giving the order.
 */
export interface SortTrialPair {
  readonly blocking: IxScanPath | OrPath;
  readonly ordered: IxScanPath;
}

export interface SortTrialInput {
  readonly sort?: unknown;
  readonly hint?: unknown;
  readonly min?: unknown;
  readonly max?: unknown;
}

/** Does the sort name a field (not `$natural` alone, not empty)? */
function sortsByField(sort: unknown): boolean {
  if (!sort || typeof sort !== "object" || Array.isArray(sort)) return false;
  for (const k in sort) if (Object.hasOwn(sort, k) && k !== "$natural") return true;
  return false;
}

/**
 * The pair to race for `choice`, or undefined when there is no such choice: no sort, a hint or
 * min/max (one plan), a winner that is not an index scan or an OR (IDHACK, text, geo, collection
 * scan) or already gives the order (SORT_MERGE), or no rejected index scan that gives it. An OR under
 * a blocking sort races as mongod's multi-planner runs it against the scan of an index giving the
 * order with the whole `$or` as its filter: `{$or: [{owner}, {status}]}` sorted by `{createdAt: -1}`
 * keeps its OR while the branches hold few entries, and takes the ordered scan when they hold most
 * of the collection.
 */
export function sortTrialPair(choice: PlanChoice, input: SortTrialInput): SortTrialPair | undefined {
  if (!sortsByField(input.sort)) return undefined;
  if (
    (input.hint !== undefined && input.hint !== null) || input.min !== undefined || input.max !== undefined
  ) {
    return undefined;
  }
  const best = choice.access;
  if (best.kind === "or") {
    if (best.sortMerge !== undefined) return undefined;
  } else if (best.kind !== "ixScan" || best.providesSort || best.text !== undefined) return undefined;
  const ordered = choice.rejected.find((p): p is IxScanPath =>
    p.kind === "ixScan" && p.providesSort && p.text === undefined
  );
  return ordered === undefined ? undefined : { blocking: best, ordered };
}

/**
 * A shape's last race: which plan won and the entries that decided it — the ordered plan's entries
 * walked to its results (`ordered`), or the sorting plan's entries (not). The next query of the
 * shape keeps the winner without a walk while the sorting plan's entries still say so: more than
 * `works` of them (the ordered plan would find its results first again), or at most
 * RACE_REPLAN_FACTOR × `works` (mongod keeps a cached plan until it takes ten times its works).
 */
export interface RaceMemo {
  readonly ordered: boolean;
  readonly works: number;
  /** The winner's index (what `$planCacheStats` shows as the shape's cached plan). */
  readonly indexName?: string;
}

/** mongod's internalQueryCacheEvictionRatio: a cached plan is replanned past this many times its works. */
export const RACE_REPLAN_FACTOR = 10;

/** The trial's length in works for a collection of `records` records. */
export function trialWorks(records: number): number {
  return Math.max(TRIAL_WORKS, Math.floor(TRIAL_COLL_FRACTION * records));
}

/** The results that end a trial: 101, or the find's limit or batch size when smaller (0: none). */
export function trialResults(limit: number | undefined, batchSize: number | undefined): number {
  let n = TRIAL_MAX_RESULTS;
  if (limit !== undefined && limit !== 0) n = Math.min(n, Math.abs(limit));
  if (batchSize !== undefined && batchSize > 0) n = Math.min(n, batchSize);
  return Math.max(1, n);
}

/** `choice` with the ordered plan chosen: the blocking one first among the rejected. */
export function chooseOrdered(choice: PlanChoice, pair: SortTrialPair): PlanChoice {
  const rejected: AccessPath[] = [pair.blocking];
  for (const p of choice.rejected) if (p !== pair.ordered) rejected.push(p);
  return { access: pair.ordered, rejected };
}
