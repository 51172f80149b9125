/**
 * collStats / dbStats: counts and on-disk sizes from storage (`sizes(coll)`), per-index sizes,
 * `scale` applied as mongod does (integer division). Sizes are WiredTiger's, so data size is the
 * record table's size rather than the sum of BSON lengths.
 */
import type { CollectionEntry } from "../../storage/api.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName } from "../params/readers.ts";
import { findCollection } from "../shared/namespace.ts";
import { CommandError } from "../../errors/command_error.ts";

function scaleOf(body: Doc): number {
  const s = body["scale"];
  if (s === undefined) return 1;
  const n = Math.trunc(Number(s));
  if (!(n >= 1)) throw new CommandError("BadValue", "Scale factor must be greater than zero");
  return n;
}

export interface CollSizes {
  count: number;
  size: number;
  storageSize: number;
  indexSizes: Record<string, number>;
  totalIndexSize: number;
}

export function collSizes(ctx: CommandContext, coll: CollectionEntry): CollSizes {
  const count = ctx.storage.read((txn) => txn.count(coll));
  const s = ctx.storage.sizes(coll);
  const totalIndexSize = Object.values(s.indexSizes).reduce((a, b) => a + b, 0);
  return { count, size: s.storageSize, storageSize: s.storageSize, indexSizes: s.indexSizes, totalIndexSize };
}

function runCollStats(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("collStats", body);
  const scale = scaleOf(body);
  const ns = `${ctx.db}.${name}`;
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
    capped: false,
    nindexes: coll.indexes.length,
    indexBuilds: [],
    totalIndexSize: sc(z.totalIndexSize),
    totalSize: sc(z.storageSize + z.totalIndexSize),
    indexSizes,
    scaleFactor: scale,
    ok: 1,
  };
}

function runDbStats(ctx: CommandContext, body: Doc): Doc {
  const scale = scaleOf(body);
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

export const collStats: LegacyCommandSpec = {
  name: "collStats",
  help: "collection statistics: {collStats: <coll>, scale}",
  auth: "find",
  fields: { scale: "optional", verbose: "ignored" },
  run: runCollStats,
};

export const dbStats: LegacyCommandSpec = {
  name: "dbStats",
  help: "database statistics: {dbStats: 1, scale}",
  auth: "find",
  fields: { scale: "optional", freeStorage: "ignored" },
  run: runDbStats,
};
