/**
 * SKIP below FETCH (planner/skip_pushdown.ts): passes over a query's first `skip` index entries without
 * reading their records. Walks the IXSCAN's resumable generator (ixscan.ts, which already drops a
 * multikey index's repeated record ids), so the walk can stop at any entry — the query's pull budget
 * spent — and a later storage read resumes after it, the next pull's slice.
 */
import type { CollectionEntry, ReadTxn } from "../storage/api.ts";
import type { IxScanPath } from "../planner/plan.ts";
import type { ExecStats } from "./compiled_query.ts";
import { ixScanHits, type IxScanState } from "./ixscan.ts";

/**
 * Passes over up to `n` (> 0) entries of `a` from where `st` stands, while `spend()` allows (it is
 * asked after each entry); `stats` counts them (keysExamined, keysSkipped). `end`: the scan has no
 * entries left.
 */
export function skipEntries(
  txn: ReadTxn,
  coll: CollectionEntry,
  a: IxScanPath,
  st: IxScanState,
  stats: ExecStats,
  n: number,
  spend: () => boolean,
): { readonly skipped: number; readonly end: boolean } {
  let skipped = 0;
  const it = ixScanHits(txn, coll, a, st, stats);
  try {
    while (skipped < n) {
      if (it.next().done) return { skipped, end: true };
      skipped++;
      if (!spend()) break;
    }
    return { skipped, end: false };
  } finally {
    it.return(undefined);
    stats.keysSkipped = (stats.keysSkipped ?? 0) + skipped;
  }
}
