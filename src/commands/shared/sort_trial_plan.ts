/**
 * sort_trial_plan.ts — a query's plan after the sort's trial (planner/sort_trial.ts): when the static
 * ranking chose an index scan whose matches must be sorted and another index gives the order, the
 * race runs on the data (sort_trial_race.ts) and the winner is the plan, the other rejected, as
 * mongod's multi-planner would have it.
 */
import type { StorageEngine } from "../../storage/api.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { PlanChoice } from "../../planner/plan.ts";
import { chooseOrdered, type RaceMemo, sortTrialPair, trialResults } from "../../planner/sort_trial.ts";
import { raceOrderedPlan } from "./sort_trial_race.ts";
import { filterTopFields, type Matcher } from "../../engine/mod.ts";
import type { QueryParts } from "./query_parts.ts";

/** The parts of a query the trial reads. */
type TrialParts = Pick<QueryParts, "filter" | "sort" | "hint" | "min" | "max" | "limit">;

/** What a command gives compileQuery to race plans on its data. */
export interface SortTrialData {
  readonly storage: StorageEngine;
  /** find's batchSize (the first batch ends a trial as a limit does). */
  readonly batchSize?: number | undefined;
}

/** Where a query shape's last race is kept (the plan cache's entry; absent: not cached). */
export interface RaceMemoSlot {
  get(): RaceMemo | undefined;
  set(memo: RaceMemo): void;
}

/** `planned`, or the ordered plan when it wins the sort's trial on `coll`'s data. */
export function raceSortPlans(
  planned: PlanChoice,
  parts: TrialParts,
  coll: CollectionEntry,
  trial: SortTrialData,
  matcher: () => Matcher | null,
  slot: RaceMemoSlot | undefined,
): PlanChoice {
  const pair = sortTrialPair(planned, parts);
  if (pair === undefined) return planned;
  const m = matcher();
  const memo = raceOrderedPlan(trial.storage, coll, pair, {
    match: m === null ? null : (d) => m.matches(d),
    readFields: parts.filter ? filterTopFields(parts.filter) ?? null : null,
    results: trialResults(parts.limit, trial.batchSize),
  }, slot?.get());
  const winner = memo.ordered ? pair.ordered : pair.blocking;
  slot?.set({ ...memo, ...(winner.kind === "or" ? {} : { indexName: winner.indexName }) });
  return memo.ordered ? chooseOrdered(planned, pair) : planned;
}
