/**
 * collStats / dbStats: counts and on-disk sizes from storage (`sizes(coll)`), per-index sizes,
 * `scale` applied as mongod does (integer division). Sizes are WiredTiger's, so data size is the
 * record table's size rather than the sum of BSON lengths.
 */
import type { CollectionEntry } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { ignored, optional, type Parsed, parseShape, type Reader } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { findCollection } from "../shared/namespace.ts";
import { CommandError } from "../../errors/command_error.ts";
import { isOplogNs, oplogCollStats } from "../shared/oplog_stats.ts";

/** `scale`: truncated to an integer, at least 1 (anything else is 2 BadValue, as mongod). */
const scale: Reader<number> = (v) => {
  const n = Math.trunc(Number(v));
  if (!(n >= 1)) throw new CommandError("BadValue", "Scale factor must be greater than zero");
  return n;
};

const COLL_STATS_FIELDS = { scale: optional(scale), verbose: ignored } as const;
const DB_STATS_FIELDS = { scale: optional(scale), freeStorage: ignored } as const;

export type CollStatsParams = Parsed<typeof COLL_STATS_FIELDS> & { readonly collection: string };
export type DbStatsParams = Parsed<typeof DB_STATS_FIELDS>;

export function parseCollStats(body: Doc): CollStatsParams {
  return {
    ...parseShape("collStats", body, COLL_STATS_FIELDS, {
      skip: commandKey(body),
      alsoAccept: GENERIC_FIELDS,
    }),
    collection: collectionName(commandKey(body), body),
  };
}

export function parseDbStats(body: Doc): DbStatsParams {
  return parseShape("dbStats", body, DB_STATS_FIELDS, { skip: commandKey(body), alsoAccept: GENERIC_FIELDS });
}

export interface CollSizes {
  count: number;
  size: number;
  storageSize: number;
  /** Bytes reusable inside the record store's file. */
  freeStorageSize: number;
  indexSizes: Record<string, number>;
  totalIndexSize: number;
}

export function collSizes(ctx: RequestContext, coll: CollectionEntry): CollSizes {
  const count = ctx.storage.read((txn) => txn.count(coll));
  const s = ctx.storage.sizes(coll);
  const totalIndexSize = Object.values(s.indexSizes).reduce((a, b) => a + b, 0);
  return {
    count,
    size: s.storageSize,
    storageSize: s.storageSize,
    freeStorageSize: s.freeStorageSize,
    indexSizes: s.indexSizes,
    totalIndexSize,
  };
}

/**
 * The storage statistics of one collection as mongod 8.0's `appendCollectionStorageStats` lays them out
 * (collStats and `$collStats: {storageStats}` share it): record stats (`size`, `count`, `avgObjSize` when
 * there are documents — or for a time-series collection a `timeseries` section instead —, `numOrphanDocs`),
 * record store (`storageSize`, `freeStorageSize`, `capped` with `max`/`maxSize`), indexes, totals.
 *
 * A time-series collection keeps each measurement as one record (commands/shared/timeseries.ts), so its
 * `timeseries.bucketCount` counts measurements and `avgBucketSize` is their average size; mongod's bucket
 * catalog counters (numBucketInserts, numMeasurementsCommitted …) are not kept and not shown, nor is the
 * `_id_` index a time-series collection has here and mongod's buckets collection has not.
 */
