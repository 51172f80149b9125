/**
 * `$match` filters written after `$sort`, `$addFields`/`$set`, `$unset`, `$project`, `$lookup` and
 * `$unwind` move before them where they read nothing those stages change (mongod's optimisation,
 * engine/aggregate/match_pushdown.ts), so they filter through an index: each answer through the Node
 * driver equals the same pipeline's answer with the filter kept where it was written (a `$skip: 0` in
 * front keeps it from reaching the collection), and explain shows the index scan.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 2000;

serverTest(
  "filters written after reshaping stages filter the collection through its indexes",
  async (client) => {
    const db = client.db("pushdown");
    const c = db.collection<AnyDoc>("d");
    await c.insertMany(Array.from({ length: N }, (_, i) => ({
      _id: i,
      owner: `u${i % 50}`,
      score: (i * 37) % 500,
      t: new Date(1.7e12 + ((i * 7919) % N) * 1000),
      tags: [i % 3, i % 5],
      n: { x: i % 7 },
      pad: i % 4 === 0 ? null : "p".repeat(i % 30),
    })));
    await c.createIndex({ owner: 1 });
    await c.createIndex({ score: 1 });
    await db.collection<AnyDoc>("o").insertMany(
      Array.from({ length: 50 }, (_, i) => ({ _id: `u${i}`, team: i % 3 })),
    );

    const pipelines: AnyDoc[][] = [
      [{ $sort: { t: -1 } }, { $match: { owner: "u5" } }, { $limit: 20 }],
      [{ $addFields: { x: 1, s: { $add: ["$score", "$n.x"] } } }, {
        $match: { owner: "u7", s: { $gt: 100 } },
      }],
      [{ $project: { owner: 1, score: 1, c: "$n.x" } }, { $match: { owner: "u5", c: { $lt: 4 } } }],
      [{ $project: { owner: 1, score: 1 } }, { $match: { owner: "u5", pad: null } }],
      [{ $unset: "pad" }, { $match: { score: { $lt: 3 } } }],
      [{ $set: { "n.y": 1 } }, { $sort: { _id: -1 } }, {
        $match: { $and: [{ score: { $lt: 50 } }, { "n.y": 1 }] },
      }],
      [{ $lookup: { from: "o", localField: "owner", foreignField: "_id", as: "j" } }, { $unwind: "$j" }, {
        $match: { owner: { $in: ["u1", "u2"] }, "j.team": 1 },
      }],
      [{ $unwind: "$tags" }, { $match: { tags: 2, score: { $gte: 490 } } }, { $sort: { _id: 1, tags: 1 } }],
      [{ $project: { id: "$_id", who: "$owner", score: 1 } }, { $match: { who: "u5", id: { $lt: 1500 } } }],
    ];
    for (const pipeline of pipelines) {
      const got = await c.aggregate(pipeline).toArray();
      const want = await c.aggregate([{ $skip: 0 }, ...pipeline]).toArray();
      assert.ok(want.length > 0, JSON.stringify(pipeline));
      // (an index scan's order is not the collection's: without a $sort the order is unspecified)
      const sorted = (docs: AnyDoc[]) => docs.map((d) => JSON.stringify(d)).sort();
      assert.deepEqual(sorted(got), sorted(want), JSON.stringify(pipeline));
      const explained: AnyDoc = await c.aggregate(pipeline).explain("queryPlanner");
      const plan = JSON.stringify(explained.stages?.[0]?.$cursor?.queryPlanner?.winningPlan ?? explained);
      assert.match(plan, /IXSCAN/, JSON.stringify(pipeline));
    }

    // the moved filter, and the $sort + $limit after it, run in the query layer: explain's $cursor shows them
    const sorted: AnyDoc = await c.aggregate([{ $sort: { t: -1 } }, { $match: { owner: "u5" } }, {
      $limit: 20,
    }, {
      $project: { t: 1 },
    }]).explain("queryPlanner");
    const winning = sorted.stages[0].$cursor.queryPlanner.winningPlan;
    assert.equal(JSON.stringify(sorted.stages.slice(1)), JSON.stringify([{ $project: { t: 1 } }]));
    assert.match(
      JSON.stringify(winning),
      /"stage":"SORT","sortPattern":\{"t":-1\}.*"limitAmount":20.*"indexName":"owner_1"/,
    );

    // a bad stage after the moved filter is still reported, as written
    await assert.rejects(
      c.aggregate([{ $sort: { t: 1 } }, { $match: { owner: "u1" } }, { $limit: -1 }]).toArray(),
      (e: AnyDoc) => e.code === 5107201,
    );
  },
);
