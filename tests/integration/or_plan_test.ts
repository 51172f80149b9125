/**
 * A top-level `$or` whose every branch can use an index, through the Node driver: planned as an OR of
 * one IXSCAN per branch (SUBPLAN → FETCH → OR → IXSCAN for a rooted `$or`), each record id handed out
 * once, the whole filter matched — with the same answers as a collection scan (`hint({$natural: 1})`)
 * for many generated queries, with sort / skip / limit / batchSize / getMore, projection, count,
 * distinct and writes (a document updated into a later branch's range is updated once).
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import type { Db } from "mongodb";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

function docs(n: number): AnyDoc[] {
  return Array.from({ length: n }, (_, i) => {
    const d: AnyDoc = { _id: i, a: i % 50, c: `s${i % 10}`, d: [i % 5, i % 7], k: i % 3 };
    if (i % 11 !== 0) d.b = i % 200; // (missing on some)
    if (i % 13 === 0) d.b = null;
    return d;
  });
}

async function seed(db: Db, name: string, n: number): Promise<void> {
  const c = db.collection<AnyDoc>(name);
  await c.insertMany(docs(n));
  await c.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: 1, a: 1 } }, { key: { d: 1 } }]);
}

/** A small seeded generator (tests are deterministic). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function branchOf(r: () => number): AnyDoc {
  const i = (n: number) => Math.floor(r() * n);
  switch (i(13)) {
    case 0:
      return { a: i(50) };
    case 1:
      return { a: { $in: [i(50), i(50), i(50)] } };
    case 2: {
      const lo = i(50);
      return { a: { $gte: lo, $lt: lo + i(10) } };
    }
    case 3:
      return { b: { $lt: i(200) } };
    case 4:
      return { b: null };
    case 5:
      return { c: `s${i(10)}` };
    case 6:
      return { c: `s${i(10)}`, a: { $gt: i(50) } };
    case 7:
      return { d: i(7) };
    case 8:
      return { d: { $in: [i(7), i(7)] } };
    case 9:
      return { $and: [{ a: { $gt: i(50) } }, { b: { $lte: i(200) } }] };
    case 10:
      return { $or: [{ a: i(50) }, { b: i(200) }] }; // (nested: that branch has no index plan of its own)
    case 11:
      return { k: i(3) }; // (no index: a collection scan)
    default:
      return { b: { $gte: i(200), $lte: i(200) + 20 } };
  }
}

function queryOf(r: () => number): AnyDoc {
  const branches = Array.from({ length: 2 + Math.floor(r() * 3) }, () => branchOf(r));
  switch (Math.floor(r() * 4)) {
    case 0:
      return { $or: branches, k: { $ne: 1 } };
    case 1:
      return { $and: [{ $or: branches }, { a: { $lt: 40 } }] };
    default:
      return { $or: branches };
  }
}

const ids = (xs: AnyDoc[]) => xs.map((x) => x._id).sort((p, q) => p - q);

/** The leaf stage names of a winning plan. */
function stages(plan: AnyDoc, out: string[] = []): string[] {
  out.push(plan.stage);
  if (plan.inputStage) stages(plan.inputStage, out);
  for (const s of plan.inputStages ?? []) stages(s, out);
  return out;
}

