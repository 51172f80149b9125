/**
 * bounds_trial.ts — the choice between index scans that only the data can make when no sort is asked:
 * which index's bounds hold the fewest entries. PURE.
 *
 * Our static ranking (index_plan.ts) prefers an equality to a range, so `{status: "active", score:
 * {$gt: 900}}` with an index on each scans the status index — 95,000 entries fetched to keep the 9,500
 * with the score — where mongod's multi-planner, racing both plans, finds the score plan returning a
 * match per entry and the status plan one per ten, and caches the score plan. Every plan returns the
 * same matches; the one with the fewest entries in its bounds returns them in the fewest works, so the
 * trial here counts the entries in each candidate's bounds (in the shim, up to mongod's trial length,
 * commands/shared/bounds_race.ts) and takes another index when its bounds hold under half the chosen
 * one's entries. Not with a sort (the sort's own trial, sort_trial.ts, weighs the order), a hint or
 * min/max (one plan), text or geo plans, or a key filter (its entries are not its matches).
 */
import type { AccessPath, IxScanPath, PlanChoice } from "./plan.ts";

export interface BoundsTrialInput {
  readonly sort?: unknown;
  readonly hint?: unknown;
  readonly min?: unknown;
  readonly max?: unknown;
}

/** The most other index scans a trial weighs. */
const MOST_CANDIDATES = 3;

/** An index scan whose entries in its bounds are what it reads to find its matches. */
function countable(p: AccessPath): p is IxScanPath {
  return p.kind === "ixScan" && p.text === undefined && p.keyFilter === undefined;
}

/** Does the sort name a field (not `$natural` alone, not empty)? */
function sorts(sort: unknown): boolean {
  if (!sort || typeof sort !== "object" || Array.isArray(sort)) return false;
  for (const k in sort) if (Object.hasOwn(sort, k) && k !== "$natural") return true;
  return false;
}

/** The chosen index scan and the other indexes' scans to weigh against it, or undefined. */
export function boundsTrialCandidates(
  choice: PlanChoice,
  input: BoundsTrialInput,
): { chosen: IxScanPath; others: IxScanPath[] } | undefined {
  if (sorts(input.sort)) return undefined;
  if (
    (input.hint !== undefined && input.hint !== null) || input.min !== undefined || input.max !== undefined
  ) {
    return undefined;
  }
  const chosen = choice.access;
  if (!countable(chosen)) return undefined;
  const others: IxScanPath[] = [];
  for (const p of choice.rejected) {
    if (
      countable(p) && p.indexName !== chosen.indexName && !others.some((o) => o.indexName === p.indexName)
    ) {
      others.push(p);
      if (others.length === MOST_CANDIDATES) break;
    }
  }
  return others.length === 0 ? undefined : { chosen, others };
}

/** `choice` with `path` chosen instead: the plan it replaces first among the rejected. */
export function chooseInstead(choice: PlanChoice, path: IxScanPath): PlanChoice {
  const rejected: AccessPath[] = [choice.access];
  for (const p of choice.rejected) if (p !== path) rejected.push(p);
  return { access: path, rejected };
}
