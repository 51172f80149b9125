/**
 * Memory limits (issue 11, item 1), through the real driver: `$push`/`$addToSet` past 100 MiB fail
 * with 146 ExceededMemoryLimit instead of growing the heap until the process dies, and an idle
 * aggregate cursor pins about one scan chunk (≤ 1 MiB of stored documents), not 1,000 documents.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "memory: $push and $addToSet past 100 MiB are 146 ExceededMemoryLimit; the server keeps serving",
  async fn() {
    const server = await startServer({ logLevel: "ERROR" });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    try {
      const c = client.db("mem").collection<{ _id: number }>("c");
      await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i })));
      // each document contributes a 100,000-element array: ~1.6 MB counted, 70 of them pass 100 MiB
      for (const op of ["$push", "$addToSet"]) {
        const arr = op === "$push"
          ? { $range: [0, 100_000] }
          : { $range: ["$_id", { $add: ["$_id", 100_000] }] };
        await assert.rejects(
          c.aggregate([{ $group: { _id: null, a: { [op]: arr } } }, { $project: { n: { $size: "$a" } } }])
            .toArray(),
          (e: unknown) => {
            assert.ok(e instanceof MongoServerError, String(e));
            assert.equal(e.code, 146);
            assert.equal(
              e.message,
              `${op} used too much memory and cannot spill to disk. Memory limit: 104857600 bytes`,
            );
            return true;
          },
        );
      }
      // under the limit it works
      const ok = await c.aggregate([{ $group: { _id: null, a: { $push: "$_id" } } }]).toArray();
      assert.equal((ok[0]!.a as number[]).length, 200);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "memory: idle aggregate cursors over large documents pin about one chunk each",
  async fn() {
    const server = await startServer({ logLevel: "ERROR" });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    try {
      const db = client.db("mem");
      const pad = "q".repeat(512 * 1024);
      for (let i = 0; i < 60; i += 10) {
        await db.collection<{ _id: number; pad: string }>("big").insertMany(
          Array.from({ length: 10 }, (_, j) => ({ _id: i + j, pad })),
        );
      }
      await new Promise((r) => setTimeout(r, 200));
      const before = Deno.memoryUsage().rss;
      const ids = [];
      for (let i = 0; i < 3; i++) {
        const r = await db.command({
          aggregate: "big",
          pipeline: [{ $match: {} }],
          cursor: { batchSize: 1 },
        });
        ids.push((r.cursor as { id: unknown }).id);
      }
      const grown = (Deno.memoryUsage().rss - before) / 2 ** 20;
      // before the chunk limits each cursor held all 60 decoded documents (30 MiB) until exhausted
      assert.ok(grown < 40, `3 idle cursors grew RSS by ${grown.toFixed(1)} MiB`);
      // and they still deliver everything (16 MiB batches: 32 documents each)
      let got = 1;
      for (let id = ids[0]; id !== undefined && String(id) !== "0";) {
        const r = await db.command({ getMore: id, collection: "big", batchSize: 100 });
        const cur = r.cursor as { id: unknown; nextBatch: unknown[] };
        got += cur.nextBatch.length;
        id = cur.id;
      }
      assert.equal(got, 60);
      await db.command({ killCursors: "big", cursors: ids.slice(1) });
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "memory: past max_open_cursors a command needing a cursor fails with 146; others still run",
  async fn() {
    const d = defaultConfig();
    const config = {
      ...d,
      server: {
        ...d.server,
        port: 0,
        storagePath: ":memory:",
        logLevel: "ERROR" as const,
        maxOpenCursors: 3,
      },
    };
    const server = await startServer({ config });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    try {
      const db = client.db("mem");
      await db.collection<{ _id: number }>("c").insertMany(
        Array.from({ length: 10 }, (_, i) => ({ _id: i })),
      );
      const open = async () => ((await db.command({ find: "c", batchSize: 1 })).cursor as { id: unknown }).id;
      const ids = [
        await open(),
        await open(),
        await db.command({
          aggregate: "c",
          pipeline: [],
          cursor: { batchSize: 1 },
        }).then((r) => (r.cursor as { id: unknown }).id),
      ];
      await assert.rejects(open(), (e: unknown) => e instanceof MongoServerError && e.code === 146);
      await assert.rejects(
        db.command({ aggregate: "c", pipeline: [], cursor: { batchSize: 1 } }),
        (e: unknown) => e instanceof MongoServerError && e.code === 146,
      );
      // a query answered in one batch needs no cursor
      assert.equal((await db.collection("c").find({}).toArray()).length, 10);
      await db.command({ killCursors: "c", cursors: [ids[0]] });
      assert.notEqual(String(await open()), "0");
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "memory: under heap pressure new work is refused with 146 while ping, hello and killCursors run",
  async fn() {
    const d = defaultConfig();
    // a 1 MiB budget: the heap is always past 85% of it, so the watchdog is under pressure from the start
    const config = {
      ...d,
      server: {
        ...d.server,
        port: 0,
        storagePath: ":memory:",
        logLevel: "ERROR" as const,
        heapLimitBytes: 1 << 20,
      },
    };
    const server = await startServer({ config });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    try {
      const db = client.db("mem");
      assert.equal((await db.command({ ping: 1 })).ok, 1);
      assert.equal((await db.command({ hello: 1 })).ok, 1);
      assert.equal((await db.command({ killCursors: "c", cursors: [] })).ok, 1);
      await assert.rejects(db.collection("c").insertOne({ a: 1 }), (e: unknown) => {
        assert.ok(e instanceof MongoServerError, String(e));
        assert.equal(e.code, 146);
        assert.match(
          e.message,
          /server is under memory pressure \(JS heap [\d,]+ MiB used of a 1 MiB budget\)/,
        );
        return true;
      });
      await assert.rejects(
        db.collection("c").find({}).toArray(),
        (e: unknown) => (e as { code?: number }).code === 146,
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
