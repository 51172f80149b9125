/**
 * COUNT_SCAN (mongod's name): counts a query's matches as the index entries inside its plan's intervals,
 * reading no document — for a plan whose bounds answer the whole filter (planner/exact_bounds.ts: the
 * compiled query then has no `match` left; such an index is never multikey, so an entry is a document).
 * Walks the intervals through the IXSCAN's resumable generator in slices of EXAMINE_PER_PULL entries, one
 * storage transaction each, yielding between them when due (deadline and kill checked there).
 */
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import type { IxScanPath } from "../planner/plan.ts";
import type { CompiledQuery } from "./compiled_query.ts";
import type { OpControl } from "../observability/op_control.ts";
import { ixScanHits, newIxScanState } from "./ixscan.ts";
import { EXAMINE_PER_PULL } from "./query.ts";

/** The index scan a count can count without reading documents, if `q` has one. */
export function countScanOf(q: CompiledQuery): IxScanPath | undefined {
  const a = q.access;
  if (a.kind !== "ixScan" || a.text !== undefined || a.multikey) return undefined;
  if (q.match !== null || q.jsRounds !== undefined) return undefined;
  return a;
}

/**
 * The entries inside `path`'s intervals, up to `max`; `stats.keysExamined` counts them as they are read.
 */
export async function countIndexEntries(
  storage: StorageEngine,
  coll: CollectionEntry,
  path: IxScanPath,
  ctl: OpControl,
  stats: { keysExamined: number },
  max = Infinity,
): Promise<number> {
  const st = newIxScanState();
  let n = 0;
  for (;;) {
    const done = storage.read((txn) => {
      const it = ixScanHits(txn, coll, path, st, stats);
      try {
        for (let i = 0; i < EXAMINE_PER_PULL; i++) {
          if (n >= max || it.next().done) return true;
          n++;
        }
        return false;
      } finally {
        it.return(undefined);
      }
    });
    if (done) break;
    if (ctl.dueNow()) await ctl.yieldNow();
  }
  ctl.check();
  return n;
}
