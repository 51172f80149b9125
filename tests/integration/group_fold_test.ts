/**
 * A pipeline's leading simple `$group` folded by the storage engine inside its scan (issue 18,
 * commands/aggregate/group_first.ts): the reply bytes equal those of the JS path for many generated
 * pipelines over generated documents (mixed numeric types of equal value, huge integers, NaN/±Inf/-0,
 * strings, null/missing, booleans, ObjectIds, dates, and now and then a type only JS handles, which
 * makes the fold give the whole pipeline back to JS; leading `$match` conjunctions on top-level and
 * dotted paths over sub-documents, arrays and scalars; `$min $max $first $last`); maxTimeMS and killOp stop a long fold; a group
 * past the memory budget falls back and spills; a view whose pipeline starts with `$group` folds.
 */
import assert from "node:assert/strict";
import { BSON, Decimal128, Double, Int32, Long, MongoClient, MongoServerError, ObjectId } from "mongodb";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { groupFold } from "../../src/commands/aggregate/group_first.ts";
import { serverTest } from "./helpers/embedded_server.ts";
import { pick, seededRandom as rng } from "../../src/testing/seeded_random.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** Values the fold handles as keys and summands (numbers of every type, equal values across types). */
function foldable(r: () => number): unknown {
  const n = Math.floor(r() * 5) - 2;
  return pick(r, [
    () => new Int32(n),
    () => Long.fromNumber(n),
    () => new Double(n),
    () => n + 0.5,
    () => Long.fromString("9223372036854775807"),
    () => Long.fromString("-9223372036854775808"),
    () => new Int32(2147483647),
    () => 2 ** 53,
    () => 2 ** 63,
    () => 1e308,
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => -0,
    () => 0.1,
    () => null,
    () => undefined, // missing
    () => pick(r, ["a", "b", "é", "日本", ""]),
    () => r() < 0.5,
    () => new ObjectId("0123456789abcdef0123456" + Math.floor(r() * 3)),
    () => new Date(Math.floor(r() * 3) * 1000),
  ])();
}

/** Values only the JS path handles (as a key or a summand). */
function jsOnly(r: () => number): unknown {
  return pick(r, [() => Decimal128.fromString("1.5"), () => [1, 2], () => ({ a: 1 })])();
}

function genDocs(r: () => number, n: number, jsOnlyOdds: number): AnyDoc[] {
  const docs: AnyDoc[] = [];
  for (let i = 0; i < n; i++) {
    const d: AnyDoc = { _id: i };
    for (const f of ["k", "x", "y"]) {
      const v = r() < jsOnlyOdds ? jsOnly(r) : foldable(r);
      if (v !== undefined) d[f] = v;
    }
    // a sub-document, an array (the matcher's array semantics, left to JS record by record), a scalar
    const m = r();
    if (m < 0.6) d["m"] = { a: foldable(r) ?? null, b: foldable(r) ?? null };
    else if (m < 0.7) d["m"] = [{ a: foldable(r) ?? null }, foldable(r) ?? null];
    else if (m < 0.8) d["m"] = foldable(r) ?? null;
    if (r() < 0.05) d["x"] = [foldable(r) ?? null, foldable(r) ?? null];
    d["pad"] = "p".repeat(Math.floor(r() * 40));
    docs.push(d);
  }
  return docs;
}

/** One condition of a generated $match (operands of every foldable type, NaN, mixed numeric types). */
function genCond(r: () => number): AnyDoc {
  const v = () => foldable(r) ?? null;
  return pick(r, [
    () => v(),
    () => ({ $eq: v() }),
    () => ({ [pick(r, ["$gt", "$gte", "$lt", "$lte"])]: v() }),
    () => ({
      $gte: pick(r, [-1, new Int32(0), Long.fromNumber(-2), 0.5]),
      $lt: pick(r, [1, 2.5, Long.fromNumber(2)]),
    }),
    () => ({ $in: [v(), v(), v()] }),
    () => ({ $ne: v() }),
    () => ({ $nin: [v(), v()] }),
    () => ({ $exists: r() < 0.5 }),
    () => ({ $gt: pick(r, ["a", "", "é"]) }),
    () => ({ $lte: new Date(1000) }),
  ])();
}