serverTest("$or over indexes: generated queries give the collection scan's answers", async (client) => {
  const db = client.db("orplan");
  await seed(db, "c", 3000);
  const c = db.collection<AnyDoc>("c");
  const r = rng(42);
  let orPlans = 0;
  for (let n = 0; n < 120; n++) {
    const q = queryOf(r);
    const what = JSON.stringify(q);
    const expected = ids(await c.find(q).hint({ $natural: 1 }).toArray());
    assert.deepEqual(ids(await c.find(q).toArray()), expected, what);
    const ex = await c.find(q).explain("queryPlanner");
    const names = stages(ex.queryPlanner.winningPlan);
    if (names.includes("OR")) orPlans++;
    if (n % 4 === 0) {
      assert.equal(await c.countDocuments(q), expected.length, what);
      assert.equal((await db.command({ count: "c", query: q }))["n"], expected.length, what);
      const sorted = await c.find(q).sort({ b: -1, _id: 1 }).skip(3).limit(25).batchSize(4).toArray();
      const natural = await c.find(q).hint({ $natural: 1 }).sort({ b: -1, _id: 1 }).skip(3).limit(25)
        .toArray();
      assert.deepEqual(sorted, natural, what);
    }
    if (n % 6 === 0) {
      const distinct = (await c.distinct("a", q)).sort((x: number, y: number) => x - y);
      const fromDocs = [...new Set((await c.find(q).hint({ $natural: 1 }).toArray()).map((d) => d.a))]
        .sort((x, y) => x - y);
      assert.deepEqual(distinct, fromDocs, what);
    }
  }
  assert.ok(orPlans >= 30, `only ${orPlans} OR plans`);
});

serverTest("$or over indexes: explain shapes and figures", async (client) => {
  const db = client.db("orexplain");
  await seed(db, "c", 3000);
  const c = db.collection<AnyDoc>("c");
  const q = { $or: [{ a: 7 }, { c: "s3" }] };
  const ex = await c.find(q).explain("executionStats");
  const plan = ex.queryPlanner.winningPlan;
  assert.equal(plan.stage, "SUBPLAN");
  assert.equal(plan.inputStage.stage, "FETCH");
  assert.equal(plan.inputStage.filter, undefined); // (the bounds answer each branch)
  const or = plan.inputStage.inputStage;
  assert.equal(or.stage, "OR");
  assert.deepEqual(or.inputStages.map((s: AnyDoc) => [s.stage, s.indexName]), [
    ["IXSCAN", "a_1"],
    ["IXSCAN", "c_1_a_1"],
  ]);
  assert.deepEqual(or.inputStages[1].indexBounds, { c: ['["s3", "s3"]'], a: ["[MinKey, MaxKey]"] });
  // a = 7: ids ≡ 7 (mod 50), 60 of them; c = "s3": ids ≡ 3 (mod 10), 300; both: none (7 ≢ 3 mod 10)
  const st = ex.executionStats;
  assert.equal(st.nReturned, 360);
  assert.equal(st.totalKeysExamined, 360);
  assert.equal(st.totalDocsExamined, 360);
  const run = st.executionStages;
  assert.equal(run.stage, "SUBPLAN");
  const runOr = run.inputStage.inputStage;
  assert.deepEqual(runOr.inputStages.map((s: AnyDoc) => [s.keysExamined, s.nReturned]), [[60, 60], [
    300,
    300,
  ]]);
  assert.equal(runOr.dupsDropped, 0);

  // overlapping branches: each document once, the duplicates dropped by the OR
  const ex2 = await c.find({ $or: [{ a: { $lt: 10 } }, { c: "s3" }] }).explain("executionStats");
  const or2 = ex2.executionStats.executionStages.inputStage.inputStage;
  assert.equal(ex2.executionStats.nReturned, 600 + 300 - 60); // a<10: 600; s3: 300; both (a ∈ {3}): 60
  assert.equal(or2.dupsDropped, 60);
  assert.equal(ex2.executionStats.totalKeysExamined, 900);

  // another predicate beside the $or: no SUBPLAN, the FETCH matches it
  const ex3 = await c.find({ $or: [{ a: 7 }, { c: "s3" }], k: 1 }).explain("queryPlanner");
  const p3 = ex3.queryPlanner.winningPlan;
  assert.deepEqual([p3.stage, p3.filter, p3.inputStage.stage], ["FETCH", { k: 1 }, "OR"]);
  // ... unless that predicate has a better index plan of its own
  const ex4 = await c.find({ a: 7, $or: [{ b: 3 }, { b: 5 }] }).explain("queryPlanner");
  assert.deepEqual(stages(ex4.queryPlanner.winningPlan), ["FETCH", "IXSCAN"]);
  assert.equal(ex4.queryPlanner.winningPlan.inputStage.indexName, "a_1");
  // a branch without an index: a collection scan, as before
  const ex5 = await c.find({ $or: [{ a: 7 }, { k: 2 }] }).explain("queryPlanner");
  assert.equal(ex5.queryPlanner.winningPlan.stage, "COLLSCAN");
  // a hint forces its index
  const ex6 = await c.find(q).hint({ a: 1 }).explain("queryPlanner");
  assert.deepEqual(stages(ex6.queryPlanner.winningPlan), ["FETCH", "IXSCAN"]);
  // a sort: blocking, above the FETCH
  const ex7 = await c.find(q).sort({ b: 1 }).explain("queryPlanner");
  assert.deepEqual(stages(ex7.queryPlanner.winningPlan), [
    "SORT",
    "SUBPLAN",
    "FETCH",
    "OR",
    "IXSCAN",
    "IXSCAN",
  ]);
  // a one-branch $or is that branch's scan
  const ex8 = await c.find({ $or: [{ a: 7 }] }).explain("queryPlanner");
  assert.deepEqual(stages(ex8.queryPlanner.winningPlan), ["FETCH", "IXSCAN"]);

  // the profiler's planSummary and $indexStats count each index the OR read
  await db.command({ profile: 2 });
  await c.find({ $or: [{ a: 8 }, { b: 9 }] }).toArray();
  await db.command({ profile: 0 });
  const entry = await db.collection("system.profile").findOne({
    "command.find": "c",
    "command.filter.$or": { $exists: true },
  });
  assert.equal(entry?.["planSummary"], "IXSCAN { a: 1 }, IXSCAN { b: 1 }");
  const usage = await c.aggregate([{ $indexStats: {} }]).toArray();
  const ops = Object.fromEntries(usage.map((u: AnyDoc) => [u.name, Number(u.accesses.ops)]));
  assert.ok(ops["a_1"]! >= 1 && ops["b_1"]! >= 1, JSON.stringify(ops));
});

