/**
 * Through npm:mongodb: an `$or` branch with no index plan of its own that holds an `$or` (is one, or an
 * `$and` beside one: mongod's NestedContainedOr) is distributed over it, each leaf scanned through its
 * own index — `{$or: [{a}, {z, $or: [{c}, {d}]}]}` an OR of `a`, `{z, c}` and `{z, d}` — with the
 * whole filter matched per fetched document. Randomized: every answer (and count, and sorted page)
 * equals a collection scan's (`hint: {$natural: 1}`) over numbers, nulls, arrays and missing fields.
 * One server.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { assertAsScan, planOf, randomDocs, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const INDEXED = ["a", "c", "d", "m"];
const UNINDEXED = ["z", "y"];

function value(r: () => number): unknown {
  const k = r();
  return k < 0.85 ? Math.floor(r() * 8) : k < 0.92 ? null : [Math.floor(r() * 8), Math.floor(r() * 8)];
}

function leaf(r: () => number, fields: string[]): AnyDoc {
  const f = fields[Math.floor(r() * fields.length)]!;
  const k = r();
  if (k < 0.6) return { [f]: Math.floor(r() * 8) };
  if (k < 0.75) return { [f]: { $in: [Math.floor(r() * 8), null] } };
  if (k < 0.9) return { [f]: { $lt: Math.floor(r() * 8) } };
  return { [f]: { $exists: false } };
}

/** A branch: an indexed leaf, or an $or / an $and holding an $or (depth-limited). */
function branch(r: () => number, depth: number): AnyDoc {
  const k = r();
  if (depth >= 2 || k < 0.4) return leaf(r, INDEXED);
  const inner = {
    $or: [branch(r, depth + 1), branch(r, depth + 1), ...(r() < 0.4 ? [branch(r, depth + 1)] : [])],
  };
  if (k < 0.6) return inner;
  const beside = leaf(r, r() < 0.7 ? UNINDEXED : INDEXED);
  return k < 0.8 ? { ...beside, ...inner } : { $and: [beside, inner] };
}

serverTest(
  "nested $or: leaves scanned through their indexes; answers equal a collection scan's",
  async (client) => {
    const c = client.db("nestedor").collection<AnyDoc>("c");
    const r = rng(3);
    const kept = (f: string) => {
      const v = value(r);
      return r() < 0.9 && (f === "m" || !Array.isArray(v)) ? v : undefined;
    };
    await c.insertMany(randomDocs(800, [...INDEXED, ...UNINDEXED], kept));
    for (const f of INDEXED) await c.createIndex({ [f]: 1 });
    let ored = 0;
    for (let n = 0; n < 150; n++) {
      let f: AnyDoc = { $or: [branch(r, 0), branch(r, 0), ...(r() < 0.5 ? [branch(r, 0)] : [])] };
      if (n % 4 === 1) f = { ...leaf(r, UNINDEXED), ...f };
      const label = JSON.stringify(f);
      const byScan = await assertAsScan(c, f, label);
      assertEquals(
        await c.find(f).sort({ _id: -1 }).skip(2).limit(5).batchSize(2).toArray(),
        byScan.reverse().slice(2, 7),
        `page ${label}`,
      );
      const stages = planOf((await c.find(f).explain()).queryPlanner.winningPlan).stages;
      if (stages.includes("OR")) ored++;
    }
    ok(ored > 60, `only ${ored} OR plans`);

    // the shape: one IXSCAN per leaf, the whole filter on the FETCH
    const f = { $or: [{ a: 1 }, { z: 2, $or: [{ c: 3 }, { d: 4 }] }] };
    const w = (await c.find(f).explain()).queryPlanner.winningPlan;
    assertEquals(w.stage, "SUBPLAN");
    assertEquals(w.inputStage.stage, "FETCH");
    assertEquals(w.inputStage.filter, f);
    const scans = w.inputStage.inputStage.inputStages;
    assertEquals(w.inputStage.inputStage.stage, "OR");
    assertEquals(scans.map((s: AnyDoc) => [s.indexName, s.indexBounds]), [
      ["a_1", { a: ["[1, 1]"] }],
      ["c_1", { c: ["[3, 3]"] }],
      ["d_1", { d: ["[4, 4]"] }],
    ]);
    const ex = await c.find(f).explain("executionStats");
    const want = await c.countDocuments(f, { hint: { $natural: 1 } });
    assertEquals(ex.executionStats.nReturned, want);
    ok(ex.executionStats.totalDocsExamined < 400, String(ex.executionStats.totalDocsExamined));
    // an $or of $ors, rooted: flattened, and exact (no filter left on the FETCH)
    const flat = (await c.find({ $or: [{ a: 1 }, { $or: [{ c: 2 }, { d: 3 }] }] }).explain()).queryPlanner
      .winningPlan;
    assertEquals(flat.inputStage.filter, undefined);
    assertEquals(flat.inputStage.inputStage.inputStages.length, 3);
  },
);
