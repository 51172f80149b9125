/**
 * A time-series collection through the official tools: mongodump reads `<db>.system.buckets.<name>`
 * (one version 1 bucket per measurement here) and mongorestore inserts those buckets back, which
 * stores their measurements — the data survives the round trip (it used to be dumped as 0 documents).
 * Reads of the buckets namespace take a filter and projection (compressed buckets, as a dump of mongod 8.0
 * holds them: timeseries_compressed_buckets_test.ts).
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { haveMongoTools, runTool as tool } from "./helpers/mongo_tools.ts";

Deno.test({
  name: "mongodump and mongorestore carry a time-series collection's measurements",
  ignore: !haveMongoTools,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startServer({ logLevel: "WARNING" });
    const client = new MongoClient(s.uri);
    const dump = await Deno.makeTempDir({ prefix: "secantus-tsdump-" });
    try {
      const db = client.db("metrics");
      await db.createCollection("weather", { timeseries: { timeField: "ts", metaField: "sensor" } });
      const t0 = new Date("2026-12-01T10:00:30Z");
      const rows = Array.from({ length: 250 }, (_, i) => ({
        _id: i,
        ts: new Date(t0.getTime() + i * 1000),
        sensor: { id: i % 3 },
        temp: 20 + (i % 7),
      }));
      await db.collection<(typeof rows)[number]>("weather").insertMany(rows);

      // the buckets namespace answers version 1 buckets; filter and projection apply to buckets
      const buckets = db.collection("system.buckets.weather");
      const one = await buckets.find({ "meta.id": 1, "control.max.temp": { $gte: 26 } }).toArray();
      assert.equal(one.length, rows.filter((r) => r.sensor.id === 1 && r.temp >= 26).length);
      assert.equal(one[0]!.control.version, 1);
      assert.deepEqual(one[0]!.control.min.ts, new Date("2026-12-01T10:00:00Z")); // rounded to the minute
      const projected = await buckets.find({}, { projection: { data: 1, _id: 0 } }).limit(2).toArray();
      assert.deepEqual(projected[0], {
        data: { ts: { "0": rows[0]!.ts }, _id: { "0": 0 }, temp: { "0": 20 } },
      });

      // count (estimatedDocumentCount) and aggregate (countDocuments, $group) see the same buckets
      assert.equal(await buckets.estimatedDocumentCount(), 250);
      assert.equal(await buckets.countDocuments({ "meta.id": 1 }), 83);
      const perSensor = await buckets.aggregate([
        { $group: { _id: "$meta.id", n: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ]).toArray();
      assert.deepEqual(perSensor, [{ _id: 0, n: 84 }, { _id: 1, n: 83 }, { _id: 2, n: 83 }]);

      const d = await tool("mongodump", ["--uri", s.uri, "--db", "metrics", "--out", dump]);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stderr, /done dumping metrics\.system\.buckets\.weather \(250 documents\)/);
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
      assert.match(r.stderr, /250 document\(s\) restored successfully\. 0 document\(s\) failed/);
      const copy = client.db("copy");
      const info = await copy.listCollections({ name: "weather" }).toArray();
      assert.equal(info[0]?.type, "timeseries");
      const back = await copy.collection<(typeof rows)[number]>("weather").find({}, { sort: { _id: 1 } })
        .toArray();
      assert.deepEqual(back.map((b) => ({ ...b })), rows);
      const indexes = (await copy.collection("weather").listIndexes().toArray()).map((i) => i.name);
      assert.ok(indexes.includes("sensor_1_ts_1"), String(indexes));
    } finally {
      await client.close();
      await s.stop();
      await Deno.remove(dump, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "with auth, the backup role dumps a time-series collection and the restore role restores it",
  ignore: !haveMongoTools,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR", auth: true });
    const at = (user: string) =>
      `mongodb://${user}:pw@127.0.0.1:${s.port}/?directConnection=true&authSource=admin`;
    const dump = await Deno.makeTempDir({ prefix: "secantus-tsdump-auth-" });
    const anon = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true`);
    await anon.db("admin").command({ createUser: "root", pwd: "pw", roles: ["root"] });
    await anon.close();
    const root = new MongoClient(at("root"));
    try {
      const admin = root.db("admin");
      await admin.command({ createUser: "bk", pwd: "pw", roles: ["backup"] });
      await admin.command({ createUser: "rs", pwd: "pw", roles: ["restore"] });
      const db = root.db("metrics");
      await db.createCollection("weather", { timeseries: { timeField: "ts" } });
      await db.collection("weather").insertMany([{ ts: new Date(0), v: 1 }, { ts: new Date(1000), v: 2 }]);
      // a custom role may name one buckets namespace, as mongod's {db, system_buckets} resource
      await admin.command({
        createRole: "weatherBuckets",
        privileges: [{ resource: { db: "metrics", system_buckets: "weather" }, actions: ["find"] }],
        roles: [],
      });
      const info = await admin.command({ rolesInfo: "weatherBuckets", showPrivileges: true });
      assert.deepEqual(info.roles[0].privileges[0].resource, { db: "metrics", system_buckets: "weather" });

      const d = await tool("mongodump", ["--uri", at("bk"), "--db", "metrics", "--out", dump]);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stderr, /done dumping metrics\.system\.buckets\.weather \(2 documents\)/);
      const r = await tool("mongorestore", [
        "--uri",
        at("rs"),
        "--nsFrom",
        "metrics.*",
        "--nsTo",
        "copy.*",
        dump,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const back = await root.db("copy").collection("weather").find({}, { projection: { _id: 0 } }).toArray();
      assert.deepEqual(back.map((b) => b.v).sort(), [1, 2]);
    } finally {
      await root.close();
      await s.stop();
      await Deno.remove(dump, { recursive: true }).catch(() => {});
    }
  },
});
