/**
 * sort_trial_race.ts — the race planner/sort_trial.ts names, run on the data in one storage read, as
 * mongod's multi-planner runs its trial: the sorting plan's index entries (an OR's: every branch's)
 * are counted in the shim (up to the trial's length; it cannot return anything before they are all
 * read), then the plan whose index gives the order is walked — its records fetched and matched — for as many entries, to see
 * whether it finds the trial's results first. Costs at most what the sorting plan would have read.
 */
import type { CollectionEntry, ReadTxn, StorageEngine } from "../../storage/api.ts";
import type { IxScanPath, OrPath } from "../../planner/plan.ts";
import {
  RACE_REPLAN_FACTOR,
  type RaceMemo,
  type SortTrialPair,
  trialWorks,
} from "../../planner/sort_trial.ts";
import type { Document as Doc } from "../../bson/document.ts";
import { ixScanHits, newIxScanState } from "../../executor/ixscan.ts";
import { Row } from "../../executor/rows.ts";

export interface SortTrialFilter {
  /** The whole filter (null: none). */
  readonly match: ((d: Doc) => boolean) | null;
  /** The top-level fields it reads (null: all). */
  readonly readFields: ReadonlySet<string> | null;
  /** Results that end the trial (planner/sort_trial.ts `trialResults`). */
  readonly results: number;
}

/** The entries inside `path`'s intervals (an OR: its branches' together), counted up to `max`. */
export function entriesUpTo(
  txn: ReadTxn,
  coll: CollectionEntry,
  path: IxScanPath | OrPath,
  max: number,
): number {
  if (path.kind === "or") {
    let all = 0;
    for (const b of path.branches) {
      if (all >= max) break;
      all += entriesUpTo(txn, coll, b, max - all);
    }
    return all;
  }
  let n = 0;
  for (const iv of path.intervals) {
    let after: Uint8Array | undefined;
    do {
      const got = txn.countIndex(coll, path.indexName, { ...iv, reverse: path.reverse }, max - n, after);
      n += got.n;
      after = got.after;
    } while (after !== undefined && n < max);
    if (n >= max) break;
  }
  return n;
}

/**
 * Races the pair (unless `memo`, the shape's last race, still holds for this data: then its winner
 * after a count alone): the outcome, to be remembered for the shape.
 */
export function raceOrderedPlan(
  storage: StorageEngine,
  coll: CollectionEntry,
  pair: SortTrialPair,
  filter: SortTrialFilter,
  memo: RaceMemo | undefined,
): RaceMemo {
  return storage.read((txn) => {
    const works = trialWorks(txn.count(coll));
    if (memo !== undefined) {
      if (memo.ordered) {
        // the ordered plan found its results within `memo.works` entries: still first while the
        // sorting plan has more
        if (entriesUpTo(txn, coll, pair.blocking, memo.works + 1) > memo.works) return memo;
      } else {
        const limit = Math.min(works, memo.works * RACE_REPLAN_FACTOR);
        if (entriesUpTo(txn, coll, pair.blocking, limit + 1) <= limit) return memo;
      }
    }
    // the sorting plan's entries, up to the trial's length (past it, it cannot end inside a trial)
    const sorting = entriesUpTo(txn, coll, pair.blocking, works);
    let examined = 0;
    let found = 0;
    const stats = { keysExamined: 0 };
    const expect = Math.max(1, Math.min(sorting, filter.results * 4));
    for (const hit of ixScanHits(txn, coll, pair.ordered, newIxScanState(), stats, { expect })) {
      if (++examined > sorting) {
        // the sorting plan ended first; or neither within the trial: the ordered one has results then
        return sorting >= works ? { ordered: true, works } : { ordered: false, works: Math.max(1, sorting) };
      }
      const bytes = hit.bytes ?? txn.get(coll, hit.rid);
      if (bytes === null) continue;
      if (filter.match !== null && !filter.match(new Row(hit.rid, bytes).view(filter.readFields))) continue;
      if (++found >= filter.results) return { ordered: true, works: examined };
    }
    return { ordered: true, works: Math.max(1, examined) }; // the ordered plan ended first (every match found)
  });
}
