/**
 * distinct_plan.ts — whether a `distinct` can walk an index as DISTINCT_SCAN (mongod's name): visit one
 * entry per distinct value of one of the index's fields and seek past the rest of that value's entries,
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
 * - with a filter, over the intervals of the index scan the planner chose for it, when that index is
 *   not multikey (one entry per document: its values) and either leads with the key, or holds it
 *   later with every field before it pinned to one value by every interval (`distinct("b", {a: 5})`
 *   over `{a: 1, b: 1}` or `{a: 1, c: 1, b: -1, d: 1}` with `{a: 5, c: "x"}`): within such an interval
 *   the entries are ordered by the key's value, so one entry per value is one entry per run.
 *   mongod's distinct command takes a trailing field under any bounds on the fields before it (its
 *   distinct de-duplicates); here a range there would cost a seek per pair of values, so it is not
 *   taken, as mongod's aggregation rewrite (its "strict" distinct) does not take it either. The walk's
 *   key prefix is recomputed from the document, so the fields before the key must be plain paths (no
 *   numeric component: `a.0` indexes an array's element, which a plain path walk does not reach).
 * Not taken: indexes with a collation (their string keys are collation keys, which a value cannot be
 * checked against), hidden, partial (without a filter implying it: the planner's choice), text, geo,
 * hashed and wildcard indexes.
 */
import type { AccessPath, IndexInfo, IxScanPath } from "./plan.ts";

/** A DISTINCT_SCAN: the index scan it walks and the position of the key in the index's key pattern. */
export interface DistinctScanPlan {
  readonly path: IxScanPath;
  readonly fieldNo: number;
}

/** The index walk a distinct on `key` can make as DISTINCT_SCAN, or undefined (read the documents). */
export function planDistinctScan(
  key: string,
  access: AccessPath,
  indexes: readonly IndexInfo[],
  o: { readonly filterEmpty: boolean; readonly hinted: boolean },
): DistinctScanPlan | undefined {
  if (access.kind === "ixScan") {
    if (access.text !== undefined) return undefined;
    const ix = indexes.find((i) => i.name === access.indexName);
    if (!ix || !plainIndex(ix)) return undefined;
    const fields = Object.keys(ix.key);
    const fieldNo = fields.indexOf(key);
    if (fieldNo < 0) return undefined;
    if (fieldNo === 0) return ix.multikey && !o.filterEmpty ? undefined : { path: access, fieldNo };
    if (ix.multikey || (access.pointPrefix ?? 0) < fieldNo) return undefined;
    if (fields.slice(0, fieldNo).some((f) => f.split(".").some((p) => p === "" || /^\d+$/.test(p)))) {
      return undefined;
    }
    return { path: access, fieldNo };
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
  return best ? { path: wholeIndex(best), fieldNo: 0 } : undefined;
}

/** A plain ascending/descending index (no collation, no wildcard component). */
function plainIndex(ix: IndexInfo): boolean {
  if (ix.collation !== undefined) return false;
  const fields = Object.entries(ix.key);
  return fields.length > 0 &&
    fields.every(([f, d]) => typeof d === "number" && d !== 0 && Number.isFinite(d) && !f.includes("$**"));
}

/** A plain index whose first field is `key`. */
function leadsWith(ix: IndexInfo, key: string): boolean {
  return plainIndex(ix) && Object.keys(ix.key)[0] === key;
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
    pointPrefix: 0,
    dedup: false,
    score: 0,
  };
}

/**
 * The DISTINCT_SCANs a distinct with a filter could make over other index scans of it than the chosen
 * plan (each holding the key, exact as `planDistinctScan` says): mongod plans a distinct with a query towards
 * an index holding the key (`distinct("owner", {status: "active"})` walks `{status: 1, owner: 1}` one
 * entry per owner, where the static ranking took `{status: 1}` and fetched every match).
 */
export function distinctScansOver(
  key: string,
  paths: readonly AccessPath[],
  indexes: readonly IndexInfo[],
): DistinctScanPlan[] {
  const out: DistinctScanPlan[] = [];
  for (const p of paths) {
    if (p.kind !== "ixScan") continue;
    const plan = planDistinctScan(key, p, indexes, { filterEmpty: false, hinted: false });
    if (plan) out.push(plan);
  }
  return out;
}

/**
 * Which of `candidates` (with the entries their bounds hold, counted up to `cap`) replaces a chosen plan
 * whose bounds hold `chosen` entries (counted up to `cap`; a collection scan: the records), or
 * undefined. A walk reads at most its entries (one per value, then a seek: usually far fewer), the chosen
 * plan fetches every entry's record, so the walk with the fewest entries wins when it holds no more than
 * the chosen plan; when the chosen plan holds `cap` or more (both are large), the walk wins: it produces a
 * value per entry visited, as mongod's multi-planner finds.
 */
export function chooseDistinctScan(
  candidates: readonly { readonly plan: DistinctScanPlan; readonly entries: number }[],
  chosen: number,
  cap: number,
): DistinctScanPlan | undefined {
  let best: { readonly plan: DistinctScanPlan; readonly entries: number } | undefined;
  for (const c of candidates) {
    if (c.entries > chosen && chosen < cap) continue;
    if (!best || c.entries < best.entries) best = c;
  }
  return best?.plan;
}
