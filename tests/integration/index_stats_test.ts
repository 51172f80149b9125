/**
 * `$indexStats` through the Node driver: one document per index with mongod's shape, access counters
 * that count each operation whose plan reads the index (find, count, distinct, update, delete,
 * findAndModify, aggregate; not explain), reset by drop / re-create / collMod; stage validation.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Long, MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "$indexStats through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri, { promoteLongs: false });
    const db = client.db("ixstats");
    const c = db.collection<AnyDoc>("orders");
    const stats = async () => {
      const docs = await c.aggregate([{ $indexStats: {} }]).toArray();
      return Object.fromEntries(docs.map((d) => [d.name, d]));
    };
    const ops = async (name: string) => Number((await stats())[name]?.accesses.ops);
    try {
      await c.insertMany([
        { _id: 1, item: "abc", price: 12, quantity: 2, type: "apparel" },
        { _id: 2, item: "jkl", price: 20, quantity: 1, type: "electronics" },
        { _id: 3, item: "abc", price: 10, quantity: 5, type: "apparel" },
      ]);
      await c.createIndex({ item: 1, quantity: 1 });
      await c.createIndex({ type: 1, item: 1 });

      await t.step("one document per index, mongod's shape", async () => {
        const before = new Date(Date.now() - 60_000);
        const s = await stats();
        assert.deepEqual(Object.keys(s).sort(), ["_id_", "item_1_quantity_1", "type_1_item_1"]);
        const d = s["item_1_quantity_1"];
        assert.deepEqual(Object.keys(d), ["name", "key", "host", "accesses", "spec"]);
        assert.deepEqual(d.key, { item: 1, quantity: 1 });
        assert.match(d.host, /:\d+$/);
        assert.ok(d.accesses.ops instanceof Long);
        assert.equal(Number(d.accesses.ops), 0);
        assert.ok(d.accesses.since instanceof Date && d.accesses.since > before);
        assert.deepEqual(d.spec, { v: 2, key: { item: 1, quantity: 1 }, name: "item_1_quantity_1" });
      });

      await t.step("every kind of operation that uses an index counts once", async () => {
        await c.find({ type: "apparel" }).toArray();
        assert.equal(await ops("type_1_item_1"), 1);
        await c.find({ item: "abc", quantity: { $gt: 1 } }).toArray();
        await c.countDocuments({ item: "abc" });
        await c.distinct("price", { item: "jkl" });
        await c.updateOne({ item: "abc" }, { $inc: { price: 1 } });
        await c.deleteMany({ item: "zzz" });
        await c.findOneAndUpdate({ item: "jkl" }, { $set: { seen: true } });
        await c.aggregate([{ $match: { item: "abc" } }, { $group: { _id: null, n: { $sum: 1 } } }]).toArray();
        assert.equal(await ops("item_1_quantity_1"), 7);
        await c.findOne({ _id: 2 });
        assert.equal(await ops("_id_"), 1);
        // A collection scan and explain touch no counter.
        await c.find({ price: 10 }).toArray();
        await c.find({ item: "abc" }).explain("executionStats");
        assert.equal(await ops("item_1_quantity_1"), 7);
        assert.equal(await ops("type_1_item_1"), 1);
      });

      await t.step("later stages run over the statistics", async () => {
        const out = await c.aggregate([
          { $indexStats: {} },
          { $match: { "accesses.ops": { $gt: 0 } } },
          { $sort: { name: 1 } },
          { $project: { _id: 0, name: 1 } },
        ]).toArray();
        assert.deepEqual(out, [{ name: "_id_" }, { name: "item_1_quantity_1" }, { name: "type_1_item_1" }]);
      });

      await t.step("drop + re-create and collMod reset the counter", async () => {
        const since = (await stats())["type_1_item_1"].accesses.since as Date;
        await new Promise((r) => setTimeout(r, 5));
        await c.dropIndex("type_1_item_1");
        assert.equal((await stats())["type_1_item_1"], undefined);
        await c.createIndex({ type: 1, item: 1 });
        const s = (await stats())["type_1_item_1"];
        assert.equal(Number(s.accesses.ops), 0);
        assert.ok(s.accesses.since > since);
        await c.find({ item: "abc" }).toArray();
        assert.equal(await ops("item_1_quantity_1"), 8);
        await db.command({ collMod: "orders", index: { name: "item_1_quantity_1", hidden: true } });
        const h = (await stats())["item_1_quantity_1"];
        assert.equal(Number(h.accesses.ops), 0);
        assert.equal(h.spec.hidden, true);
      });

      await t.step("validation and edge cases", async () => {
        await assert.rejects(
          c.aggregate([{ $match: {} }, { $indexStats: {} }]).toArray(),
          (e: MongoServerError) => e.code === 40602,
        );
        await assert.rejects(
          c.aggregate([{ $indexStats: { x: 1 } }]).toArray(),
          (e: MongoServerError) => e.code === 28803,
        );
        await assert.rejects(
          db.aggregate([{ $indexStats: {} }]).toArray(),
          (e: MongoServerError) => e.code === 73,
        );
        assert.deepEqual(await db.collection("nope").aggregate([{ $indexStats: {} }]).toArray(), []);
      });
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
