/**
 * distinct with a query walks an index holding the key (DISTINCT_SCAN) where the static ranking chose
 * another index and fetched every match, as mongod plans a distinct towards such an index:
 * `distinct("k", {g: 1})` over `{g: 1, k: 1}` beside `{g: 1}` visits one entry per value — on every
 * call of the shape, not only the first planned. A selective index elsewhere (fewer entries than the
 * walk's bounds) keeps its IXSCAN. Through the Node driver: the values equal a collection scan's
 * (`hint: {$natural: 1}`) — BSON types kept, nulls and missing fields, a filter beside the bounds.
 */
import assert from "node:assert/strict";
import { Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest(
  "distinct with a query walks an index holding the key when it holds no more entries",
  async (client) => {
    const db = client.db("dchoice");
    const c = db.collection<AnyDoc>("c");
    const r = rng(17);
    const value = (i: number): unknown => {
      const k = r();
      if (k < 0.5) return Math.floor(r() * 40);
      if (k < 0.65) return `v${Math.floor(r() * 10)}`;
      if (k < 0.7) return new Long(Math.floor(r() * 5));
      if (k < 0.75) return null;
      if (k < 0.8) return { x: i % 3 };
      return undefined;
    };
    const docs: AnyDoc[] = Array.from({ length: 4000 }, (_, i) => {
      const d: AnyDoc = { _id: i, g: i % 4, s: Math.floor(r() * 1000), pad: "p".repeat(200) };
      const k = value(i);
      if (k !== undefined) d.k = k;
      return d;
    });
    await c.insertMany(docs);
    await c.createIndex({ g: 1 });
    await c.createIndex({ g: 1, k: 1 });
    await c.createIndex({ s: 1 });
    const stagesOf = async (key: string, query: AnyDoc) => {
      const e: AnyDoc = await db.command({
        explain: { distinct: "c", key, query },
        verbosity: "executionStats",
      });
      const stages: string[] = [];
      let ix: AnyDoc;
      for (let p = e.queryPlanner.winningPlan; p; p = p.inputStage) {
        stages.push(p.stage);
        if (p.indexName) ix = p;
      }
      return {
        stages,
        index: ix?.indexName,
        bounds: ix?.indexBounds,
        docs: e.executionStats.totalDocsExamined,
      };
    };
    const cases: [AnyDoc, string, string][] = [
      [{ g: 1 }, "DISTINCT_SCAN", "g_1_k_1"],
      [{ g: 2, s: { $lt: 900 } }, "DISTINCT_SCAN", "g_1_k_1"],
      [{ g: { $in: [0, 3] } }, "IXSCAN", "g_1"], // a range before the key: no walk
      [{ g: 3, s: { $lt: 5 } }, "IXSCAN", "s_1"], // ~20 entries of s_1 against ~1,000 of the walk
    ];
    for (const [query, stage, index] of cases) {
      const label = JSON.stringify(query);
      const want = await c.distinct("k", query, { hint: { $natural: 1 } });
      for (let i = 0; i < 3; i++) assert.deepStrictEqual(await c.distinct("k", query), want, label);
      const shape = await stagesOf("k", query);
      assert.ok(shape.stages.includes(stage), `${label}: ${shape.stages}`);
      assert.equal(shape.index, index, label);
      if (stage === "DISTINCT_SCAN") {
        assert.deepStrictEqual(shape.bounds.g, [`[${query.g}, ${query.g}]`], label);
        assert.ok(shape.docs < 200, `${label}: ${shape.docs} documents`);
      }
    }
    // under a collation the values are compared as it says: the walk is not taken, the answer is the scan's
    const collation = { locale: "en", strength: 2 };
    assert.deepStrictEqual(
      await c.distinct("k", { g: 1 }, { collation }),
      await c.distinct("k", { g: 1 }, { collation, hint: { $natural: 1 } }),
    );
  },
);
