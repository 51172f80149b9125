/**
 * IXSCAN: walks an index plan's byte intervals in scan order and yields record ids. Resumable across
 * storage transactions: the state remembers the current interval and the last (key, record id), so a
 * later batch restarts at that key and skips what it already handed out. Multikey plans drop repeated
 * record ids. A plan's key filter drops the entries it fails first (their records are not read).
 */
import type { CollectionEntry, IndexHit, IndexScanOptions, ReadTxn } from "../storage/api.ts";
import type { IxScanPath } from "../planner/plan.ts";
import type { ScalarMatchTerm } from "../bson/scalar_match_term.ts";
import { compareKeys } from "../keys/key_string.ts";

export interface IxScanState {
  interval: number;
  lastKey?: Uint8Array | undefined;
  lastRid?: bigint | undefined;
  seen?: Set<bigint>;
  /** The scan stopped after a key its filter rejected, the caller's budget spent (resume later). */
  paused?: boolean;
}

export interface IxScanStats {
  keysExamined: number;
}

/** The entries a scan reading records expects when its caller does not say (the engine's first batch). */
const DEFAULT_EXPECT = 16;

/** Keys a scan with a key filter asks for in its first batch (a pull examines up to 1,024: query.ts). */
const FILTERED_EXPECT = 1024;

/** How an index scan reads the records of its entries (`ixScanHits`'s `fetch`). */
export interface IxFetch {
  /** Entries the caller expects to read (sizes the first batch). */
  readonly expect?: number | undefined;
  /** Only these top-level fields of each record (`IndexScanOptions.fields`: `IndexHit.record`). */
  readonly fields?: ReadonlySet<string> | undefined;
  /** With `fields`: the records these terms fail come rejected (`IndexScanOptions.prefilter`). */
  readonly prefilter?: readonly ScalarMatchTerm[] | undefined;
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
  /** Read each entry's record with it (`IndexHit.bytes`, or `record` with `fields`). */
  fetch?: IxFetch,
  /**
   * Called for each entry the key filter rejects (examined work the caller counts); false stops the
   * scan there with `st.paused` set, to be resumed by a later call.
   */
  spend?: () => boolean,
): Generator<IndexHit> {
  let yielded = 0;
  const keyTest = a.keyFilter?.test;
  for (; st.interval < a.intervals.length; st.interval++) {
    const iv = a.intervals[st.interval]!;
    const opts: {
      -readonly [K in keyof IndexScanOptions]: IndexScanOptions[K];
    } = { reverse: a.reverse };
    // (a key filter rejects entries before their records are wanted: those that pass are read alone)
    if (fetch && !a.keyFilter) {
      opts.fetch = true;
      // what is left of the expected entries, shared by the intervals left (each gets its own first
      // batch: a thousand `$in` points must not get the whole query's batch each)
      const left = a.intervals.length - st.interval;
      const expect = (fetch.expect ?? DEFAULT_EXPECT) - yielded;
      if (fetch.expect !== undefined || left > 1) opts.expect = Math.max(1, Math.ceil(expect / left));
      if (fetch.fields !== undefined) {
        opts.fields = fetch.fields;
        if (fetch.prefilter !== undefined) opts.prefilter = fetch.prefilter;
      }
    } // a filtered scan reads keys by the pull's worth (most fail the filter): one storage call for them
    else if (a.keyFilter) opts.expect = FILTERED_EXPECT;
    if (a.keyCheck) {
      opts.keyCheck = a.keyCheck;
      opts.onKeysChecked = (n) => {
        stats.keysExamined += n;
      };
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
      // past the entries of the resumed key already read, in the storage call (not read again only
      // to be skipped below: a key of 60,000 entries read in 1,024-entry pulls re-read ~1.7M)
      if (!a.unique && resumeRid !== undefined) opts.afterRid = resumeRid;
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
        if (keyTest && !keyTest(hit.key)) {
          if (spend && !spend()) {
            st.paused = true;
            return;
          }
          continue;
        }
        if (a.dedup) {
          const seen = (st.seen ??= new Set());
          if (seen.has(hit.rid)) continue;
          seen.add(hit.rid);
        }
        yielded++;
        yield hit;
      }
    } finally {
      it.return?.();
    }
    st.lastKey = undefined;
    st.lastRid = undefined;
  }
}
