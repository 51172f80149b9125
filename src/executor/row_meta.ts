/**
 * A row's metadata for the projection step (`CompiledQuery.rowMeta`): its record id, the index key it
 * was found by (as a document, built on demand: returnKey, `{$meta: "indexKey"}`) and a `$near`
 * query's distance and point.
 */
import type { CollectionEntry } from "../storage/api.ts";
import type { AccessPath } from "../planner/plan.ts";
import type { RowMeta } from "./compiled_query.ts";
import type { Row } from "./rows.ts";
import { indexHoldsKey, indexKeyDocOf } from "./index_keys.ts";

/** The metadata of `row`, read through access path `a` of `coll`. */
export function rowMetaOf(row: Row, a: AccessPath, coll: CollectionEntry): RowMeta {
  return {
    recordId: row.rid,
    ...(row.near ? { geoNearDistance: row.near.distance, geoNearPoint: row.near.loc } : {}),
    indexKey: () => {
      if (a.kind === "idLookup") return { _id: row.doc["_id"] };
      if ((a.kind !== "ixScan" && a.kind !== "or") || !row.key) return undefined;
      const key = row.key;
      // an OR's row: the first branch's index holding the entry it was found by
      const names = a.kind === "or" ? a.branches.map((b) => b.indexName) : [a.indexName];
      const ixes = names.map((n) => coll.indexes.find((i) => i.name === n)).filter((i) => i !== undefined);
      const ix = a.kind === "or" ? ixes.find((i) => indexHoldsKey(i, row.doc, key)) : ixes[0];
      return ix ? indexKeyDocOf(ix, row.doc, key) : undefined;
    },
  };
}
