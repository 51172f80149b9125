/**
 * The oplog through the official tools: `mongodump --oplog` captures it, and `mongorestore
 * --oplogReplay` replays a server's whole oplog (inserts, $v:2 update diffs, replacements, deletes,
 * a transaction's applyOps, index creation) into a fresh server through applyOps, which ends with
 * the same data.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { haveMongoTools, runTool as tool } from "./helpers/mongo_tools.ts";

type D = { _id: number; n?: number; tags?: string[]; sub?: { x: number }; replaced?: boolean };

Deno.test({
  name: "mongodump --oplog and mongorestore --oplogReplay round trip",
  ignore: !haveMongoTools,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const a = await startServer({ logLevel: "WARNING" });
    const b = await startServer({ logLevel: "WARNING" });
    const ca = new MongoClient(a.uri);
    const cb = new MongoClient(b.uri);
    const dump = await Deno.makeTempDir({ prefix: "secantus-dump-" });
    const replay = await Deno.makeTempDir({ prefix: "secantus-replay-" });
    try {
      const coll = ca.db("shop").collection<D>("items");
      await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, n: i, tags: ["a", "b"] })));
      await coll.createIndex({ n: 1 }, { name: "n_1" });
      await coll.updateOne({ _id: 1 }, { $set: { n: 100, "sub.x": 1 }, $push: { tags: "c" } });
      await coll.updateOne({ _id: 2 }, { $unset: { tags: "" } });
      await coll.replaceOne({ _id: 3 }, { replaced: true });
      await coll.deleteOne({ _id: 4 });
      const session = ca.startSession();
      await session.withTransaction(async () => {
        await coll.insertOne({ _id: 50 }, { session });
        await coll.updateOne({ _id: 5 }, { $inc: { n: 1 } }, { session });
      });
      // a transaction past 16 MiB: logged as a chain of applyOps entries (partialTxn …, count)
      const mib = "m".repeat(1024 * 1024);
      await session.withTransaction(async () => {
        for (let i = 0; i < 18; i++) {
          await ca.db("shop").collection("big").insertOne({ _id: i, mib } as never, { session });
        }
      });
      await session.endSession();
      const partial = await ca.db("local").collection("oplog.rs").find({ "o.partialTxn": true }).project({
        ts: 1,
      })
        .toArray();
      assert.equal(partial.length, 1);

      const d = await tool("mongodump", ["--uri", a.uri, "--oplog", "--out", dump]);
      assert.equal(d.code, 0, d.stderr);
      await Deno.stat(`${dump}/oplog.bson`);

      // The whole oplog as a dump's oplog.bson, replayed into an empty server.
      const entries = await ca.db("local").collection("oplog.rs").find({}).toArray();
      const bytes = entries.map((e) => BSON.serialize(e));
      const file = new Uint8Array(bytes.reduce((n, x) => n + x.length, 0));
      let at = 0;
      for (const x of bytes) file.set(x, (at += x.length) - x.length);
      await Deno.writeFile(`${replay}/oplog.bson`, file);
      const r = await tool("mongorestore", ["--uri", b.uri, "--oplogReplay", replay]);
      assert.equal(r.code, 0, r.stderr);

      const want = await coll.find({}).sort({ _id: 1 }).toArray();
      const got = await cb.db("shop").collection<D>("items").find({}).sort({ _id: 1 }).toArray();
      assert.deepEqual(got, want);
      assert.equal(
        await cb.db("shop").collection("big").countDocuments({}),
        18,
        "the chained transaction replayed",
      );
      const indexes = await cb.db("shop").collection("items").indexes();
      assert.ok(indexes.some((i) => i.name === "n_1"), "the index creation was replayed");
      // a replayed $v: 2 update is logged as the same diff (mongod's delta update), not a replacement
      for (const id of [1, 2]) {
        const q = { op: "u", ns: "shop.items", "o2._id": id };
        const [src, dst] = await Promise.all(
          [ca, cb].map((c) => c.db("local").collection("oplog.rs").findOne(q, { sort: { $natural: -1 } })),
        );
        assert.equal(src?.["o"]?.["$v"], 2);
        assert.deepEqual(dst?.["o"], src?.["o"], `update of _id ${id}`);
      }

      // An insert whose _id exists is applied as an upsert (a replay is idempotent, as on mongod) and the
      // ops after it still go in; a unique index still holds, and the ops before a failure stay applied.
      const admin = cb.db("admin");
      const i = (o: Record<string, unknown>) => ({ op: "i", ns: "shop.items", o });
      const res = await admin.command({
        applyOps: [i({ _id: 1000, n: 1000 }), i({ _id: 0, n: -1, again: true }), i({ _id: 1001, n: 1001 })],
      });
      assert.equal(res["applied"], 3);
      const items = cb.db("shop").collection<D & { again?: boolean }>("items");
      assert.deepEqual(await items.findOne({ _id: 0 }), { _id: 0, n: -1, again: true });
      assert.equal(await items.countDocuments({ _id: { $in: [1000, 1001] } }), 2);
      await cb.db("shop").collection("uniq").createIndex({ u: 1 }, { unique: true });
      const u = (o: Record<string, unknown>) => ({ op: "i", ns: "shop.uniq", o });
      await assert.rejects(
        admin.command({ applyOps: [u({ _id: 1, u: 1 }), u({ _id: 2, u: 1 })] }),
        (e: { code?: number }) => e.code === 11000,
      );
      assert.equal(await cb.db("shop").collection("uniq").countDocuments(), 1, "ops before it stay applied");

      // preCondition is checked before anything is applied (mongod: 2 "preCondition failed", got, whatFailed)
      const set = (o: Record<string, unknown>) => ({ op: "u", ns: "shop.items", o2: { _id: 0 }, o });
      const failed = await admin.command({
        applyOps: [set({ _id: 0, n: 5 })],
        preCondition: [{ ns: "shop.items", q: { _id: 0 }, res: { n: 99 } }],
      }).catch((e) => e);
      assert.equal(failed.code, 2);
      assert.equal(failed.errmsg, "preCondition failed");
      assert.deepEqual(failed.errorResponse?.got, { _id: 0, n: -1, again: true });
      assert.deepEqual(await items.findOne({ _id: 0 }), { _id: 0, n: -1, again: true });
      const met = await admin.command({
        applyOps: [set({ _id: 0, n: 5 })],
        preCondition: [{ ns: "shop.items", q: { _id: 0 }, res: { n: -1 } }],
      });
      assert.equal(met["applied"], 1);
      assert.deepEqual(await items.findOne({ _id: 0 }), { _id: 0, n: 5 });
      // alwaysUpsert: false — a replacement of a missing document is refused instead of inserting it
      const missing = { op: "u", ns: "shop.items", o2: { _id: 424242 }, o: { _id: 424242, n: 1 } };
      const refusedUpsert = await admin.command({ applyOps: [missing], alwaysUpsert: false }).catch((e) => e);
      assert.equal(refusedUpsert.codeName, "UpdateOperationFailed");
      assert.equal(await items.countDocuments({ _id: 424242 }), 0);
      assert.equal((await admin.command({ applyOps: [missing] }))["applied"], 1); // the default upserts
      assert.equal(await items.countDocuments({ _id: 424242 }), 1);
    } finally {
      await ca.close();
      await cb.close();
      await a.stop();
      await b.stop();
      await Deno.remove(dump, { recursive: true });
      await Deno.remove(replay, { recursive: true });
    }
  },
});
