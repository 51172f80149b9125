/**
 * distinct_plan.ts — whether a `distinct` can walk an index as DISTINCT_SCAN (mongod's name): visit one
 * entry per distinct value of the index's first field and seek past the rest of that value's entries,
 * instead of reading every matching document. PURE: a function of the key, the plan the query planner
 * chose for the filter, and the collection's indexes.
 *
 * The executor (executor/distinct_scan.ts) fetches the document behind each visited entry and takes
 * every value it holds at the key (so numbers keep their BSON type and arrays are unwound as distinct
 * unwinds them); it leaves a value's entries only once a matching document has confirmed that value
 * (a missing field is indexed as null, so a null entry is confirmed only by a document holding null).
 * That is exact when every value of every matching document has an entry inside the scanned intervals:
 * - with no filter, over a whole index whose first field is the key (multikey too: each element of an
 *   array has its own entry);
 * - with a filter, over the intervals of the index scan the planner chose for it, when that index
 *   leads with the key and is not multikey (one entry per document: its value). A multikey index
 *   with bounds on the key could leave out the other elements of a matching array.
 * Not taken: indexes with a collation (their string keys are collation keys, which a value cannot be
 * checked against), hidden, partial (without a filter implying it: the planner's choice), text, geo,
 * hashed and wildcard indexes.
 */
import type { AccessPath, IndexInfo, IxScanPath } from "./plan.ts";

/** The index walk a distinct on `key` can make as DISTINCT_SCAN, or undefined (read the documents). */
export function planDistinctScan(
  key: string,
  access: AccessPath,
  indexes: readonly IndexInfo[],
  o: { readonly filterEmpty: boolean; readonly hinted: boolean },
): IxScanPath | undefined {
  if (access.kind === "ixScan") {
    if (access.text !== undefined) return undefined;
    const ix = indexes.find((i) => i.name === access.indexName);
    if (!ix || !leadsWith(ix, key)) return undefined;
    if (ix.multikey && !o.filterEmpty) return undefined;
    return access;
  }
  if (access.kind !== "collScan" || !o.filterEmpty || o.hinted) return undefined;
  let best: IndexInfo | undefined;
  for (const ix of indexes) {
    if (ix.hidden || ix.partialFilterExpression !== undefined || !leadsWith(ix, key)) continue;
    // the smallest index (fewest fields), then the one not multikey
    if (
      !best || fieldCount(ix) < fieldCount(best) || (fieldCount(ix) === fieldCount(best) && best.multikey)
    ) {
      best = ix;
    }
  }
  return best ? wholeIndex(best) : undefined;
}

/** A plain ascending/descending index (no collation) whose first field is `key`. */
function leadsWith(ix: IndexInfo, key: string): boolean {
  if (ix.collation !== undefined) return false;
  const fields = Object.entries(ix.key);
  if (fields.length === 0 || fields[0]![0] !== key) return false;
  return fields.every(([, d]) => typeof d === "number" && d !== 0 && Number.isFinite(d));
}

function fieldCount(ix: IndexInfo): number {
  return Object.keys(ix.key).length;
}

/** A forward scan of all of `ix`. */
function wholeIndex(ix: IndexInfo): IxScanPath {
  const indexBounds: Record<string, string[]> = {};
  for (const [f, d] of Object.entries(ix.key)) {
    indexBounds[f] = [(d as number) < 0 ? "[MaxKey, MinKey]" : "[MinKey, MaxKey]"];
  }
  return {
    kind: "ixScan",
    indexName: ix.name,
    keyPattern: ix.key,
    unique: ix.unique,
    multikey: ix.multikey,
    sparse: ix.sparse,
    partial: false,
    intervals: [{}],
    reverse: false,
    indexBounds,
    providesSort: false,
    dedup: false,
    score: 0,
  };
}

/** The direction of the first field of a DISTINCT_SCAN's index (its key bytes are inverted when -1). */
export function leadingDirection(path: IxScanPath): 1 | -1 {
  const first = Object.values(path.keyPattern)[0];
  return typeof first === "number" && first < 0 ? -1 : 1;
}
