/**
 * The bounds trial through the Node driver (planner/bounds_trial.ts, commands/shared/bounds_race.ts):
 * a filter on two singly indexed fields takes the index whose bounds hold fewer entries, whichever the
 * static ranking prefers, on every query of the shape (not only the first one planned); a sort, a hint,
 * or comparable bounds keep the static choice. Answers equal the collection scan's either way.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { planOf } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest(
  "a filter on two indexed fields scans the index with fewer entries in its bounds",
  async (client) => {
    const db = client.db("btrial");
    const c = db.collection<AnyDoc>("c");
    const N = 20_000;
    await c.insertMany(Array.from({ length: N }, (_, i) => ({
      _id: i,
      status: i % 20 === 0 ? "archived" : "active",
      owner: `u${i % 400}`,
      score: (i * 7919) % 1000,
    })));
    // status first: the static ranking takes the first of two equalities
    await c.createIndex({ status: 1 });
    await c.createIndex({ owner: 1 });
    await c.createIndex({ score: 1 });

    const indexOf = async (filter: AnyDoc, opts: AnyDoc = {}) => {
      const e: AnyDoc = await c.find(filter, opts).explain("executionStats");
      return {
        index: planOf(e.queryPlanner.winningPlan).ixscan?.indexName,
        keys: e.executionStats.totalKeysExamined,
      };
    };
    const scanned = async (filter: AnyDoc) =>
      (await c.find(filter).hint({ $natural: 1 }).toArray()).map((d) => d._id).sort((x, y) => x - y);
    const found = async (filter: AnyDoc) =>
      (await c.find(filter).toArray()).map((d) => d._id).sort((x, y) => x - y);

    const cases: [AnyDoc, string][] = [
      [{ owner: "u5", status: "active" }, "owner_1"],
      [{ status: "active", score: { $gt: 900 } }, "score_1"],
      [{ status: "archived", score: { $gt: 100 } }, "status_1"],
    ];
    for (const [filter, index] of cases) {
      // every query of the shape, not only the first planned (the plan cache keeps the shape raced)
      for (let round = 0; round < 3; round++) {
        const got = await indexOf(filter);
        assert.equal(got.index, index, `${JSON.stringify(filter)} round ${round}`);
        assert.deepEqual(await found(filter), await scanned(filter), JSON.stringify(filter));
      }
      const n = (await scanned(filter)).length;
      assert.equal(await c.countDocuments(filter), n);
    }
    // through the profiler: the command's own plan, on repeated runs
    await db.command({ profile: 2 });
    for (let i = 0; i < 3; i++) await c.find({ owner: "u9", status: "active" }).toArray();
    await db.command({ profile: 0 });
    const plans = (await db.collection<AnyDoc>("system.profile").find({ op: "query" }).toArray()).map((p) =>
      p.planSummary
    );
    assert.deepEqual(plans, ["IXSCAN { owner: 1 }", "IXSCAN { owner: 1 }", "IXSCAN { owner: 1 }"]);
    // a hint is obeyed; a sort leaves the choice to the sort's trial
    assert.equal((await indexOf({ owner: "u5", status: "active" }, { hint: "status_1" })).index, "status_1");
    // distinct weighs the plans too
    assert.deepEqual(
      (await c.distinct("owner", { status: "active", score: { $gt: 995 } })).sort(),
      [...new Set((await c.find({ status: "active", score: { $gt: 995 } }).toArray()).map((d) => d.owner))]
        .sort(),
    );
  },
);
