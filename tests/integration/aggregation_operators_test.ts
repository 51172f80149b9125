/**
 * Issue 15 through npm:mongodb: the N-accumulators, quantiles, new window functions, $graphLookup,
 * $densify, $fill, $collStats, $planCacheStats, new expressions and the Atlas Search refusal — one
 * server for the file.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { code } from "./helpers/error_code.ts";

serverTest("aggregation operators of MongoDB 5–8 through the Node driver", async (client) => {
  const db = client.db("agg15");
  const games = db.collection<AnyDoc>("games");
  await games.insertMany([
    { game: "G1", player: "p1", score: 31 },
    { game: "G1", player: "p2", score: 33 },
    { game: "G1", player: "p3", score: 99 },
    { game: "G2", player: "p1", score: 10 },
    { game: "G2", player: "p2", score: 14 },
  ]);
  const grouped = await games.aggregate<AnyDoc>([
    {
      $group: {
        _id: "$game",
        top: { $top: { output: "$player", sortBy: { score: -1 } } },
        top2: { $topN: { output: "$player", sortBy: { score: -1 }, n: 2 } },
        bottom: { $bottom: { output: "$player", sortBy: { score: -1 } } },
        firstN: { $firstN: { input: "$score", n: 2 } },
        maxN: { $maxN: { input: "$score", n: 2 } },
        median: { $median: { input: "$score", method: "approximate" } },
        p: { $percentile: { input: "$score", p: [0.9], method: "approximate" } },
      },
    },
    { $sort: { _id: 1 } },
  ]).toArray();
  assert.deepEqual(grouped[0], {
    _id: "G1",
    top: "p3",
    top2: ["p3", "p2"],
    bottom: "p1",
    firstN: [31, 33],
    maxN: [99, 33],
    median: 33,
    p: [99],
  });
  assert.equal(
    await code(games.aggregate([{ $group: { _id: 1, x: { $firstN: { input: 1, n: 0 } } } }]).toArray()),
    5787908,
  );

  const win = await games.aggregate<AnyDoc>([
    {
      $setWindowFields: {
        partitionBy: "$game",
        sortBy: { score: 1 },
        output: {
          ema: { $expMovingAvg: { input: "$score", N: 2 } },
          cov: { $covarianceSamp: ["$score", "$score"], window: { documents: ["unbounded", "unbounded"] } },
          der: { $derivative: { input: "$score" }, window: { documents: [-1, 0] } },
        },
      },
    },
    { $match: { game: "G2" } },
  ]).toArray();
  assert.deepEqual(win.map((d) => d.der), [null, 1]);
  assert.equal(win[1].cov, 8);
  assert.equal(
    await code(games.aggregate([{ $setWindowFields: { output: { m: { $mergeObjects: "$a" } } } }]).toArray()),
    9,
  );

  const staff = db.collection<AnyDoc>("staff");
  await staff.insertMany([
    { _id: 1, name: "Dev" },
    { _id: 2, name: "Eliot", boss: "Dev" },
    { _id: 3, name: "Ron", boss: "Eliot" },
  ]);
  const chain = await staff.aggregate<AnyDoc>([
    { $match: { name: "Ron" } },
    {
      $graphLookup: {
        from: "staff",
        startWith: "$boss",
        connectFromField: "boss",
        connectToField: "name",
        as: "chain",
        depthField: "depth",
      },
    },
  ]).toArray();
  assert.deepEqual(chain[0].chain.map((d: AnyDoc) => [d.name, d.depth]), [["Eliot", 0], ["Dev", 1]]);

  const dense = await db.aggregate<AnyDoc>([
    { $documents: [{ v: 1 }, { v: 4 }] },
    { $densify: { field: "v", range: { step: 1, bounds: "full" } } },
    { $fill: { output: { tag: { value: "gap" } } } },
  ]).toArray();
  assert.deepEqual(dense.map((d) => [d.v, d.tag]), [[1, "gap"], [2, "gap"], [3, "gap"], [4, "gap"]]);

  const exprs = await db.aggregate<AnyDoc>([
    { $documents: [{ a: [3, 1, 2], b: ["x", "y"] }] },
    {
      $project: {
        _id: 0,
        sorted: { $sortArray: { input: "$a", sortBy: 1 } },
        zip: { $zip: { inputs: ["$a", "$b"] } },
        bits: { $bitAnd: [12, 10] },
        deg: { $radiansToDegrees: { $acos: -1 } },
        size: { $bsonSize: { a: 1 } },
        hash: { $toHashedIndexKey: "string to hash" },
        ct: { $type: "$$CLUSTER_TIME" },
      },
    },
  ]).toArray();
  assert.deepEqual(exprs[0], {
    sorted: [1, 2, 3],
    zip: [[3, "x"], [1, "y"]],
    bits: 8,
    deg: 180,
    size: 12,
    hash: Long.fromString("763543691661428748"),
    ct: "timestamp",
  });

  const stats = await games.aggregate<AnyDoc>([{ $collStats: { storageStats: {}, count: {} } }]).toArray();
  assert.equal(stats[0].ns, "agg15.games");
  assert.equal(stats[0].count, 5);
  assert.equal(stats[0].storageStats.count, 5);
  assert.equal(stats[0].storageStats.nindexes, 1);
  assert.equal(await code(db.collection("nope").aggregate([{ $collStats: { count: {} } }]).toArray()), 26);
  assert.equal(await code(games.aggregate([{ $match: {} }, { $collStats: {} }]).toArray()), 40602);
  // latencyStats and queryExecStats: what top counted for this namespace (reads: find/aggregate/…)
  await games.find({ score: { $gt: 0 } }).toArray();
  const lat = await games.aggregate<AnyDoc>([
    { $collStats: { latencyStats: { histograms: true }, queryExecStats: {} } },
  ]).toArray();
  const reads = lat[0].latencyStats.reads;
  assert.ok(reads.ops >= 1 && reads.latency >= 0, JSON.stringify(lat[0].latencyStats));
  assert.ok(lat[0].latencyStats.writes.ops >= 1); // the inserts
  assert.deepEqual(Object.keys(lat[0].latencyStats), ["reads", "writes", "commands", "transactions"]);
  assert.equal(
    reads.histogram.reduce((n: number, b: AnyDoc) => n + Number(b.count), 0),
    Number(reads.ops),
  );
  assert.ok(lat[0].queryExecStats.collectionScans.total >= 1);
  const noHist = await games.aggregate<AnyDoc>([{ $collStats: { latencyStats: {} } }]).toArray();
  assert.equal(noHist[0].latencyStats.reads.histogram, undefined);
  // transactions: as mongod (Top::incrementGlobalTransactionLatencyStats), a committed or aborted
  // transaction's duration counts in serverStatus opLatencies.transactions; its operations count in
  // the collection's reads/writes, and the collection's transactions row stays 0
  const opLatencies = async () =>
    (await client.db("admin").command({ serverStatus: 1, opLatencies: { histograms: true } })).opLatencies;
  const before = await opLatencies();
  const session = client.startSession();
  try {
    await session.withTransaction(async () => {
      await games.insertOne({ _id: "t1" } as AnyDoc, { session });
    });
    session.startTransaction();
    await games.insertOne({ _id: "t2" } as AnyDoc, { session });
    await session.abortTransaction();
  } finally {
    await session.endSession();
  }
  const after = await opLatencies();
  assert.deepEqual(Object.keys(after), ["reads", "writes", "commands", "transactions"]);
  assert.equal(Number(after.transactions.ops) - Number(before.transactions.ops), 2);
  assert.ok(Number(after.writes.ops) > Number(before.writes.ops));
  assert.equal(
    after.transactions.histogram.reduce((n: number, b: AnyDoc) => n + Number(b.count), 0),
    Number(after.transactions.ops),
  );
  const inTxn = await games.aggregate<AnyDoc>([{ $collStats: { latencyStats: {} } }]).toArray();
  assert.equal(Number(inTxn[0].latencyStats.transactions.ops), 0);
  assert.ok(Number(inTxn[0].latencyStats.writes.ops) > Number(lat[0].latencyStats.writes.ops));
  await games.deleteOne({ _id: "t1" } as AnyDoc);

  await games.createIndex({ game: 1 });
  await games.createIndex({ score: 1 });
  await games.find({ game: "G1", score: { $gt: 0 } }).toArray();
  const plans = await games.aggregate<AnyDoc>([{ $planCacheStats: {} }]).toArray();
  assert.equal(plans.length, 1);
  assert.ok(["game_1", "score_1"].includes(plans[0].cachedPlan.indexName));

  assert.equal(
    await code(games.aggregate([{ $search: { text: { query: "x", path: "p" } } }]).toArray()),
    31082,
  );
  assert.equal(
    await code(
      games.aggregate([{ $project: { x: { $function: { body: "", args: [], lang: "python" } } } }]).toArray(),
    ),
    31419,
  );
});
