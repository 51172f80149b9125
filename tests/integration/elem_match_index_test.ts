/**
 * Through npm:mongodb: `$elemMatch` uses an index, as mongod's planner does — the object form
 * (`{items: {$elemMatch: {k: 2, v: {$lt: 5}}}}`) on an index of `items.k` or `items.v`, the value form
 * (`{xs: {$elemMatch: {$gte: 3, $lt: 6}}}`) on an index of `xs` — with the fetched documents matched
 * again; every answer equals a collection scan's (`hint: {$natural: 1}`) over documents that hold
 * arrays of arrays, scalars where arrays are expected, nulls and missing fields. One server.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** The stages of a plan, outermost first (inputStage / inputStages followed). */
function stages(plan: AnyDoc): string[] {
  const out: string[] = [];
  for (let p = plan; p; p = p.inputStage ?? p.inputStages?.[0]) out.push(p.stage);
  return out;
}

Deno.test({
  name: "$elemMatch reads an index of its paths; answers equal a collection scan's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("em").collection<AnyDoc>("c");
      const docs: AnyDoc[] = [];
      for (let i = 0; i < 300; i++) {
        docs.push({
          _id: i,
          items: [{ k: i % 5, v: i % 17 }, { k: (i + 1) % 5, v: (i + 3) % 17 }],
          xs: [i % 10, (i * 3) % 10],
        });
      }
      docs.push(
        { _id: "nested", items: [[{ k: 2, v: 1 }]], xs: [[4]] },
        { _id: "scalar", items: { k: 2, v: 1 }, xs: 4 },
        { _id: "nullk", items: [{ k: null, v: 1 }, { v: 2 }], xs: [null] },
        { _id: "missing" },
        { _id: "empty", items: [], xs: [] },
        { _id: "deep", items: [{ k: 2, v: 1, sub: [{ z: 1 }, { z: 2 }] }], xs: [4, 5] },
        { _id: "split", items: [{ k: 2, v: 9 }, { k: 3, v: 1 }], xs: [1, 9] },
      );
      await c.insertMany(docs);
      await c.createIndex({ "items.k": 1 });
      await c.createIndex({ xs: 1 });
      const filters: AnyDoc[] = [
        { items: { $elemMatch: { k: 2, v: { $lt: 5 } } } },
        { items: { $elemMatch: { k: { $in: [1, 3] }, v: { $gte: 10 } } } },
        { items: { $elemMatch: { k: null } } },
        { items: { $elemMatch: { k: 2, "sub.z": 2 } } },
        { items: { $elemMatch: { $and: [{ k: 2 }, { v: 1 }] } } },
        { items: { $elemMatch: { k: 2, $or: [{ v: 1 }, { v: 9 }] } } },
        { xs: { $elemMatch: { $gte: 3, $lt: 6 } } },
        { xs: { $elemMatch: { $eq: 4 } } },
        { xs: { $elemMatch: { $in: [1, 9], $ne: 1 } } },
        { xs: { $elemMatch: { $gt: 8 } }, items: { $elemMatch: { k: 0 } } },
        { items: { $elemMatch: { k: 2, v: { $lt: 5 } } }, xs: 4 },
        // $all: any one of its values bounds the index
        { xs: { $all: [4, 5] } },
        { xs: { $all: [9] } },
        {
          xs: { $all: [{ $elemMatch: { $gt: 8 } }, { $elemMatch: { $lt: 1 } }] },
          items: { $elemMatch: { k: 1 } },
        },
        { "items.k": { $all: [2, 3] } },
      ];
      for (const f of filters) {
        const byIndex = await c.find(f).sort({ _id: 1 }).toArray();
        const byScan = await c.find(f).hint({ $natural: 1 }).sort({ _id: 1 }).toArray();
        assertEquals(byIndex, byScan, JSON.stringify(f));
        assertEquals(await c.countDocuments(f), byScan.length, `count ${JSON.stringify(f)}`);
        const ex = await c.find(f).explain("executionStats");
        const plan = stages(ex.queryPlanner.winningPlan);
        ok(plan.includes("IXSCAN"), `${JSON.stringify(f)}: ${plan}`);
        ok(ex.executionStats.totalDocsExamined < 307, `${JSON.stringify(f)} examined all`);
      }
      // the value form's two ends hold for one element: [3, 6) on the multikey index, not [3, ∞)
      const vx = await c.find({ xs: { $elemMatch: { $gte: 3, $lt: 6 } } }).explain("executionStats");
      const keys = vx.executionStats.totalKeysExamined;
      const all =
        (await c.find({ xs: { $gte: 3 } }).explain("executionStats")).executionStats.totalKeysExamined;
      ok(keys < all, `${keys} keys for [3, 6) vs ${all} for [3, ∞)`);
      // the object form's bounds come from its sub-fields: k = 2 reads ~2 in 5 entries of items.k
      const ex = await c.find({ items: { $elemMatch: { k: 2, v: { $lt: 5 } } } }).explain("executionStats");
      ok(ex.executionStats.totalKeysExamined <= 130, `${ex.executionStats.totalKeysExamined} keys`);
      assertEquals(
        (await c.find({ items: { $elemMatch: { k: 2, v: { $lt: 5 } } } }, { projection: { _id: 1 } })
          .toArray())
          .some((d) => d._id === "split"),
        false,
        "one element must hold both",
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
