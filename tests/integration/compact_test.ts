/**
 * The compact command through the Node driver on an on-disk server: after most of a collection is
 * deleted, collStats' freeStorageSize shows the reusable space, `dryRun` estimates it without touching
 * the files, the default freeSpaceTargetMB (20) leaves a smaller reclaim alone, and a compaction hands
 * the space back (storageSize shrinks) with every remaining document and index intact and writes going
 * on meanwhile. Errors as mongod's: a missing collection, a view, a bad freeSpaceTargetMB.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { code } from "./helpers/error_code.ts";

Deno.test({
  name: "compact: dryRun estimate, freeSpaceTargetMB, space handed back with data and indexes intact",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-compact-" });
    const server = await startServer({ port: 0, storagePath: `${dir}/db`, logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("t");
      const c = db.collection<{ _id: number; k: number; pad: string }>("c");
      const pad = "x".repeat(1000);
      for (let b = 0; b < 12; b++) {
        await c.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: b * 1000 + i, k: i % 100, pad })));
      }
      await c.createIndex({ k: 1 });
      await db.admin().command({ fsync: 1 }); // the records in the file
      await c.deleteMany({ _id: { $gte: 1200 } });
      // two checkpoints: the deleted records' blocks become free space in the file
      await db.admin().command({ fsync: 1 });
      await db.admin().command({ fsync: 1 });
      const stats = () => db.command({ collStats: "c" });
      const before = await stats();
      assert.ok(before.freeStorageSize > 8_000_000, `freeStorageSize ${before.freeStorageSize}`);

      const dry = await db.command({ compact: "c", dryRun: true });
      assert.ok(dry.estimatedBytesFreed >= before.freeStorageSize, JSON.stringify(dry));
      assert.equal(dry.bytesFreed, undefined);
      assert.equal((await stats()).storageSize, before.storageSize);

      // ~11 MB reusable: below the default target of 20 MB, nothing is done
      assert.equal((await db.command({ compact: "c" })).bytesFreed, 0);
      assert.equal((await stats()).storageSize, before.storageSize);

      // writes go on while it runs
      const [done] = await Promise.all([
        db.command({ compact: "c", freeSpaceTargetMB: 1, comment: "reclaim" }),
        c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: 100_000 + i, k: 7, pad: "y" }))),
      ]);
      assert.ok(done.bytesFreed > 8_000_000, JSON.stringify(done));
      const after = await stats();
      assert.ok(
        after.storageSize < before.storageSize - 8_000_000,
        `${before.storageSize} → ${after.storageSize}`,
      );
      assert.equal(await c.countDocuments(), 1250);
      assert.equal(await c.countDocuments({ k: 7 }, { hint: { k: 1 } }), 12 + 50);
      assert.deepEqual((await c.findOne({ _id: 1199 }))?.pad, pad);

      assert.equal(await code(db.command({ compact: "missing" })), 26);
      await db.createCollection("v", { viewOn: "c", pipeline: [] });
      assert.equal(await code(db.command({ compact: "v" })), 166);
      assert.equal(await code(db.command({ compact: "c", freeSpaceTargetMB: 0 })), 2);
      assert.equal(await code(db.command({ compact: "c", dryRun: "yes" })), 14);
    } finally {
      await client.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "compact on an in-memory server: no files, nothing freed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("t");
      await db.collection("c").insertOne({ a: 1 });
      assert.equal((await db.command({ compact: "c", freeSpaceTargetMB: 1 })).bytesFreed, 0);
      assert.equal((await db.command({ compact: "c", dryRun: true })).estimatedBytesFreed, 0);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
