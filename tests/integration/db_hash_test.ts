/**
 * dbHash through the Node driver: each collection's MD5 is mongod's — the documents' bytes in `_id`
 * order (natural order when capped) — and the database's one MD5 of those in name order; `collections`
 * narrows it; and a database copied with the official mongodump / mongorestore into another server hashes
 * alike (the tools are skipped when absent).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { BSON, MongoClient, ObjectId } from "mongodb";
import { startServer } from "../../mod.ts";
import { haveMongoTools, runTool } from "./helpers/mongo_tools.ts";

const md5 = (parts: (Uint8Array | string)[]) => {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};

Deno.test({
  name: "dbHash: mongod's per-collection and database MD5s; equal after mongodump / mongorestore",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-dbhash-" });
    const a = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const b = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const ca = new MongoClient(a.uri);
    const cb = new MongoClient(b.uri);
    try {
      const db = ca.db("shop");
      const items = [{ _id: 3, name: "c", price: 2.5 }, { _id: 1, name: "a", tags: ["x", { y: null }] }, {
        _id: 2,
        name: "b",
        when: new Date(0),
      }];
      await db.collection<{ _id: number }>("items").insertMany(items);
      await db.collection("notes").insertOne({
        _id: new ObjectId("0123456789abcdef01234567"),
        text: "héllo",
      });
      await db.createCollection("log", { capped: true, size: 4096 });
      await db.collection<{ _id: number; m: string }>("log").insertMany([{ _id: 9, m: "first" }, {
        _id: 8,
        m: "second",
      }]);

      const r = await db.command({ dbHash: 1 });
      const byId = [...items].sort((x, y) => x._id - y._id).map((d) => BSON.serialize(d));
      assert.equal(r.collections.items, md5(byId));
      assert.equal(
        r.collections.log,
        md5([{ _id: 9, m: "first" }, { _id: 8, m: "second" }].map((d) => BSON.serialize(d))),
      );
      assert.deepEqual(Object.keys(r.collections), ["items", "log", "notes"]);
      assert.equal(r.md5, md5(["items", "log", "notes"].map((n) => r.collections[n])));
      assert.deepEqual(r.capped, ["log"]);
      assert.deepEqual(Object.keys(r.uuids), ["items", "log", "notes"]);
      assert.deepEqual(Object.keys((await db.command({ dbHash: 1, collections: ["notes"] })).collections), [
        "notes",
      ]);
      assert.equal((await db.command({ dbhash: 1 })).md5, r.md5);
      const e = await db.command({ dbHash: 1, collections: [1] }).catch((x) => x);
      assert.equal(e.code, 2);

      if (haveMongoTools) {
        const dump = await runTool("mongodump", [`--uri=${a.uri}`, "--db=shop", `--out=${work}/dump`]);
        assert.equal(dump.code, 0, dump.stderr);
        const restore = await runTool("mongorestore", [`--uri=${b.uri}`, `${work}/dump`]);
        assert.equal(restore.code, 0, restore.stderr);
        const copied = await cb.db("shop").command({ dbHash: 1 });
        assert.deepEqual(copied.collections, r.collections);
        assert.equal(copied.md5, r.md5);
      }
    } finally {
      await ca.close();
      await cb.close();
      await a.stop();
      await b.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});