function genMatch(r: () => number): AnyDoc {
  const path = () => pick(r, ["k", "x", "y", "m.a", "m.b", "nope", "m.nope.z", "k"]);
  const n = 1 + Math.floor(r() * 2);
  const m: AnyDoc = {};
  for (let i = 0; i < n; i++) m[path()] = genCond(r);
  return r() < 0.2 ? { $and: [m, { [path()]: genCond(r) }] } : m;
}

function genPipeline(r: () => number): AnyDoc[] {
  const group: AnyDoc = { _id: pick(r, ["$k", "$x", "$nope", null, "$k"]) };
  const nAcc = 1 + Math.floor(r() * 4);
  for (let i = 0; i < nAcc; i++) {
    group[`a${i}`] = pick(r, [
      () => ({ $sum: 1 }),
      () => ({ $sum: pick(r, [2.5, new Double(1), Long.fromNumber(3), -0, 2147483647]) }),
      () => ({ $sum: pick(r, ["$x", "$y", "$k", "$nope"]) }),
      () => ({ $avg: pick(r, ["$x", "$y", "$nope"]) }),
      () => ({ $count: {} }),
      () => ({ [pick(r, ["$min", "$max"])]: pick(r, ["$x", "$y", "$k", "$nope", "$x"]) }),
      () => ({ [pick(r, ["$first", "$last"])]: pick(r, ["$x", "$y", "$nope", "$m", "$pad"]) }),
    ])();
  }
  const after = pick(r, [[], [{ $match: { a0: { $ne: 0 } } }], [{ $project: { _id: 1, a0: 1 } }], [{
    $limit: 3,
  }]]);
  const before = pick(r, [[], [], [{ $match: genMatch(r) }], [{ $match: genMatch(r) }], [
    { $match: genMatch(r) },
    { $match: genMatch(r) },
  ]]);
  return [...before, { $group: group }, ...after];
}

/** The first batch re-encoded from unpromoted values (every BSON type kept: Int32, Long, Double, -0). */
async function rawAggregate(client: MongoClient, coll: string, pipeline: AnyDoc[]): Promise<Uint8Array> {
  const reply = await client.db("gf").command(
    { aggregate: coll, pipeline, cursor: { batchSize: 100000 } },
    { promoteValues: false, promoteLongs: false, bsonRegExp: true },
  );
  assert.equal(String(reply["cursor"]["id"]), "0");
  return BSON.serialize({ b: reply["cursor"]["firstBatch"] });
}

serverTest(
  "folded $group replies are byte-identical to the JS path's (generated pipelines)",
  async (client) => {
    const r = rng(18);
    let folded = 0;
    let matchFolded = 0;
    let keptFolded = 0;
    const forJs = groupFold.forJs;
    const splits = groupFold.splits;
    const redone = groupFold.redone;
    for (let trial = 0; trial < 40; trial++) {
      const coll = `c${trial}`;
      const jsOnlyOdds = trial % 4 === 3 ? 0.02 : 0;
      await client.db("gf").collection(coll).insertMany(genDocs(r, 50 + Math.floor(r() * 600), jsOnlyOdds));
      // an index the planner may pick for a $match: the JS path reads its range, nothing is folded
      if (trial % 5 === 4) await client.db("gf").collection(coll).createIndex({ x: 1 });
      for (let p = 0; p < 8; p++) {
        const pipeline = genPipeline(r);
        const before = groupFold.folded;
        groupFold.enabled = true;
        const fast = await rawAggregate(client, coll, pipeline);
        folded += groupFold.folded - before;
        if ("$match" in pipeline[0]) matchFolded += groupFold.folded - before;
        if (/\$(min|max|first|last)"/.test(JSON.stringify(pipeline))) {
          keptFolded += groupFold.folded - before;
        }
        // the same fold split in two parts of several slices each, merged (or the second redone)
        groupFold.splitMin = 2;
        groupFold.slice = 16 + p;
        let split: Uint8Array;
        try {
          split = await rawAggregate(client, coll, pipeline);
        } finally {
          groupFold.splitMin = 8192;
          groupFold.slice = 4096;
        }
        groupFold.enabled = false;
        try {
          const slow = await rawAggregate(client, coll, pipeline);
          for (const [got, how] of [[fast, "folded"], [split, "split"]] as const) {
            assert.deepEqual(
              got,
              slow,
              `trial ${trial}, ${how}, pipeline ${JSON.stringify(pipeline)}:\n${
                JSON.stringify(BSON.deserialize(got))
              }\n${JSON.stringify(BSON.deserialize(slow))}`,
            );
          }
        } finally {
          groupFold.enabled = true;
        }
      }
    }
    console.log(
      `folded ${folded}, with a $match ${matchFolded}, with kept values ${keptFolded}, records for JS ${
        groupFold.forJs - forJs
      }`,
    );
    const split = groupFold.splits - splits;
    const redo = groupFold.redone - redone;
    console.log(`split in two ${split}, the second part redone ${redo}`);
    assert.ok(folded >= 160, `most runs folded in storage: ${folded}`);
    assert.ok(split >= 100 && redo > 0 && split - redo > 50, `splits merged and redone: ${split}, ${redo}`);
  },
);

