/**
 * Record counts across restarts, through the Node driver: a clean stop saves each collection's count
 * (storage/wiredtiger/engine.ts `record_counts`) and the next start trusts it; a kill -9 after writes
 * leaves none to trust, so the counts are walked again. Through clean stops, kills, drops, renames and
 * creates in between, `estimatedDocumentCount` (the stored count) and `countDocuments` equal the number of
 * documents a full scan returns. One server process at a time on one data directory.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { type Db, MongoClient } from "mongodb";
import { type ServerProcess, spawnServer } from "./helpers/server_process.ts";

/** Every collection of `db`: stored count, countDocuments and a full scan agree; returns name → count. */
async function checkCounts(db: Db, label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  for (const name of names) {
    const coll = db.collection<AnyDoc>(name);
    const scanned = (await coll.find({}, { projection: { _id: 1 } }).toArray()).length;
    const estimated = await coll.estimatedDocumentCount();
    const counted = (await db.command({ count: name })).n as number;
    assert.equal(estimated, scanned, `${label}: ${name} estimatedDocumentCount vs a full scan`);
    assert.equal(counted, scanned, `${label}: ${name} count vs a full scan`);
    assert.equal(await coll.countDocuments(), scanned, `${label}: ${name} countDocuments vs a full scan`);
    out[name] = scanned;
  }
  return out;
}

const docs = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ _id: from + i, pad: "p".repeat(50) }));

Deno.test({
  name: "record counts: clean stops, kill -9 after writes, drops/renames/creates between restarts",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let server: ServerProcess = await spawnServer();
    const dataDir = server.dataDir;
    const restart = async (signal: Deno.Signal) => {
      await server.stop(signal, { keepData: true });
      if (signal !== "SIGKILL") assert.match(server.output(), /closed cleanly/);
      server = await spawnServer({ dataDir, ownDataDir: true });
      return new MongoClient(server.uri);
    };
    let client = new MongoClient(server.uri);
    try {
      // run 1: three collections written by single and batched inserts, deletes and an update
      let db = client.db("counts");
      await db.collection<AnyDoc>("a").insertMany(docs(0, 300));
      for (let i = 300; i < 320; i++) await db.collection<AnyDoc>("a").insertOne({ _id: i });
      await db.collection<AnyDoc>("a").deleteMany({ _id: { $lt: 40 } });
      await db.collection<AnyDoc>("a").deleteOne({ _id: 310 });
      await db.collection<AnyDoc>("a").updateMany({}, { $set: { u: 1 } });
      await db.collection<AnyDoc>("b").insertMany(docs(0, 50));
      await db.collection<AnyDoc>("c").insertMany(docs(0, 10));
      await db.createCollection("empty");
      await db.collection<AnyDoc>("b").rename("b2");
      assert.deepEqual(await checkCounts(db, "run 1"), { a: 279, b2: 50, c: 10, empty: 0 });
      await client.close();

      // run 2, after a clean stop: the saved counts; then drops, creates, a rename over a target, writes
      client = await restart("SIGTERM");
      db = client.db("counts");
      assert.deepEqual(await checkCounts(db, "after a clean stop"), { a: 279, b2: 50, c: 10, empty: 0 });
      await db.collection<AnyDoc>("c").drop();
      await db.collection<AnyDoc>("d").insertMany(docs(0, 7));
      await db.collection<AnyDoc>("b2").rename("d", { dropTarget: true });
      await db.collection<AnyDoc>("a").insertMany(docs(1000, 25));
      await db.collection<AnyDoc>("empty").insertOne({ _id: 1 });
      assert.deepEqual(await checkCounts(db, "run 2"), { a: 304, d: 50, empty: 1 });
      await client.close();

      // run 3, after kill -9 following those writes: counts walked again, still exact
      client = await restart("SIGKILL");
      db = client.db("counts");
      assert.deepEqual(await checkCounts(db, "after kill -9"), { a: 304, d: 50, empty: 1 });
      await db.collection<AnyDoc>("a").deleteMany({ _id: { $gte: 1000 } });
      await client.close();

      // run 4, after a clean stop following the kill: saved again
      client = await restart("SIGINT");
      db = client.db("counts");
      assert.deepEqual(await checkCounts(db, "clean stop after a kill"), { a: 279, d: 50, empty: 1 });
      await client.close();

      // run 5: run 4 was killed without a write of its own (its start had taken the saved counts), then
      // writes and another kill
      client = await restart("SIGKILL");
      db = client.db("counts");
      await db.collection<AnyDoc>("d").insertMany(docs(5000, 3));
      assert.deepEqual(await checkCounts(db, "kill -9 without writes"), { a: 279, d: 53, empty: 1 });
      await client.close();
      client = await restart("SIGKILL");
      db = client.db("counts");
      assert.deepEqual(await checkCounts(db, "kill -9 after writes"), { a: 279, d: 53, empty: 1 });
    } finally {
      await client.close().catch(() => {});
      await server.stop();
    }
  },
});
