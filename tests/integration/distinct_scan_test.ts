/**
 * distinct over an index (DISTINCT_SCAN) through the Node driver: one index entry per value instead of
 * every document, with exactly the values a collection scan gives — BSON types kept, arrays unwound,
 * null only where a document holds null, a filter applied — and explain / the profiler naming it.
 */
import assert from "node:assert/strict";
import { Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest(
  "distinct walks an index leading with its key: the values a scan gives, few keys examined",
  async (client) => {
    const db = client.db("dscan");
    const c = db.collection<AnyDoc>("c");
    const docs: AnyDoc[] = Array.from({ length: 3000 }, (_, i) => ({ a: i % 50, s: `s${i % 7}`, b: i }));
    docs.push(
      { b: -1 }, // missing: no value (indexed under null)
      { a: null, b: -2 },
      { a: [1000, 1001, [7]], b: -3 }, // unwound one level
      { a: new Long(5000), b: -4 },
      { a: [], b: -5 },
      { a: { x: 1 }, b: -6 },
    );
    await c.insertMany(docs);
    const explain = (verbosity: string, key: string, query: AnyDoc = {}) =>
      db.command({ explain: { distinct: "c", key, query }, verbosity }) as Promise<AnyDoc>;
    const scanned = async (key: string, query: AnyDoc = {}) =>
      (await db.command({ distinct: "c", key, query, hint: { $natural: 1 } }))["values"];
    const before = {
      a: await scanned("a"),
      s: await scanned("s"),
      sq: await scanned("s", { s: { $gte: "s3" } }),
    };
    await c.createIndex({ a: 1 });
    await c.createIndex({ s: -1, b: 1 });

    const a = await c.distinct("a");
    assert.deepEqual(a, before.a);
    const raw = await db.command({ distinct: "c", key: "a" }, { promoteLongs: false });
    assert.ok(raw["values"].some((v: unknown) => v instanceof Long), "the Long keeps its type");
    assert.ok(a.some((v: unknown) => v === null) && a.some((v: unknown) => Array.isArray(v)));
    const ex = await explain("executionStats", "a");
    const stage = ex.queryPlanner.winningPlan;
    assert.equal(stage.stage, "FETCH");
    assert.equal(stage.inputStage.stage, "DISTINCT_SCAN");
    assert.equal(stage.inputStage.indexName, "a_1");
    assert.equal(ex.executionStats.nReturned, a.length);
    // one entry per value (about 60), and up to two more of each before its seek
    assert.ok(
      ex.executionStats.totalKeysExamined < 3 * 60,
      `examined ${ex.executionStats.totalKeysExamined} keys`,
    );
    assert.ok(ex.executionStats.totalDocsExamined < 70);

    // a filter answered through a non-multikey index that leads with the key (descending here)
    assert.deepEqual(await c.distinct("s"), before.s);
    assert.deepEqual(await c.distinct("s", { s: { $gte: "s3" } }), before.sq);
    const exs = await explain("executionStats", "s", { s: { $gte: "s3" } });
    assert.equal(exs.queryPlanner.winningPlan.inputStage.stage, "DISTINCT_SCAN");
    assert.ok(exs.executionStats.totalKeysExamined <= 4 * 3, JSON.stringify(exs.executionStats));
    assert.ok(exs.executionStats.totalDocsExamined <= 4, JSON.stringify(exs.executionStats));
    // a filter on another field: the documents of that value that match
    assert.deepEqual(await c.distinct("s", { b: { $lt: 3 } }), ["s0", "s1", "s2"]);

    // a multikey index with bounds on the key would miss the other elements of a matching array: no walk
    assert.deepEqual(await c.distinct("a", { a: { $gt: 1000 } }), [1000, 1001, 5000, [7]]);
    const exm = await explain("queryPlanner", "a", { a: { $gt: 1000 } });
    assert.notEqual(exm.queryPlanner.winningPlan.inputStage?.stage, "DISTINCT_SCAN");

    // the profiler names the walk
    await db.command({ profile: 2 });
    await c.distinct("a");
    await db.command({ profile: 0 });
    const entry = await db.collection("system.profile").findOne({ "command.distinct": "c" });
    assert.equal(entry?.["planSummary"], "DISTINCT_SCAN { a: 1 }");
    assert.ok(entry?.["keysExamined"] < 3 * 60);
    assert.ok(entry?.["docsExamined"] < 70);
  },
);

serverTest(
  "distinct over an index: a value held only past many documents missing the key is found",
  async (client) => {
    const c = client.db("dscan2").collection<AnyDoc>("c");
    await c.createIndex({ a: 1 });
    await c.insertMany(Array.from({ length: 5000 }, (_, i) => ({ b: i })));
    await c.insertOne({ a: null });
    await c.insertOne({ a: 1 });
    assert.deepEqual(await c.distinct("a"), [null, 1]);
    await c.deleteOne({ a: { $type: "null" } }); // ({a: null} would match a missing one)
    assert.deepEqual(await c.distinct("a"), [1]);
    // maxTimeMS is honoured between steps of the walk
    const r = await client.db("dscan2").command({ distinct: "c", key: "a", maxTimeMS: 100_000 });
    assert.deepEqual(r["values"], [1]);
  },
);

serverTest(
  "distinct over fetched matches reads only the key's top-level field: same values as from whole documents",
  async (client) => {
    const c = client.db("dfetch").collection<AnyDoc>("c");
    await c.insertMany(Array.from({ length: 3000 }, (_, i) => ({
      a: i % 50,
      n: i % 3 === 0
        ? { x: i % 7, y: [i % 4, { x: 9 }] }
        : i % 3 === 1
        ? [{ x: i % 5 }, { x: [i % 2, "s"] }]
        : "n",
      tags: i % 4 === 0 ? [] : [`t${i % 6}`, i % 11],
      pad: "p".repeat(300),
    })));
    await c.createIndex({ a: 1 });
    await c.db.createCollection("v", { viewOn: "c", pipeline: [] });
    const filter = { a: { $lt: 20 } };
    const docs = await c.find(filter).toArray();
    for (const key of ["n.x", "n", "tags", "n.y", "pad", "absent"]) {
      const got = await c.distinct(key, filter);
      const viaNatural =
        (await c.db.command({ distinct: "c", key, query: filter, hint: { $natural: 1 } }))["values"];
      assert.deepEqual(got, viaNatural, key);
      // a view's distinct runs as an aggregate over whole documents: the same values where no array
      // holds arrays under the key (there its $unwind keeps the inner arrays whole, as mongod's does)
      if (key !== "n.x" && key !== "n.y") {
        assert.deepEqual(got, await c.db.collection("v").distinct(key, filter), key);
      }
      if (key === "absent") assert.deepEqual(got, []);
    }
    assert.equal(docs.length, 1200);
  },
);
