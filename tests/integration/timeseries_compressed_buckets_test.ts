/**
 * Compressed time-series buckets (control.version 2 and 3, BSONColumn data — what mongod 8.0 writes
 * and what a dump of mongod 8.0 holds) inserted into `<db>.system.buckets.<name>` are unpacked into
 * measurements (src/bson/column/, src/commands/shared/timeseries_buckets.ts): columns written by mongod
 * (from its jstests) and by our test encoder, through the driver and through the official mongorestore.
 * A column that cannot be decoded fails with mongod's 6067602 and stores nothing.
 */
import assert from "node:assert/strict";
import { Binary, BSON, MongoClient, ObjectId } from "mongodb";
import { startServer } from "../../mod.ts";
import { code } from "./helpers/error_code.ts";
import { haveMongoTools, runTool as tool } from "./helpers/mongo_tools.ts";
import { elementOf, encodeColumn } from "../../src/bson/column/encode_for_tests.ts";

const b64 = (s: string) => new Binary(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)), 7);
const column = (values: unknown[]) =>
  new Binary(encodeColumn(values.map((v) => v === undefined ? undefined : elementOf(v))), 7);

/** Three measurements of one sensor: temp missing in the second, a string field in the last. */
function testBucket(t0: Date, version: 2 | 3) {
  const times = version === 2 ? [0, 1000, 2000] : [2000, 0, 1000]; // version 3: unsorted
  const ts = times.map((d) => new Date(t0.getTime() + d));
  return {
    _id: new ObjectId(),
    control: { version, min: { ts: t0 }, max: { ts: ts[2] }, count: 3 },
    meta: { id: 7 },
    data: {
      ts: column(ts),
      _id: column([1, 2, 3].map((i) => i + version * 10)),
      temp: column([20.5, undefined, 22.5]),
      note: column([undefined, undefined, "late"]),
    },
  };
}

