/**
 * The sort's trial for an OR through the Node driver (planner/sort_trial.ts, commands/shared/
 * sort_trial_race.ts): `{$or: [...]}` sorted by a field another index gives keeps its OR plan (and a
 * blocking SORT) while the branches hold few entries, and scans the ordered index with the `$or` as
 * the FETCH's filter when they hold most of the collection (the ordered scan finds its page first, as
 * in mongod's multi-planner). Pages equal the collection scan's either way.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { planOf } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest(
  "an $or sorted by an indexed field: the OR while selective, else the ordered index",
  async (client) => {
    const c = client.db("orsort").collection<AnyDoc>("c");
    const N = 20_000;
    await c.insertMany(Array.from({ length: N }, (_, i) => ({
      _id: i,
      status: i % 20 === 0 ? "archived" : "active",
      createdAt: new Date(1.7e12 + i * 60_000),
      owner: `u${i % 400}`,
      score: (i * 7919) % 1000,
    })));
    for (const f of ["status", "createdAt", "owner", "score"]) await c.createIndex({ [f]: 1 });

    const shapes: [AnyDoc, string[]][] = [
      // selective branches: 50 + 0 entries, the ordered scan would walk ~8,000 for 20 results
      [{ $or: [{ owner: "u5" }, { status: "x" }] }, ["LIMIT", "SORT", "SUBPLAN", "FETCH", "OR", "IXSCAN"]],
      [{ $or: [{ owner: "u5" }, { score: { $lt: 2 } }] }, [
        "LIMIT",
        "SORT",
        "SUBPLAN",
        "FETCH",
        "OR",
        "IXSCAN",
      ]],
      // a branch matching most documents: the ordered scan finds its 20 first
      [{ $or: [{ owner: "u5" }, { status: "active" }] }, ["LIMIT", "FETCH", "IXSCAN"]],
      [{ $or: [{ owner: "u5" }, { score: { $lt: 500 } }] }, ["LIMIT", "FETCH", "IXSCAN"]],
    ];
    for (const [filter, stages] of shapes) {
      const label = JSON.stringify(filter);
      for (const sort of [{ createdAt: -1 }, { createdAt: 1 }] as const) {
        const want = await c.find(filter).hint({ $natural: 1 }).sort(sort).limit(20).toArray();
        // twice: the second query of the shape goes through its remembered race
        for (let i = 0; i < 2; i++) {
          assert.deepStrictEqual(await c.find(filter).sort(sort).limit(20).toArray(), want, label);
        }
        const e: AnyDoc = await c.find(filter).sort(sort).limit(20).explain("executionStats");
        const plan = planOf(e.queryPlanner.winningPlan);
        assert.deepStrictEqual(plan.stages, stages, label);
        if (stages.includes("OR")) {
          assert.ok(
            e.executionStats.totalKeysExamined < 500,
            `${label}: ${e.executionStats.totalKeysExamined}`,
          );
        } else {
          assert.equal(plan.ixscan.indexName, "createdAt_1", label);
          assert.deepStrictEqual(e.queryPlanner.winningPlan.inputStage.filter, filter, label);
          assert.ok(
            e.executionStats.totalKeysExamined < 100,
            `${label}: ${e.executionStats.totalKeysExamined}`,
          );
          assert.equal(e.queryPlanner.rejectedPlans.length >= 1, true, label);
        }
        assert.equal(e.executionStats.nReturned, 20, label);
      }
    }
    // a larger page than the ordered scan finds within the OR's entries: the OR again
    const big = { $or: [{ owner: "u5" }, { score: { $lt: 10 } }] };
    const page = await c.find(big).sort({ createdAt: -1 }).limit(150).toArray();
    assert.deepStrictEqual(
      page,
      await c.find(big).hint({ $natural: 1 }).sort({ createdAt: -1 }).limit(150).toArray(),
    );
  },
);
