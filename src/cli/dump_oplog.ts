/**
 * `secantusdb dump --oplog`, as mongodump's: before the collections are read, the newest oplog entry's
 * timestamp is the start; after them, the newest is the end, and every entry with start ≤ ts ≤ end
 * is written (`oplog.bson`, or the archive's oplog namespace), so `mongorestore --oplogReplay` or
 * `secantusdb load --oplog-replay` makes the dump consistent as of its end. Refused as mongodump
 * refuses: a rename in the window (a dump cannot follow it), a change of `admin.system.version`, and
 * an oplog that no longer reaches back to the start (entries were pruned during the dump).
 */
import { deserialize, type Timestamp } from "bson";
import type { MongoClient } from "mongodb";

/** The newest oplog entry's timestamp: the start of the window. */
export async function oplogStart(client: MongoClient): Promise<Timestamp> {
  const oplog = client.db("local").collection("oplog.rs");
  const newest = await oplog.find({}, { sort: { $natural: -1 }, limit: 1, projection: { ts: 1 } }).toArray();
  const ts = newest[0]?.["ts"] as Timestamp | undefined;
  if (!ts) {
    throw new Error(
      "--oplog needs the server's oplog (local.oplog.rs), and this server has none (standalone?)",
    );
  }
  return ts;
}

/** The entries from `start` to the newest one now, as raw BSON, checked as mongodump checks them. */
export async function* oplogEntries(client: MongoClient, start: Timestamp): AsyncGenerator<Uint8Array> {
  const oplog = client.db("local").collection("oplog.rs");
  const end = await oplogStart(client);
  const oldest = await oplog.find({}, { sort: { $natural: 1 }, limit: 1, projection: { ts: 1 } }).toArray();
  const first = oldest[0]?.["ts"] as Timestamp | undefined;
  if (!first || first.compare(start) > 0) {
    throw new Error(
      "the oplog no longer holds the dump's start (entries were pruned while dumping); " +
        "raise [oplog] retention_seconds / max_entries and dump again",
    );
  }
  const cursor = oplog.find({ ts: { $gte: start, $lte: end } }, { raw: true, batchSize: 1000 });
  for await (const raw of cursor) {
    const bytes = raw as unknown as Uint8Array;
    const e = deserialize(bytes, { promoteValues: false }) as { ns?: unknown; o?: Record<string, unknown> };
    if (e.ns === "admin.system.version") {
      throw new Error("cannot dump with oplog if admin.system.version is modified");
    }
    if (e.o && "renameCollection" in e.o) throw new Error("cannot dump with oplog while renames occur");
    yield bytes;
  }
}
