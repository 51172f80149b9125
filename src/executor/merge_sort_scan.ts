/**
 * SORT_MERGE: the index scans of an OR plan whose every branch gives the query's sort
 * (planner/or_plan.ts `sortMerge`), merged into one stream in that order, as mongod's MERGE_SORT
 * stage does — so a sort with a limit reads about `limit` entries per branch instead of every match
 * followed by a blocking sort. Each branch keeps one head: its next document, fetched and matched
 * (`rowOf`); the smallest head under the query's sort (`compare`, the comparator a blocking sort
 * would use) goes out next and its branch moves on. A record id already handed out, or some other
 * branch's head, is dropped as it is read (mongod's MERGE_SORT dedup; one document has one sort key,
 * so which branch hands it out does not change the order).
 *
 * Resumable across storage transactions: the state keeps each branch's IXSCAN state and head; a
 * head carried over is read again in the new snapshot (dropped if it went away or no longer matches).
 * Counts keys examined per branch and in total (explain), as the OR stage does (or_scan.ts).
 */
import type { CollectionEntry, IndexHit, ReadTxn } from "../storage/api.ts";
import type { OrPath } from "../planner/plan.ts";
import type { Document as Doc } from "../bson/document.ts";
import { ixScanHits, type IxScanState, type IxScanStats, newIxScanState } from "./ixscan.ts";
import type { Row } from "./rows.ts";

interface Branch {
  readonly ix: IxScanState;
  /** The branch's next row (fetched and matched), with the hit it came from; undefined: read one. */
  head?: { readonly hit: IndexHit; row: Row } | undefined;
  /** Read in an earlier transaction: read its record again before it goes out. */
  stale: boolean;
  done: boolean;
}

export interface MergeSortState {
  readonly branches: Branch[];
  /** Record ids handed out so far. */
  readonly seen: Set<bigint>;
  /** Per branch: keys examined, record ids its scan handed up (before the dedup). */
  readonly figures: { keysExamined: number; nReturned: number }[];
}

export function newMergeSortState(): MergeSortState {
  return { branches: [], seen: new Set(), figures: [] };
}

/**
 * The rows of `a`'s branches merged in sort order, each record once. Stopping the generator after a
 * row resumes after it.
 */
export function* mergeSortRows(
  txn: ReadTxn,
  coll: CollectionEntry,
  a: OrPath,
  st: MergeSortState,
  stats: IxScanStats & {
    branches?: readonly { readonly keysExamined: number; readonly nReturned: number }[];
  },
  rowOf: (hit: IndexHit) => Row | undefined,
  compare: (x: Doc, y: Doc) => number,
): Generator<Row> {
  stats.branches = st.figures;
  const n = a.branches.length;
  for (let i = st.branches.length; i < n; i++) {
    st.branches.push({ ix: newIxScanState(), stale: false, done: false });
    st.figures.push({ keysExamined: 0, nReturned: 0 });
  }
  const scans: (Generator<IndexHit> | undefined)[] = new Array(n);
  const counted = st.figures.map(() => ({ keysExamined: 0 }));
  /** Another branch's head holds this record id. */
  const heldElsewhere = (i: number, rid: bigint) =>
    st.branches.some((b, j) => j !== i && b.head !== undefined && b.head.hit.rid === rid);
  /** Fills branch i's head (or marks it done). */
  const advance = (i: number): void => {
    const b = st.branches[i]!;
    if (b.head && b.stale) {
      b.stale = false;
      const again = rowOf({ key: b.head.hit.key, rid: b.head.hit.rid });
      if (again) {
        b.head.row = again;
        return;
      }
      b.head = undefined;
    }
    if (b.head || b.done) return;
    const scan = scans[i] ??= ixScanHits(txn, coll, a.branches[i]!, b.ix, counted[i]!);
    for (;;) {
      const next = scan.next();
      if (next.done) {
        b.done = true;
        return;
      }
      const hit = next.value;
      st.figures[i]!.nReturned++;
      if (st.seen.has(hit.rid) || heldElsewhere(i, hit.rid)) continue;
      const row = rowOf(hit);
      if (row === undefined) continue;
      b.head = { hit, row };
      return;
    }
  };
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < n; i++) {
        advance(i);
        const h = st.branches[i]!.head;
        if (h === undefined) continue;
        if (best < 0 || compare(h.row.doc, st.branches[best]!.head!.row.doc) < 0) best = i;
      }
      if (best < 0) return;
      const b = st.branches[best]!;
      const row = b.head!.row;
      b.head = undefined;
      st.seen.add(row.rid);
      yield row;
    }
  } finally {
    for (let i = 0; i < n; i++) {
      scans[i]?.return(undefined);
      st.figures[i]!.keysExamined += counted[i]!.keysExamined;
      stats.keysExamined += counted[i]!.keysExamined;
      // (a head kept past this transaction is read again in the next)
      if (st.branches[i]!.head) st.branches[i]!.stale = true;
    }
  }
}
