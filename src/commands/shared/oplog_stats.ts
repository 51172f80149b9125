/**
 * collStats figures of `local.oplog.rs` (what mongosh's `db.getReplicationInfo()` and
 * `rs.printReplicationInfo()` read through `$collStats`): the oplog is an internal table, not a
 * collection, so its size is estimated from the newest entries' average size times the count, and
 * `maxSize` — mongod's configured oplog size — is that average times `max_entries` (the bound that
 * caps it here, with `retention_seconds`), or the byte cap of an in-memory server when lower.
 */
import type { Oplog } from "../../oplog/mod.ts";
import type { Doc } from "../reply.ts";

const SAMPLE = 200;

export const OPLOG_COLLECTION = { db: "local", name: "oplog.rs" } as const;

export function isOplogNs(db: string, coll: string): boolean {
  return db === OPLOG_COLLECTION.db && coll === OPLOG_COLLECTION.name;
}

/** The collStats fields of the oplog, scaled (integer division, as mongod). */
export function oplogCollStats(oplog: Oplog, scale: number): Doc {
  const sample = oplog.readNewest(SAMPLE);
  const avg = sample.length ? Math.round(sample.reduce((a, e) => a + e.bytes.length, 0) / sample.length) : 0;
  const count = oplog.count;
  const sc = (n: number) => Math.floor(n / scale);
  return {
    size: sc(avg * count),
    count,
    avgObjSize: avg,
    storageSize: sc(avg * count),
    freeStorageSize: 0,
    capped: true,
    maxSize: sc(
      Math.min(Math.max(avg, 1) * oplog.retention.maxEntries, oplog.retention.maxBytes ?? Infinity),
    ),
    nindexes: 0,
    indexBuilds: [],
    totalIndexSize: 0,
    totalSize: sc(avg * count),
    indexSizes: {},
    scaleFactor: scale,
  };
}
