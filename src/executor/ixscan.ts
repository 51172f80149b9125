/**
 * IXSCAN: walks an index plan's byte intervals in scan order and yields record ids. Resumable across
 * storage transactions: the state remembers the current interval and the last (key, record id), so a
 * later batch restarts at that key and skips what it already handed out. Multikey plans drop repeated
 * record ids.
 */
import type { CollectionEntry, IndexHit, IndexScanOptions, ReadTxn } from "../storage/api.ts";
import type { IxScanPath } from "../planner/plan.ts";
import { compareKeys } from "../keys/key_string.ts";

export interface IxScanState {
  interval: number;
  lastKey?: Uint8Array | undefined;
  lastRid?: bigint | undefined;
  seen?: Set<bigint>;
}

export interface IxScanStats {
  keysExamined: number;
}

export function newIxScanState(): IxScanState {
  return { interval: 0 };
}

export function* ixScanHits(
  txn: ReadTxn,
  coll: CollectionEntry,
  a: IxScanPath,
  st: IxScanState,
  stats: IxScanStats,
  /** Read each entry's record with it (`IndexHit.bytes`); `expect`: entries the caller expects to read. */
  fetch?: { readonly expect?: number | undefined },
): Generator<IndexHit> {
  for (; st.interval < a.intervals.length; st.interval++) {
    const iv = a.intervals[st.interval]!;
    const opts: {
      -readonly [K in keyof IndexScanOptions]: IndexScanOptions[K];
    } = { reverse: a.reverse };
    if (fetch) {
      opts.fetch = true;
      if (fetch.expect !== undefined) opts.expect = fetch.expect;
    }
    if (iv.lower) opts.lower = iv.lower;
    if (iv.upper) {
      opts.upper = iv.upper;
      opts.upperExclusive = iv.upperExclusive === true;
    }
    const resumeKey = st.lastKey;
    const resumeRid = st.lastRid;
    if (resumeKey) {
      if (a.reverse) {
        opts.upper = resumeKey;
        opts.upperExclusive = a.unique;
      } else {
        opts.lower = resumeKey;
        opts.lowerExclusive = a.unique;
      }
    }
    const it = txn.scanIndex(coll, a.indexName, opts);
    try {
      for (const hit of it) {
        if (resumeKey && !a.unique && compareKeys(hit.key, resumeKey) === 0) {
          if (a.reverse ? hit.rid >= resumeRid! : hit.rid <= resumeRid!) continue;
        }
        stats.keysExamined++;
        st.lastKey = hit.key;
        st.lastRid = hit.rid;
        if (a.dedup) {
          const seen = (st.seen ??= new Set());
          if (seen.has(hit.rid)) continue;
          seen.add(hit.rid);
        }
        yield hit;
      }
    } finally {
      it.return?.();
    }
    st.lastKey = undefined;
    st.lastRid = undefined;
  }
}
