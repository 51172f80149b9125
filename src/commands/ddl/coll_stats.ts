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
    ...parseShape("collStats", body, COLL_STATS_FIELDS, { skip: "collStats", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("collStats", body),
  };
}

export function parseDbStats(body: Doc): DbStatsParams {
  return parseShape("dbStats", body, DB_STATS_FIELDS, { skip: "dbStats", alsoAccept: GENERIC_FIELDS });
}

export interface CollSizes {
  count: number;
  size: number;
  storageSize: number;
  indexSizes: Record<string, number>;
  totalIndexSize: number;
}

export function collSizes(ctx: RequestContext, coll: CollectionEntry): CollSizes {
  const count = ctx.storage.read((txn) => txn.count(coll));
  const s = ctx.storage.sizes(coll);
  const totalIndexSize = Object.values(s.indexSizes).reduce((a, b) => a + b, 0);
  return { count, size: s.storageSize, storageSize: s.storageSize, indexSizes: s.indexSizes, totalIndexSize };
}

function runCollStats(ctx: RequestContext<CollStatsParams>): Doc {
  const name = ctx.params.collection;
  const scale = ctx.params.scale ?? 1;
  const ns = `${ctx.db}.${name}`;
  if (isOplogNs(ctx.db, name) && ctx.oplog) return { ns, ...oplogCollStats(ctx.oplog, scale), ok: 1 };
  const coll = findCollection(ctx, name);
  if (!coll) throw new CommandError("NamespaceNotFound", `Collection [${ns}] not found.`);
  const z = collSizes(ctx, coll);
  const sc = (n: number) => Math.floor(n / scale);
  const indexSizes: Record<string, number> = {};
  for (const [k, v] of Object.entries(z.indexSizes)) indexSizes[k] = sc(v);
  return {
    ns,
    size: sc(z.size),
    count: z.count,
    avgObjSize: z.count ? Math.floor(z.size / z.count) : 0,
    storageSize: sc(z.storageSize),
    freeStorageSize: 0,
    capped: coll.options["capped"] === true,
    ...(coll.options["capped"] === true
      ? {
        maxSize: sc(Number(coll.options["size"] ?? 0)),
        ...(coll.options["max"] !== undefined ? { max: coll.options["max"] } : {}),
      }
      : {}),
    nindexes: coll.indexes.length,
    indexBuilds: [],
    totalIndexSize: sc(z.totalIndexSize),
    totalSize: sc(z.storageSize + z.totalIndexSize),
    indexSizes,
    scaleFactor: scale,
    ok: 1,
  };
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

export const collStats = defineCommand<CollStatsParams>({
  name: "collStats",
  help: "collection statistics: {collStats: <coll>, scale}",
  auth: "collStats",
  parse: parseCollStats,
  run: runCollStats,
});

export const dbStats = defineCommand<DbStatsParams>({
  name: "dbStats",
  help: "database statistics: {dbStats: 1, scale}",
  auth: "dbStats",
  parse: parseDbStats,
  run: runDbStats,
});
