/**
 * Aggregation shapes that decode less than whole documents (docs/performance.md, forty-first session):
 * `$match` with `$expr` (the filter reads only the fields its expression names), `$setWindowFields`
 * (dependency analysis), `$bucketAuto` (keys and argument values sorted, not documents) and
 * `$addFields` + `$sort` + `$limit` (a top-k over stored documents, winners decoded whole). Each answer
 * equals the one worked out here from the documents, and its reply bytes equal those of the same
 * pipeline made to take the ordinary path.
 */
import assert from "node:assert/strict";
import type { Collection } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 2000;
const doc = (i: number) => ({
  _id: i,
  a: i % 100,
  b: i % 1000,
  c: "s" + (i % 50),
  d: new Date(1.7e12 + i * 1000),
  n: { x: i % 13 },
  pad: "x".repeat(100 + (i % 7)),
});

/** The reply documents' bytes (raw: what the server sent). */
async function rawOf(c: Collection<AnyDoc>, pipeline: AnyDoc[]): Promise<Uint8Array[]> {
  return await c.aggregate(pipeline, { raw: true }).toArray() as unknown as Uint8Array[];
}

async function sameBytes(c: Collection<AnyDoc>, pipeline: AnyDoc[], ordinary: AnyDoc[]): Promise<void> {
  const got = await rawOf(c, pipeline);
  const want = await rawOf(c, ordinary);
  assert.equal(got.length, want.length, JSON.stringify(pipeline));
  got.forEach((b, i) => assert.deepEqual(Buffer.from(b), Buffer.from(want[i]!), JSON.stringify(pipeline)));
}

serverTest("aggregation shapes that decode less give the expected answers, byte for byte", async (client) => {
  const c = client.db("late").collection<AnyDoc>("d");
  await c.insertMany(Array.from({ length: N }, (_, i) => doc(i)));
  await c.createIndex({ a: 1 });
  const all = Array.from({ length: N }, (_, i) => doc(i));

  // $bucketAuto: 2 documents a value of b, 200 a bucket
  const buckets = await c.aggregate([{ $bucketAuto: { groupBy: "$b", buckets: 10 } }]).toArray();
  assert.deepEqual(
    buckets,
    Array.from(
      { length: 10 },
      (_, j) => ({ _id: { min: j * 100, max: j === 9 ? 999 : (j + 1) * 100 }, count: 200 }),
    ),
  );
  const withOutput = {
    $bucketAuto: {
      groupBy: "$c",
      buckets: 7,
      output: {
        n: { $sum: 1 },
        ids: { $push: "$_id" },
        av: { $avg: "$a" },
        mx: { $max: { $multiply: ["$a", 2] } },
      },
    },
  };
  // (a $project of every field first: the documents are decoded whole, the ordinary path)
  const whole = { $project: { _id: 1, a: 1, b: 1, c: 1, d: 1, n: 1, pad: 1 } };
  await sameBytes(c, [withOutput], [whole, withOutput]);

  // $addFields + $sort + $limit: the top 5 products, whole documents with the new field last
  const top = await c.aggregate([
    { $addFields: { s: { $multiply: ["$a", "$b"] } } },
    { $sort: { s: -1 } },
    { $limit: 5 },
  ]).toArray();
  const want = all.map((d) => ({ ...d, s: d.a * d.b })).sort((x, y) => y.s - x.s || x._id - y._id).slice(
    0,
    5,
  );
  assert.deepEqual(top, want);
  assert.equal(JSON.stringify(top), JSON.stringify(want));
  for (
    const p of [
      [{ $addFields: { s: { $multiply: ["$a", "$b"] } } }, { $sort: { s: -1 } }, { $limit: 5 }],
      [{ $addFields: { s: { $multiply: ["$a", "$b"] } } }, { $match: { s: { $lt: 5000 } } }, {
        $unset: "pad",
      }, {
        $sort: { s: -1, _id: 1 },
      }, { $limit: 4 }],
      [{ $match: { a: { $lt: 30 } } }, { $set: { "n.y": "$c", t: { $concat: ["$c", "-"] } } }, {
        $sort: { "n.y": 1, t: -1, _id: 1 },
      }, { $limit: 12 }],
    ]
  ) {
    // a $skip: 0 between: no fusion, whole documents through the stages
    await sameBytes(c, p, [...p.slice(0, -2), { $skip: 0 }, ...p.slice(-2)]);
  }

  // $match with $expr: only a and n decoded (aggregate and find)
  const expr = { $expr: { $gt: ["$a", "$n.x"] } };
  const matching = all.filter((d) => d.a > d.n.x);
  assert.deepEqual(await c.aggregate([{ $match: expr }, { $count: "n" }]).toArray(), [{
    n: matching.length,
  }]);
  assert.deepEqual(await c.find(expr).toArray(), matching);
  const rare = { $expr: { $eq: ["$a", { $add: ["$n.x", 90] }] } };
  assert.deepEqual(await c.find(rare).toArray(), all.filter((d) => d.a === d.n.x + 90));

  // $setWindowFields: two documents a partition (i, i + 1000), ranked by d
  const ranked = await c.aggregate([
    { $match: { a: { $lt: 10 } } },
    { $setWindowFields: { partitionBy: "$b", sortBy: { d: 1 }, output: { r: { $rank: {} } } } },
    { $project: { r: 1 } },
    { $sort: { _id: 1 } },
  ]).toArray();
  assert.deepEqual(ranked, all.filter((d) => d.a < 10).map((d) => ({ _id: d._id, r: d._id < 1000 ? 1 : 2 })));
  const counted = [{ $match: { a: { $lt: 10 } } }, {
    $setWindowFields: { partitionBy: "$b", sortBy: { d: 1 }, output: { r: { $rank: {} } } },
  }, { $count: "n" }];
  assert.deepEqual(await c.aggregate(counted).toArray(), [{ n: 200 }]);
});
