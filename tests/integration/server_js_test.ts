/**
 * Server-side JavaScript (issue 15 item 8) through npm:mongodb: `$where` (string, Code, `this`/`obj`,
 * the shell helpers, `sleep` with maxTimeMS), `$function` and `$accumulator` with BSON type round
 * trips, JS exceptions (139), a busy-looping `$where` that does not stall another client's pings, and
 * `[server] javascript_enabled = false` refusing each with mongod's code.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Code, Long, MongoClient, MongoServerError, ObjectId } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { code as codeOf } from "./helpers/error_code.ts";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/schema.ts";

serverTest("$where, $function and $accumulator run in the sandbox", async (client) => {
  const db = client.db("js");
  const c = db.collection<AnyDoc>("c");
  const oid = new ObjectId();
  await c.insertMany(Array.from({ length: 10 }, (_, i) => ({
    _id: i,
    a: i,
    l: Long.fromNumber(i * 1000),
    d: new Date(i * 86_400_000),
    o: oid,
    s: `s${i}`,
  })));

  assert.equal((await c.find({ $where: "this.a > 6" }).toArray()).length, 3);
  assert.equal((await c.find({ $where: "return obj.a == 1" }).toArray())[0]._id, 1);
  assert.deepEqual(
    (await c.find({
      $where: <AnyDoc> new Code(
        "function() { return this.l instanceof NumberLong && this.l.toNumber() == 3000 }",
      ),
    })
      .toArray()).map((d) => d._id),
    [3],
  );
  // BSON code with scope: removed from $where in mongod 4.4 (4649201)
  assert.equal(
    (await c.find({ $where: <AnyDoc> new Code("function() { return this.a == limit }", { limit: 4 }) })
      .toArray().catch((e) => e)).code,
    4649201,
  );
  assert.equal((await c.find({ $where: "" }).toArray().catch((e) => e)).code, 2);
  assert.equal(
    (await c.find({ $where: "this.o instanceof ObjectId && this.o.str == '" + oid.toHexString() + "'" })
      .toArray())
      .length,
    10,
  );
  assert.equal(
    (await c.find({ a: { $lt: 5 }, $where: "this.d instanceof Date && this.d.getTime() >= 86400000 * 2" })
      .toArray())
      .length,
    3,
  );
  // the count command (countDocuments is an aggregation, whose $match refuses $where as on mongod)
  const counted = await db.command({
    count: "c",
    query: { $where: "this.s.startsWith('s') && tojson(this.a) == '5'" },
  });
  assert.equal(counted.n, 1);
  assert.equal((await c.find({ $where: "sleep(1) || true" }).sort({ a: -1 }).limit(2).toArray())[0]._id, 9);

  // drivers' and ODMs' suites: a slow $where with maxTimeMS fails with 50
  assert.equal(await codeOf(c.find({ $where: "sleep(100) || true" }).maxTimeMS(50).toArray()), 50);
  // JS exceptions and syntax errors: 139 JSInterpreterFailure
  assert.equal(await codeOf(c.find({ $where: "nope.x == 1" }).toArray()), 139);
  assert.equal(await codeOf(c.find({ $where: "function( {" }).toArray()), 139);
  // not in aggregation's $match, as on mongod
  assert.equal(await codeOf(c.aggregate([{ $match: { $where: "true" } }]).toArray()), 2);

  // writes with $where (run inline)
  const up = await c.updateMany({ $where: "this.a % 2 == 0" }, { $set: { even: true } });
  assert.equal(up.modifiedCount, 5);
  const del = await c.deleteOne({ $where: "this.a == 9" });
  assert.equal(del.deletedCount, 1);

  // an unsorted find with a limit stops running $where once enough documents matched: 3,000 × 3 ms
  // would be 9 s; findOne needs one prefetch batch (256 documents)
  const many = client.db("js_many").collection<{ _id: number }>("c");
  await many.insertMany(Array.from({ length: 3_000 }, (_, i) => ({ _id: i })));
  const first = await many.findOne({ $where: "sleep(3) || true" }, { maxTimeMS: 6_000 });
  assert.equal(first?._id, 0);
  const some = await many.find({ $where: "sleep(3) || this._id % 2 == 1" }).limit(3).maxTimeMS(6_000)
    .toArray();
  assert.deepEqual(some.map((d) => d._id), [1, 3, 5]);

  // $function: BSON types in and out
  const [f]: AnyDoc[] = await c.aggregate([
    { $match: { _id: 3 } },
    {
      $project: {
        twice: { $function: { body: "function(a) { return a * 2 }", args: ["$a"], lang: "js" } },
        long: {
          $function: {
            body: "function(l) { return NumberLong(l.toNumber() + 1) }",
            args: ["$l"],
            lang: "js",
          },
        },
        date: {
          $function: { body: "function(d) { return new Date(d.getTime() + 1) }", args: ["$d"], lang: "js" },
        },
        oid: { $function: { body: "function(o) { return o }", args: ["$o"], lang: "js" } },
        obj: {
          $function: {
            body: new Code("function(s) { return {s: s + '!', n: NumberInt(7), arr: [1, 'x', null]} }"),
            args: ["$s"],
            lang: "js",
          },
        },
      },
    },
    {
      $addFields: {
        types: [{ $type: "$twice" }, { $type: "$long" }, { $type: "$obj.n" }, { $type: "$date" }],
      },
    },
  ]).toArray();
  assert.equal(f.twice, 6);
  // a JS number is a double, NumberLong an int64, NumberInt an int32 (mongod's conversions)
  assert.deepEqual(f.types, ["double", "long", "int", "date"]);
  assert.equal(Number(f.long), 3001);
  assert.equal(f.date.getTime(), 3 * 86_400_000 + 1);
  assert.equal(f.oid.toHexString(), oid.toHexString());
  assert.deepEqual(f.obj, { s: "s3!", n: 7, arr: [1, "x", null] });
  assert.equal(
    await codeOf(
      c.aggregate([{
        $project: {
          x: { $function: { body: "function() { throw new Error('boom') }", args: [], lang: "js" } },
        },
      }]).toArray(),
    ),
    139,
  );
  assert.equal(
    await codeOf(
      c.aggregate([{ $project: { x: { $function: { body: "$s", args: [], lang: "js" } } } }]).toArray(),
    ),
    31432,
  );

  // $accumulator: a JS sum and count per group, with finalize
  const groups = await c.aggregate([
    {
      $group: {
        _id: { $mod: ["$a", 2] },
        avg: {
          $accumulator: {
            init: "function() { return {sum: 0, n: 0} }",
            accumulate: "function(st, a) { return {sum: st.sum + a, n: st.n + 1} }",
            accumulateArgs: ["$a"],
            merge: "function(x, y) { return {sum: x.sum + y.sum, n: x.n + y.n} }",
            finalize: "function(st) { return st.sum / st.n }",
            lang: "js",
          },
        },
      },
    },
    { $sort: { _id: 1 } },
  ]).toArray();
  assert.deepEqual(groups.map((g) => g.avg), [4, 4]);
});

serverTest(
  "mapReduce through db.command: inline, replace, merge, reduce, finalize, scope, query/sort/limit",
  async (client) => {
    const db = client.db("mr");
    const orders = db.collection<AnyDoc>("orders");
    await orders.insertMany(
      Array.from({ length: 30 }, (_, i) => ({ _id: i, cust: `c${i % 3}`, amount: i, qty: 1 })),
    );
    const map = new Code("function() { emit(this.cust, {total: this.amount, n: this.qty}) }");
    const reduce = new Code(
      "function(key, values) { return values.reduce((a, v) => ({total: a.total + v.total, n: a.n + v.n}), {total: 0, n: 0}) }",
    );
    const inline = await db.command({ mapReduce: "orders", map, reduce, out: { inline: 1 } });
    assert.deepEqual(inline.results.map((r: AnyDoc) => [r._id, r.value.total, r.value.n]), [
      ["c0", 135, 10],
      ["c1", 145, 10],
      ["c2", 155, 10],
    ]);
    // finalize + scope + query/sort/limit
    const fin = await db.command({
      mapReduce: "orders",
      map: "function() { emit(this.cust, this.amount * factor) }",
      reduce: "function(k, vs) { return Array.sum(vs) }",
      finalize: "function(k, v) { return {k: k, v: v, tag: tag} }",
      scope: { factor: 2, tag: "x" },
      query: { amount: { $gte: 10 } },
      sort: { amount: 1 },
      limit: 6,
      out: { inline: 1 },
    });
    assert.deepEqual(fin.results.map((r: AnyDoc) => r.value), [
      { k: "c0", v: 24 + 30, tag: "x" },
      { k: "c1", v: 20 + 26, tag: "x" },
      { k: "c2", v: 22 + 28, tag: "x" },
    ]);
    // $where in the query
    const w = await db.command({
      mapReduce: "orders",
      map: "function() { emit('all', 1) }",
      reduce: "function(k, vs) { return Array.sum(vs) }",
      query: { $where: "this.amount < 5" },
      out: { inline: 1 },
    });
    assert.deepEqual(w.results, [{ _id: "all", value: 5 }]);

    // out to a collection: replace, then merge, then reduce
    const sum = {
      map: "function() { emit(this.cust, this.amount) }",
      reduce: "function(k, vs) { return Array.sum(vs) }",
    };
    const rep = await db.command({ mapReduce: "orders", ...sum, out: "totals" });
    assert.equal(rep.result, "totals");
    const totals = db.collection<AnyDoc>("totals");
    assert.deepEqual(await totals.find().sort({ _id: 1 }).toArray(), [
      { _id: "c0", value: 135 },
      { _id: "c1", value: 145 },
      { _id: "c2", value: 155 },
    ]);
    await totals.insertOne({ _id: "old", value: 1 });
    await db.command({ mapReduce: "orders", ...sum, query: { cust: "c0" }, out: { merge: "totals" } });
    assert.equal(await totals.countDocuments(), 4);
    await db.command({ mapReduce: "orders", ...sum, query: { cust: "c0" }, out: { reduce: "totals" } });
    assert.equal((await totals.findOne({ _id: "c0" }))?.value, 270);
    const other = await db.command({ mapReduce: "orders", ...sum, out: { replace: "t2", db: "mr2" } });
    assert.deepEqual(other.result, { db: "mr2", collection: "t2" });
    assert.equal(await client.db("mr2").collection("t2").countDocuments(), 3);
    await db.command({ mapReduce: "orders", ...sum, out: { replace: "totals" } });
    assert.equal(await totals.countDocuments(), 3);

    // errors
    const bad = {
      mapReduce: "orders",
      map: "function() { emit(nope, 1) }",
      reduce: sum.reduce,
      out: { inline: 1 },
    };
    assert.equal(await codeOf(db.command(bad)), 139);
    assert.equal(await codeOf(db.command({ mapReduce: "orders", map: sum.map, reduce: sum.reduce })), 40414);
    const slow = { ...bad, map: "function() { sleep(100); emit(1, 1) }", maxTimeMS: 50 };
    assert.equal(await codeOf(db.command(slow)), 50);
    const empty = await db.command({ mapReduce: "none", ...sum, out: { inline: 1 } });
    assert.deepEqual(empty.results, []);
  },
);

serverTest(
  "mapReduce groups keys by BSON value and reduces as mongod 8.0 (single values too, last emitted first, re-reduce past 16 MiB)",
  async (client) => {
    const db = client.db("mr3");
    const c = db.collection<AnyDoc>("c");
    await c.insertMany([
      { _id: 1, k: 1, v: "a" },
      { _id: 2, k: 1.0, v: "b" },
      { _id: 3, k: Long.fromNumber(1), v: "c" },
      { _id: 4, k: "x", v: "d" },
      { _id: 5, k: "X", v: "e" },
      { _id: 6, k: { p: 1, q: 2 }, v: "f" },
      { _id: 7, k: { q: 2, p: 1 }, v: "g" },
    ]);
    const byJoin = {
      map: "function() { emit(this.k, this.v) }",
      reduce: "function(k, vs) { return 'r(' + vs.join() + ')' }",
      sort: { _id: 1 },
      out: { inline: 1 },
    };
    const r = await db.command({ mapReduce: "c", ...byJoin });
    // 1, 1.0 and NumberLong(1) are one key (the first emitted is the _id); field order matters for
    // documents; a key emitted once is reduced too; values come last emitted first
    assert.deepEqual(r.results.map((x: AnyDoc) => [x._id, x.value]), [
      [1, "r(c,b,a)"],
      ["X", "r(e)"],
      ["x", "r(d)"],
      [{ p: 1, q: 2 }, "r(f)"],
      [{ q: 2, p: 1 }, "r(g)"],
    ]);
    // under a case-insensitive collation "x" and "X" are one key
    const ci = await db.command({ mapReduce: "c", ...byJoin, collation: { locale: "en", strength: 2 } });
    assert.deepEqual(
      ci.results.filter((x: AnyDoc) => typeof x._id === "string").map((x: AnyDoc) => x.value),
      [
        "r(e,d)",
      ],
    );

    // values past 16 MiB for one key: reduced in several calls, earlier results fed back in
    const big = db.collection<AnyDoc>("big");
    const pad = "p".repeat(600_000);
    await big.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, pad })));
    const rr = await db.command({
      mapReduce: "big",
      map: "function() { emit('k', {n: 1, pad: this.pad}) }",
      reduce: "function(k, vs) { let n = 0; for (const v of vs) n += v.n; return {n: n, pad: ''} }",
      out: { inline: 1 },
    });
    assert.deepEqual(rr.results, [{ _id: "k", value: { n: 40, pad: "" } }]);
  },
);

serverTest(
  "$function and $accumulator calls run awaited: a 200 ms $function does not stall other clients",
  async (client, server) => {
    const c = client.db("js").collection<AnyDoc>("slowfn");
    await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }, { _id: 3, a: 3 }]);
    const other = new MongoClient(server.uri);
    // 200 ms: inside the 500 ms per-call budget even when a loaded machine (load 12-19) starts the sandbox's
    // turn late (300 ms calls exceeded it there: code 50); an inline call would still hold a ping >= 200 ms
    const busy = "function(x) { const end = Date.now() + 200; while (Date.now() < end) {} return x * 10 }";
    const fn = (arg: string) => ({ $function: { body: busy, args: [arg], lang: "js" } });
    const timedPings = async (work: Promise<unknown>) => {
      const pings: number[] = [];
      let done = false;
      const w = work.finally(() => done = true);
      w.catch(() => {}); // rethrown by the await below, not an unhandled rejection meanwhile
      while (!done) {
        const p = performance.now();
        await other.db("admin").command({ ping: 1 });
        pings.push(performance.now() - p);
      }
      return { result: await w, pings };
    };
    try {
      await other.db("admin").command({ ping: 1 });
      // boot both sandbox lanes first (~0.3 s each, once per server)
      await c.aggregate([{
        $project: { x: { $function: { body: "function() { return 1 }", args: [], lang: "js" } } },
      }])
        .toArray();
      assert.equal((await c.find({ $where: "this._id == 1" }).toArray()).length, 1);
      const cases: [string, AnyDoc[], unknown][] = [
        [
          "$addFields",
          [{ $sort: { _id: 1 } }, {
            $addFields: { x: { $function: { body: busy, args: ["$a"], lang: "js" } } },
          }, {
            $project: { x: 1 },
          }],
          [{ _id: 1, x: 10 }, { _id: 2, x: 20 }, { _id: 3, x: 30 }],
        ],
        [
          "$match $expr",
          [{ $match: { $expr: { $gt: [{ $function: { body: busy, args: ["$a"], lang: "js" } }, 15] } } }, {
            $sort: { _id: 1 },
          }, { $project: { _id: 1 } }],
          [{ _id: 2 }, { _id: 3 }],
        ],
        [
          "$group $accumulator",
          [{
            $group: {
              _id: null,
              s: {
                $accumulator: {
                  init: "function() { return 0 }",
                  accumulate: "function(s, a) { return s + a }",
                  accumulateArgs: ["$a"],
                  merge: "function(x, y) { return x + y }",
                  finalize: busy,
                  lang: "js",
                },
              },
              f: { $sum: { $function: { body: busy, args: ["$a"], lang: "js" } } },
            },
          }],
          [{ _id: null, s: 60, f: 60 }],
        ],
        // sub-pipelines, $bucket, $bucketAuto and window functions defer their calls too
        [
          "$lookup pipeline and let",
          [{ $match: { _id: 1 } }, {
            $lookup: {
              from: "slowfn",
              let: { k: fn("$a") },
              pipeline: [{ $sort: { _id: 1 } }, { $project: { _id: 0, y: fn("$a"), k: "$$k" } }],
              as: "j",
            },
          }],
          [{ _id: 1, a: 1, j: [{ y: 10, k: 10 }, { y: 20, k: 10 }, { y: 30, k: 10 }] }],
        ],
        [
          "$unionWith and $facet",
          [{ $match: { _id: 1 } }, { $project: { _id: 1 } }, {
            $unionWith: { coll: "slowfn", pipeline: [{ $match: { _id: 2 } }, { $project: { x: fn("$a") } }] },
          }, { $facet: { f: [{ $project: { _id: 0, y: fn("$_id") } }] } }],
          [{ f: [{ y: 10 }, { y: 20 }] }],
        ],
        [
          "$bucket",
          [{ $bucket: { groupBy: fn("$a"), boundaries: [0, 15, 100], output: { n: { $sum: 1 } } } }],
          [{ _id: 0, n: 1 }, { _id: 15, n: 2 }],
        ],
        [
          "$bucketAuto",
          [{ $bucketAuto: { groupBy: "$a", buckets: 1, output: { s: { $sum: fn("$a") } } } }],
          [{ _id: { min: 1, max: 3 }, s: 60 }],
        ],
        [
          "$setWindowFields",
          [{
            $setWindowFields: {
              sortBy: { _id: 1 },
              output: { run: { $sum: fn("$a"), window: { documents: ["unbounded", "current"] } } },
            },
          }, { $project: { run: 1 } }],
          [{ _id: 1, run: 10 }, { _id: 2, run: 30 }, { _id: 3, run: 60 }],
        ],
        [
          "$graphLookup restrictSearchWithMatch",
          [{ $match: { _id: 1 } }, {
            $graphLookup: {
              from: "slowfn",
              startWith: [1, 2, 3],
              connectFromField: "a",
              connectToField: "_id",
              as: "g",
              restrictSearchWithMatch: { $expr: { $lt: [fn("$a"), 25] } },
            },
          }, { $project: { n: { $size: "$g" } } }],
          [{ _id: 1, n: 2 }],
        ],
        [
          "$lookup from a view",
          [{ $match: { _id: 1 } }, {
            $lookup: {
              from: "slowview",
              pipeline: [{ $sort: { _id: 1 } }, { $project: { _id: 0, w: 1 } }],
              as: "j",
            },
          }, { $project: { j: 1 } }],
          [{ _id: 1, j: [{ w: 10 }, { w: 20 }, { w: 30 }] }],
        ],
      ];
      await client.db("js").createCollection("slowview", {
        viewOn: "slowfn",
        pipeline: [{ $set: { w: fn("$a") } }],
      });
      for (const [name, pipeline, want] of cases) {
        const { result, pings } = await timedPings(c.aggregate(pipeline).toArray());
        assert.deepEqual(result, want, name);
        pings.sort((a, b) => a - b);
        const p50 = pings[pings.length >> 1] ?? Infinity;
        const max = pings[pings.length - 1] ?? Infinity;
        const msg = `${name}: pings ${pings.length}, p50 ${p50.toFixed(1)}, max ${max.toFixed(1)} ms`;
        console.log(msg);
        // inline, each of the three or more 200 ms calls would hold a ping >= 200 ms; a loaded 2-core machine
        // stalls one now and then (one of 386 ms was seen at load ~20)
        const slow = pings.filter((p) => p > 170).length;
        assert.ok(pings.length > 5 && p50 < 100 && slow <= 1, `${msg}, ${slow} over 170 ms`);
      }
      // find, count, distinct, update and delete filters: an $expr calling $function is prefetched awaited
      const gt15 = { $expr: { $gt: [fn("$a"), 15] } };
      const commands: [string, () => Promise<unknown>, unknown][] = [
        ["find $expr", () => c.find(gt15).sort({ _id: 1 }).toArray(), [{ _id: 2, a: 2 }, { _id: 3, a: 3 }]],
        ["count $expr", () => c.countDocuments(gt15), 2],
        ["distinct $expr", () => c.distinct("a", gt15), [2, 3]],
        [
          "updateMany $expr",
          async () => (await c.updateMany(gt15, { $set: { u: true } })).modifiedCount,
          2,
        ],
        ["findOneAndDelete $expr", async () => (await c.findOneAndDelete({ u: true, ...gt15 }))?._id, 2],
      ];
      for (const [name, run, want] of commands) {
        const { result, pings } = await timedPings(run());
        assert.deepEqual(result, want, name);
        pings.sort((a, b) => a - b);
        const p50 = pings[pings.length >> 1] ?? Infinity;
        const max = pings[pings.length - 1] ?? Infinity;
        const msg = `${name}: pings ${pings.length}, p50 ${p50.toFixed(1)}, max ${max.toFixed(1)} ms`;
        console.log(msg);
        const slow = pings.filter((p) => p > 170).length;
        assert.ok(pings.length > 5 && p50 < 100 && slow <= 1, `${msg}, ${slow} over 170 ms`);
      }
      // a call past the per-call budget still stops with 50 (the inline budget applies to awaited calls)
      const forever = { $function: { body: "function() { while (true) {} }", args: [], lang: "js" } };
      assert.equal(await codeOf(c.aggregate([{ $project: { x: forever } }]).toArray()), 50);
      assert.equal(await codeOf(c.aggregate([{ $project: { x: forever } }]).maxTimeMS(200).toArray()), 50);
    } finally {
      await other.close();
    }
  },
);

serverTest(
  "a busy-looping $where stops at maxTimeMS and does not stall other clients",
  async (client, server) => {
    const c = client.db("js").collection<AnyDoc>("busy");
    await c.insertMany([{ _id: 1 }, { _id: 2 }]);
    const other = new MongoClient(server.uri);
    try {
      await other.db("admin").command({ ping: 1 });
      // boot the sandbox first (~0.3 s of a new thread, once per server)
      assert.equal((await c.find({ $where: "this._id == 1" }).toArray()).length, 1);
      const t = performance.now();
      const busy = codeOf(c.find({ $where: "while (true) {}" }).maxTimeMS(1500).toArray());
      const pings: number[] = [];
      while (performance.now() - t < 1200) {
        const p = performance.now();
        await other.db("admin").command({ ping: 1 });
        pings.push(performance.now() - p);
      }
      assert.equal(await busy, 50);
      pings.sort((a, b) => a - b);
      const p99 = pings[Math.floor(pings.length * 0.99)] ?? Infinity;
      const msg = `pings ${pings.length}, p50 ${pings[pings.length >> 1]?.toFixed(1)}, p99 ${
        p99.toFixed(1)
      } ms`;
      console.log(msg);
      assert.ok(pings.length > 20 && p99 < 300, msg);
      // the sandbox was restarted: JavaScript works again
      assert.equal((await c.find({ $where: "this._id == 2" }).toArray()).length, 1);
    } finally {
      await other.close();
    }
  },
);

serverTest(
  "$where in update, delete, findAndModify, distinct and bulkWrite: right documents, maxTimeMS, other clients served",
  async (client, server) => {
    const db = client.db("jsw");
    const c = db.collection<AnyDoc>("w");
    await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, a: i, tag: i % 2 ? "odd" : "even" })));
    assert.equal((await c.updateMany({ $where: "this.a > 6" }, { $set: { big: true } })).modifiedCount, 3);
    assert.equal(await c.countDocuments({ big: true }), 3);
    assert.equal((await c.updateOne({ $where: "this.a >= 2" }, { $set: { one: true } })).modifiedCount, 1);
    assert.equal((await c.findOne({ one: true }))?._id, 2);
    const fam = await c.findOneAndUpdate(
      { $where: "this.tag == 'odd'" },
      { $set: { fam: 1 } },
      { sort: { a: -1 }, returnDocument: "after" },
    );
    assert.equal(fam?._id, 9);
    assert.deepEqual((await c.distinct("a", { $where: "this.a < 3" })).sort(), [0, 1, 2]);
    assert.equal((await c.deleteMany({ $where: "this.a == 0 || this.a == 1" })).deletedCount, 2);
    assert.equal((await c.deleteOne({ $where: "this.a > 7" })).deletedCount, 1);
    const bw = await client.bulkWrite([
      {
        name: "updateMany",
        namespace: "jsw.w",
        filter: { $where: "this.a < 5" },
        update: { $set: { bw: 1 } },
      },
      { name: "deleteMany", namespace: "jsw.w", filter: { $where: "this.a == 9" } },
    ]);
    assert.equal(bw.modifiedCount, 3);
    assert.equal(bw.deletedCount, 1);
    assert.deepEqual((await c.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id), [
      2,
      3,
      4,
      5,
      6,
      7,
    ]);

    // a busy-looping $where in each of them ends with 50 at maxTimeMS while another client is served
    const other = new MongoClient(server.uri);
    try {
      await other.db("admin").command({ ping: 1 });
      const spin = { $where: "while (true) {}" };
      const cmds: [string, Record<string, unknown>][] = [
        ["update", { update: "w", updates: [{ q: spin, u: { $set: { z: 1 } }, multi: true }] }],
        ["delete", { delete: "w", deletes: [{ q: spin, limit: 0 }] }],
        ["findAndModify", { findAndModify: "w", query: spin, update: { $set: { z: 1 } } }],
        ["distinct", { distinct: "w", key: "a", query: spin }],
      ];
      for (const [name, cmd] of cmds) {
        const t = performance.now();
        const run = db.command({ ...cmd, maxTimeMS: 1000 }).then(
          (r) => (r.writeErrors?.[0]?.code as number | undefined) ?? "no error",
          (e) => (e instanceof MongoServerError ? e.code as number : String(e)),
        );
        const pings: number[] = [];
        while (performance.now() - t < 800) {
          const p = performance.now();
          await other.db("admin").command({ ping: 1 });
          pings.push(performance.now() - p);
        }
        assert.equal(await run, 50, name);
        pings.sort((a, b) => a - b);
        const max = pings[pings.length - 1] ?? Infinity;
        const msg = `${name}: pings ${pings.length}, p50 ${pings[pings.length >> 1]?.toFixed(1)}, max ${
          max.toFixed(1)
        } ms`;
        console.log(msg);
        // inline, one call held the event loop for the whole 500 ms inline budget
        assert.ok(pings.length > 10 && max < 400, msg);
      }
      assert.equal(await c.countDocuments({ z: 1 }), 0);
    } finally {
      await other.close();
    }
  },
);

Deno.test({
  name: "javascript_enabled = false refuses $where, $function and $accumulator with mongod's codes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const d = defaultConfig();
    const config = {
      ...d,
      server: {
        ...d.server,
        port: 0,
        storagePath: ":memory:",
        logLevel: "ERROR" as const,
        javascriptEnabled: false,
      },
    };
    const server = await startServer({ config });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("js").collection<AnyDoc>("c");
      await c.insertOne({ _id: 1, a: 1 });
      assert.equal(await codeOf(c.find({ $where: "true" }).toArray()), 6108304);
      assert.equal(await codeOf(client.db("js").command({ count: "c", query: { $where: "true" } })), 6108304);
      assert.equal(
        await codeOf(
          c.aggregate([{
            $project: { x: { $function: { body: "function() { return 1 }", args: [], lang: "js" } } },
          }])
            .toArray(),
        ),
        31264,
      );
      assert.equal(
        await codeOf(
          c.aggregate([{
            $group: {
              _id: null,
              x: {
                $accumulator: {
                  init: "function() { return 0 }",
                  accumulate: "function(s) { return s }",
                  accumulateArgs: [],
                  merge: "function(a) { return a }",
                  lang: "js",
                },
              },
            },
          }]).toArray(),
        ),
        31264,
      );
      // update pipelines, find projections and $merge's whenMatched pipeline (run when JS is enabled)
      const one = { $function: { body: "function() { return 1 }", args: [], lang: "js" } };
      assert.equal(await codeOf(c.updateOne({ _id: 1 }, [{ $set: { x: one } }])), 31264);
      assert.equal(await codeOf(c.find({}, { projection: { x: one } }).toArray()), 31264);
      assert.equal(
        await codeOf(c.findOneAndUpdate({ _id: 1 }, { $set: { y: 1 } }, { projection: { x: one } })),
        31264,
      );
      assert.equal(
        await codeOf(c.aggregate([{ $merge: { into: "c", whenMatched: [{ $set: { x: one } }] } }]).toArray()),
        31264,
      );
      assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, a: 1 });
      assert.equal(
        await codeOf(
          client.db("js").command({
            mapReduce: "c",
            map: "function() { emit(1, 1) }",
            reduce: "function(k, v) { return 1 }",
            out: { inline: 1 },
          }),
        ),
        31246,
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

serverTest("explain of a $where query plans it (a COLLSCAN with the filter)", async (client) => {
  const c = client.db("js").collection<AnyDoc>("ex");
  await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
  const plan: AnyDoc = await c.find({ $where: "this.a == 2" }).explain("executionStats");
  assert.equal(plan.executionStats.nReturned, 1);
});
