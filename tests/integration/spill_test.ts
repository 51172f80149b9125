/**
 * Blocking stages past [server] query_memory_limit (issue 15): `$sort` and `$group` spill to
 * temporary files in <storage_path>/_tmp and answer exactly what they answer in memory (find's
 * blocking sort too);
 * `allowDiskUse: false` gets mongod's 292. A data directory (not :memory:) so the _tmp files are real.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";

Deno.test({
  name: "spill: $sort and $group past the memory limit spill to _tmp; allowDiskUse:false is 292",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-spill-test-" });
    const d = defaultConfig();
    const config = {
      ...d,
      server: {
        ...d.server,
        port: 0,
        storagePath: dir,
        logLevel: "ERROR" as const,
        queryMemoryLimitBytes: 200_000,
      },
    };
    const server = await startServer({ config });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("spill").collection<AnyDoc>("c");
      const n = 6000;
      await c.insertMany(
        Array.from(
          { length: n },
          (_, i) => ({ _id: i, k: (i * 7919) % n, g: i % 1500, pad: "p".repeat(100) }),
        ),
      );
      const sorted = await c.aggregate<AnyDoc>([{ $sort: { k: -1 } }, { $project: { k: 1 } }]).toArray();
      assert.equal(sorted.length, n);
      assert.deepEqual(sorted.slice(0, 3).map((x) => x.k), [n - 1, n - 2, n - 3]);
      for (let i = 1; i < n; i++) assert.ok(sorted[i - 1].k > sorted[i].k);
      const groups = await c.aggregate<AnyDoc>([
        { $group: { _id: "$g", n: { $sum: 1 }, first: { $first: "$_id" }, ids: { $push: "$_id" } } },
        { $sort: { _id: 1 } },
      ]).toArray();
      assert.equal(groups.length, 1500);
      assert.deepEqual(groups[7], { _id: 7, n: 4, first: 7, ids: [7, 1507, 3007, 4507] });
      const refused = async (pipeline: AnyDoc[]) => {
        try {
          await c.aggregate(pipeline, { allowDiskUse: false }).toArray();
        } catch (e) {
          return e instanceof MongoServerError ? e.code : e;
        }
        return "no error";
      };
      assert.equal(await refused([{ $sort: { k: 1 } }]), 292);
      // find's blocking sort spills too (and refuses with allowDiskUse: false).
      const found = await c.find({}, { sort: { k: 1 }, projection: { k: 1 }, batchSize: 1000 }).toArray();
      assert.equal(found.length, n);
      for (let i = 1; i < n; i++) assert.ok(found[i - 1].k < found[i].k);
      // spilled rows keep their record id and index key (showRecordId, returnKey)
      await c.createIndex({ g: 1 });
      const ids = await c.find({ g: { $gte: 0 } }, { sort: { k: 1 }, batchSize: 1000 }).hint({ g: 1 })
        .showRecordId(true).toArray();
      assert.equal(ids.length, n);
      assert.equal(new Set(ids.map((x) => Number(x.$recordId))).size, n);
      assert.deepEqual(Object.keys(ids[0]), ["_id", "k", "g", "pad", "$recordId"]);
      const keys = await c.find({ g: { $gte: 0 } }, { sort: { k: 1 }, batchSize: 1000 }).hint({ g: 1 })
        .returnKey(true).toArray();
      assert.deepEqual(keys.slice(0, 2), [{ g: ids[0].g }, { g: ids[1].g }]);
      await assert.rejects(
        c.find({}, { sort: { k: 1 }, allowDiskUse: false }).toArray(),
        (e: unknown) => e instanceof MongoServerError && e.code === 292,
      );
      assert.equal(await refused([{ $group: { _id: "$_id", p: { $push: "$pad" } } }]), 292);
      // $bucketAuto and $setWindowFields sort through the same sorted runs (292 without allowDiskUse)
      const auto = {
        $bucketAuto: { groupBy: "$k", buckets: 6, output: { n: { $sum: 1 }, p: { $last: "$pad" } } },
      };
      const buckets = await c.aggregate<AnyDoc>([auto]).toArray();
      assert.deepEqual(buckets.map((b) => b.n), [1000, 1000, 1000, 1000, 1000, 1000]);
      assert.equal(await refused([auto]), 292);
      const windows = {
        $setWindowFields: {
          partitionBy: "$g",
          sortBy: { k: 1 },
          output: { r: { $rank: {} }, p: { $first: "$pad" } },
        },
      };
      const ranked = await c.aggregate<AnyDoc>([
        windows,
        { $match: { g: 7 } },
        { $project: { k: 1, r: 1 } },
      ]).toArray();
      assert.deepEqual(ranked.map((d) => d.r), [1, 2, 3, 4]);
      assert.equal(await refused([windows]), 292);
      // usedDisk: in the profiler (aggregate and find) and in find's explain (SORT stage)
      const db = client.db("spill");
      await db.command({ profile: 2 });
      await c.aggregate([{ $sort: { k: -1 } }], { comment: "agg-spill" }).toArray();
      await c.find({}, { sort: { k: 1 }, comment: "find-spill", batchSize: 10_000 }).toArray();
      await c.find({ _id: 1 }, { comment: "no-spill" }).toArray();
      // serverStatus counts a spilling $group's runs and the bytes it wrote: the documents after the
      // spill, each {_id: int32, pad: 100 characters} (the fields the $group reads), 124 bytes, and the
      // held groups' states
      const spillStatus = async () => (await db.admin().command({ serverStatus: 1 })).secantus.spill;
      const s0 = await spillStatus();
      const pushed = await c.aggregate<AnyDoc>([{ $group: { _id: "$_id", p: { $push: "$pad" } } }], {
        comment: "group-spill",
      }).toArray();
      assert.equal(pushed.length, n);
      const s1 = await spillStatus();
      const runs = Number(s1.runs) - Number(s0.runs);
      const written = Number(s1.bytesWritten) - Number(s0.bytesWritten);
      // 16 runs of the held groups' partial states and 16 of the later documents (per level)
      assert.ok(runs >= 32 && runs % 32 === 0, `runs ${runs}`);
      assert.ok(written >= 124 * (n - 1000), `bytes written ${written}`);
      await db.command({ profile: 0 });
      const prof = await db.collection<AnyDoc>("system.profile").find({
        "command.comment": { $exists: true },
      })
        .toArray();
      const used = (comment: string) => prof.find((e) => e.command.comment === comment)?.usedDisk;
      assert.equal(used("agg-spill"), true);
      assert.equal(used("find-spill"), true);
      assert.equal(used("group-spill"), true);
      assert.equal(used("no-spill"), undefined);
      const ex = await c.find({}, { sort: { k: 1 } }).explain("executionStats") as AnyDoc;
      const sortStage = (function find(n: AnyDoc): AnyDoc {
        return n?.stage === "SORT" ? n : n?.inputStage ? find(n.inputStage) : undefined;
      })(ex.executionStats.executionStages);
      assert.equal(sortStage?.usedDisk, true);
      assert.ok(sortStage?.spills > 0);
      const left = [...Deno.readDirSync(`${dir}/_tmp`)];
      assert.deepEqual(left, [], "spill files are removed when read");
    } finally {
      await client.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
