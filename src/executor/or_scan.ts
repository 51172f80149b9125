/**
 * OR: the index scans of an OR plan (planner/or_plan.ts), branch after branch, each through the
 * resumable IXSCAN (ixscan.ts), handing out each record id once (a set of the record ids handed out
 * across branches, as mongod's OR stage deduplicates). Resumable across storage transactions: the
 * state remembers the branch, that branch's IXSCAN state and the record ids already handed out — so a
 * write that moves a document into a later branch's range between two batches does not meet it
 * twice. Counts keys examined per branch and in total (explain).
 */
import type { CollectionEntry, IndexHit, ReadTxn } from "../storage/api.ts";
import type { AccessPath, OrPath } from "../planner/plan.ts";
import { type IxFetch, ixScanHits, type IxScanState, type IxScanStats, newIxScanState } from "./ixscan.ts";

export interface OrScanState {
  branch: number;
  ix: IxScanState;
  /** Record ids handed out so far (all branches). */
  readonly seen: Set<bigint>;
  /** Per branch: keys examined, record ids its scan handed up (before this dedup). */
  readonly branches: { keysExamined: number; nReturned: number }[];
}

export function newOrScanState(): OrScanState {
  return { branch: 0, ix: newIxScanState(), seen: new Set(), branches: [] };
}

/**
 * The hits of `a`'s branches in order, each record id once; `stats.keysExamined` gains every key
 * examined, and `stats.branches` is the per-branch figures. Stopping the generator after a hit resumes after it (the hit is already counted as seen).
 */
export function* orScanHits(
  txn: ReadTxn,
  coll: CollectionEntry,
  a: OrPath,
  st: OrScanState,
  stats: IxScanStats & {
    branches?: readonly { readonly keysExamined: number; readonly nReturned: number }[];
  },
  fetch?: IxFetch,
): Generator<IndexHit> {
  stats.branches = st.branches;
  for (; st.branch < a.branches.length; st.branch++) {
    const fig = st.branches[st.branch] ??= { keysExamined: 0, nReturned: 0 };
    const counted = { keysExamined: 0 };
    try {
      for (const hit of ixScanHits(txn, coll, a.branches[st.branch]!, st.ix, counted, fetch)) {
        fig.nReturned++;
        if (st.seen.has(hit.rid)) continue;
        st.seen.add(hit.rid);
        yield hit;
      }
    } finally {
      fig.keysExamined += counted.keysExamined;
      stats.keysExamined += counted.keysExamined;
    }
    st.ix = newIxScanState();
  }
}

/**
 * The index of `a` that `was` had and `now` (the collection's entry now) has not (dropped since), or
 * undefined (IDHACK's `_id_` cannot be dropped; a collection scan reads none).
 */
export function droppedIndex(was: CollectionEntry, now: CollectionEntry, a: AccessPath): string | undefined {
  if (a.kind === "idLookup") return undefined;
  for (const name of indexNamesOf(a)) {
    const ident = was.indexes.find((i) => i.name === name)?.ident;
    if (ident !== undefined && !now.indexes.some((i) => i.ident === ident)) return name;
  }
  return undefined;
}

/** The names of the indexes an access path reads (none for a collection scan; IDHACK reads `_id_`). */
export function indexNamesOf(a: AccessPath): readonly string[] {
  switch (a.kind) {
    case "idLookup":
      return ["_id_"];
    case "collScan":
      return [];
    case "or":
      return [...new Set(a.branches.map((b) => b.indexName))];
    default:
      return [a.indexName];
  }
}
