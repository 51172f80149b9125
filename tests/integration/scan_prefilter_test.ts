/**
 * Collection scans prefiltered by the storage engine (the shim's C matcher, CompiledQuery.prefilter):
 * through the Node driver, a find, a count, an aggregate's `$match`, an updateMany and a deleteMany with
 * a simple filter give what the same filter gives on the JS matcher alone (its twin `{$and: [filter,
 * {$expr: true}]}`, which the C matcher does not take), and explain counts every record examined —
 * over generated documents of every type the C matcher compares and those it leaves to JS (arrays,
 * sub-documents, decimals, missing fields), with generated conjunctions on top-level and dotted paths.
 */
import assert from "node:assert/strict";
import { Decimal128, Double, Int32, Long, ObjectId } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { pick, seededRandom as rng } from "../../src/testing/seeded_random.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

function value(r: () => number): unknown {
  const n = Math.floor(r() * 5) - 2;
  return pick(r, [
    () => new Int32(n),
    () => Long.fromNumber(n),
    () => new Double(n),
    () => n + 0.5,
    () => NaN,
    () => -0,
    () => null,
    () => undefined, // missing
    () => pick(r, ["a", "b", "é", ""]),
    () => r() < 0.5,
    () => new ObjectId("0123456789abcdef0123456" + Math.floor(r() * 3)),
    () => new Date(Math.floor(r() * 3) * 1000),
    () => [n, n + 1],
    () => [],
    () => ({ y: n }),
    () => Decimal128.fromString(String(n)),
  ])();
}

function genDocs(r: () => number, n: number): AnyDoc[] {
  const docs: AnyDoc[] = [];
  for (let i = 0; i < n; i++) {
    const d: AnyDoc = { _id: i };
    for (const k of ["a", "b"]) {
      const v = value(r);
      if (v !== undefined) d[k] = v;
    }
    const x = value(r);
    d["s"] = r() < 0.2 ? [{ x }, { x: 1 }] : x === undefined ? {} : { x };
    d["pad"] = "p".repeat(20 + i % 30);
    docs.push(d);
  }
  return docs;
}

/** A scalar operand (one the C matcher takes). */
function operand(r: () => number): unknown {
  const n = Math.floor(r() * 5) - 2;
  return pick(r, [
    () => n,
    () => Long.fromNumber(n),
    () => n + 0.5,
    () => NaN,
    () => null,
    () => pick(r, ["a", "b", "é"]),
    () => r() < 0.5,
    () => new ObjectId("0123456789abcdef01234561"),
    () => new Date(1000),
  ])();
}

function condition(r: () => number): unknown {
  return pick(r, [
    () => operand(r),
    () => ({ $gt: operand(r) }),
    () => ({ $gte: operand(r), $lt: operand(r) }),
    () => ({ $lte: operand(r) }),
    () => ({ $in: [operand(r), operand(r)] }),
    () => ({ $ne: operand(r) }),
    () => ({ $nin: [operand(r), operand(r)] }),
    () => ({ $exists: r() < 0.5 }),
  ])();
}

function genFilter(r: () => number): AnyDoc {
  const f: AnyDoc = {};
  for (const k of ["a", "b", "s.x"]) if (r() < 0.6) f[k] = condition(r);
  if (Object.keys(f).length === 0) f["a"] = condition(r);
  return f;
}

const twin = (f: AnyDoc) => ({ $and: [f, { $expr: true }] });

serverTest(
  "prefiltered collection scans answer as the JS matcher does (generated filters)",
  async (client) => {
    const r = rng(31);
    const db = client.db("prefilter");
    const docs = genDocs(r, 600);
    await db.collection("c").insertMany(docs);
    for (let trial = 0; trial < 60; trial++) {
      const f = genFilter(r);
      const label = JSON.stringify(f);
      const c = db.collection("c");
      const got = await c.find(f).toArray();
      assert.deepEqual(got, await c.find(twin(f)).toArray(), `find ${label}`);
      assert.equal(await c.countDocuments(f), got.length, `count ${label}`);
      const agg = await c.aggregate([{ $match: f }, { $project: { b: 1 } }]).toArray();
      assert.deepEqual(
        agg,
        got.map((d: AnyDoc) => ("b" in d ? { _id: d._id, b: d.b } : { _id: d._id })),
        label,
      );
      const explain = await c.find(f).explain("executionStats");
      assert.equal(explain.executionStats.totalDocsExamined, docs.length, `docsExamined ${label}`);
      assert.equal(explain.executionStats.nReturned, got.length);
    }
  },
);

serverTest(
  "updateMany and deleteMany with a prefiltered scan change what the JS matcher picks",
  async (client) => {
    const r = rng(32);
    const db = client.db("prefilter_writes");
    const docs = genDocs(r, 300);
    for (let trial = 0; trial < 20; trial++) {
      const f = genFilter(r);
      const label = JSON.stringify(f);
      const [a, b] = [db.collection(`a${trial}`), db.collection(`b${trial}`)];
      await a.insertMany(docs.map((d) => ({ ...d })));
      await b.insertMany(docs.map((d) => ({ ...d })));
      const ua = await a.updateMany(f, { $set: { touched: trial } });
      const ub = await b.updateMany(twin(f), { $set: { touched: trial } });
      assert.equal(ua.modifiedCount, ub.modifiedCount, `update ${label}`);
      const da = await a.deleteMany({ ...f, b: { $exists: true } });
      const db_ = await b.deleteMany(twin({ ...f, b: { $exists: true } }));
      assert.equal(da.deletedCount, db_.deletedCount, `delete ${label}`);
      assert.deepEqual(await a.find().toArray(), await b.find().toArray(), label);
      // a one-document update takes the first match in natural order
      await a.updateOne(f, { $inc: { once: 1 } });
      await b.updateOne(twin(f), { $inc: { once: 1 } });
      assert.deepEqual(await a.find({ once: 1 }).toArray(), await b.find({ once: 1 }).toArray(), label);
    }
  },
);