serverTest(
  "a folded $group: sliced folds, a view starting with $group, results through the driver",
  async (client) => {
    const db = client.db("gf2");
    const c = db.collection<AnyDoc>("c");
    await c.insertMany(
      Array.from({ length: 5000 }, (_, i) => ({ _id: i, region: `r${i % 7}`, score: i % 10 })),
    );
    const pipeline = [{ $group: { _id: "$region", n: { $sum: 1 }, total: { $sum: "$score" } } }, {
      $sort: { _id: 1 },
    }];
    const folded = groupFold.folded;
    groupFold.slice = 7;
    try {
      const got = await c.aggregate(pipeline).toArray();
      assert.equal(got.length, 7);
      assert.deepEqual(got[0], { _id: "r0", n: 715, total: 3215 });
    } finally {
      groupFold.slice = 4096;
    }
    // split in two, forward and backward ($first/$last depend on the order): the JS path's groups
    const ordered = [{
      $group: { _id: "$region", f: { $first: "$score" }, l: { $last: "$_id" }, n: { $sum: 1 } },
    }];
    for (const hint of [{ $natural: 1 }, { $natural: -1 }]) {
      const splits = groupFold.splits;
      groupFold.splitMin = 2;
      groupFold.slice = 300;
      let got: AnyDoc[];
      try {
        got = await c.aggregate(ordered, { hint }).toArray();
      } finally {
        groupFold.splitMin = 8192;
        groupFold.slice = 4096;
      }
      assert.equal(groupFold.splits - splits, 1);
      groupFold.enabled = false;
      try {
        assert.deepEqual(got, await c.aggregate(ordered, { hint }).toArray());
      } finally {
        groupFold.enabled = true;
      }
      assert.deepEqual(
        got[0],
        hint.$natural === 1 ? { _id: "r0", f: 0, l: 4998, n: 715 } : {
          _id: "r1",
          f: 9,
          l: 1,
          n: 715,
        },
      );
    }
    await db.createCollection("v", {
      viewOn: "c",
      pipeline: [{ $group: { _id: "$region", t: { $sum: "$score" } } }],
    });
    const v = await db.collection("v").aggregate([{ $sort: { t: -1 } }, { $limit: 1 }]).toArray();
    assert.deepEqual(v, [{ _id: "r1", t: 3220 }]);
    assert.equal(groupFold.folded - folded, 4);
  },
);

