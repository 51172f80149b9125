/**
 * bounds_race.ts — the trial planner/bounds_trial.ts describes, run on the data in one storage read:
 * the chosen index scan's entries are counted in the shim up to the trial's length, then each other
 * candidate's up to half that; the first to hold fewer is the plan. A selective chosen plan (a few
 * entries) ends the trial at once. Costs index entries compared in the shim, never a record read.
 */
import type { CollectionEntry, StorageEngine } from "../../storage/api.ts";
import type { PlanChoice } from "../../planner/plan.ts";
import { boundsTrialCandidates, type BoundsTrialInput, chooseInstead } from "../../planner/bounds_trial.ts";
import { RACE_REPLAN_FACTOR, trialWorks } from "../../planner/sort_trial.ts";
import { entriesUpTo } from "./sort_trial_race.ts";

/** At most this many entries in the chosen plan's bounds: it is kept without counting the others. */
const FEW_ENTRIES = 64;

/** Where a query shape's trial outcome is kept (the plan cache's entry; absent: not cached). */
export interface BoundsMemoSlot {
  /** The index the last trial chose and the entries in its bounds then. */
  get(): { indexName: string; works: number } | undefined;
  /** Does the cache hold a winner for the shape (the plan may be that index alone)? */
  cached(): boolean;
  /** Counts a query planned from the winner: true when its entries are due a recount. */
  due(): boolean;
  set(indexName: string, works: number): void;
  /** The shape's plan from scratch, every candidate (to race again). */
  replan(): PlanChoice;
}

/**
 * `planned`, or another index scan whose bounds hold under half the entries on `coll`'s data. With
 * a slot: the shape's last winner is kept without a trial while its bounds hold at most
 * RACE_REPLAN_FACTOR times the entries they held (mongod's replanning of a cached plan), counted every
 * few queries; past that, or for a cached plan never tried, the shape is planned again and raced.
 */
export function raceBoundsPlans(
  planned: PlanChoice,
  input: BoundsTrialInput,
  coll: CollectionEntry,
  storage: StorageEngine,
  slot?: BoundsMemoSlot,
): PlanChoice {
  let choice = planned;
  const memo = slot?.get();
  const a = planned.access;
  if (slot !== undefined && memo !== undefined && a.kind === "ixScan" && a.indexName === memo.indexName) {
    if (!slot.due()) return planned;
    const limit = Math.max(FEW_ENTRIES, memo.works * RACE_REPLAN_FACTOR);
    if (storage.read((txn) => entriesUpTo(txn, coll, a, limit + 1)) <= limit) return planned;
    choice = slot.replan();
  } else if (slot !== undefined && planned.rejected.length === 0 && slot.cached()) {
    choice = slot.replan();
  }
  const c = boundsTrialCandidates(choice, input);
  if (c === undefined) return choice;
  const { best, n } = storage.read((txn) => {
    let best = c.chosen;
    let n = entriesUpTo(txn, coll, c.chosen, trialWorks(txn.count(coll)));
    if (n <= FEW_ENTRIES) return { best, n };
    for (const other of c.others) {
      const half = Math.floor(n / 2);
      const m = entriesUpTo(txn, coll, other, half);
      if (m < half) {
        best = other;
        n = m;
      }
    }
    return { best, n };
  });
  slot?.set(best.indexName, Math.max(1, n));
  return best === c.chosen ? choice : chooseInstead(choice, best);
}
