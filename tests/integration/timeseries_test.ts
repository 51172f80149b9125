/**
 * Time-series collections through the driver, as mongod 8.0 answers a client: create with
 * timeField/metaField/granularity or custom bucketing (+ expireAfterSeconds), listCollections type
 * "timeseries" with the normalized options, the metaField+timeField index listed, measurements need
 * a date, `_id`s may repeat, find/aggregate/count return the measurements, deletes take any filter,
 * updates only as mongod allows (multi, metaField only), collMod widens bucketing and sets the TTL,
 * the TTL removes old measurements, and the refusals carry mongod's codes. `$out` with `timeseries`
 * (mongod 7.0.3+) makes or replaces a time-series collection; collStats / `$collStats` show the
 * `timeseries` section instead of a count.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { serverTest, startFastTtlServer } from "./helpers/embedded_server.ts";

const fails = (code: number, message?: string | RegExp) => (e: unknown) => {
  const err = e as AnyDoc;
  const c = err?.code ?? err?.writeErrors?.[0]?.code ?? err?.errorResponse?.writeErrors?.[0]?.code;
  assert.equal(c, code, String(err?.message));
  if (typeof message === "string") assert.equal(err.message, message);
  else if (message) assert.match(err.message, message);
  return true;
};

Deno.test({
  name: "time-series collections: create, list, insert, query, update/delete limits, collMod, TTL",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startFastTtlServer();
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("ts");
      await db.createCollection("w", {
        timeseries: { timeField: "t", metaField: "m", granularity: "minutes" },
        expireAfterSeconds: 604800,
      });
      const [info]: AnyDoc[] = await db.listCollections({ name: "w" }).toArray();
      assert.equal(info.type, "timeseries");
      assert.deepEqual(info.options, {
        timeseries: { timeField: "t", metaField: "m", granularity: "minutes", bucketMaxSpanSeconds: 86400 },
        expireAfterSeconds: 604800,
      });
      assert.deepEqual(info.info, { readOnly: false });
      assert.deepEqual(await db.listCollections({ type: "timeseries" }, { nameOnly: true }).toArray(), [
        { name: "w", type: "timeseries" },
      ]);
      const w = db.collection<AnyDoc>("w");
      assert.deepEqual(await w.listIndexes().toArray(), [{ v: 2, key: { m: 1, t: 1 }, name: "m_1_t_1" }]);

      // within the last 7 days (the TTL): the sweeper (every second here) must not remove them mid-test
      const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
      await w.insertMany([
        { _id: 1, t: new Date(t0), m: { s: "a" }, v: 1 },
        { _id: 1, t: new Date(t0 + 1000), m: { s: "b" }, v: 2 },
        { t: new Date(t0 + 2000), m: { s: "a" }, v: 3 },
      ]);
      const all = await w.find({}, { projection: { _id: 0 } }).sort({ t: 1 }).toArray();
      assert.deepEqual(all.map((x) => x.v), [1, 2, 3]);
      assert.equal(await w.countDocuments({ _id: 1 }), 2);
      assert.deepEqual(
        await w.aggregate([{ $group: { _id: "$m.s", n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray(),
        [{ _id: "a", n: 2 }, { _id: "b", n: 1 }],
      );
      // the time field must be a date
      const timeMsg = "'t' must be present and contain a valid BSON UTC datetime value";
      await assert.rejects(w.insertOne({ m: 1, v: 4 }), fails(2, timeMsg));
      await assert.rejects(w.insertOne({ t: "2024-01-01", v: 4 }), fails(2, timeMsg));

      // updates: multi, no upsert, metaField only (72, mongod's words)
      await assert.rejects(
        w.updateOne({ "m.s": "a" }, { $set: { "m.s": "c" } }),
        fails(72, "Cannot perform a non-multi update on a time-series collection"),
      );
      await assert.rejects(
        w.updateMany({ "m.s": "z" }, { $set: { "m.s": "c" } }, { upsert: true }),
        fails(72, "Cannot perform an upsert on a time-series collection"),
      );
      await assert.rejects(
        w.updateMany({ v: 1 }, { $set: { "m.s": "c" } }),
        fails(
          72,
          "Cannot perform an update or delete on a time-series collection when querying on a field that is not the metaField 'm'",
        ),
      );
      await assert.rejects(
        w.updateMany({ "m.s": "a" }, { $set: { v: 9 } }),
        fails(
          72,
          "Cannot perform an update on a time-series collection which updates a field that is not the metaField 'm'",
        ),
      );
      const up = await w.updateMany({ "m.s": "a" }, { $set: { "m.s": "c" } });
      assert.deepEqual([up.matchedCount, up.modifiedCount], [2, 2]);
      // deletes: any filter
      const del = await w.deleteOne({ v: 2 });
      assert.equal(del.deletedCount, 1);
      assert.equal(await w.countDocuments(), 2);

      // indexes mongod refuses on time-series collections
      await assert.rejects(
        w.createIndex({ v: 1 }, { unique: true }),
        fails(72, "Unique indexes are not supported on time-series collections"),
      );
      await w.createIndex({ v: 1 });

      // collMod: bucketing only wider, TTL, validator refused
      await db.command({ collMod: "w", timeseries: { granularity: "hours" } });
      await assert.rejects(
        db.command({ collMod: "w", timeseries: { granularity: "seconds" } }),
        fails(72, /Invalid transition for timeseries.granularity/),
      );
      await assert.rejects(
        db.command({ collMod: "w", validator: { v: 1 } }),
        fails(72, "option not supported on a time-series collection: validator"),
      );
      await db.command({ collMod: "w", expireAfterSeconds: "off" });
      const [after]: AnyDoc[] = await db.listCollections({ name: "w" }).toArray();
      assert.deepEqual(after.options, {
        timeseries: { timeField: "t", metaField: "m", granularity: "hours", bucketMaxSpanSeconds: 2592000 },
      });

      // custom bucketing; create refusals
      await db.createCollection("c", {
        timeseries: { timeField: "t", bucketMaxSpanSeconds: 600, bucketRoundingSeconds: 600 },
      });
      const [cInfo]: AnyDoc[] = await db.listCollections({ name: "c" }).toArray();
      assert.deepEqual(cInfo.options.timeseries, {
        timeField: "t",
        bucketRoundingSeconds: 600,
        bucketMaxSpanSeconds: 600,
      });
      assert.deepEqual(await db.collection("c").listIndexes().toArray(), []);
      await assert.rejects(
        db.command({ create: "x", timeseries: { timeField: "t", bucketMaxSpanSeconds: 600 } }),
        fails(72, "Time-series 'bucketRoundingSeconds' must be equal to 'bucketMaxSpanSeconds'"),
      );
      await assert.rejects(
        db.command({ create: "x", timeseries: { timeField: "t", metaField: "t" } }),
        fails(72, "'metaField' cannot be the same as 'timeField'"),
      );
      await assert.rejects(
        db.command({ create: "x", timeseries: { timeField: "t" }, capped: true, size: 1000 }),
        fails(72, "ts.x: 'timeseries' is not allowed with 'capped'"),
      );
      await assert.rejects(db.command({ create: "x", timeseries: { metaField: "m" } }), fails(40414));
      await assert.rejects(
        client.db("admin").command({ renameCollection: "ts.c", to: "ts.d" }),
        fails(166),
      );

      // $merge into a time-series collection is refused; $out keeps the measurement rule
      await assert.rejects(
        db.collection("w").aggregate([{ $merge: { into: "c" } }]).toArray(),
        fails(166, "Namespace ts.c is a timeseries collection"),
      );

      // TTL on the time field
      await db.createCollection("e", { timeseries: { timeField: "at" }, expireAfterSeconds: 60 });
      const e = db.collection<AnyDoc>("e");
      await e.insertMany([{ at: new Date(Date.now() - 3_600_000) }, { at: new Date() }]);
      const deadline = Date.now() + 10_000;
      while (await e.countDocuments() > 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(await e.countDocuments(), 1);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

serverTest("time-series: $out with timeseries, collStats timeseries section", async (client) => {
  const db = client.db("tsout");
  const src = db.collection<AnyDoc>("src");
  await src.insertMany([
    { t: new Date(0), m: "a", v: 1 },
    { t: new Date(1000), m: "b", v: 2 },
  ]);
  const out = (coll: string, timeseries?: AnyDoc, db2 = "tsout") =>
    src.aggregate([{ $out: { db: db2, coll, ...(timeseries ? { timeseries } : {}) } }]).toArray();

  // a missing target is created as a time-series collection, with the meta+time index
  await out("o", { timeField: "t", metaField: "m" });
  const [info]: AnyDoc[] = await db.listCollections({ name: "o" }).toArray();
  assert.equal(info.type, "timeseries");
  assert.deepEqual(info.options.timeseries, {
    timeField: "t",
    metaField: "m",
    granularity: "seconds",
    bucketMaxSpanSeconds: 3600,
  });
  assert.deepEqual(await db.collection("o").listIndexes().toArray(), [
    { v: 2, key: { m: 1, t: 1 }, name: "m_1_t_1" },
  ]);
  assert.deepEqual(await db.collection("o").find({}, { projection: { _id: 0 } }).sort({ v: 1 }).toArray(), [
    { t: new Date(0), m: "a", v: 1 },
    { t: new Date(1000), m: "b", v: 2 },
  ]);
  // same options (or none) replace it and keep it time-series; other options are 7406103
  await out("o", { timeField: "t", metaField: "m", granularity: "seconds" });
  await src.aggregate([{ $match: { v: 1 } }, { $out: "o" }]).toArray();
  assert.equal(await db.collection("o").countDocuments(), 1);
  assert.equal((await db.listCollections({ name: "o" }).toArray())[0]!.type, "timeseries");
  await assert.rejects(
    out("o", { timeField: "x" }),
    fails(7406103, /^Time-series options inputted must match/),
  );
  await assert.rejects(out("o", { timeField: "t", metaField: "m", granularity: "hours" }), fails(7406103));
  // an existing plain collection or view cannot become one
  await assert.rejects(
    out("src", { timeField: "t" }),
    fails(7268700, "Cannot create a time-series collection from a non time-series collection."),
  );
  await db.createCollection("vw", { viewOn: "src", pipeline: [] });
  await assert.rejects(out("vw", { timeField: "t" }), fails(7268703));
  // options are checked as create checks them
  await assert.rejects(out("o2", { timeField: "t", bad: 1 }), fails(40415));
  await assert.rejects(out("o2", { timeField: "t", granularity: "days" }), fails(2));
  // every measurement needs a date in the time field: nothing is replaced otherwise
  await assert.rejects(
    src.aggregate([{ $set: { t: 5 } }, { $out: "o" }]).toArray(),
    fails(2, "'t' must be present and contain a valid BSON UTC datetime value"),
  );
  assert.equal(await db.collection("o").countDocuments(), 1);
  // another database
  await out("o3", { timeField: "t" }, "tsout2");
  assert.equal(await client.db("tsout2").collection("o3").countDocuments(), 2);

  // collStats / $collStats: a timeseries section, no count (mongod: a view over buckets)
  const st: AnyDoc = await client.db("tsout2").command({ collStats: "o3" });
  assert.equal(st.count, undefined);
  assert.equal(st.timeseries.bucketsNs, "tsout2.system.buckets.o3");
  assert.equal(st.timeseries.bucketCount, 2);
  assert.ok(st.timeseries.avgBucketSize > 0);
  const o = db.collection("o");
  const [cs]: AnyDoc[] = await o.aggregate([{ $collStats: { storageStats: {} } }]).toArray();
  assert.equal(cs.storageStats.timeseries.bucketsNs, "tsout.system.buckets.o");
  assert.equal(cs.storageStats.nindexes, 1);
  assert.deepEqual(Object.keys(cs.storageStats.indexSizes), ["m_1_t_1"]);
  // no buckets namespace here (tests/diff/README.md, diff 1): not listed, not created by a write; an
  // insert there is a restore of buckets, and `{a: 1}` is no bucket (mongod's bucket validator: 121)
  assert.deepEqual(await db.listCollections({ name: /^system\.buckets/ }).toArray(), []);
  await assert.rejects(db.collection("system.buckets.o").insertOne({ a: 1 }), fails(121));
  await assert.rejects(db.collection("system.buckets.nots").insertOne({ a: 1 }), fails(238));
  await assert.rejects(db.createCollection("system.buckets.o"), fails(238));
  await assert.rejects(
    o.aggregate([{ $collStats: { count: {} } }]).toArray(),
    fails(26, "Unable to retrieve count in $collStats stage :: caused by :: Collection [tsout.o] not found."),
  );
});
