/**
 * createIndexes builds yield to other clients (executor/index_build.ts): while a build runs, other
 * clients are answered and may write the collection; the index is not listed nor used by queries
 * until it is finished, and is then exact (validate). A dropped index, a deadline or killOp ends the
 * build; a transaction that wrote the collection is waited for; a build interrupted by kill -9 is
 * dropped at the next start.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startBackgroundPings } from "./helpers/background_pings.ts";
import { serverTest } from "./helpers/embedded_server.ts";
import { spawnServer } from "./helpers/server_process.ts";

interface D {
  _id: number;
  a: number;
  s: string;
}

const N = 30_000;
const docs = (n = N): D[] => Array.from({ length: n }, (_, i) => ({ _id: i, a: i % 997, s: `v${i}` }));

async function buildRunning(client: MongoClient): Promise<boolean> {
  const ops = await client.db("admin").aggregate([{ $currentOp: {} }, {
    $match: { "command.createIndexes": { $exists: true } },
  }])
    .toArray();
  return ops.length > 0;
}

async function waitForBuild(client: MongoClient): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await buildRunning(client))) {
    if (Date.now() > deadline) throw new Error("the build never showed in $currentOp");
    await new Promise((r) => setTimeout(r, 2));
  }
}

serverTest(
  "a build yields: others are answered and write meanwhile, and the finished index is exact",
  async (client, server) => {
    const c = client.db("ib").collection<D>("c");
    await c.insertMany(docs());
    const other = new MongoClient(server.uri);
    const pinger = startBackgroundPings(server.uri);
    try {
      const oc = other.db("ib").collection<D>("c");
      const build = c.createIndex({ a: 1, s: 1 }, { name: "a_s" });
      await waitForBuild(client);
      // while it builds: not listed, not usable by a hint, and writes go on
      const listed = (await oc.listIndexes().toArray()).map((i) => i.name);
      assert.ok(!listed.includes("a_s"), `listed during the build: ${listed}`);
      await assert.rejects(oc.find({ a: 1 }).hint("a_s").toArray(), { code: 2 });
      let writes = 0;
      while (writes < 300 && await buildRunning(client)) {
        const i = N + writes;
        await oc.insertOne({ _id: i, a: i % 997, s: `n${i}` });
        await oc.updateOne({ _id: writes * 7 % N }, { $set: { a: 5000 + writes } });
        await oc.deleteOne({ _id: (writes * 13 + 1) % N });
        writes++;
      }
      assert.equal(await build, "a_s");
      const { pings } = await pinger.stop();
      assert.ok(pings >= 2, `pings during the build: ${pings}`);
      assert.ok(writes >= 1, "no write ran during the build");
      const v = await client.db("ib").command({ validate: "c", full: true });
      assert.equal(v.valid, true, JSON.stringify(v.errors));
      // the index answers as a collection scan does
      for (const a of [0, 5, 996, 5000, 5000 + writes - 1]) {
        const viaIndex = await c.countDocuments({ a }, { hint: "a_s" });
        const viaScan = await c.countDocuments({ a }, { hint: { $natural: 1 } });
        assert.equal(viaIndex, viaScan, `a: ${a}`);
      }
      assert.ok((await c.listIndexes().toArray()).some((i) => i.name === "a_s"));
    } finally {
      await pinger.stop();
      await other.close();
    }
  },
);

serverTest(
  "dropIndexes during the build ends it with 276; maxTimeMS ends it with 50",
  async (client, server) => {
    const c = client.db("ib").collection<D>("d");
    await c.insertMany(docs());
    const other = new MongoClient(server.uri);
    try {
      const build = c.createIndex({ s: 1 }, { name: "s_1" }).then(() => undefined, (e) => e);
      await waitForBuild(client);
      await other.db("ib").collection<D>("d").dropIndex("s_1");
      const err = await build;
      assert.equal(err?.code, 276, String(err));
      assert.deepEqual((await c.listIndexes().toArray()).map((i) => i.name), ["_id_"]);
      await assert.rejects(
        client.db("ib").command({
          createIndexes: "d",
          indexes: [{ key: { s: 1 }, name: "s_1" }],
          maxTimeMS: 5,
        }),
        { code: 50 },
      );
      assert.deepEqual((await c.listIndexes().toArray()).map((i) => i.name), ["_id_"]);
      const v = await client.db("ib").command({ validate: "d" });
      assert.equal(v.valid, true);
    } finally {
      await other.close();
    }
  },
);

serverTest(
  "two createIndexes of one index waiting together: one builds, the other finds it",
  async (client) => {
    const c = client.db("ib").collection<D>("twice");
    await c.insertMany(docs(20_000));
    // both wait behind an open transaction that wrote the collection, then go at once
    const session = client.startSession();
    try {
      session.startTransaction();
      await c.updateOne({ _id: 3 }, { $set: { a: -1 } }, { session });
      // each answers only once the index is built (listed)
      const listedAfter = () =>
        c.createIndex({ s: 1 }).then(async (
          name,
        ) => [name, ...(await c.listIndexes().toArray()).map((i) => i.name)]);
      const both = Promise.all([listedAfter(), listedAfter()]);
      await new Promise((r) => setTimeout(r, 50));
      await session.commitTransaction();
      assert.deepEqual(await both, [["s_1", "_id_", "s_1"], ["s_1", "_id_", "s_1"]]);
    } finally {
      await session.endSession();
    }
    assert.deepEqual((await c.listIndexes().toArray()).map((i) => i.name), ["_id_", "s_1"]);
  },
);

serverTest("a build waits for an open transaction that wrote the collection", async (client) => {
  const c = client.db("ib").collection<D>("t");
  await c.insertMany(docs(2000));
  const session = client.startSession();
  try {
    session.startTransaction();
    await c.updateOne({ _id: 1 }, { $set: { a: 12345 } }, { session });
    let built = false;
    const build = c.createIndex({ a: 1 }).then(() => (built = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(built, false, "the build did not wait for the transaction");
    await session.commitTransaction();
    await build;
    assert.equal(await c.countDocuments({ a: 12345 }, { hint: "a_1" }), 1);
    const v = await client.db("ib").command({ validate: "t", full: true });
    assert.equal(v.valid, true, JSON.stringify(v.errors));
  } finally {
    await session.endSession();
  }
});

Deno.test({
  name: "a build interrupted by kill -9 is dropped at the next start, and can be run again",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-ib-kill-" });
    try {
      let server = await spawnServer({ dataDir: `${work}/data`, cwd: work });
      let client = new MongoClient(server.uri);
      try {
        const c = client.db("ib").collection<D>("k");
        await c.insertMany(docs(60_000));
        void c.createIndex({ s: 1 }, { name: "s_1" }).catch(() => {});
        await waitForBuild(client);
        await server.stop("SIGKILL");
      } finally {
        await client.close().catch(() => {});
        await server.stop();
      }
      server = await spawnServer({ dataDir: `${work}/data`, cwd: work });
      client = new MongoClient(server.uri);
      try {
        const c = client.db("ib").collection<D>("k");
        assert.deepEqual((await c.listIndexes().toArray()).map((i) => i.name), ["_id_"]);
        assert.equal(await c.createIndex({ s: 1 }, { name: "s_1" }), "s_1");
        assert.equal(await c.countDocuments({ s: "v77" }, { hint: "s_1" }), 1);
      } finally {
        await client.close();
        await server.stop();
      }
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