serverTest(
  "maxTimeMS and killOp stop a long folded $group (50, 11601); the server keeps serving",
  async (client) => {
    const c = client.db("gf3").collection<AnyDoc>("c");
    for (let i = 0; i < 40_000; i += 10_000) {
      await c.insertMany(Array.from({ length: 10_000 }, (_, j) => ({ _id: i + j, g: j % 100 })));
    }
    const pipeline = [{ $group: { _id: "$g", n: { $sum: 1 } } }];
    groupFold.slice = 1; // one record per storage call: the fold takes long enough to be stopped
    try {
      const fellBack = groupFold.fellBack;
      await assert.rejects(
        c.aggregate(pipeline, { maxTimeMS: 20 }).toArray(),
        (e: MongoServerError) => e.code === 50,
      );
      const long = c.aggregate(pipeline, { comment: "fold-kill" }).toArray().then(() => undefined, (e) => e);
      const admin = client.db("admin");
      let op: AnyDoc | undefined;
      for (let i = 0; i < 400 && !op; i++) {
        const res = await admin.command({ currentOp: 1, "command.comment": "fold-kill" });
        op = res["inprog"][0];
        if (!op) await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(op, "the aggregate is listed while it folds");
      await admin.command({ killOp: 1, op: op["opid"] });
      const err = await long;
      assert.ok(err instanceof MongoServerError, `expected a server error, got ${err}`);
      assert.equal(err.code, 11601);
      assert.equal(groupFold.fellBack, fellBack, "the fold was stopped, not given back to JS");
    } finally {
      groupFold.slice = 4096;
    }
    assert.equal((await c.aggregate(pipeline).toArray()).length, 100);
  },
);

Deno.test({
  name: "a folded $group past the memory budget gives the pipeline back to JS, which spills",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const d = defaultConfig();
    const server = await startServer({
      config: {
        ...d,
        server: {
          ...d.server,
          port: 0,
          storagePath: ":memory:",
          logLevel: "ERROR" as const,
          queryMemoryLimitBytes: 200_000,
        },
      },
    });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("gf4").collection<AnyDoc>("c");
      await c.insertMany(Array.from({ length: 6000 }, (_, i) => ({ _id: i, g: i % 3000, x: i })));
      const fellBack = groupFold.fellBack;
      const folded = groupFold.folded;
      const pipeline = [{ $group: { _id: "$g", s: { $sum: "$x" } } }, { $sort: { _id: 1 } }];
      const got = await c.aggregate(pipeline).toArray();
      assert.equal(got.length, 3000);
      assert.deepEqual(got[1], { _id: 1, s: 1 + 3001 });
      assert.equal(groupFold.fellBack - fellBack, 1);
      assert.equal(groupFold.folded, folded);
      await assert.rejects(
        c.aggregate(pipeline, { allowDiskUse: false }).toArray(),
        (e: MongoServerError) => e.code === 292,
      );
      // a few groups fit: folded
      assert.equal((await c.aggregate([{ $group: { _id: { $literal: 1 } } }]).toArray()).length, 1);
      await c.aggregate([{ $group: { _id: null, s: { $sum: "$x" } } }]).toArray();
      assert.equal(groupFold.folded - folded, 1);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "a server stopped during folds waits for the slice on the thread pool, then closes cleanly",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 1000, retryReads: false });
    groupFold.slice = 50;
    try {
      const c = client.db("gf5").collection<AnyDoc>("c");
      await c.insertMany(Array.from({ length: 20_000 }, (_, i) => ({ _id: i, g: i % 10, x: i })));
      const pipeline = [{ $group: { _id: "$g", s: { $sum: "$x" } } }];
      // concurrent folds give the same answer
      const all = await Promise.all(Array.from({ length: 4 }, () => c.aggregate(pipeline).toArray()));
      for (const r of all) assert.deepEqual(r, all[0]);
      const running = Array.from({ length: 3 }, () => c.aggregate(pipeline).toArray().catch((e) => e));
      await new Promise((r) => setTimeout(r, 30));
      await server.stop();
      await Promise.all(running);
    } finally {
      groupFold.slice = 4096;
      await client.close();
      await server.stop();
    }
  },
});

serverTest("a $group inside a transaction folds on its snapshot and sees its own writes", async (client) => {
  const c = client.db("gf6").collection<AnyDoc>("c");
  await c.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i, g: i % 2, x: 1 })));
  const session = client.startSession();
  try {
    session.startTransaction();
    await c.insertOne({ _id: 1000, g: 0, x: 5 }, { session });
    const folded = groupFold.folded;
    const inTxn = await c.aggregate([{ $group: { _id: "$g", s: { $sum: "$x" } } }, { $sort: { _id: 1 } }], {
      session,
    }).toArray();
    assert.deepEqual(inTxn, [{ _id: 0, s: 55 }, { _id: 1, s: 50 }]);
    assert.equal(groupFold.folded - folded, 1);
    const outside = await c.aggregate([{ $group: { _id: "$g", s: { $sum: "$x" } } }, { $sort: { _id: 1 } }])
      .toArray();
    assert.deepEqual(outside, [{ _id: 0, s: 50 }, { _id: 1, s: 50 }]);
    await session.abortTransaction();
  } finally {
    await session.endSession();
  }
});
