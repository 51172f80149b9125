/**
 * Contained `$or` (mongod's OR pushdown), through the Node driver: the predicates beside a top-level
 * `$or` bound each branch's index scan (`{tenant: "t1", $or: [{owner: "u5"}, {public: true}]}` scans
 * `{tenant: 1, owner: 1}` and `{tenant: 1, public: 1}` each on tenant AND its own field), the FETCH
 * has no filter when every branch's bounds answer the whole filter — and the answers are the
 * collection scan's (`hint({$natural: 1})`) for generated data (multikey fields, missing fields,
 * nulls) and generated filters (nested `$or` / `$and`, ranges, `$in`, sort / skip / limit / getMore).
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import type { Collection } from "mongodb";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** A small seeded generator (tests are deterministic). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function docsOf(r: () => number, n: number): AnyDoc[] {
  const i = (m: number) => Math.floor(r() * m);
  return Array.from({ length: n }, (_, id) => {
    const d: AnyDoc = { _id: id };
    const t = i(12);
    if (t < 10) d.tenant = `t${t % 5}`;
    else if (t === 10) d.tenant = null; // (11: missing)
    const o = i(10);
    if (o < 6) d.owner = `u${i(8)}`;
    else if (o < 8) d.owner = [`u${i(8)}`, `u${i(8)}`]; // (multikey)
    else if (o === 8) d.owner = null;
    const p = i(6);
    if (p < 4) d.public = p === 0;
    else if (p === 4) d.public = null;
    const a = i(10);
    d.a = a < 8 ? i(6) : a === 8 ? [i(6), i(6)] : undefined;
    if (d.a === undefined) delete d.a;
    if (i(8) > 0) d.b = i(40);
    d.c = i(5) === 0 ? `s${i(4)}` : i(30);
    d.k = i(3);
    return d;
  });
}

function branchOf(r: () => number, depth = 0): AnyDoc {
  const i = (m: number) => Math.floor(r() * m);
  switch (i(depth > 0 ? 11 : 13)) {
    case 0:
      return { owner: `u${i(8)}` };
    case 1:
      return { owner: { $in: [`u${i(8)}`, `u${i(8)}`] } };
    case 2:
      return { owner: null };
    case 3:
      return { public: i(2) === 0 };
    case 4:
      return { public: null };
    case 5:
      return { b: i(40) };
    case 6: {
      const lo = i(40);
      return { b: { $gte: lo, $lt: lo + i(10) } };
    }
    case 7:
      return { c: { $lt: i(30) } };
    case 8:
      return { c: `s${i(4)}` };
    case 9:
      return { b: { $gt: i(40) }, owner: `u${i(8)}` };
    case 10:
      return { k: i(3) }; // (no index of its own: no OR)
    case 11:
      return { $or: [branchOf(r, depth + 1), branchOf(r, depth + 1)] };
    default:
      return { $and: [branchOf(r, depth + 1), { k: { $ne: i(3) } }] };
  }
}

function outsideOf(r: () => number): AnyDoc {
  const i = (m: number) => Math.floor(r() * m);
  switch (i(8)) {
    case 0:
      return { tenant: `t${i(5)}` };
    case 1:
      return { tenant: null };
    case 2:
      return { tenant: { $in: [`t${i(5)}`, `t${i(5)}`] } };
    case 3:
      return { a: i(6) };
    case 4:
      return { a: { $gte: i(6) } };
    case 5:
      return { tenant: `t${i(5)}`, a: i(6) };
    case 6:
      return { a: i(6), k: { $ne: i(3) } };
    default:
      return { tenant: { $exists: false } };
  }
}

function queryOf(r: () => number): AnyDoc {
  const branches = Array.from({ length: 2 + Math.floor(r() * 3) }, () => branchOf(r));
  const outside = outsideOf(r);
  switch (Math.floor(r() * 4)) {
    case 0:
      return { $and: [outside, { $or: branches }] };
    case 1:
      return { ...outside, $or: branches, $and: [{ $or: [{ k: 0 }, { k: 1 }, { b: { $lt: 30 } }] }] };
    default:
      return { ...outside, $or: branches };
  }
}

const INDEXES = [
  { tenant: 1, owner: 1 },
  { tenant: 1, public: 1 },
  { a: 1, b: 1 },
  { a: 1, c: 1 },
  { b: 1 },
  { c: 1, a: -1 },
];

async function seed(c: Collection<AnyDoc>, seedValue: number, n: number): Promise<void> {
  await c.insertMany(docsOf(rng(seedValue), n));
  await c.createIndexes(INDEXES.map((key) => ({ key })));
}

/** The OR stage of a winning plan, if any. */
function orStage(plan: AnyDoc): AnyDoc | undefined {
  if (plan.stage === "OR") return plan;
  if (plan.inputStage) return orStage(plan.inputStage);
  return undefined;
}

const ids = (xs: AnyDoc[]) => xs.map((x) => x._id).sort((p, q) => p - q);

