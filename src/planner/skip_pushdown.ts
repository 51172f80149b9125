/**
 * SKIP below FETCH. PURE. mongod (4.4+, SERVER-13946) puts a find's SKIP over the plan's index scan
 * before it adds the FETCH that reads whole documents, whenever nothing between them needs the
 * documents: then the skipped index entries are passed over and their records never read, and
 * explain shows LIMIT → FETCH → SKIP → IXSCAN (totalDocsExamined counts only the records fetched
 * after the skip; totalKeysExamined still counts every entry walked).
 *
 * That holds when the index scan alone yields exactly the matches, in the requested order: no filter
 * is left to match against each record (its bounds answer the whole filter: exact_bounds.ts; or there
 * is no filter) and no blocking SORT needs the documents (there is no sort, or the index gives it).
 * A multikey scan still counts a record once: its IXSCAN drops repeated record ids before the SKIP
 * sees them. Not for a collection scan, a `$text` scan (TEXT_OR gathers record ids first), or a
 * clustered collection's `_id` order (mongod reads those records as it scans them: CLUSTERED_IXSCAN,
 * whose SKIP stays above).
 */
import type { AccessPath } from "./plan.ts";

export interface SkipPushdownInput {
  readonly access: AccessPath;
  /** The find's skip (0: none). */
  readonly skip: number;
  /** A filter is left to match against each record (the bounds do not answer it all). */
  readonly residualFilter: boolean;
  /** A blocking sort: the index scan does not give the requested order. */
  readonly blockingSort: boolean;
  /** The collection is clustered by `_id`. */
  readonly clustered: boolean;
}

/** Does the SKIP run below the FETCH (the skipped index entries' records are never read)? */
export function skipBeforeFetch(i: SkipPushdownInput): boolean {
  const a = i.access;
  if (i.skip <= 0 || a.kind !== "ixScan" || a.text !== undefined) return false;
  if (i.residualFilter || i.blockingSort) return false;
  return !(i.clustered && a.indexName === "_id_");
}
