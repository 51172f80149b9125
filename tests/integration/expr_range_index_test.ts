/**
 * Through npm:mongodb: `$expr` comparisons of a field with a constant (`$eq`, `$lt`, `$lte`, `$gt`,
 * `$gte`, either operand order, a `let` variable, inside `$expr`'s `$and` or a top-level `$and`) bound
 * an index as mongod's `$_internalExpr*` do — [MinKey, v) / (v, MaxKey] across every type, no
 * multikey index, no `$lt`/`$lte` on a sparse one — with the `$expr` still the FETCH's filter.
 * Randomized: every answer (and count) equals a collection scan's (`hint: {$natural: 1}`) over
 * numbers, strings, nulls, missing fields, dates, booleans, documents and arrays. One server.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { assertAsScan, planOf, randomDocs, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const SCALARS: unknown[] = [0, 1, 2, 2.5, -1, 7, "a", "b", "ab", null, true, false, new Date(1e12), { x: 1 }];
const CONSTANTS: unknown[] = [0, 1, 2, 2.5, 7, "a", "ab", null, true, new Date(1e12), -1];
const OPS = ["$eq", "$lt", "$lte", "$gt", "$gte"];

function randomValue(r: () => number, arrays: boolean): unknown {
  const k = r();
  if (k < 0.8) return SCALARS[Math.floor(r() * SCALARS.length)];
  if (k < 0.9 && arrays) return [SCALARS[Math.floor(r() * 6)], SCALARS[Math.floor(r() * 6)]];
  return undefined;
}

function randomExpr(r: () => number, field: string): AnyDoc {
  const op = OPS[Math.floor(r() * OPS.length)]!;
  const v = CONSTANTS[Math.floor(r() * CONSTANTS.length)];
  return r() < 0.7 ? { [op]: [`$${field}`, v] } : { [op]: [v, `$${field}`] };
}

serverTest(
  "$expr comparisons bound indexes as mongod's; answers equal a collection scan's",
  async (client) => {
    const c = client.db("exprrange").collection<AnyDoc>("c");
    const r = rng(11);
    await c.insertMany(
      randomDocs(600, ["a", "d", "m", "sp"], (f) => randomValue(r, f === "m"), (i) => ({ g: i % 3 })),
    );
    await c.createIndex({ a: 1 });
    await c.createIndex({ d: -1 });
    await c.createIndex({ g: 1, a: 1 }, { name: "g_a" });
    await c.createIndex({ m: 1 });
    await c.createIndex({ sp: 1 }, { sparse: true });
    const fields = ["a", "d", "m", "sp"];
    let indexed = 0;
    for (let n = 0; n < 400; n++) {
      const field = fields[n % fields.length]!;
      let f: AnyDoc = { $expr: randomExpr(r, field) };
      if (n % 7 === 1) f = { $expr: { $and: [randomExpr(r, field), randomExpr(r, field)] } };
      if (n % 5 === 0) f = { $and: [{ g: n % 3 }, f] };
      if (n % 11 === 3) f = { ...f, [field]: { $gte: 1 } };
      const label = JSON.stringify(f);
      await assertAsScan(c, f, label);
      const plan = planOf((await c.find(f).explain()).queryPlanner.winningPlan);
      if (plan.stages.includes("IXSCAN")) {
        indexed++;
        // the multikey index for an equality only (its point bounds hold every match)
        if (plan.ixscan.indexName === "m_1" && !label.includes('"m":')) {
          ok(plan.ixscan.indexBounds.m.every((b: string) => !/Min|Max/.test(b)), label);
        }
        ok(plan.stages.includes("FETCH"), label);
      }
    }
    ok(indexed > 150, `only ${indexed} indexed plans`);

    // the plan shapes, as mongod's explain shows them
    const shape = async (f: AnyDoc) => {
      const w = (await c.find(f).explain()).queryPlanner.winningPlan;
      const p = planOf(w);
      return { stages: p.stages, bounds: p.ixscan?.indexBounds, filter: w.filter };
    };
    assertEquals(await shape({ $expr: { $lt: ["$a", 2] } }), {
      stages: ["FETCH", "IXSCAN"],
      bounds: { a: ["[MinKey, 2)"] },
      filter: { $expr: { $lt: ["$a", 2] } },
    });
    assertEquals((await shape({ $expr: { $gte: [2, "$a"] } })).bounds, { a: ["[MinKey, 2]"] });
    assertEquals((await shape({ $expr: { $gt: ["$d", "a"] } })).bounds, { d: ['[MaxKey, "a")'] });
    assertEquals((await shape({ $and: [{ g: 1 }, { $expr: { $gt: ["$a", 1] } }] })).bounds, {
      g: ["[1, 1]"],
      a: ["(1, MaxKey]"],
    });
    assertEquals((await shape({ $expr: { $gt: ["$m", 1] } })).stages, ["COLLSCAN"]);
    assertEquals((await shape({ $expr: { $lt: ["$sp", 1] } })).stages, ["COLLSCAN"]);
    assertEquals((await shape({ $expr: { $gt: ["$sp", 1] } })).bounds, { sp: ["(1, MaxKey]"] });
    const ex = await c.find({ $expr: { $gte: ["$a", 7] } }).explain("executionStats");
    const n7 = await c.countDocuments({ $expr: { $gte: ["$a", 7] } }, { hint: { $natural: 1 } });
    assertEquals(ex.executionStats.nReturned, n7);
    ok(ex.executionStats.totalDocsExamined < 600, JSON.stringify(ex.executionStats.totalDocsExamined));
  },
);
