/**
 * The compact command through the Node driver on an on-disk server: after most of a collection is
 * deleted, collStats' freeStorageSize shows the reusable space, `dryRun` estimates it without touching
 * the files, the default freeSpaceTargetMB (20) leaves a smaller reclaim alone, and a compaction hands
 * the space back (storageSize shrinks) with every remaining document and index intact and writes going
 * on meanwhile. Errors as mongod's: a missing collection, a view, a bad freeSpaceTargetMB. autoCompact
 * (background compaction) does the same to every collection, once or in passes, and turns on and off.
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

/** A collection `name` of ~11 MB reusable space in its files (12k 1 KB documents, 90% deleted, checkpointed). */
async function withFreeSpace(client: MongoClient, name: string): Promise<void> {
  const db = client.db("t");
  const c = db.collection<{ _id: number; pad: string }>(name);
  for (let b = 0; b < 12; b++) {
    await c.insertMany(
      Array.from({ length: 1000 }, (_, i) => ({ _id: b * 1000 + i, pad: "x".repeat(1000) })),
    );
  }
  await db.admin().command({ fsync: 1 });
  await c.deleteMany({ _id: { $gte: 1200 } });
  await db.admin().command({ fsync: 1 });
  await db.admin().command({ fsync: 1 });
}

Deno.test({
  name: "autoCompact: background passes compact every collection with enough free space; on and off",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-autocompact-" });
    const server = await startServer({ port: 0, storagePath: `${dir}/db`, logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const admin = client.db("admin");
      const db = client.db("t");
      await withFreeSpace(client, "a");
      await withFreeSpace(client, "b");
      const sizes = async () => [
        (await db.command({ collStats: "a" })).storageSize,
        (await db.command({ collStats: "b" })).storageSize,
      ];
      const [a0, b0] = await sizes();
      const shrunk = async () => {
        for (let i = 0; i < 100; i++) {
          const [a, b] = await sizes();
          if (a < a0 - 8_000_000 && b < b0 - 8_000_000) return true;
          await new Promise((r) => setTimeout(r, 100));
        }
        return false;
      };

      assert.equal(await code(db.command({ autoCompact: true })), 13); // admin only
      // the default target (20 MB) is more than either collection frees: one pass does nothing
      assert.equal((await admin.command({ autoCompact: true, runOnce: true })).ok, 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(await sizes(), [a0, b0]);

      assert.equal((await admin.command({ autoCompact: true, freeSpaceTargetMB: 1 })).ok, 1);
      assert.equal(await code(admin.command({ autoCompact: true, freeSpaceTargetMB: 1 })), 2); // on already
      assert.ok(await shrunk(), `sizes ${JSON.stringify(await sizes())} from ${a0}, ${b0}`);
      assert.equal((await admin.command({ autoCompact: false })).ok, 1);
      assert.equal(await code(admin.command({ autoCompact: false })), 2); // off already
      assert.equal(await db.collection("a").countDocuments(), 1200);
      assert.equal(await code(admin.command({ autoCompact: true, freeSpaceTargetMB: 0 })), 2);
    } finally {
      await client.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
