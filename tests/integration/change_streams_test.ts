/**
 * Change streams through npm:mongodb: each scope, the event shapes, a `$match` filter, transactions,
 * updateLookup, resuming after a server restart on the same data, a 5,000-event drain, and reading
 * `local.oplog.rs`.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { startServer } from "../../mod.ts";

const TIMEOUT_MS = 10_000;

type D = { _id: number; arr?: number[]; [k: string]: unknown };
type Event = Record<string, unknown>;

async function nextOf(stream: { next(): Promise<unknown> }): Promise<Event> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no change event within 10 s")), TIMEOUT_MS);
  });
  try {
    return await Promise.race([stream.next(), timeout]) as Event;
  } finally {
    clearTimeout(timer);
  }
}

serverTest("collection stream: insert, update, replace, delete, drop, invalidate", async (client) => {
  const coll = client.db("cs").collection<
    { _id: number; a?: number; b?: string; arr?: number[]; x?: number }
  >(
    "c",
  );
  await coll.insertOne({ _id: 0 });
  const stream = coll.watch([], { fullDocument: "updateLookup" });
  await stream.tryNext(); // opens it (no events yet)
  await coll.insertOne({ _id: 1, a: 1, arr: [1, 2, 3] });
  await coll.updateOne({ _id: 1 }, { $set: { a: 2 }, $unset: { b: "" }, $pop: { arr: 1 } });
  const types: string[] = [];
  const ins = await nextOf(stream);
  types.push(ins["operationType"] as string);
  assert.deepEqual(ins["fullDocument"], { _id: 1, a: 1, arr: [1, 2, 3] });
  assert.deepEqual(ins["ns"], { db: "cs", coll: "c" });
  assert.deepEqual(ins["documentKey"], { _id: 1 });
  assert.ok(ins["clusterTime"] && ins["wallTime"] instanceof Date);
  const upd = await nextOf(stream);
  assert.equal(upd["operationType"], "update");
  assert.deepEqual(upd["updateDescription"], {
    updatedFields: { a: 2, arr: [1, 2] }, // mongod logs $pop as the whole new array
    removedFields: [],
    truncatedArrays: [],
  });
  assert.deepEqual(
    upd["fullDocument"],
    { _id: 1, a: 2, arr: [1, 2] },
    "updateLookup reads the current version",
  );
  await coll.replaceOne({ _id: 1 }, { x: 1 });
  await coll.deleteOne({ _id: 1 });
  await coll.drop();
  for (let i = 0; i < 4; i++) types.push((await nextOf(stream))["operationType"] as string);
  assert.deepEqual(types, ["insert", "replace", "delete", "drop", "invalidate"]);
  assert.equal(stream.closed || (await stream.tryNext().catch(() => null)) === null, true);
  await stream.close();
});

serverTest(
  "database and cluster streams, $match filters, transactions carry lsid and txnNumber",
  async (client) => {
    const db = client.db("csdb");
    const dbStream = db.watch([{ $match: { operationType: "insert", "fullDocument.keep": true } }]);
    const clusterStream = client.watch([], { showExpandedEvents: true });
    await dbStream.tryNext();
    await clusterStream.tryNext();
    await db.collection<D>("a").insertOne({ _id: 1, keep: false });
    await db.collection<D>("b").insertOne({ _id: 2, keep: true });
    await client.db("other").collection<D>("x").insertOne({ _id: 3 });
    const session = client.startSession();
    await session.withTransaction(async () => {
      await db.collection<D>("a").insertOne({ _id: 4, keep: true }, { session });
      await db.collection<D>("a").updateOne({ _id: 1 }, { $set: { t: 1 } }, { session });
    });
    await session.endSession();
    const first = await nextOf(dbStream);
    assert.deepEqual([first["ns"], first["documentKey"]], [{ db: "csdb", coll: "b" }, { _id: 2 }]);
    const txnEvent = await nextOf(dbStream);
    assert.deepEqual(txnEvent["documentKey"], { _id: 4 });
    assert.ok(
      txnEvent["lsid"] && txnEvent["txnNumber"] !== undefined,
      "transaction events name their session",
    );
    // mongod's {id, uid}: uid is the SHA-256 of the user name, of '' with auth off
    const lsid = txnEvent["lsid"] as {
      id: unknown;
      uid: { buffer: Uint8Array; toString(enc: string): string };
    };
    assert.deepEqual(Object.keys(lsid), ["id", "uid"]);
    assert.equal(
      lsid.uid.toString("hex"),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    const seen: string[] = [];
    while (seen.length < 7) {
      const e = await nextOf(clusterStream);
      const ns = e["ns"] as { db: string; coll?: string };
      seen.push(`${e["operationType"]} ${ns.db}.${ns.coll ?? ""}`);
    }
    assert.deepEqual(seen, [
      "create csdb.a",
      "insert csdb.a",
      "create csdb.b",
      "insert csdb.b",
      "create other.x",
      "insert other.x",
      "insert csdb.a",
    ]);
    const upd = await nextOf(clusterStream);
    assert.equal(upd["operationType"], "update");
    await dbStream.close();
    await clusterStream.close();
  },
);

serverTest(
  "a 5,000-event drain, postBatchResumeToken, resumeAfter and startAtOperationTime",
  async (client) => {
    const coll = client.db("drain").collection<D>("c");
    const stream = coll.watch([], { batchSize: 1000 });
    await stream.tryNext();
    const docs = Array.from({ length: 5000 }, (_, i) => ({ _id: i, v: "x".repeat(50) }));
    await coll.insertMany(docs);
    let n = 0;
    let tokenAt100: unknown;
    while (n < 5000) {
      const e = await nextOf(stream);
      assert.deepEqual(e["documentKey"], { _id: n });
      n++;
      if (n === 100) tokenAt100 = e["_id"];
    }
    assert.ok(stream.resumeToken, "the driver keeps the postBatchResumeToken");
    await stream.close();
    const resumed = coll.watch([], { resumeAfter: tokenAt100 });
    const next = await nextOf(resumed);
    assert.deepEqual(next["documentKey"], { _id: 100 });
    await resumed.close();
    const bad = coll.watch([], { resumeAfter: { _data: "nonsense" } });
    await assert.rejects(() => bad.tryNext(), (e: { code?: number }) => e.code === 9);
    await bad.close().catch(() => {});
  },
);

serverTest(
  "local.oplog.rs: entries shaped as mongod's, $natural both ways, ts filters, no client writes",
  async (client) => {
    const coll = client.db("op").collection<D>("c");
    await coll.insertOne({ _id: 1 });
    await coll.updateOne({ _id: 1 }, { $set: { a: 1 } });
    await coll.deleteOne({ _id: 1 });
    const oplog = client.db("local").collection<D>("oplog.rs");
    const newest = await oplog.find({}).sort({ $natural: -1 }).limit(3).toArray();
    assert.deepEqual(newest.map((e) => e["op"]), ["d", "u", "i"]);
    const [d, u, i] = newest;
    assert.equal(i!["ns"], "op.c");
    assert.deepEqual(i!["o"], { _id: 1 });
    assert.deepEqual(u!["o"], { $v: 2, diff: { i: { a: 1 } } });
    assert.deepEqual(u!["o2"], { _id: 1 });
    assert.deepEqual(d!["o"], { _id: 1 });
    for (const e of newest) {
      assert.ok(
        e["ts"] && e["wall"] instanceof Date && e["ui"] && e["t"] !== undefined,
      );
    }
    const fromTs = await oplog.find({ ts: { $gte: u!["ts"] } }).toArray();
    assert.deepEqual(fromTs.map((e) => e["op"]), ["u", "d"]);
    await assert.rejects(() => oplog.insertOne({ _id: 9 }), (e: { code?: number }) => e.code === 73);
  },
);

Deno.test({
  name: "a stream resumes after a server restart on the same data directory",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "secantus-cs-" });
    try {
      let server = await startServer({ storagePath: dir, logLevel: "WARNING" });
      let client = new MongoClient(server.uri);
      const stream = client.db("r").collection<D>("c").watch();
      await stream.tryNext();
      await client.db("r").collection<D>("c").insertOne({ _id: 1 });
      const first = await nextOf(stream);
      const token = first["_id"];
      await stream.close();
      await client.close();
      await server.stop();

      server = await startServer({ storagePath: dir, logLevel: "WARNING" });
      client = new MongoClient(server.uri);
      try {
        await client.db("r").collection<D>("c").insertOne({ _id: 2 });
        const resumed = client.db("r").collection<D>("c").watch([], { resumeAfter: token });
        const e = await nextOf(resumed);
        assert.deepEqual(e["documentKey"], { _id: 2 });
        await resumed.close();
      } finally {
        await client.close();
        await server.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
