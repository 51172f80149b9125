/**
 * Through npm:mongodb: `$ne`, `$nin`, `$not` of one comparison, `$type` and `$exists: true` bound an
 * index as mongod's planner does — a negation by the complement of its bounds ([MinKey, v), (v,
 * MaxKey]; not on a multikey index when null is negated, on a sparse one only for `$ne: null`),
 * `$type` by its types' brackets, `$exists: true` on a sparse index by every key — and score below
 * an equality or a range. Randomized: every answer (and count) equals a collection scan's (`hint:
 * {$natural: 1}`) over numbers, strings, nulls, arrays, documents and missing fields, on plain,
 * descending, compound, multikey, sparse, partial and collated indexes. One server.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { assertAsScan, planOf, randomDocs, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const SCALARS: unknown[] = [0, 1, 2, 2.5, -1, "a", "b", "B", "ab", null, true, false, new Date(1e12), {
  x: 1,
}];

function randomValue(r: () => number, depth = 0): unknown {
  const k = r();
  if (k < 0.7) return SCALARS[Math.floor(r() * SCALARS.length)];
  if (k < 0.85 && depth === 0) return [randomValue(r, 1), randomValue(r, 1)];
  if (k < 0.88 && depth === 0) return [];
  return undefined;
}

function randomFilter(r: () => number, field: string): AnyDoc {
  const v = () => SCALARS[Math.floor(r() * SCALARS.length)];
  const k = r();
  if (k < 0.25) return { [field]: { $ne: v() } };
  if (k < 0.45) return { [field]: { $nin: [v(), v()] } };
  if (k < 0.6) {
    const op = ["$gt", "$gte", "$lt", "$lte"][Math.floor(r() * 4)]!;
    const x = [1, 2, "ab", new Date(1e12)][Math.floor(r() * 4)];
    return { [field]: { $not: { [op]: x } } };
  }
  if (k < 0.7) return { [field]: { $not: { $in: [v(), v()] } } };
  if (k < 0.85) {
    const t = ["number", "string", "null", "bool", "date", "object", 2, 16, ["string", "double"], "array"][
      Math.floor(r() * 10)
    ];
    return { [field]: { $type: t } };
  }
  return { [field]: { $exists: true } };
}

serverTest(
  "$ne, $nin, $not, $type and $exists bound indexes as mongod's; answers equal a collection scan's",
  async (client) => {
    const c = client.db("negix").collection<AnyDoc>("c");
    const r = rng(7);
    const value = (f: string, i: number) => {
      if (f !== "m") return randomValue(r);
      const m = [randomValue(r, 1), randomValue(r, 1)];
      return i % 50 === 0 ? [null, 1] : m;
    };
    await c.insertMany(randomDocs(500, ["a", "d", "m", "sp", "co", "pa"], value, (i) => ({ g: i % 3 })));
    await c.createIndex({ a: 1 });
    await c.createIndex({ d: -1 });
    await c.createIndex({ g: 1, a: 1 }, { name: "g_a" });
    await c.createIndex({ m: 1 });
    await c.createIndex({ sp: 1 }, { sparse: true });
    await c.createIndex({ co: 1 }, { collation: { locale: "en", strength: 2 } });
    await c.createIndex({ pa: 1 }, { partialFilterExpression: { pa: { $exists: true } } });
    const fields = ["a", "d", "m", "sp", "co", "pa"];
    let indexed = 0;
    for (let n = 0; n < 300; n++) {
      const field = fields[n % fields.length]!;
      let f = randomFilter(r, field);
      if (n % 5 === 0) f = { ...f, g: n % 3 };
      const label = JSON.stringify(f);
      await assertAsScan(c, f, label);
      const coll = { locale: "en", strength: 2 };
      assertEquals(
        await c.find(f).collation(coll).sort({ _id: 1 }).toArray(),
        await c.find(f).collation(coll).hint({ $natural: 1 }).sort({ _id: 1 }).toArray(),
        `collated ${label}`,
      );
      if (stages(await c.find(f).explain()).includes("IXSCAN")) indexed++;
    }
    ok(indexed > 100, `only ${indexed} indexed plans`);
    // hinted: every index answers every filter as the collection scan does
    for (let n = 0; n < 60; n++) {
      const field = fields[n % fields.length]!;
      const f = randomFilter(r, field);
      const want = await c.find(f).hint({ $natural: 1 }).sort({ _id: 1 }).toArray();
      const hint = field === "a" ? "g_a" : `${field}_1`;
      // (a hinted sparse or partial index answers from its entries only, as mongod's: not compared)
      if (field === "d" || field === "sp" || field === "pa") continue;
      assertEquals(
        await c.find(f).hint(hint).sort({ _id: 1 }).toArray(),
        want,
        `hint ${JSON.stringify(f)}`,
      );
    }
  },
);

function stages(ex: AnyDoc): string[] {
  return planOf(ex.queryPlanner.winningPlan).stages;
}

serverTest(
  "negation bounds: the complement, shown as mongod's, and an equality elsewhere wins",
  async (client) => {
    const c = client.db("negix2").collection<AnyDoc>("c");
    const docs: AnyDoc[] = [];
    for (let i = 0; i < 200; i++) {
      docs.push({ _id: i, a: i % 10, s: i % 5 === 0 ? "closed" : "open", b: i });
    }
    docs.push({ _id: "missing", b: 1000 }, { _id: "null", a: null, s: null, b: 1001 });
    await c.insertMany(docs);
    await c.createIndex({ a: 1 });
    await c.createIndex({ s: 1 });
    await c.createIndex({ b: 1 });
    const bounds = async (f: AnyDoc) =>
      planOf((await c.find(f).explain()).queryPlanner.winningPlan).ixscan?.indexBounds;
    assertEquals(await bounds({ a: { $ne: 5 } }), { a: ["[MinKey, 5)", "(5, MaxKey]"] });
    assertEquals(await bounds({ a: { $nin: [1, 3] } }), { a: ["[MinKey, 1)", "(1, 3)", "(3, MaxKey]"] });
    assertEquals(await bounds({ a: { $not: { $gt: 5 } } }), { a: ["[MinKey, 5]", "(inf.0, MaxKey]"] });
    assertEquals(await bounds({ s: { $type: "string" } }), { s: ['["", {})'] });
    const ex = await c.find({ s: { $ne: "open" } }).explain("executionStats");
    assertEquals(ex.executionStats.totalDocsExamined, 42);
    assertEquals(ex.executionStats.nReturned, 42);
    // counted from the index alone (the complement is exact on an index that is not multikey)
    for (
      const [f, n] of [
        [{ a: { $ne: 5 } }, 182],
        [{ a: { $ne: 5.0 } }, 182],
        [{ a: { $nin: [1, 2] } }, 162],
        [{ a: { $ne: null } }, 200],
        [{ s: { $nin: ["open", null] } }, 40],
      ] as const
    ) {
      assertEquals(await c.countDocuments(f), n, JSON.stringify(f));
      assertEquals(await c.countDocuments(f, { hint: { $natural: 1 } }), n, JSON.stringify(f));
    }
    // a negation beside a predicate on a field the index does not hold: the collection scan (find_plan.ts
    // complementOnly), the same answers; with a sort the index gives, the index
    const mixed = { a: { $ne: 5 }, s: "closed" };
    await c.dropIndex("s_1");
    const mixedPlan = planOf((await c.find(mixed).explain()).queryPlanner.winningPlan);
    ok(mixedPlan.stages.includes("COLLSCAN"), JSON.stringify(mixedPlan));
    assertEquals(await c.countDocuments(mixed), await c.countDocuments(mixed, { hint: { $natural: 1 } }));
    assertEquals(await c.countDocuments(mixed), 20);
    const sorted = planOf((await c.find(mixed).sort({ a: 1 }).explain()).queryPlanner.winningPlan);
    assertEquals(sorted.ixscan?.indexName, "a_1");
    await c.createIndex({ s: 1 });
    // an equality on another index wins over a negation's wide bounds
    assertEquals(
      planOf((await c.find({ a: { $ne: 5 }, b: 7 }).explain()).queryPlanner.winningPlan).ixscan.indexName,
      "b_1",
    );
  },
);
