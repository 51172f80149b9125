/**
 * COUNT_SCAN (mongod's name): counts a query's matches as the index entries inside its plan's intervals,
 * reading no document — for a plan whose bounds answer the whole filter (planner/exact_bounds.ts: the
 * compiled query then has no `match` left). On a multikey index a document may have several entries:
 * its record ids are counted once each.
 * Counts the intervals' entries in the shim (`ReadTxn.countIndex`), in slices, one storage transaction
 * each, yielding between them when due (deadline and kill checked there).
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
  if (a.kind !== "ixScan" || a.text !== undefined) return undefined;
  if (q.match !== null || q.jsRounds !== undefined) return undefined;
  return a;
}

/** Entries one storage transaction counts (in the shim, ~1 ms) before the count may yield. */
export const COUNT_PER_SLICE = 16_384;

/**
 * The entries inside `path`'s intervals, up to `max`, counted in the shim (no entry read out), in slices
 * of COUNT_PER_SLICE, one storage transaction each; `stats.keysExamined` counts them as they are counted.
 */
export async function countIndexEntries(
  storage: StorageEngine,
  coll: CollectionEntry,
  path: IxScanPath,
  ctl: OpControl,
  stats: { keysExamined: number },
  max = Infinity,
): Promise<number> {
  if (path.dedup || path.multikey) return await countDistinctRecords(storage, coll, path, ctl, stats, max);
  let n = 0;
  let interval = 0;
  let after: Uint8Array | undefined;
  while (interval < path.intervals.length && n < max) {
    storage.read((txn) => {
      const opts = { ...path.intervals[interval]!, reverse: path.reverse };
      const got = txn.countIndex(coll, path.indexName, opts, Math.min(COUNT_PER_SLICE, max - n), after);
      n += got.n;
      stats.keysExamined += got.n;
      after = got.after;
      if (after === undefined) interval++;
    });
    if (ctl.dueNow()) await ctl.yieldNow();
  }
  ctl.check();
  return n;
}

/**
 * A multikey index's count: the distinct record ids inside the intervals (a document with several
 * matching elements has as many entries), walked through the IXSCAN's generator, which drops repeated
 * ones, in slices of EXAMINE_PER_PULL entries per transaction.
 */
async function countDistinctRecords(
  storage: StorageEngine,
  coll: CollectionEntry,
  path: IxScanPath,
  ctl: OpControl,
  stats: { keysExamined: number },
  max: number,
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
