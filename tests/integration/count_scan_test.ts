/**
 * Counting through the Node driver: `count` and countDocuments' pipeline count index entries alone
 * (COUNT_SCAN, no document read) when the plan's bounds answer the filter, and read the documents
 * otherwise — with the same answers either way (skip, limit, multikey arrays counted once, collations).
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest(
  "count and countDocuments: COUNT_SCAN where the bounds answer the filter, the same counts",
  async (client) => {
    const db = client.db("cscan");
    const c = db.collection<AnyDoc>("c");
    await c.insertMany(Array.from({ length: 2000 }, (_, i) => ({ a: i % 100, s: `s${i % 7}`, b: i })));
    await c.createIndex({ a: 1 });
    const natural = async (query: AnyDoc, o: AnyDoc = {}) =>
      (await db.command({ count: "c", query, hint: { $natural: 1 }, ...o }))["n"];

    for (
      const [query, o] of [
        [{ a: { $gte: 10 } }, {}],
        [{ a: 5 }, {}],
        [{ a: { $gte: 10, $lt: 20 } }, { skip: 15, limit: 100 }],
        [{ a: { $gt: 1000 } }, {}],
        [{ a: { $gte: 10 }, s: "s1" }, {}], // (a residual filter: the documents are read)
      ] as [AnyDoc, AnyDoc][]
    ) {
      const expected = await natural(query, o);
      assert.equal((await db.command({ count: "c", query, ...o }))["n"], expected, JSON.stringify(query));
      assert.equal(await c.countDocuments(query, o), expected, JSON.stringify(query));
    }
    assert.equal(await c.countDocuments({}), 2000);
    assert.equal(await c.countDocuments({}, { skip: 1990, limit: 5 }), 5);
    assert.equal(await c.countDocuments({ a: { $gte: 10 } }, { limit: 3 }), 3);

    const ex = await db.command({
      explain: { count: "c", query: { a: { $gte: 10 } } },
      verbosity: "executionStats",
    });
    assert.equal(ex["queryPlanner"].winningPlan.stage, "COUNT");
    assert.equal(ex["queryPlanner"].winningPlan.inputStage.stage, "COUNT_SCAN");
    assert.equal(ex["executionStats"].totalKeysExamined, 1800);
    assert.equal(ex["executionStats"].totalDocsExamined, 0);
    const ex2 = await db.command({
      explain: { count: "c", query: { a: 5, s: "s1" } },
      verbosity: "queryPlanner",
    });
    assert.equal(ex2["queryPlanner"].winningPlan.inputStage.stage, "FETCH");

    // the profiler: count's COUNT_SCAN; countDocuments' pipeline a covered IXSCAN (mongod's words); no document read
    await db.command({ profile: 2 });
    await db.command({ count: "c", query: { a: 7 } });
    await db.command({ profile: 0 });
    const counted = await db.collection("system.profile").findOne({ "command.count": "c" });
    assert.deepEqual([counted?.["planSummary"], counted?.["keysExamined"]], ["COUNT_SCAN { a: 1 }", 20]);
    await db.command({ profile: 2 });
    await c.countDocuments({ a: { $lt: 50, $gte: 0 } });
    await db.command({ profile: 0 });
    const entry = await db.collection("system.profile").findOne({ "command.aggregate": "c" });
    assert.equal(entry?.["planSummary"], "IXSCAN { a: 1 }");
    assert.equal(entry?.["docsExamined"], 0);
  },
);

serverTest("countDocuments' group: the one $group would make; other pipelines untouched", async (client) => {
  const db = client.db("cgroup");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany([{ a: [1, 2], s: "x" }, { a: [2, 3], s: "X" }, { a: 9, s: "y" }]);
  await c.createIndex({ a: 1 }); // multikey: documents are counted once, not once per element
  assert.equal(await c.countDocuments({ a: { $gte: 1 } }), 3);
  assert.equal(await c.countDocuments({ a: 2 }), 2);
  const group = (match: AnyDoc, g: AnyDoc) => c.aggregate([{ $match: match }, { $group: g }]).toArray();
  assert.deepEqual(await group({ a: { $gte: 2 } }, { _id: null, n: { $sum: 1 }, m: { $sum: 1 } }), [
    { _id: null, n: 3, m: 3 },
  ]);
  assert.deepEqual(await group({ a: 100 }, { _id: 1, n: { $sum: 1 } }), []);
  assert.deepEqual(await group({ a: 9 }, { _id: "k", n: { $sum: 2 } }), [{ _id: "k", n: 2 }]);
  assert.deepEqual(
    (await group({}, { _id: "$s", n: { $sum: 1 } })).sort((x, y) => (x._id < y._id ? -1 : 1)),
    [{ _id: "X", n: 1 }, { _id: "x", n: 1 }, { _id: "y", n: 1 }],
  );
  // a collation decides equality of strings: the index's binary bounds cannot answer it
  await c.createIndex({ s: 1 });
  assert.equal(await c.countDocuments({ s: "x" }, { collation: { locale: "en", strength: 2 } }), 2);
  assert.equal(
    (await db.command({ count: "c", query: { s: "x" }, collation: { locale: "en", strength: 2 } }))["n"],
    2,
  );
  assert.equal(await c.countDocuments({ s: "x" }), 1);
});

serverTest(
  "a multikey index: equalities counted as distinct documents in the index, the same answers",
  async (client) => {
    const db = client.db("cmk");
    const c = db.collection<AnyDoc>("c");
    const tags = ["t0", "t1", "t2", "t3", "t4"];
    await c.insertMany(Array.from({ length: 3000 }, (_, i) => ({
      _id: i,
      tags: i % 11 === 0 ? tags[i % 5] : [tags[i % 5], tags[(i * 7) % 5], tags[i % 3]], // repeats inside
      x: [{ b: i % 4, c: i % 6 }, { b: (i + 1) % 4, c: (i + 2) % 6 }],
      k: i % 11 === 0 ? [i % 9, (i + 1) % 9] : i % 9, // (an array beside a scalar tags: several entries per key)
    })));
    await c.createIndex({ tags: 1 });
    await c.createIndex({ tags: 1, k: 1 });
    await c.createIndex({ "x.b": 1, "x.c": 1 });
    const natural = async (query: AnyDoc, o: AnyDoc = {}) =>
      (await db.command({ count: "c", query, hint: { $natural: 1 }, ...o }))["n"];
    for (
      const [query, o] of [
        [{ tags: "t3" }, {}],
        [{ tags: "t3" }, { skip: 100, limit: 500 }],
        [{ tags: "t3", k: 4 }, { hint: { tags: 1, k: 1 } }],
        [{ tags: "t3" }, { hint: { tags: 1, k: 1 } }], // k's elements: one document, several entries
        [{ tags: { $in: ["t1", "t2"] } }, {}], // several points: the documents are read
        [{ tags: { $gte: "t2", $lt: "t4" } }, {}], // a range: elements may differ, read
        [{ "x.b": 1, "x.c": 3 }, {}], // one array under both: read
      ] as [AnyDoc, AnyDoc][]
    ) {
      const expected = await natural(query, { skip: o.skip, limit: o.limit });
      assert.ok(expected > 0, JSON.stringify(query));
      assert.equal((await db.command({ count: "c", query, ...o }))["n"], expected, JSON.stringify(query));
      assert.equal(await c.countDocuments(query, o), expected, JSON.stringify(query));
      const found = await c.find(query, o).toArray();
      assert.equal(found.length, expected, JSON.stringify(query));
      assert.equal(new Set(found.map((d) => d._id)).size, found.length);
    }
    const ex = await db.command({
      explain: { count: "c", query: { tags: "t3" } },
      verbosity: "executionStats",
    });
    assert.equal(ex["queryPlanner"].winningPlan.inputStage.stage, "COUNT_SCAN");
    assert.equal(ex["executionStats"].totalDocsExamined, 0);
  },
);
