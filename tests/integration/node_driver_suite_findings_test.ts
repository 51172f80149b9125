/**
 * Behaviours the Node driver's own integration suite (node-mongodb-native test/integration) expects of
 * mongod: a getMore's maxTimeMS is refused on a cursor that is not awaitData (2 BadValue; the cursor
 * lives on); aggregate with `explain: true` refuses a writeConcern (9 FailedToParse); a hint on a
 * collection that does not exist is not checked (nothing to scan), except by an upsert, which creates
 * the collection first and plans on it; a tailable cursor on a collection with no records is not kept; a
 * change stream pipeline names an unknown stage as 40324 before it refuses a known one (20); a malformed
 * `$clusterTime` is refused (params/cluster_time.ts); hello's client metadata is checked as mongod checks
 * it (handshake/client_metadata.ts); create on an existing collection with the same options succeeds; the
 * maxTimeNeverTimeOut fail point; a long bulkWrite (and update/delete batch) yields to other clients;
 * killAllSessions interrupts the operations running in sessions (a failCommand block included); currentOp
 * lists idle sessions holding an open transaction.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { BSON } from "bson";
import { serverTest } from "./helpers/embedded_server.ts";
import { rawConnection } from "./helpers/raw_wire.ts";

const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: AnyDoc) => e);

serverTest(
  "getMore with maxTimeMS on a non-awaitData cursor is 2 BadValue; the cursor lives on",
  async (client) => {
    const db = client.db("gm");
    await db.collection("c").insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as AnyDoc[]);
    const first: AnyDoc = await db.command({ find: "c", batchSize: 1 });
    const id = first.cursor.id;
    const e = await fail(db.command({ getMore: id, collection: "c", maxTimeMS: 100 }));
    assert.equal(e.code, 2);
    assert.match(e.message, /cannot set maxTimeMS on getMore command for a non-awaitData cursor/);
    assert.equal((await fail(db.command({ getMore: id, collection: "c", maxTimeMS: 0 }))).code, 2);
    const more: AnyDoc = await db.command({ getMore: id, collection: "c" });
    assert.deepEqual(more.cursor.nextBatch.map((d: AnyDoc) => d._id), [2, 3]);
    // a tailable awaitData cursor takes it (its wait)
    await db.createCollection("capped", { capped: true, size: 4096 });
    await db.collection("capped").insertMany([{ a: 1 }, { a: 2 }]);
    const tail: AnyDoc = await db.command({ find: "capped", tailable: true, awaitData: true, batchSize: 1 });
    const got: AnyDoc = await db.command({ getMore: tail.cursor.id, collection: "capped", maxTimeMS: 10 });
    assert.equal(got.cursor.nextBatch.length, 1);
  },
);

serverTest("aggregate with explain: true refuses a writeConcern (9)", async (client) => {
  const db = client.db("ex");
  const e = await fail(db.command({
    aggregate: "c",
    pipeline: [{ $project: { _id: 0 } }, { $out: "bar" }],
    explain: true,
    writeConcern: { j: true },
  }));
  assert.equal(e.code, 9);
  assert.match(e.message, /Aggregation explain does not support the'writeConcern' option/);
  // the explain command around such an aggregate (the Node driver's aggregate(..., {explain: true}))
  const wrapped = await fail(db.command({
    explain: { aggregate: "c", pipeline: [{ $out: "bar" }], cursor: {}, writeConcern: { j: true } },
  }));
  assert.equal(wrapped.code, 9);
  const ok: AnyDoc = await db.command({ aggregate: "c", pipeline: [], explain: true });
  assert.equal(ok.ok, 1);
});

serverTest(
  "a hint on a collection that does not exist is not checked, except by an upsert",
  async (client) => {
    const db = client.db("hint");
    const hint = { b: 1 };
    const u: AnyDoc = await db.command({
      update: "none",
      updates: [{ q: { b: 1 }, u: { $set: { b: 2 } }, hint }],
    });
    assert.equal(u.n, 0);
    assert.equal(u.writeErrors, undefined);
    const d: AnyDoc = await db.command({ delete: "none", deletes: [{ q: { b: 1 }, limit: 1, hint }] });
    assert.equal(d.writeErrors, undefined);
    assert.equal((await db.collection("none").find({}, { hint }).toArray()).length, 0);
    assert.equal(await db.collection("none").findOneAndUpdate({ b: 1 }, { $set: { b: 2 } }, { hint }), null);
    assert.equal((await db.collection("none").aggregate([], { hint }).toArray()).length, 0);
    // the driver's ordered bulk with hints (bulk.test.ts "should apply hint via FindOperators")
    const bulk = db.collection("none").initializeOrderedBulkOp();
    bulk.find({ b: 1 }).hint(hint).updateOne({ $set: { b: 2 } });
    bulk.find({ b: 2 }).hint(hint).deleteOne();
    await bulk.execute();
    // an existing collection without the index: refused, as before
    await db.collection("some").insertOne({ b: 1 });
    assert.equal((await fail(db.collection("some").find({}, { hint }).toArray())).code, 2);
    // an upsert creates the collection, then its hint is planned on it
    const up: AnyDoc = await db.command({
      update: "made",
      updates: [{ q: { b: 1 }, u: { $set: { b: 2 } }, hint, upsert: true }],
    });
    assert.equal(up.writeErrors[0].code, 2);
    const names = (await db.listCollections().toArray()).map((c) => c.name);
    assert.ok(names.includes("made"));
    assert.ok(!names.includes("none"));
    const byId: AnyDoc = await db.command({
      update: "made2",
      updates: [{ q: { b: 1 }, u: { $set: { b: 2 } }, hint: "_id_", upsert: true }],
    });
    assert.equal(byId.n, 1);
  },
);

serverTest("a tailable cursor on a capped collection with no records is not kept (id 0)", async (client) => {
  const db = client.db("tail");
  const coll = await db.createCollection("empty", { capped: true, size: 8 });
  const r: AnyDoc = await db.command({ find: "empty", tailable: true, awaitData: true });
  assert.equal(Number(r.cursor.id), 0);
  // the driver's forEach over it ends (misc_cursors.test.ts shouldAwaitDataWithDocumentsAvailable)
  await coll.find({}, { tailable: true, awaitData: true }).forEach(() => {});
  // with a record, the cursor stays open even when the filter matches nothing yet
  await coll.insertOne({ a: 1 });
  const open: AnyDoc = await db.command({ find: "empty", filter: { a: 2 }, tailable: true });
  assert.notEqual(Number(open.cursor.id), 0);
});

serverTest(
  "a change stream's pipeline: an unknown stage is 40324, a known one it does not allow is 20",
  async (client) => {
    const db = client.db("csp");
    const cmd = (stage: AnyDoc) =>
      db.command({ aggregate: "c", pipeline: [{ $changeStream: {} }, stage], cursor: {} });
    const unknown = await fail(cmd({ $alksdjfhlaskdfjh: 2 }));
    assert.equal(unknown.code, 40324);
    assert.match(unknown.message, /Unrecognized pipeline stage name: '\$alksdjfhlaskdfjh'/);
    const group = await fail(cmd({ $group: { _id: 1 } }));
    assert.equal(group.code, 20);
    assert.equal(group.message, "$group is not permitted in a $changeStream pipeline");
    const ok: AnyDoc = await cmd({ $match: { a: 1 } });
    assert.equal(ok.ok, 1);
  },
);

serverTest(
  "a malformed $clusterTime is refused before the command runs; other sessions go on",
  async (client) => {
    const coll = client.db("ct").collection("c");
    await coll.insertOne({ apple: "green" });
    const bad = client.startSession();
    const good = client.startSession();
    try {
      await coll.findOne({}, { session: bad });
      // as the driver suite's sessions.test.ts: an invalid cluster time set on the session directly
      (bad as AnyDoc).clusterTime = { clusterTime: { greaterThan: () => true } };
      const e = await fail(coll.findOne({}, { session: bad }));
      assert.equal(e.code, 14);
      assert.equal((await coll.findOne({}, { session: good }))?.["apple"], "green");
    } finally {
      await bad.endSession();
      await good.endSession();
    }
  },
);

serverTest(
  "hello's client metadata: at most 512 bytes, required fields, sent once per connection",
  async (client, server) => {
    const port = Number(new URL(server.uri).port);
    const driver = { name: "raw", version: "1" };
    const os = { type: "Linux" };
    const helloOn = async (clientDoc: AnyDoc) => {
      const conn = await rawConnection(port);
      try {
        return BSON.deserialize((await conn.ask({ hello: 1, client: clientDoc, $db: "admin" })).subarray(5));
      } finally {
        conn.close();
      }
    };
    const big: AnyDoc = await helloOn({ driver: { name: "a".repeat(600), version: "1" }, os });
    assert.equal(big.code, 185);
    assert.match(big.errmsg, /client metadata document must be less than or equal to 512 bytes/);
    // the driver suite's stub: a 1,000-byte driver name and nothing else — the size is reported first
    const stub: AnyDoc = await helloOn({ driver: { name: "a".repeat(1000) } });
    assert.equal(stub.code, 185);
    assert.match(stub.errmsg, /client metadata document must be less then or equal to 1024 bytes/);
    assert.equal((await helloOn({ driver: { name: "a".repeat(600) } })).code, 183); // (parsed first, then 512)
    assert.equal((await helloOn({ os })).code, 183);
    assert.equal((await helloOn({ driver: { name: "x" }, os })).code, 183);
    assert.equal((await helloOn({ driver, os: { type: 1 } })).code, 14);
    assert.equal((await helloOn({ driver, os, application: { name: "n".repeat(129) } })).code, 184);
    assert.equal((await helloOn({ driver, os, application: { name: "app" }, extra: 1 })).ok, 1);
    // (tests/diff diff 12: the Node driver 7.6+ under Jest sends an empty document; mongod refuses it)
    assert.equal((await helloOn({})).ok, 1);
    // the driver's connection sent its metadata in its handshake: a second is 186
    const again = await fail(client.db("admin").command({ hello: 1, client: { driver, os } }));
    assert.equal(again.code, 186);
    assert.equal((await client.db("admin").command({ hello: 1 })).ok, 1);
  },
);

serverTest(
  "create on an existing collection: the same options are a no-op, others 48 naming them",
  async (client) => {
    const db = client.db("recreate");
    await db.createCollection("c");
    await db.createCollection("c"); // (enumerate_databases.test.ts's beforeEach creates test.test each time)
    await db.createCollection("f", { collation: { locale: "fr" } });
    await db.createCollection("f", { collation: { locale: "fr" } });
    const e = await fail(db.createCollection("c", { capped: true, size: 4096 }));
    assert.equal(e.code, 48);
    assert.match(
      e.message,
      /^namespace recreate\.c already exists, but with different options: \{ uuid: UUID\("/,
    );
    assert.equal((await fail(db.createCollection("f", { collation: { locale: "de" } }))).code, 48);
    // inside a transaction it is still 48 "already exists"
    const session = client.startSession();
    try {
      session.startTransaction();
      const t = await fail(db.createCollection("c", { session }));
      assert.equal(t.code, 48);
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
  },
);

serverTest("the maxTimeNeverTimeOut fail point lets an operation outlive its maxTimeMS", async (client) => {
  const db = client.db("mtn");
  await db.collection("c").insertOne({ a: 1 });
  const slow = { find: "c", filter: { $where: "sleep(200) || true" }, maxTimeMS: 50 };
  assert.equal((await fail(db.command(slow))).code, 50);
  await client.db("admin").command({ configureFailPoint: "maxTimeNeverTimeOut", mode: "alwaysOn" });
  try {
    const r: AnyDoc = await db.command(slow);
    assert.equal(r.cursor.firstBatch.length, 1);
  } finally {
    await client.db("admin").command({ configureFailPoint: "maxTimeNeverTimeOut", mode: "off" });
  }
});

serverTest(
  "a long client bulkWrite gives other clients their turns (a ping is answered before it ends)",
  async (client, server) => {
    const { MongoClient } = await import("mongodb");
    const other = new MongoClient(server.uri);
    try {
      await other.db("admin").command({ ping: 1 });
      const models = Array.from(
        { length: 20_000 },
        (_, i) => ({ namespace: "bw.c", name: "insertOne" as const, document: { i } }),
      );
      let bulkDone = false;
      const bulk = client.bulkWrite(models).then((r) => {
        bulkDone = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 50)); // (the command is on the server by then)
      await other.db("admin").command({ ping: 1 });
      assert.equal(bulkDone, false);
      assert.equal((await bulk).insertedCount, 20_000);
    } finally {
      await other.close();
    }
  },
);

serverTest(
  "killAllSessions interrupts an operation a failCommand block holds (11601); it writes nothing",
  async (client, server) => {
    const { MongoClient } = await import("mongodb");
    const blocked = new MongoClient(server.uri, { appName: "blocked", retryWrites: false });
    try {
      await client.db("admin").command({
        configureFailPoint: "failCommand",
        mode: { times: 1 },
        data: { failCommands: ["insert"], blockConnection: true, blockTimeMS: 20_000, appName: "blocked" },
      });
      const insert = fail(blocked.db("kb").collection("c").insertOne({ a: 1 }));
      // wait until the insert is held by the block (currentOp lists it)
      for (let i = 0; i < 200; i++) {
        const ops: AnyDoc = await client.db("admin").command({ currentOp: 1, "command.insert": "c" });
        if (ops.inprog.length > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await client.db("admin").command({ killAllSessions: [] });
      const e = await insert;
      assert.equal(e?.code, 11601);
      const names = (await client.db("kb").listCollections().toArray()).map((c) => c.name);
      assert.deepEqual(names, []);
    } finally {
      await client.db("admin").command({ configureFailPoint: "failCommand", mode: "off" });
      await blocked.close();
    }
  },
);

serverTest(
  "currentOp lists a session holding an open transaction between statements as an idleSession",
  async (client) => {
    const coll = client.db("idle").collection("c");
    await coll.insertOne({ x: 0 });
    const idle = async () =>
      ((await client.db("admin").command({ currentOp: 1 })) as AnyDoc).inprog.filter((d: AnyDoc) =>
        d.type === "idleSession"
      );
    const session = client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ x: 1 }, { session });
      const before = await idle();
      assert.equal(before.length, 1);
      assert.equal(before[0].active, false);
      assert.ok(Number(before[0].transaction.parameters.txnNumber) >= 1);
      assert.ok(before[0].lsid?.id);
      await session.commitTransaction();
      assert.deepEqual(await idle(), []);
    } finally {
      await session.endSession();
    }
  },
);

serverTest(
  "a getMore's maxTimeMS bounds its awaitData wait only: a failCommand block outlasts it",
  async (client) => {
    const db = client.db("gmblock");
    await db.createCollection("capped", { capped: true, size: 4096 });
    await db.collection("capped").insertMany([{ a: 1 }, { a: 2 }]);
    const first: AnyDoc = await db.command({ find: "capped", tailable: true, awaitData: true, batchSize: 1 });
    await client.db("admin").command({
      configureFailPoint: "failCommand",
      mode: { times: 1 },
      data: { failCommands: ["getMore"], blockConnection: true, blockTimeMS: 150 },
    });
    try {
      // (the CSOT spec's "timeoutMS is refreshed for getMore if maxAwaitTimeMS is set": maxTimeMS 1)
      const more: AnyDoc = await db.command({ getMore: first.cursor.id, collection: "capped", maxTimeMS: 1 });
      assert.equal(more.cursor.nextBatch.length, 1);
    } finally {
      await client.db("admin").command({ configureFailPoint: "failCommand", mode: "off" });
    }
  },
);