Deno.test({
  name: "version 2 and 3 buckets inserted into system.buckets are unpacked into measurements",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startServer({ logLevel: "WARNING" });
    const client = new MongoClient(s.uri);
    try {
      const db = client.db("metrics");
      await db.createCollection("weather", { timeseries: { timeField: "ts", metaField: "sensor" } });
      const buckets = db.collection("system.buckets.weather");
      const t0 = new Date("2026-12-01T10:00:00Z");
      const r = await buckets.insertMany([testBucket(t0, 2), testBucket(t0, 3)]);
      assert.equal(r.insertedCount, 2);
      const weather = db.collection("weather");
      const got = await weather.find({}, { sort: { _id: 1 } }).toArray();
      const at = (ms: number) => new Date(t0.getTime() + ms);
      assert.deepEqual(got.map((m) => ({ ...m })), [
        { ts: at(0), sensor: { id: 7 }, _id: 21, temp: 20.5 },
        { ts: at(1000), sensor: { id: 7 }, _id: 22 },
        { ts: at(2000), sensor: { id: 7 }, _id: 23, temp: 22.5, note: "late" },
        { ts: at(2000), sensor: { id: 7 }, _id: 31, temp: 20.5 },
        { ts: at(0), sensor: { id: 7 }, _id: 32 },
        { ts: at(1000), sensor: { id: 7 }, _id: 33, temp: 22.5, note: "late" },
      ]);

      // a bucket as mongod 8.0 wrote it (mongod's jstests): two measurements, ObjectId ids
      await db.createCollection("raw", { timeseries: { timeField: "t", metaField: "m" } });
      await db.collection("system.buckets.raw").insertOne({
        _id: new ObjectId("65a6eba0e6d2e848e08c3750"),
        control: { version: 2, min: {}, max: {}, count: 2 },
        meta: 0,
        data: {
          t: b64("CQAYhggUjQEAAIAOAAAAAAAAAAA="),
          a: b64("AQAAAAAAAAAAAJAuAAAAAAAAAAA="),
          _id: b64("BwBlpuun5tLoSOCMN1CALgAAAAAAAAAA"),
        },
      });
      const t = new Date("2024-01-16T20:48:39.448Z");
      assert.deepEqual(
        (await db.collection("raw").find({}, { sort: { _id: 1 } }).toArray()).map((m) => ({ ...m })),
        [
          { t, m: 0, a: 0, _id: new ObjectId("65a6eba7e6d2e848e08c3750") },
          { t, m: 0, a: 1, _id: new ObjectId("65a6eba7e6d2e848e08c3751") },
        ],
      );

      // malformed: a column that cannot be decoded (6067602), a time column shorter than control.count
      // (6067600), a data field that is not a column (121): that bucket's write error, nothing of it stored
      const before = await weather.countDocuments();
      const bad = testBucket(t0, 2);
      const undecodable = { ...bad, data: { ...bad.data, temp: b64("AgAEAAAAZm9vAA==") } };
      assert.equal(await code(buckets.insertOne(undecodable)), 6067602);
      assert.equal(await code(buckets.insertOne({ ...bad, control: { ...bad.control, count: 4 } })), 6067600);
      assert.equal(await code(buckets.insertOne({ ...bad, data: { ...bad.data, temp: 5 } })), 121);
      assert.equal(await weather.countDocuments(), before);
      // in a batch: ordered stops at the bad bucket (the one before is stored), unordered goes on
      const ordered = await db.command({
        insert: "system.buckets.weather",
        documents: [testBucket(t0, 2), undecodable, testBucket(t0, 3)],
      });
      assert.equal(ordered.n, 1);
      assert.deepEqual(ordered.writeErrors.map((e: { index: number; code: number }) => [e.index, e.code]), [[
        1,
        6067602,
      ]]);
      assert.equal(await weather.countDocuments(), before + 3);
      const unordered = await db.command({
        insert: "system.buckets.weather",
        documents: [testBucket(t0, 2), undecodable, testBucket(t0, 3)],
        ordered: false,
      });
      assert.equal(unordered.n, 2);
      assert.deepEqual(unordered.writeErrors.map((e: { index: number }) => e.index), [1]);
      assert.equal(await weather.countDocuments(), before + 9);
    } finally {
      await client.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "a batch of dense compressed buckets is stored a chunk at a time, other clients served meanwhile",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startServer({ logLevel: "WARNING" });
    const client = new MongoClient(s.uri);
    const other = new MongoClient(s.uri);
    try {
      const db = client.db("metrics");
      await db.createCollection("dense", { timeseries: { timeField: "ts" } });
      const t0 = Date.UTC(2026, 11, 1);
      // 30 buckets of 1,000 measurements: 30,000 measurements from ~30 KB of columns
      const dense = Array.from({ length: 30 }, (_, b) => ({
        control: { version: 2, min: {}, max: {}, count: 1000 },
        data: {
          ts: column(Array.from({ length: 1000 }, (_, i) => new Date(t0 + (b * 1000 + i) * 1000))),
          v: column(Array.from({ length: 1000 }, (_, i) => i % 10)),
        },
      }));
      // another client watches the insert in currentOp: it is served while the insert runs, and sees
      // the insert yield between chunks
      let yields = 0;
      let busy = true;
      const watching = (async () => {
        while (busy) {
          const r = await other.db("admin").command({ currentOp: true }); // (the insert's command is $truncated)
          for (const op of r.inprog) yields = Math.max(yields, op.numYields);
        }
      })();
      const r = await db.command({ insert: "system.buckets.dense", documents: dense });
      busy = false;
      await watching;
      assert.equal(r.n, 30);
      assert.equal(await db.collection("dense").countDocuments(), 30_000);
      assert.equal(await db.collection("dense").countDocuments({ v: 9 }), 3_000);
      assert.ok(yields >= 1, `yields seen: ${yields}`);
    } finally {
      await client.close();
      await other.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "mongorestore restores a dump holding compressed buckets (as a mongod 8.0 dump does)",
  ignore: !haveMongoTools,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startServer({ logLevel: "WARNING" });
    const client = new MongoClient(s.uri);
    const dump = await Deno.makeTempDir({ prefix: "secantus-tsv2dump-" });
    try {
      const db = client.db("metrics");
      await db.createCollection("weather", { timeseries: { timeField: "ts", metaField: "sensor" } });
      await db.collection("weather").insertOne({ ts: new Date(0), sensor: { id: 1 }, temp: 1 });
      const d = await tool("mongodump", ["--uri", s.uri, "--db", "metrics", "--out", dump]);
      assert.equal(d.code, 0, d.stderr);
      // the dump's buckets replaced by compressed ones, as mongodump of mongod 8.0 writes them
      const t0 = new Date("2026-12-01T10:00:00Z");
      const bson = [testBucket(t0, 2), testBucket(t0, 3)].map((b) => BSON.serialize(b));
      await Deno.writeFile(
        `${dump}/metrics/system.buckets.weather.bson`,
        new Uint8Array(bson.flatMap((b) => [...b])),
      );
      const r = await tool("mongorestore", [
        "--uri",
        s.uri,
        "--nsFrom",
        "metrics.*",
        "--nsTo",
        "copy.*",
        dump,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /2 document\(s\) restored successfully\. 0 document\(s\) failed/);
      const copy = client.db("copy").collection("weather");
      assert.equal(
        (await client.db("copy").listCollections({ name: "weather" }).toArray())[0]?.type,
        "timeseries",
      );
      const back = await copy.find({}, { sort: { _id: 1 }, projection: { _id: 1, temp: 1, note: 1 } })
        .toArray();
      assert.deepEqual(back.map((m) => ({ ...m })), [
        { _id: 21, temp: 20.5 },
        { _id: 22 },
        { _id: 23, temp: 22.5, note: "late" },
        { _id: 31, temp: 20.5 },
        { _id: 32 },
        { _id: 33, temp: 22.5, note: "late" },
      ]);
    } finally {
      await client.close();
      await s.stop();
      await Deno.remove(dump, { recursive: true }).catch(() => {});
    }
  },
});
