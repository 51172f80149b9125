/**
 * SORT_MERGE through the Node driver: an indexed `$or` with a sort that every branch's index gives
 * (`{$or: [{a: 1}, {b: 2}]}` sorted by `{c: 1}` over `{a: 1, c: 1}` and `{b: 1, c: -1}`) merges the
 * branch scans in that order — a sort with a limit reads about `limit` entries per branch, no blocking
 * SORT — and returns the collection scan's (`hint({$natural: 1})`) documents in the same sort order, for
 * generated data (missing and null sort keys, strings among numbers, a multikey index that cannot give
 * the order) and generated filters, with skip / limit / batchSize / getMore.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

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
    const d: AnyDoc = { _id: id, a: i(10), t: [i(6), i(6)], k: i(3) };
    if (i(8) > 0) d.b = i(20);
    else if (i(2) === 0) d.b = null;
    const c = i(20);
    if (c === 0) d.c = null; // (1: missing)
    else if (c === 2) d.c = `s${i(50)}`;
    else if (c > 2) d.c = i(500);
    d.x = i(4);
    return d;
  });
}

function branchOf(r: () => number): AnyDoc {
  const i = (m: number) => Math.floor(r() * m);
  switch (i(8)) {
    case 0:
    case 1:
      return { a: i(10) };
    case 2:
      return { b: i(20) };
    case 3:
      return { b: null };
    case 4:
      return { a: i(10), k: i(3) };
    case 5:
      return { t: i(6) }; // (multikey: its index gives no order, so no SORT_MERGE)
    case 6:
      return { x: i(4), b: { $gte: i(20) } };
    default:
      return { a: { $in: [i(10), i(10)] } };
  }
}

const SORTS: AnyDoc[] = [{ c: 1 }, { c: -1 }];

/** The sort values of `c` in a result, as comparable strings (ties may come in any order). */
const keys = (xs: AnyDoc[]) => xs.map((x) => JSON.stringify(x.c ?? null));
const ids = (xs: AnyDoc[]) => xs.map((x) => x._id).sort((p, q) => p - q);

function stageNames(plan: AnyDoc, out: string[] = []): string[] {
  out.push(plan.stage);
  if (plan.inputStage) stageNames(plan.inputStage, out);
  for (const s of plan.inputStages ?? []) stageNames(s, out);
  return out;
}

serverTest(
  "SORT_MERGE: generated $or queries with a sort give the collection scan's order",
  async (client) => {
    const c = client.db("sortmerge").collection<AnyDoc>("c");
    await c.insertMany(docsOf(rng(11), 3000));
    await c.createIndexes([
      { key: { a: 1, c: 1 } },
      { key: { b: 1, c: -1 } },
      { key: { t: 1, c: 1 } },
      { key: { x: 1, c: 1 } },
      { key: { k: 1 } },
    ]);
    const r = rng(99);
    let merged = 0;
    for (let n = 0; n < 120; n++) {
      const list = Array.from({ length: 2 + Math.floor(r() * 2) }, () => branchOf(r));
      const q = r() < 0.3 ? { k: { $ne: 2 }, $or: list } : { $or: list };
      const sort = SORTS[Math.floor(r() * SORTS.length)]!;
      const what = `${JSON.stringify(q)} sort ${JSON.stringify(sort)}`;
      const natural = await c.find(q).hint({ $natural: 1 }).sort(sort).toArray();
      const all = await c.find(q).sort(sort).batchSize(7).toArray();
      assert.deepEqual(keys(all), keys(natural), what);
      assert.deepEqual(ids(all), ids(natural), what);
      const limit = 1 + Math.floor(r() * 15);
      const skip = Math.floor(r() * 4);
      const some = await c.find(q).sort(sort).skip(skip).limit(limit).batchSize(3).toArray();
      assert.deepEqual(keys(some), keys(natural.slice(skip, skip + limit)), what);
      const plan = (await c.find(q).sort(sort).limit(limit).explain("queryPlanner")).queryPlanner.winningPlan;
      const names = stageNames(plan);
      if (names.includes("SORT_MERGE")) {
        merged++;
        assert.ok(!names.includes("SORT"), what);
      }
    }
    assert.ok(merged >= 20, `only ${merged} SORT_MERGE plans`);
  },
);

serverTest(
  "SORT_MERGE: explain shape and figures; what cannot merge keeps its blocking sort",
  async (client) => {
    const c = client.db("sortmergex").collection<AnyDoc>("c");
    await c.insertMany(
      Array.from({ length: 4000 }, (_, i) => ({ _id: i, a: i % 20, b: i % 50, c: (i * 37) % 4000 })),
    );
    await c.createIndexes([{ key: { a: 1, c: 1 } }, { key: { b: 1, c: -1 } }, { key: { b: 1 } }]);
    const q = { $or: [{ a: 7 }, { b: 13 }] };
    const ex = await c.find(q).sort({ c: 1 }).limit(10).explain("executionStats");
    const plan = ex.queryPlanner.winningPlan;
    // mongod's shape: LIMIT ← (SUBPLAN) ← FETCH ← SORT_MERGE ← IXSCAN {a: 1, c: 1}, IXSCAN {b: 1, c: -1} backward
    assert.deepEqual(stageNames(plan), ["LIMIT", "SUBPLAN", "FETCH", "SORT_MERGE", "IXSCAN", "IXSCAN"]);
    const merge = plan.inputStage.inputStage.inputStage;
    assert.deepEqual(merge.sortPattern, { c: 1 });
    assert.deepEqual(merge.inputStages.map((s: AnyDoc) => [s.indexName, s.direction]), [
      ["a_1_c_1", "forward"],
      ["b_1_c_-1", "backward"],
    ]);
    // about limit entries per branch, not all 200 + 80 matches
    assert.ok(ex.executionStats.totalKeysExamined <= 14, `${ex.executionStats.totalKeysExamined} keys`);
    const got = await c.find(q).sort({ c: 1 }).limit(10).toArray();
    const want = await c.find(q).hint({ $natural: 1 }).sort({ c: 1 }).limit(10).toArray();
    assert.deepEqual(got, want);
    // writes with a sort take the first document in that order (findAndModify, updateOne, deleteOne)
    const first = await c.findOneAndUpdate(q, { $set: { hit: 1 } }, { sort: { c: 1 } });
    assert.equal(first?._id, want[0]._id);
    const last = await c.find(q).hint({ $natural: 1 }).sort({ c: -1 }).limit(1).toArray();
    assert.equal((await c.findOneAndDelete(q, { sort: { c: -1 } }))?._id, last[0]._id);
    await c.updateOne(q, { $set: { second: 1 } }, { sort: { c: 1 } } as AnyDoc);
    assert.equal((await c.findOne({ second: 1 }))?._id, want[0]._id);
    // a branch whose index cannot give the order (b_1 alone would, but {b: 1, c: -1} does): a sort on a
    // field no branch index holds is a blocking SORT over the OR (mongod's CannotMergeSort)
    const blocking = await c.find(q).sort({ _id: 1 }).explain("queryPlanner");
    assert.deepEqual(stageNames(blocking.queryPlanner.winningPlan).slice(0, 4), [
      "SORT",
      "SUBPLAN",
      "FETCH",
      "OR",
    ]);
    // a contained $or merges too, with the outside predicate pushed into each branch
    const ex2 = await c.find({ a: { $gte: 5 }, $or: [{ a: 7 }, { a: 9 }] }).sort({ c: -1 }).limit(5)
      .explain();
    assert.ok(stageNames(ex2.queryPlanner.winningPlan).includes("SORT_MERGE"));
  },
);
