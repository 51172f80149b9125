/**
 * Through npm:mongodb: `{a: {$exists: false}}` (and `{a: {$not: {$exists: true}}}`) bounds a plain
 * index on `a` as mongod's planner does — the null point [null, null], where missing fields index,
 * with the filter still matched per fetched document (a null or an array holding null is there too)
 * — on plain, compound, multikey, dotted and hashed indexes, never a sparse one. Randomized: every
 * answer (and count) equals a collection scan's (`hint: {$natural: 1}`). One server.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { assertAsScan, planOf, randomDocs, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const VALUES: unknown[] = [0, 1, "x", null, [], [null], [1, 2], { b: 1 }, { c: 1 }, [{ b: 2 }, { c: 3 }], [{
  c: 1,
}]];

serverTest(
  "$exists: false bounds a non-sparse index by [null, null]; answers equal a collection scan's",
  async (client) => {
    const c = client.db("existsix").collection<AnyDoc>("c");
    const r = rng(5);
    const value = (f: string, i: number) =>
      r() < 0.3
        ? undefined
        : f === "m" || f === "o"
        ? VALUES[Math.floor(r() * VALUES.length)]
        : [0, 1, "x", null][i % 4];
    const docs = randomDocs(600, ["a", "m", "o", "sp", "h"], value, (i) => ({ g: i % 4 }));
    await c.insertMany(docs);
    await c.createIndex({ a: 1 });
    await c.createIndex({ m: 1 });
    await c.createIndex({ "o.b": 1 });
    await c.createIndex({ g: 1, a: -1 }, { name: "g_a" });
    await c.createIndex({ sp: 1 }, { sparse: true });
    await c.createIndex({ h: "hashed" });
    const filters: AnyDoc[] = [];
    for (const f of ["a", "m", "o.b", "o", "sp", "h"]) {
      filters.push({ [f]: { $exists: false } });
      filters.push({ [f]: { $not: { $exists: true } } });
      filters.push({ [f]: { $exists: 0 } });
      for (let g = 0; g < 4; g++) filters.push({ g, [f]: { $exists: false } });
    }
    filters.push({ $and: [{ a: { $exists: false } }, { m: { $exists: false } }] });
    for (const f of filters) {
      await assertAsScan(c, f, JSON.stringify(f));
    }
    const shape = async (f: AnyDoc) => {
      const w = (await c.find(f).explain()).queryPlanner.winningPlan;
      const p = planOf(w);
      return { stages: p.stages, index: p.ixscan?.indexName, bounds: p.ixscan?.indexBounds };
    };
    assertEquals(await shape({ a: { $exists: false } }), {
      stages: ["FETCH", "IXSCAN"],
      index: "a_1",
      bounds: { a: ["[null, null]"] },
    });
    assertEquals((await shape({ m: { $exists: false } })).bounds, { m: ["[null, null]"] });
    assertEquals((await shape({ "o.b": { $exists: false } })).bounds, { "o.b": ["[null, null]"] });
    assertEquals((await shape({ g: 2, a: { $not: { $exists: true } } })).bounds, {
      g: ["[2, 2]"],
      a: ["[null, null]"],
    });
    assertEquals((await shape({ sp: { $exists: false } })).stages, ["COLLSCAN"]);
    assertEquals((await shape({ h: { $exists: false } })).index, "h_hashed");
    // the filter stays on the FETCH: a null is in the bounds, not in the answer
    const ex = await c.find({ a: { $exists: false } }).explain("executionStats");
    assertEquals(ex.queryPlanner.winningPlan.filter, { a: { $exists: false } });
    const missing = docs.filter((d) => !("a" in d)).length;
    const nulls = docs.filter((d) => d.a === null).length;
    assertEquals(ex.executionStats.nReturned, missing);
    assertEquals(ex.executionStats.totalDocsExamined, missing + nulls);
    ok(missing > 100);
  },
);