serverTest("contained $or: generated data and filters give the collection scan's answers", async (client) => {
  const c = client.db("orpush").collection<AnyDoc>("c");
  await seed(c, 7, 4000);
  const r = rng(4242);
  let pushed = 0;
  for (let n = 0; n < 200; n++) {
    const q = queryOf(r);
    const what = JSON.stringify(q);
    const expected = ids(await c.find(q).hint({ $natural: 1 }).toArray());
    assert.deepEqual(ids(await c.find(q).toArray()), expected, what);
    const or = orStage((await c.find(q).explain("queryPlanner")).queryPlanner.winningPlan);
    // a branch bounded on a field of the outside predicates (tenant / a) but planned for its own field
    const bounded = (s: AnyDoc) =>
      Object.keys(s.indexBounds).length > 1 &&
      Object.values(s.indexBounds).every((b: AnyDoc) => b[0] !== "[MinKey, MaxKey]");
    if (or?.inputStages.some(bounded)) pushed++;
    if (n % 3 === 0) {
      assert.equal(await c.countDocuments(q), expected.length, what);
      const sorted = await c.find(q).sort({ b: -1, _id: 1 }).skip(2).limit(30).batchSize(5).toArray();
      const natural = await c.find(q).hint({ $natural: 1 }).sort({ b: -1, _id: 1 }).skip(2).limit(30)
        .toArray();
      assert.deepEqual(sorted, natural, what);
    }
  }
  assert.ok(pushed >= 20, `only ${pushed} contained-$or plans`);
});

serverTest("contained $or: explain shows the pushed-down bounds; writes and counts agree", async (client) => {
  const db = client.db("orpushx");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany(Array.from({ length: 2000 }, (_, i) => ({
    _id: i,
    tenant: `t${i % 20}`,
    owner: `u${Math.floor(i / 20) % 50}`,
    public: i % 37 === 0,
    a: i % 10,
    b: i % 7,
    c: i % 11,
  })));
  await c.createIndexes([
    { key: { tenant: 1, owner: 1 } },
    { key: { tenant: 1, public: 1 } },
    { key: { a: 1, b: 1 } },
    { key: { a: 1, c: 1 } },
  ]);
  const q = { tenant: "t3", $or: [{ owner: "u5" }, { public: true }] };
  const ex = await c.find(q).explain("executionStats");
  const plan = ex.queryPlanner.winningPlan;
  // mongod's shape: FETCH (no filter: the bounds answer tenant AND each branch) over OR of IXSCANs
  assert.equal(plan.stage, "FETCH");
  assert.equal(plan.filter, undefined);
  assert.equal(plan.inputStage.stage, "OR");
  assert.deepEqual(plan.inputStage.inputStages.map((s: AnyDoc) => [s.indexName, s.indexBounds]), [
    ["tenant_1_owner_1", { tenant: ['["t3", "t3"]'], owner: ['["u5", "u5"]'] }],
    ["tenant_1_public_1", { tenant: ['["t3", "t3"]'], public: ["[true, true]"] }],
  ]);
  const expected = ids(await c.find(q).hint({ $natural: 1 }).toArray());
  assert.equal(ex.executionStats.nReturned, expected.length);
  // only the matching entries are read (tenant t3 has 100 documents)
  assert.equal(
    ex.executionStats.totalKeysExamined,
    expected.length + ex.executionStats.executionStages
      .inputStage.dupsDropped,
  );
  assert.ok(ex.executionStats.totalDocsExamined < 100);

  // {a: 1, $or: [{b: 1}, {c: 1}]} over {a: 1, b: 1} and {a: 1, c: 1}
  const ex2 = await c.find({ a: 3, $or: [{ b: 2 }, { c: 4 }] }).explain("queryPlanner");
  const p2 = ex2.queryPlanner.winningPlan;
  assert.deepEqual([p2.stage, p2.filter, p2.inputStage.stage], ["FETCH", undefined, "OR"]);
  assert.deepEqual(p2.inputStage.inputStages.map((s: AnyDoc) => s.indexBounds), [
    { a: ["[3, 3]"], b: ["[2, 2]"] },
    { a: ["[3, 3]"], c: ["[4, 4]"] },
  ]);
  // an unindexed predicate beside it: pushed where it can be, matched after the fetch
  const ex3 = await c.find({ a: 3, k: { $exists: false }, $or: [{ b: 2 }, { c: 4 }] }).explain();
  assert.deepEqual(ex3.queryPlanner.winningPlan.filter, {
    a: 3,
    k: { $exists: false },
    $or: [{ b: 2 }, { c: 4 }],
  });

  // counts and writes take the same plan: each matching document once
  const both = { a: 3, $or: [{ b: 2 }, { c: 4 }] };
  const n = (await c.find(both).hint({ $natural: 1 }).toArray()).length;
  assert.equal(await c.countDocuments(both), n);
  assert.equal((await c.updateMany(both, { $inc: { hits: 1 } })).modifiedCount, n);
  assert.equal(await c.countDocuments({ hits: 1 }), n);
  assert.equal((await c.deleteMany(both)).deletedCount, n);
  assert.equal(await c.countDocuments(both), 0);
});
