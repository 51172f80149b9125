/**
 * A row's metadata for the projection step (`CompiledQuery.rowMeta`): its record id, the index key it
 * was found by (as a document, built on demand: returnKey, `{$meta: "indexKey"}`) and a `$near`
 * query's distance and point.
 */
import type { CollectionEntry } from "../storage/api.ts";
import type { AccessPath } from "../planner/plan.ts";
import type { RowMeta } from "./compiled_query.ts";
import type { Row } from "./rows.ts";
import { indexKeyDocOf } from "./index_keys.ts";

/** The metadata of `row`, read through access path `a` of `coll`. */
export function rowMetaOf(row: Row, a: AccessPath, coll: CollectionEntry): RowMeta {
  return {
    recordId: row.rid,
    ...(row.near ? { geoNearDistance: row.near.distance, geoNearPoint: row.near.loc } : {}),
    indexKey: () => {
      if (a.kind === "idLookup") return { _id: row.doc["_id"] };
      if (a.kind !== "ixScan" || !row.key) return undefined;
      const ix = coll.indexes.find((i) => i.name === a.indexName);
      return ix ? indexKeyDocOf(ix, row.doc, row.key) : undefined;
    },
  };
}
