/**
 * maxTimeMS (issue 15 item 5) in blocking and nested aggregation stages: a `$lookup` with a
 * sub-pipeline per document, a `$setWindowFields` and an external-size `$sort` stop with 50
 * MaxTimeMSExpired instead of running to the end; the server keeps serving.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest("maxTimeMS ends long $lookup, $setWindowFields and $group pipelines with 50", async (client) => {
  const db = client.db("mt");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany(Array.from({ length: 3000 }, (_, i) => ({ _id: i, g: i % 7, v: i })));
  const expired = async (pipeline: AnyDoc[]) => {
    const t = performance.now();
    try {
      await c.aggregate(pipeline, { maxTimeMS: 30 }).toArray();
      return { code: "no error", ms: performance.now() - t };
    } catch (e) {
      return { code: e instanceof MongoServerError ? e.code : String(e), ms: performance.now() - t };
    }
  };
  const lookup = await expired([{
    $lookup: {
      from: "c",
      let: { v: "$v" },
      pipeline: [{ $match: { $expr: { $eq: ["$v", "$$v"] } } }],
      as: "same",
    },
  }]);
  assert.equal(lookup.code, 50);
  const windows = await expired([
    { $lookup: { from: "c", pipeline: [{ $limit: 200 }], as: "x" } },
    { $unwind: "$x" },
    { $setWindowFields: { partitionBy: "$g", sortBy: { v: 1 }, output: { s: { $sum: "$v" } } } },
  ]);
  assert.equal(windows.code, 50);
  const grouped = await expired([
    { $lookup: { from: "c", pipeline: [{ $limit: 200 }], as: "x" } },
    { $unwind: "$x" },
    { $group: { _id: { a: "$v", b: "$x.v" }, n: { $sum: 1 } } },
  ]);
  assert.equal(grouped.code, 50);
  assert.equal(await c.countDocuments({}), 3000); // still serving
});

serverTest(
  "maxTimeMS stops a multi-document update and delete; the statement rolls back whole",
  async (client) => {
    const db = client.db("mtw");
    const c = db.collection<AnyDoc>("c");
    const n = 60_000;
    for (let i = 0; i < n; i += 10_000) {
      await c.insertMany(Array.from({ length: 10_000 }, (_, k) => ({ _id: i + k, v: 0 })));
    }
    const up = await db.command({
      update: "c",
      updates: [{ q: {}, u: { $inc: { v: 1 } }, multi: true }],
      maxTimeMS: 2,
    }).catch((e) => e);
    const upCode = up instanceof MongoServerError ? up.code : up.writeErrors?.[0]?.code;
    assert.equal(upCode, 50);
    assert.equal(await c.countDocuments({ v: 1 }), 0);
    const del = await db.command({ delete: "c", deletes: [{ q: {}, limit: 0 }], maxTimeMS: 2 }).catch((e) =>
      e
    );
    const delCode = del instanceof MongoServerError ? del.code : del.writeErrors?.[0]?.code;
    assert.equal(delCode, 50);
    assert.equal(await c.countDocuments(), n);
  },
);

serverTest("maxTimeMS stops a long $facet and $sample with 50", async (client) => {
  const c = client.db("mtf").collection<AnyDoc>("c");
  for (let i = 0; i < 100_000; i += 10_000) {
    await c.insertMany(Array.from({ length: 10_000 }, (_, k) => ({ _id: i + k, g: (i + k) % 97, v: i + k })));
  }
  const codeOf = async (pipeline: AnyDoc[]) => {
    try {
      await c.aggregate(pipeline, { maxTimeMS: 20 }).toArray();
      return "no error";
    } catch (e) {
      return e instanceof MongoServerError ? e.code : String(e);
    }
  };
  const heavy = {
    $project: {
      x: { $reduce: { input: { $range: [0, 200] }, initialValue: 0, in: { $add: ["$$value", "$$this"] } } },
    },
  };
  assert.equal(
    await codeOf([{
      $facet: { a: [heavy, { $group: { _id: null, s: { $sum: "$x" } } }], b: [{ $count: "n" }] },
    }]),
    50,
  );
  assert.equal(await codeOf([heavy, { $sample: { size: 10 } }]), 50);
  // without a deadline both finish
  const [f] = await c.aggregate<AnyDoc>([{ $facet: { n: [{ $count: "n" }] } }]).toArray();
  assert.equal(f.n[0].n, 100_000);
});