serverTest("$or over indexes: batches, getMore, projection, limit", async (client) => {
  const db = client.db("orbatches");
  await seed(db, "c", 5000);
  const c = db.collection<AnyDoc>("c");
  const q = { $or: [{ a: { $in: [1, 2, 3] } }, { b: { $gte: 150 } }, { d: 6 }] };
  const expected = ids(await c.find(q).hint({ $natural: 1 }).toArray());
  assert.ok(expected.length > 1500);
  const got: AnyDoc[] = [];
  for await (const d of c.find(q).batchSize(7)) got.push(d);
  assert.deepEqual(ids(got), expected);
  assert.equal(new Set(got.map((d) => d._id)).size, got.length);
  const projected = await c.find(q, { projection: { _id: 1, a: 1 } }).toArray();
  assert.deepEqual(ids(projected), expected);
  assert.ok(projected.every((d) => Object.keys(d).join() === "_id,a"));
  const limited = await c.find(q).limit(50).batchSize(9).toArray();
  assert.equal(limited.length, 50);
  assert.ok(limited.every((d) => expected.includes(d._id)));
  const skipped = await c.find(q).skip(100).toArray();
  assert.equal(skipped.length, expected.length - 100);
  // returnKey: the key of the branch's index that found the document
  const keys = await c.find({ $or: [{ a: 7 }, { c: "s3" }] }).returnKey(true).toArray();
  assert.equal(keys.length, 100 + 500);
  assert.equal(keys.filter((k) => Object.keys(k).join() === "a" && k.a === 7).length, 100);
  assert.equal(keys.filter((k) => Object.keys(k).join() === "c,a" && k.c === "s3").length, 500);
  // aggregate $match feeds the same plan
  const agg = await c.aggregate([{ $match: q }, { $project: { _id: 1 } }]).toArray();
  assert.deepEqual(ids(agg), expected);
});

