/**
 * Clustered collections through the driver, as mongod 5.3+ shows them: natural order is `_id` order
 * (both directions), listCollections/listIndexes report the clustered index, `expireAfterSeconds`
 * expires documents by their `_id` date (and collMod changes or turns it "off"), and the options
 * mongod refuses are refused with its codes.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { serverTest, startFastTtlServer } from "./helpers/embedded_server.ts";

const fails = (code: number, message?: string) => (e: unknown) => {
  assert.ok(e instanceof MongoServerError, String(e));
  assert.equal(e.code, code, e.message);
  if (message) assert.equal(e.message, message);
  return true;
};

Deno.test({
  name: "clustered collections: _id order, listings, _id TTL, refusals",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startFastTtlServer();
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("cl");
      await db.createCollection("c", { clusteredIndex: { key: { _id: 1 }, unique: true, name: "by id" } });
      const c = db.collection<AnyDoc>("c");
      await c.insertMany([{ _id: 5 }, { _id: 1 }, { _id: "b" }, { _id: 3 }, { _id: "a" }]);
      assert.deepEqual((await c.find().toArray()).map((x) => x._id), [1, 3, 5, "a", "b"]);
      assert.deepEqual((await c.find().sort({ $natural: -1 }).toArray()).map((x) => x._id), [
        "b",
        "a",
        5,
        3,
        1,
      ]);
      assert.deepEqual((await c.find({ _id: { $type: "number" } }).toArray()).map((x) => x._id), [1, 3, 5]);
      assert.deepEqual(
        (await c.aggregate([{ $match: { _id: { $gt: 1 } } }, { $limit: 2 }]).toArray()).map((x) => x._id),
        [3, 5],
      );
      const [info]: AnyDoc[] = await db.listCollections({ name: "c" }).toArray();
      assert.deepEqual(info!.options, {
        clusteredIndex: { v: 2, key: { _id: 1 }, unique: true, name: "by id" },
      });
      assert.deepEqual(await c.listIndexes().toArray(), [
        { v: 2, key: { _id: 1 }, name: "by id", unique: true, clustered: true },
      ]);
      await assert.rejects(c.insertOne({ _id: 3 }), fails(11000));
      await assert.rejects(
        db.command({ collMod: "c", index: { name: "by id", hidden: true } }),
        fails(6011800, "The 'hidden' option is not supported for a clusteredIndex"),
      );

      // _id TTL: documents whose _id date is older than expireAfterSeconds go
      await db.createCollection("t", {
        clusteredIndex: { key: { _id: 1 }, unique: true },
        expireAfterSeconds: 60,
      });
      const t = db.collection<AnyDoc>("t");
      const now = Date.now();
      await t.insertMany([{ _id: new Date(now - 3_600_000) }, { _id: new Date(now + 3_600_000) }, {
        _id: 1,
      }]);
      const [tInfo]: AnyDoc[] = await db.listCollections({ name: "t" }).toArray();
      assert.equal(Number(tInfo!.options.expireAfterSeconds), 60);
      const deadline = Date.now() + 10_000;
      while (await t.countDocuments() > 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(await t.countDocuments(), 2);
      await db.command({ collMod: "t", expireAfterSeconds: "off" });
      const [off]: AnyDoc[] = await db.listCollections({ name: "t" }).toArray();
      assert.equal(off!.options.expireAfterSeconds, undefined);
      await db.command({ collMod: "t", expireAfterSeconds: 120 });
      await assert.rejects(db.command({ collMod: "t", expireAfterSeconds: "on" }), fails(72));
      await assert.rejects(
        db.command({ collMod: "t", expireAfterSeconds: -1 }),
        fails(72, "TTL index 'expireAfterSeconds' option cannot be less than 0"),
      );

      // refusals
      await db.createCollection("plain");
      await assert.rejects(
        db.command({ collMod: "plain", expireAfterSeconds: 5 }),
        fails(72, "'expireAfterSeconds' option is only supported on collections clustered by _id"),
      );
      await assert.rejects(
        db.command({ create: "x", expireAfterSeconds: 5 }),
        fails(
          72,
          "'expireAfterSeconds' is only supported on time-series collections or when the 'clusteredIndex' option is specified",
        ),
      );
      await assert.rejects(
        db.command({ create: "x", clusteredIndex: { key: { _id: 1 }, unique: false } }),
        fails(5979700, "The clusteredIndex option requires unique: true to be specified"),
      );
      await assert.rejects(
        db.command({ create: "x", clusteredIndex: { key: { a: 1 }, unique: true } }),
        fails(197, "The clusteredIndex option is only supported for key: {_id: 1}"),
      );
      await assert.rejects(
        db.command({ create: "x", clusteredIndex: { key: { _id: 1 }, unique: true, v: 1 } }),
        fails(5979704),
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

serverTest(
  "clustered collections: explain shows CLUSTERED_IXSCAN; created inside a transaction",
  async (client) => {
    const db = client.db("clx");
    await db.createCollection("c", { clusteredIndex: { key: { _id: 1 }, unique: true } });
    const c = db.collection<AnyDoc>("c");
    await c.insertMany([{ _id: 5 }, { _id: 1 }, { _id: 3 }]);
    // mongod reads a clustered collection by _id as a bounded scan of its records, not index + FETCH
    const point: AnyDoc = await c.find({ _id: 3 }).explain("executionStats");
    assert.deepEqual(point.queryPlanner.winningPlan, {
      stage: "CLUSTERED_IXSCAN",
      filter: { _id: 3 },
      direction: "forward",
      minRecord: 3,
      maxRecord: 3,
    });
    assert.equal(point.executionStats.totalKeysExamined, 0);
    assert.equal(point.executionStats.nReturned, 1);
    const range: AnyDoc = await c.find({ _id: { $gte: 2, $lt: 9 } }).sort({ _id: -1 }).explain(
      "executionStats",
    );
    const stage = range.queryPlanner.winningPlan;
    assert.equal(stage.stage, "CLUSTERED_IXSCAN");
    assert.equal(stage.direction, "backward");
    assert.equal(stage.minRecord, 2);
    assert.equal(stage.maxRecord, 9);
    assert.equal(range.executionStats.nReturned, 2);
    assert.equal(range.executionStats.totalKeysExamined, 0);
    assert.equal(range.executionStats.totalDocsExamined, 2);
    // an unbounded read stays a COLLSCAN, as on mongod
    assert.equal(((await c.find({ x: 1 }).explain()) as AnyDoc).queryPlanner.winningPlan.stage, "COLLSCAN");
    // the profiler's planSummary says the same
    await db.command({ profile: 2 });
    await c.find({ _id: 5 }).toArray();
    const [entry]: AnyDoc[] = await db.collection("system.profile").find({ op: "query", ns: "clx.c" })
      .toArray();
    assert.equal(entry?.planSummary, "CLUSTERED_IXSCAN");
    await db.command({ profile: 0 });

    // creating a clustered collection inside a transaction (allowed by mongod since 4.4, like any create)
    const session = client.startSession();
    try {
      session.startTransaction();
      await db.createCollection("t", {
        clusteredIndex: { key: { _id: 1 }, unique: true, name: "k" },
        session,
      });
      await db.collection<AnyDoc>("t").insertOne({ _id: 2 }, { session });
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await db.collection("t").listIndexes().toArray(), [
      { v: 2, key: { _id: 1 }, name: "k", unique: true, clustered: true },
    ]);
    assert.deepEqual(await db.collection("t").find().toArray(), [{ _id: 2 }]);
  },
);
