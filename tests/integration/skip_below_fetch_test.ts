/**
 * A find's skip over an index scan that yields exactly the matches (its bounds answer the filter, the
 * index gives the order) passes over the skipped index entries without reading their documents — SKIP
 * below FETCH, as mongod 4.4+ plans it — through the Node driver: the same answers as the fetch path
 * (the query without skip, sliced) for generated queries (both directions, compound and equality-prefix
 * bounds, multikey, covered, projections, limits, batches and getMores, skips past the end), explain's
 * LIMIT → FETCH → SKIP → IXSCAN with its examined figures, and the profiler's and serverStatus' counts.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 3000;

interface Spec {
  readonly filter: AnyDoc;
  readonly hint: AnyDoc;
  readonly sort?: AnyDoc;
  readonly projection?: AnyDoc;
  readonly collation?: AnyDoc;
  readonly returnKey?: boolean;
}

const SPECS: Spec[] = [
  { filter: { a: { $gte: 10 } }, sort: { a: 1 }, hint: { a: 1 } },
  { filter: { a: { $gte: 10, $lt: 30 } }, sort: { a: -1 }, hint: { a: 1 } }, // backward
  { filter: { a: 7 }, hint: { a: 1 } },
  { filter: { a: 7, c: { $gt: 2 } }, sort: { a: 1, c: -1 }, hint: { a: 1, c: -1 } }, // equality prefix + range
  { filter: { a: 7 }, sort: { c: 1 }, hint: { a: 1, c: -1 } }, // the sort after an equality prefix
  { filter: {}, sort: { a: 1 }, hint: { a: 1 } }, // documents without `a` first (null keys)
  { filter: {}, hint: { b: -1 } },
  { filter: { b: { $lt: 2000 } }, sort: { b: -1 }, hint: { b: -1 } },
  { filter: {}, hint: { m: 1 } }, // multikey: each document once
  { filter: {}, sort: { m: 1 }, hint: { m: 1 } }, // multikey with a (blocking) sort
  { filter: { m: { $gte: 3 } }, hint: { m: 1 } }, // multikey bounds never answer the filter
  { filter: { a: { $gte: 10 }, c: 3 }, sort: { a: 1 }, hint: { a: 1 } }, // a residual filter
  { filter: { a: { $gte: 10 } }, sort: { c: 1, b: 1 }, hint: { a: 1 } }, // a blocking sort
  { filter: { a: { $gte: 10 } }, sort: { a: 1 }, hint: { a: 1 }, projection: { a: 1, b: 1 } },
  { filter: { a: { $gte: 10 } }, sort: { a: 1 }, hint: { a: 1 }, projection: { _id: 0, a: 1 } }, // covered
  { filter: { a: { $gte: 10 } }, sort: { a: 1 }, hint: { a: 1 }, returnKey: true },
  { filter: { s: { $gte: "s3" } }, sort: { s: 1 }, hint: { s: 1 }, collation: { locale: "en", strength: 2 } },
  { filter: { s: { $gte: "s3" } }, sort: { s: 1 }, hint: { s: 1 } },
  { filter: { a: { $gte: 10 } }, hint: { $natural: 1 } },
];

const SKIPS = [0, 1, 37, 400, 2999, 10_000];

serverTest("skip below fetch: the answers of the fetch path, for generated queries", async (client) => {
  const db = client.db("skipfetch");
  const c = db.collection<AnyDoc>("c");
  const docs: AnyDoc[] = Array.from({ length: N }, (_, i) => ({
    _id: i,
    a: (i * 7919) % 50,
    b: i,
    c: i % 7,
    s: `${i % 2 ? "S" : "s"}${i % 13}`,
    m: [i % 10, 10 + (i % 4)],
  }));
  for (let k = 0; k < 20; k++) docs.push({ _id: N + k, b: N + k, c: k % 7, s: "s1", m: [] });
  await c.insertMany(docs);
  for (const key of [{ a: 1 }, { b: -1 }, { a: 1, c: -1 }, { m: 1 }, { s: 1 }]) await c.createIndex(key);

  let queries = 0;
  for (const spec of SPECS) {
    const opts = (o: AnyDoc) => ({
      hint: spec.hint,
      ...(spec.sort ? { sort: spec.sort } : {}),
      ...(spec.projection ? { projection: spec.projection } : {}),
      ...(spec.collation ? { collation: spec.collation } : {}),
      ...(spec.returnKey ? { returnKey: true } : {}),
      ...o,
    });
    const all = await c.find(spec.filter, opts({})).toArray();
    if (!spec.projection && !spec.returnKey) {
      // the fetch path's matches are the collection scan's
      const natural = await c.find(spec.filter, { hint: { $natural: 1 }, ...opts({ hint: { $natural: 1 } }) })
        .toArray();
      const ids = (d: AnyDoc[]) => d.map((x) => x._id).sort((x, y) => x - y);
      assert.deepEqual(ids(all), ids(natural), JSON.stringify(spec));
    }
    for (const skip of SKIPS) {
      for (const limit of [0, 6]) {
        for (const batchSize of [undefined, 7]) {
          const what = JSON.stringify({ ...spec, skip, limit, batchSize });
          const got = await c.find(spec.filter, opts({ skip, limit, ...(batchSize ? { batchSize } : {}) }))
            .toArray();
          assert.deepEqual(got, all.slice(skip, limit ? skip + limit : undefined), what);
          queries++;
        }
      }
    }
  }
  assert.equal(queries, SPECS.length * SKIPS.length * 4);

  // the pipeline equivalent: a leading $match, $sort, $skip (and $limit) run as that find
  for (const spec of SPECS.filter((s) => s.sort && !s.projection && !s.returnKey && !s.collation)) {
    for (const skip of SKIPS) {
      const pipeline = [{ $match: spec.filter }, { $sort: spec.sort }, { $skip: skip }, { $limit: 5 }];
      const got = await c.aggregate(pipeline, { hint: spec.hint }).toArray();
      const want = await c.find(spec.filter, { sort: spec.sort, hint: spec.hint, skip, limit: 5 }).toArray();
      assert.deepEqual(got, want, JSON.stringify(pipeline));
    }
  }
});

serverTest("skip below fetch: explain's plan and figures, the profiler, serverStatus", async (client) => {
  const db = client.db("skipexplain");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany(
    Array.from(
      { length: 2000 },
      (_, i) => ({ _id: i, a: i % 100, b: i, c: i % 7, m: [i % 10, 10 + (i % 3)] }),
    ),
  );
  await c.createIndex({ a: 1 });
  await c.createIndex({ m: 1 });
  const explain = (find: AnyDoc, verbosity = "executionStats") =>
    db.command({ explain: { find: "c", ...find }, verbosity }) as Promise<AnyDoc>;
  const stages = (plan: AnyDoc): string[] => {
    const out: string[] = [];
    for (let s = plan; s; s = s.inputStage) out.push(s.stage);
    return out;
  };
  const range = { filter: { a: { $gte: 10 } }, sort: { a: 1 }, skip: 100, limit: 10 };

  for (const verbosity of ["queryPlanner", "executionStats", "allPlansExecution"]) {
    for (const find of [range, { ...range, hint: { a: 1 } }]) {
      const ex = await explain(find, verbosity);
      const plan = ex.queryPlanner.winningPlan;
      assert.deepEqual(stages(plan), ["LIMIT", "FETCH", "SKIP", "IXSCAN"], verbosity);
      assert.equal(plan.inputStage.filter, undefined, "the bounds answer the filter: no FETCH filter");
      assert.equal(plan.inputStage.inputStage.skipAmount, 100);
      if (verbosity === "queryPlanner") continue;
      const s = ex.executionStats;
      assert.deepEqual([s.nReturned, s.totalKeysExamined, s.totalDocsExamined], [10, 110, 10], verbosity);
      const fetch = s.executionStages.inputStage;
      assert.deepEqual([fetch.nReturned, fetch.docsExamined], [10, 10]);
      assert.deepEqual([fetch.inputStage.nReturned, fetch.inputStage.inputStage.nReturned], [10, 110]);
    }
  }
  // an empty filter over the index order, and a hinted multikey index (each document once)
  const all = await explain({ filter: {}, sort: { a: -1 }, skip: 1990 });
  assert.deepEqual(stages(all.queryPlanner.winningPlan), ["FETCH", "SKIP", "IXSCAN"]);
  assert.deepEqual([all.executionStats.nReturned, all.executionStats.totalDocsExamined], [10, 10]);
  const mk = await explain({ filter: {}, hint: { m: 1 }, skip: 1500, limit: 10 });
  assert.deepEqual(stages(mk.queryPlanner.winningPlan), ["LIMIT", "FETCH", "SKIP", "IXSCAN"]);
  assert.equal(mk.queryPlanner.winningPlan.inputStage.inputStage.inputStage.isMultiKey, true);
  assert.deepEqual([mk.executionStats.nReturned, mk.executionStats.totalDocsExamined], [10, 10]);
  assert.ok(mk.executionStats.totalKeysExamined >= 1510);
  // covered: no FETCH at all
  const cov = await explain({ ...range, projection: { _id: 0, a: 1 } });
  assert.deepEqual(stages(cov.queryPlanner.winningPlan), ["PROJECTION_COVERED", "LIMIT", "SKIP", "IXSCAN"]);
  // (a key that does not decode exactly — an int32 — is still read from its document: the 10 returned)
  assert.equal(cov.executionStats.totalKeysExamined, 110);
  assert.ok(cov.executionStats.totalDocsExamined <= 10);

  // the documents decide what is skipped: the SKIP stays above the FETCH (or the SORT), every match read
  const residual = await explain({ ...range, filter: { a: { $gte: 10 }, c: 3 } });
  assert.deepEqual(stages(residual.queryPlanner.winningPlan), ["LIMIT", "SKIP", "FETCH", "IXSCAN"]);
  assert.ok(residual.executionStats.totalDocsExamined > 110);
  const sorted = await explain({ ...range, sort: { c: 1 }, hint: { a: 1 } });
  assert.deepEqual(stages(sorted.queryPlanner.winningPlan).slice(-4), ["SKIP", "SORT", "FETCH", "IXSCAN"]);
  assert.equal(sorted.executionStats.totalDocsExamined, 1800);
  const mkFilter = await explain({ filter: { m: { $gte: 0 } }, hint: { m: 1 }, skip: 1500, limit: 10 });
  assert.deepEqual(stages(mkFilter.queryPlanner.winningPlan), ["LIMIT", "SKIP", "FETCH", "IXSCAN"]);
  const natural = await explain({ ...range, sort: undefined, hint: { $natural: 1 } });
  assert.deepEqual(stages(natural.queryPlanner.winningPlan), ["LIMIT", "SKIP", "COLLSCAN"]);

  // a pipeline's leading $match, $sort, $skip: the same walk
  await db.command({ profile: 2 });
  const agg = await c.aggregate([{ $match: { a: { $gte: 10 } } }, { $sort: { a: 1 } }, { $skip: 1790 }, {
    $project: { _id: 0, b: 1 },
  }]).toArray();
  await db.command({ profile: 0 });
  assert.equal(agg.length, 10);
  const aggEntry = await db.collection("system.profile").findOne({ "command.aggregate": "c" });
  assert.deepEqual([aggEntry?.["docsExamined"], aggEntry?.["keysExamined"]], [10, 1800]);
  await db.collection("system.profile").drop();

  // the profiler and serverStatus count what was read, over a getMore too
  const scanned = async () => (await db.admin().command({ serverStatus: 1 })).metrics.queryExecutor;
  const before = await scanned();
  await db.command({ profile: 2 });
  const got = await c.find({ a: { $gte: 10 } }, { sort: { a: 1 }, skip: 1700, batchSize: 40 }).toArray();
  await db.command({ profile: 0 });
  assert.equal(got.length, 100);
  const after = await scanned();
  assert.equal(Number(after.scannedObjects) - Number(before.scannedObjects), 100);
  assert.equal(Number(after.scanned) - Number(before.scanned), 1800);
  const entries = await db.collection("system.profile").find({ ns: "skipexplain.c" }).toArray();
  const first = entries.find((e) => e["command"]?.find === "c");
  const more = entries.filter((e) => e["command"]?.getMore !== undefined);
  assert.deepEqual([first?.["docsExamined"], first?.["keysExamined"], first?.["nreturned"]], [40, 1740, 40]);
  assert.equal(first?.["planSummary"], "IXSCAN { a: 1 }");
  assert.deepEqual(
    [more.reduce((n, e) => n + e["docsExamined"], 0), more.reduce((n, e) => n + e["keysExamined"], 0)],
    [60, 60],
  );
});