serverTest("$or over indexes: writes meet each document once", async (client) => {
  const db = client.db("orwrites");
  await seed(db, "c", 4000);
  const c = db.collection<AnyDoc>("c");
  // a < 5 moves to 40..44: into the second branch's range, which is scanned after the first
  const filter = { $or: [{ a: { $lt: 5 } }, { a: { $gte: 40 } }] };
  const before = await c.find(filter).hint({ $natural: 1 }).toArray();
  const res = await c.updateMany(filter, { $inc: { a: 40 } });
  assert.equal(res.matchedCount, before.length);
  assert.equal(res.modifiedCount, before.length);
  for (const d of await c.find({ _id: { $in: before.map((x) => x._id) } }).toArray()) {
    const old = before.find((x) => x._id === d._id)!;
    assert.equal(d.a, old.a + 40, `_id ${d._id}`);
  }
  // a few targets (found in the write's own transaction: commands/write/targets.ts)
  await seed(db, "small", 300);
  const small = db.collection<AnyDoc>("small");
  const fs = { $or: [{ a: { $lt: 1 } }, { a: { $gte: 40 } }] };
  const smallBefore = await small.countDocuments(fs, { hint: { $natural: 1 } });
  assert.equal((await small.updateMany(fs, { $inc: { a: 40 } })).modifiedCount, smallBefore);
  // a = 0 (6 documents) → 40, a ∈ 40..49 (60) → 80..89: none twice (→ 120+)
  assert.equal(await small.countDocuments({ a: { $gte: 120 } }), 0);
  assert.equal(await small.countDocuments({ a: { $gte: 80 } }), 60);
  assert.equal(await small.countDocuments({ a: 40 }), 6);
  // across indexes: b < 20 moves to b + 500, into { b: {$gte: 500} } (scanned second)
  const f2 = { $or: [{ c: "s1" }, { b: { $lt: 20 } }, { b: { $gte: 500 } }] };
  const before2 = await c.find(f2).hint({ $natural: 1 }).toArray();
  const res2 = await c.updateMany(f2, { $inc: { n: 1 } });
  assert.equal(res2.modifiedCount, before2.length);
  assert.equal(await c.countDocuments({ n: { $gt: 1 } }), 0);
  const f3 = { $or: [{ b: { $lt: 20 } }, { b: { $gte: 500 } }] };
  const before3 = await c.countDocuments(f3, { hint: { $natural: 1 } });
  const res3 = await c.updateMany(f3, { $inc: { b: 500 } });
  assert.equal(res3.modifiedCount, before3);
  assert.equal(await c.countDocuments({ b: { $gte: 1000 } }), 0);
  // findAndModify
  const one = await c.findOneAndUpdate({ $or: [{ a: 41 }, { c: "s9" }] }, { $set: { touched: true } }, {
    sort: { _id: 1 },
    returnDocument: "after",
  });
  const first =
    (await c.find({ $or: [{ a: 41 }, { c: "s9" }] }).hint({ $natural: 1 }).sort({ _id: 1 }).limit(1)
      .toArray())[0];
  assert.equal(one?._id, first._id);
  assert.equal(one?.touched, true);
  // deleteMany
  const f4 = { $or: [{ a: { $in: [41, 42] } }, { c: "s7" }] };
  const n4 = await c.countDocuments(f4, { hint: { $natural: 1 } });
  assert.ok(n4 > 0);
  const del = await c.deleteMany(f4);
  assert.equal(del.deletedCount, n4);
  assert.equal(await c.countDocuments(f4, { hint: { $natural: 1 } }), 0);
  const ex = await db.command({
    explain: { delete: "c", deletes: [{ q: f4, limit: 0 }] },
    verbosity: "queryPlanner",
  });
  assert.deepEqual(stages(ex.queryPlanner.winningPlan).slice(0, 3), ["DELETE", "SUBPLAN", "FETCH"]);
});