export function storageStatsDoc(ctx: RequestContext, coll: CollectionEntry, scale: number): Doc {
  const z = collSizes(ctx, coll);
  const sc = (n: number) => Math.floor(n / scale);
  const ts = coll.options["timeseries"] !== undefined;
  const indexes = ts ? coll.indexes.filter((i) => i.name !== "_id_") : coll.indexes;
  const indexSizes: Record<string, number> = {};
  let totalIndexSize = 0;
  for (const ix of indexes) {
    const size = z.indexSizes[ix.name] ?? 0;
    indexSizes[ix.name] = sc(size);
    totalIndexSize += size;
  }
  const avg = z.count ? Math.floor(z.size / z.count) : 0;
  const records: Doc = ts
    ? {
      timeseries: {
        bucketsNs: `${coll.db}.system.buckets.${coll.name}`,
        bucketCount: z.count,
        ...(z.count ? { avgBucketSize: avg } : {}),
      },
    }
    : { count: z.count, ...(z.count ? { avgObjSize: avg } : {}) };
  const capped = coll.options["capped"] === true;
  return {
    size: sc(z.size),
    ...records,
    numOrphanDocs: 0,
    storageSize: sc(z.storageSize),
    freeStorageSize: sc(z.freeStorageSize),
    capped,
    ...(capped
      ? { max: Number(coll.options["max"] ?? 0), maxSize: sc(Number(coll.options["size"] ?? 0)) }
      : {}),
    nindexes: indexes.length,
    // (mongod appends each index's WiredTiger statistics; here the table it lives in)
    indexDetails: Object.fromEntries(
      indexes.map((ix) => [ix.name, { type: "file", uri: `statistics:table:${ix.ident}` }]),
    ),
    indexBuilds: [],
    totalIndexSize: sc(totalIndexSize),
    indexSizes,
    totalSize: sc(z.storageSize + totalIndexSize),
    scaleFactor: scale,
  };
}

function runCollStats(ctx: RequestContext<CollStatsParams>): Doc {
  const name = ctx.params.collection;
  const scale = ctx.params.scale ?? 1;
  const ns = `${ctx.db}.${name}`;
  if (isOplogNs(ctx.db, name) && ctx.oplog) return { ns, ...oplogCollStats(ctx.oplog, scale), ok: 1 };
  const coll = findCollection(ctx, name);
  if (!coll) {
    // mongod's appendCollectionStorageStats fills zeros and the command ignores its NamespaceNotFound
    return {
      ns,
      size: 0,
      count: 0,
      numOrphanDocs: 0,
      storageSize: 0,
      totalSize: 0,
      nindexes: 0,
      totalIndexSize: 0,
      indexDetails: {},
      indexSizes: {},
      scaleFactor: scale,
      ok: 1,
    };
  }
  return { ns, ...storageStatsDoc(ctx, coll, scale), ok: 1 };
}

function runDbStats(ctx: RequestContext<DbStatsParams>): Doc {
  const scale = ctx.params.scale ?? 1;
  const sc = (n: number) => Math.floor(n / scale);
  let objects = 0, dataSize = 0, storageSize = 0, indexes = 0, indexSize = 0;
  const colls = ctx.storage.catalog.listCollections(ctx.db);
  for (const c of colls) {
    const z = collSizes(ctx, c);
    objects += z.count;
    dataSize += z.size;
    storageSize += z.storageSize;
    indexes += c.indexes.length;
    indexSize += z.totalIndexSize;
  }
  return {
    db: ctx.db,
    collections: colls.length,
    views: 0,
    objects,
    avgObjSize: objects ? dataSize / objects : 0,
    dataSize: sc(dataSize),
    storageSize: sc(storageSize),
    indexes,
    indexSize: sc(indexSize),
    totalSize: sc(storageSize + indexSize),
    scaleFactor: scale,
    fsUsedSize: 0,
    fsTotalSize: 0,
    ok: 1,
  };
}

/** The command's own key: its name or mongod's lower-case alias (`collstats`, `dbstats`). */
function commandKey(body: Doc): string {
  return Object.keys(body)[0] ?? "";
}

export const collStats = defineCommand<CollStatsParams>({
  name: "collStats",
  aliases: ["collstats"],
  help: "collection statistics: {collStats: <coll>, scale}",
  auth: "collStats",
  parse: parseCollStats,
  run: runCollStats,
});

export const dbStats = defineCommand<DbStatsParams>({
  name: "dbStats",
  aliases: ["dbstats"],
  help: "database statistics: {dbStats: 1, scale}",
  auth: "dbStats",
  parse: parseDbStats,
  run: runDbStats,
});
