/**
 * The dashboard's tiles, each probed separately so a server lacking one thing still shows the rest:
 * uptime, version and connections (`serverStatus`, `buildInfo`, `hello`), WiredTiger cache use, the
 * oplog window (`local.oplog.rs` first and last `ts`/`wall`), and the newest backup archive's age.
 */
import type { Document } from "mongodb";
import { failureOf, type Mongo, toEjson } from "../mongo.ts";
import { listArchives } from "./backup.ts";

type Tile = { ok: true; value: unknown } | { ok: false; error: ReturnType<typeof failureOf> };

async function tile(fn: () => Promise<unknown>): Promise<Tile> {
  try {
    return { ok: true, value: toEjson(await fn()) };
  } catch (e) {
    return { ok: false, error: failureOf(e) };
  }
}

/** The oplog's first and last entries and its size, or `null` when the server keeps none. */
export async function oplogWindow(mongo: Mongo): Promise<Document | null> {
  const local = mongo.client.db("local");
  const found = await local.listCollections({ name: "oplog.rs" }, { nameOnly: true }).toArray();
  if (found.length === 0) return null;
  const coll = local.collection("oplog.rs");
  const proj = { projection: { ts: 1, wall: 1, op: 1, ns: 1 } };
  const first = await coll.find({}, proj).sort({ $natural: 1 }).limit(1).next();
  const last = await coll.find({}, proj).sort({ $natural: -1 }).limit(1).next();
  const count = await coll.estimatedDocumentCount();
  const secs = (d: Document | null) => {
    const ts = d?.["ts"] as { high?: number; getHighBits?: () => number } | undefined;
    if (ts === undefined) return undefined;
    return typeof ts.getHighBits === "function" ? ts.getHighBits() : ts.high;
  };
  const a = secs(first);
  const b = secs(last);
  return { first, last, count, spanSeconds: a !== undefined && b !== undefined ? b - a : null };
}

export async function overview(mongo: Mongo, backupDir: string | undefined): Promise<Document> {
  const admin = mongo.client.db("admin");
  const [status, build, hello, oplog, backup] = await Promise.all([
    tile(() => admin.command({ serverStatus: 1 })),
    tile(() => admin.command({ buildInfo: 1 })),
    tile(() => admin.command({ hello: 1 })),
    tile(() => oplogWindow(mongo)),
    tile(async () => {
      if (backupDir === undefined) return null;
      const rows = await listArchives(backupDir);
      const newest = rows.reduce<number | null>((m, r) => Math.max(m ?? 0, r.mtime ?? 0), null);
      return { count: rows.length, newestMtime: newest, dir: backupDir };
    }),
  ]);
  return { serverStatus: status, buildInfo: build, hello, oplog, backup, now: Date.now() };
}
