/**
 * Clustered collections (`create` with `clusteredIndex: {key: {_id: 1}, unique: true}`), as mongod
 * 5.3+ shows them to clients: natural order is `_id` order and the collection may expire documents
 * by their `_id` date (`expireAfterSeconds`). Records stay in our record table under record ids;
 * the `_id_` index gives the clustered order, so a collection scan of a clustered collection walks
 * that index (both directions) and fetches each document.
 */
import type { CollectionEntry } from "../storage/api.ts";
import type { IxScanPath } from "../planner/plan.ts";

/** True when the collection was created with `clusteredIndex`. */
export function isClustered(coll: CollectionEntry): boolean {
  const ci = coll.options["clusteredIndex"];
  return ci !== undefined && ci !== null && ci !== false;
}

const scanPath = (reverse: boolean): IxScanPath => ({
  kind: "ixScan",
  indexName: "_id_",
  keyPattern: { _id: 1 },
  unique: true,
  multikey: false,
  sparse: false,
  partial: false,
  intervals: [{}],
  reverse,
  indexBounds: { _id: ["[MinKey, MaxKey]"] },
  providesSort: false,
  dedup: false,
  score: 0,
});

const FORWARD = scanPath(false);
const BACKWARD = scanPath(true);

/** The whole `_id_` index in one direction: a clustered collection's natural order. */
export function clusteredScanPath(reverse: boolean): IxScanPath {
  return reverse ? BACKWARD : FORWARD;
}

/** The collection's `_id` TTL in seconds (clustered collections only), if set. */
export function clusteredTtlSeconds(coll: CollectionEntry): number | undefined {
  if (!isClustered(coll)) return undefined;
  const t = coll.options["expireAfterSeconds"];
  if (t === undefined || t === null || t === "off") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}
