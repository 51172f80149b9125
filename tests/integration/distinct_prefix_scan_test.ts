/**
 * distinct on a trailing index field under an equality prefix (DISTINCT_SCAN with the fields before
 * the key pinned: `distinct("b", {a: 5})` over `{a: 1, b: 1}`) through the Node driver: one index
 * entry per value of `b` inside the `a: 5` range, with exactly the values (BSON types included) a
 * collection scan gives over many generated documents and queries; explain, the profiler and the
 * shapes it does not take (a range or several values before the key, a multikey index), which
 * answer the same.
 */
import assert from "node:assert/strict";
import { Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest(
  "distinct on a trailing field under an equality prefix: the values a scan gives, one entry per value",
  async (client) => {
    const db = client.db("dprefix");
    const c = db.collection<AnyDoc>("c");
    let seed = 5;
    const rnd = (n: number) => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 65536) % n;
    const bValue = (): unknown => {
      switch (rnd(9)) {
        case 0:
          return null;
        case 1:
          return undefined; // missing: no value (indexed as null)
        case 2:
          return new Long(rnd(6));
        case 3:
          return rnd(6) + 0.5;
        case 4:
          return `s${rnd(4)}`;
        case 5:
          return { x: rnd(2) };
        default:
          return rnd(6);
      }
    };
    const docs: AnyDoc[] = Array.from({ length: 4000 }, (_, i) => {
      const d: AnyDoc = { i, f: rnd(10) };
      if (rnd(12) !== 0) d.a = rnd(12) === 0 ? null : rnd(6);
      if (rnd(8) !== 0) d.c = rnd(3) === 0 ? `c${rnd(2)}` : rnd(3);
      const b = bValue();
      if (b !== undefined) d.b = b;
      return d;
    });
    docs.push({ a: 3, b: new Long(1234), i: -1 }, { a: 3, b: 1234.5, i: -2 });
    await c.insertMany(docs);
    const queries: AnyDoc[] = [
      { a: 3 },
      { a: 0 },
      { a: null },
      { a: 99 },
      { a: { $in: [2] } },
      { a: 4, c: 1 },
      { a: 4, c: "c1" },
      { a: 1, c: null },
      { a: 2, f: { $gte: 7 } }, // a residual filter on a field outside the index
      { a: 5, b: { $gte: 2 } },
      { a: 5, b: { $type: "string" } },
    ];
    // not taken (several values or a range before the key): the same values from the usual plan
    // (an index scan: which of equal numbers of different types comes first follows the index order)
    const others: AnyDoc[] = [{ a: { $in: [1, 2] } }, { a: { $gt: 3 } }, { c: 2 }];
    const raw = { promoteValues: false, promoteLongs: false };
    const distinct = async (query: AnyDoc, natural = false) =>
      (await db.command(
        { distinct: "c", key: "b", query, ...(natural ? { hint: { $natural: 1 } } : {}) },
        raw,
      ))
        .values;
    const before = await Promise.all(queries.map((q) => distinct(q, true)));
    const othersBefore = await Promise.all(others.map((q) => c.distinct("b", q)));
    await c.createIndex({ a: 1, b: 1 });
    await c.createIndex({ a: 1, c: -1, b: 1 });
    for (const [i, q] of queries.entries()) {
      assert.deepEqual(await distinct(q), before[i], JSON.stringify(q));
      assert.deepEqual(await distinct(q, true), before[i], JSON.stringify(q));
    }
    for (const [i, q] of others.entries()) assert.deepEqual(await c.distinct("b", q), othersBefore[i]);
    assert.ok(before[0].some((v: unknown) => v instanceof Long), "a Long keeps its type");

    const explain = (query: AnyDoc, verbosity = "executionStats") =>
      db.command({ explain: { distinct: "c", key: "b", query }, verbosity }) as Promise<AnyDoc>;
    const aCount = docs.filter((d) => d.a === 3).length;
    const ex = await explain({ a: 3 });
    const fetch = ex.queryPlanner.winningPlan;
    assert.equal(fetch.stage, "FETCH");
    assert.equal(fetch.inputStage.stage, "DISTINCT_SCAN");
    assert.equal(fetch.inputStage.indexName, "a_1_b_1");
    assert.deepEqual(fetch.inputStage.keyPattern, { a: 1, b: 1 });
    assert.deepEqual(fetch.inputStage.indexBounds, { a: ["[3, 3]"], b: ["[MinKey, MaxKey]"] });
    assert.equal(ex.executionStats.nReturned, before[0].length);
    // one entry per value of b (and up to two more before a seek), plus the entries of documents
    // missing b (they do not confirm null)
    const missingB = docs.filter((d) => d.a === 3 && !("b" in d)).length;
    assert.ok(ex.executionStats.totalDocsExamined <= before[0].length + missingB + 1);
    assert.ok(
      ex.executionStats.totalKeysExamined <= 3 * before[0].length + missingB + 1 &&
        ex.executionStats.totalKeysExamined < aCount / 4,
      `examined ${ex.executionStats.totalKeysExamined} of ${aCount} keys`,
    );
    for (const verbosity of ["queryPlanner", "allPlansExecution"]) {
      const e = await explain({ a: 3 }, verbosity);
      assert.equal(e.queryPlanner.winningPlan.inputStage.stage, "DISTINCT_SCAN", verbosity);
    }
    const ex2 = await explain({ a: 4, c: 1 });
    assert.equal(ex2.queryPlanner.winningPlan.inputStage.stage, "DISTINCT_SCAN");
    assert.deepEqual(ex2.queryPlanner.winningPlan.inputStage.indexBounds, {
      a: ["[4, 4]"],
      c: ["[1, 1]"],
      b: ["[MinKey, MaxKey]"],
    });
    for (const q of [{ a: { $in: [1, 2] } }, { a: { $gt: 3 } }]) {
      const e = await explain(q, "queryPlanner");
      assert.notEqual(e.queryPlanner.winningPlan.inputStage?.stage, "DISTINCT_SCAN", JSON.stringify(q));
    }

    await db.command({ profile: 2 });
    await c.distinct("b", { a: 3 });
    await db.command({ profile: 0 });
    const entry = await db.collection("system.profile").findOne({ "command.distinct": "c" });
    assert.equal(entry?.["planSummary"], "DISTINCT_SCAN { a: 1, b: 1 }");
    assert.ok(entry?.["keysExamined"] < aCount / 4, `profiled ${entry?.["keysExamined"]} keys`);

    // the index becomes multikey on b: not walked with a filter, the same values
    await c.insertOne({ a: 3, b: [100, 101], i: -1 });
    const want = await distinct({ a: 3 }, true);
    assert.deepEqual(await distinct({ a: 3 }), want);
    assert.ok(want.some((v: AnyDoc) => Number(v) === 101));
    const em = await explain({ a: 3 }, "queryPlanner");
    assert.notEqual(em.queryPlanner.winningPlan.inputStage?.stage, "DISTINCT_SCAN");
  },
);

serverTest(
  "distinct on a trailing field: a descending key, maxTimeMS, and a run of documents missing the key",
  async (client) => {
    const db = client.db("dprefix2");
    const c = db.collection<AnyDoc>("c");
    await c.createIndex({ a: 1, b: -1 });
    await c.insertMany(Array.from({ length: 3000 }, (_, i) => ({ a: i % 3, i })));
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ a: i % 3, b: i % 10 })));
    await c.insertOne({ a: 1, b: null });
    const r = await db.command({ distinct: "c", key: "b", query: { a: 1 }, maxTimeMS: 100_000 });
    assert.deepEqual(r["values"], [null, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(await c.distinct("b", { a: 2 }), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const ex = await db.command({ explain: { distinct: "c", key: "b", query: { a: 2 } } });
    assert.equal(ex.queryPlanner.winningPlan.inputStage.stage, "DISTINCT_SCAN");
    assert.deepEqual(ex.queryPlanner.winningPlan.inputStage.indexBounds, {
      a: ["[2, 2]"],
      b: ["[MaxKey, MinKey]"],
    });
  },
);
