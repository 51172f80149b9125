/**
 * A `$match` on a `$group`'s key moves before the group as the same predicate on the key's source field
 * (mongod's rename through `$group`, engine/aggregate/match_pushdown.ts), so it filters the collection
 * through an index: each answer through the Node driver equals the same pipeline's answer with the
 * filter kept where it was written (a `$skip: 0` in front keeps it from reaching the collection), over
 * key values that are missing, null, arrays, documents and numbers of several types; explain shows the
 * index scan where the filter moves and the collection scan where it must not (`$exists`, `$type`).
 */
import assert from "node:assert/strict";
import { Double, Int32, Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { planOf, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 3000;

serverTest(
  "a filter on a $group key filters the collection through the key field's index",
  async (client) => {
    const db = client.db("groupmatch");
    const c = db.collection<AnyDoc>("d");
    const odd: unknown[] = [
      null,
      undefined,
      ["u1", "u2"],
      [],
      { k: 1 },
      new Int32(1),
      new Double(1),
      new Long(1),
      2,
    ];
    await c.insertMany(Array.from({ length: N }, (_, i) => {
      const d: AnyDoc = {
        _id: i,
        status: i % 9 === 0 ? "archived" : "active",
        score: (i * 37) % 500,
        owner: `u${i % 60}`,
      };
      if (i % 10 === 3) {
        const v = odd[(i / 10 | 0) % odd.length];
        if (v === undefined) delete d.owner;
        else d.owner = v;
      }
      return d;
    }));
    await c.createIndex({ owner: 1 });
    await c.createIndex({ status: 1 });

    const same = async (pipeline: AnyDoc[], moved: boolean, indexed = moved) => {
      const got = await c.aggregate(pipeline).toArray();
      const want = await c.aggregate([{ $skip: 0 }, ...pipeline]).toArray();
      const sorted = (docs: AnyDoc[]) => docs.map((d) => JSON.stringify(d)).sort();
      assert.deepEqual(sorted(got), sorted(want), JSON.stringify(pipeline));
      const explained: AnyDoc = await c.aggregate(pipeline).explain("queryPlanner");
      const plan = explained.stages?.[0]?.$cursor?.queryPlanner?.winningPlan ??
        explained.queryPlanner?.winningPlan;
      // the moved filter is the query's (an index scan when the planner takes one: not for `$gte: []`)
      assert.equal(JSON.stringify(plan).includes('"owner"'), moved, JSON.stringify([pipeline, plan]));
      if (indexed) assert.ok(planOf(plan).stages.includes("IXSCAN"), JSON.stringify([pipeline, plan]));
      return got.length;
    };

    const byOwner = { $group: { _id: "$owner", n: { $sum: 1 }, s: { $sum: "$score" } } };
    const byTwo = { $group: { _id: { o: "$owner", s: "$status" }, n: { $sum: 1 } } };
    assert.equal(await same([byOwner, { $match: { _id: "u5" } }], true), 1);
    assert.ok(
      await same([byOwner, { $match: { _id: { $in: ["u1", "u2", null] }, n: { $gt: 1 } } }], true) >= 3,
    );
    assert.ok(await same([byTwo, { $match: { "_id.o": "u7", "_id.s": "active" } }], true) === 1);
    assert.ok(
      await same(
        [byTwo, { $project: { who: "$_id.o", st: "$_id.s", _id: 0 } }, { $match: { who: "u4" } }],
        true,
      ) >= 1,
    );
    assert.ok(await same([byOwner, { $match: { _id: 1 } }, { $sort: { _id: 1 } }], true) >= 1);
    // tests that tell apart values one group holds stay after it
    assert.ok(await same([byOwner, { $match: { _id: { $exists: false } } }], false) === 0);
    assert.ok(await same([byOwner, { $match: { _id: { $type: "double" } } }], false) <= 1);

    // generated: comparisons against the values the keys hold
    const r = rng(44);
    const operands: unknown[] = ["u1", "u2", "u59", null, 1, 2, ["u1", "u2"], { k: 1 }, []];
    const pick = () => operands[Math.floor(r() * operands.length)];
    const ops = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"];
    for (let k = 0; k < 60; k++) {
      const op = ops[Math.floor(r() * ops.length)]!;
      const arg = op === "$in" || op === "$nin" ? [pick(), pick()] : pick();
      const group = k % 2 ? byOwner : byTwo;
      const field = k % 2 ? "_id" : "_id.o";
      await same([group, { $match: { [field]: { [op]: arg } } }], true, false);
    }
  },
);
