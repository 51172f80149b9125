/**
 * Durability through the real driver: data survives a clean restart, and after `kill -9` in the
 * middle of a write stream every insert acknowledged with `{j: true}` is present on restart.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";

Deno.test({
  name: "data survives a clean restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s1 = await spawnServer();
    const c1 = new MongoClient(s1.uri);
    try {
      await c1.db("persist").collection<AnyDoc>("c").insertMany([{ _id: 1, v: "a" }, { _id: 2, v: "b" }]);
      await c1.db("persist").createCollection("empty_one");
    } finally {
      await c1.close();
    }
    assert.equal(await s1.stop("SIGTERM", { keepData: true }), 0);
    assert.match(s1.output(), /closed cleanly/);

    const s2 = await spawnServer({ dataDir: s1.dataDir, ownDataDir: true });
    const c2 = new MongoClient(s2.uri);
    try {
      const docs = await c2.db("persist").collection<AnyDoc>("c").find().toArray();
      assert.deepEqual(docs, [{ _id: 1, v: "a" }, { _id: 2, v: "b" }]);
      const names = (await c2.db("persist").listCollections().toArray()).map((c) => c.name).sort();
      assert.deepEqual(names, ["c", "empty_one"]);
      // ids continue after a restart without colliding
      await c2.db("persist").collection<AnyDoc>("c").insertOne({ _id: 3, v: "c" });
      assert.equal(await c2.db("persist").collection<AnyDoc>("c").countDocuments(), 3);
    } finally {
      await c2.close();
      await s2.stop();
    }
  },
});

Deno.test({
  name: "kill -9 during writes keeps every j:true-acknowledged insert",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s1 = await spawnServer();
    const client = new MongoClient(s1.uri, { retryWrites: false });
    const acked: number[] = [];
    let stop = false;
    const writer = (async () => {
      const c = client.db("crash").collection<AnyDoc>("c");
      for (let i = 0; !stop; i++) {
        try {
          await c.insertOne({ _id: i, pad: "y".repeat(200) }, { writeConcern: { w: 1, j: true } });
          acked.push(i);
        } catch {
          break;
        }
      }
    })();
    while (acked.length < 200) await new Promise((r) => setTimeout(r, 10));
    await s1.stop("SIGKILL", { keepData: true });
    stop = true;
    await writer;
    await client.close().catch(() => {});

    const s2 = await spawnServer({ dataDir: s1.dataDir, ownDataDir: true });
    const c2 = new MongoClient(s2.uri);
    try {
      const ids = new Set(
        (await c2.db("crash").collection<AnyDoc>("c").find({}, { projection: { _id: 1 } }).toArray()).map((
          d,
        ) => d._id as number),
      );
      const missing = acked.filter((i) => !ids.has(i));
      assert.deepEqual(missing, [], `acknowledged but missing after kill -9: ${missing.length}`);
    } finally {
      await c2.close();
      await s2.stop();
    }
  },
});
