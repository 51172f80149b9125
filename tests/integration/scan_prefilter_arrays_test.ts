/**
 * Prefiltered collection scans (the shim's C matcher) on paths through and onto arrays: through the
 * Node driver, a find, a count and a `$match` + `$group` with a simple filter on array paths (arrays of
 * sub-documents, arrays of scalars, nested arrays, numeric components, missing and null, mixed types)
 * give what the same filter gives on the JS matcher alone (its twin `{$and: [filter, {$expr: true}]}`,
 * which the C matcher does not take), and explain counts every record examined.
 */
import assert from "node:assert/strict";
import { Decimal128, Long, ObjectId } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { pick, seededRandom as rng } from "../../src/testing/seeded_random.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

function scalar(r: () => number): unknown {
  const n = Math.floor(r() * 4);
  return pick(r, [
    () => n,
    () => Long.fromNumber(n),
    () => n + 0.5,
    () => null,
    () => pick(r, ["s1", "s2", "s3"]),
    () => r() < 0.5,
    () => new Date(n * 1000),
    () => new ObjectId("0123456789abcdef0123456" + n),
    () => Decimal128.fromString(String(n)),
  ])();
}

function item(r: () => number): unknown {
  return pick(r, [
    () => ({ sku: scalar(r), qty: scalar(r) }),
    () => ({ sku: [scalar(r), scalar(r)] }),
    () => ({ qty: scalar(r) }),
    () => ({}),
    () => scalar(r),
    () => [{ sku: scalar(r) }],
    () => ({ "0": scalar(r), sku: scalar(r) }),
  ])();
}

function genDocs(r: () => number, n: number): AnyDoc[] {
  const docs: AnyDoc[] = [];
  for (let i = 0; i < n; i++) {
    const d: AnyDoc = { _id: i, g: i % 3 };
    if (r() < 0.9) {
      d["items"] = r() < 0.8 ? Array.from({ length: Math.floor(r() * 4) }, () => item(r)) : item(r);
    }
    if (r() < 0.9) {
      d["tags"] = r() < 0.8
        ? Array.from({ length: Math.floor(r() * 4) }, () => r() < 0.2 ? [scalar(r)] : scalar(r))
        : scalar(r);
    }
    docs.push(d);
  }
  return docs;
}

function condition(r: () => number): unknown {
  return pick(r, [
    () => scalar(r),
    () => ({ $gt: scalar(r) }),
    () => ({ $gte: scalar(r), $lt: scalar(r) }),
    () => ({ $lte: scalar(r) }),
    () => ({ $in: [scalar(r), scalar(r)] }),
    () => ({ $ne: scalar(r) }),
    () => ({ $nin: [scalar(r), scalar(r)] }),
    () => ({ $exists: r() < 0.5 }),
  ])();
}

function genFilter(r: () => number): AnyDoc {
  const f: AnyDoc = {};
  for (const k of ["items.sku", "items.qty", "tags", "items.0.sku", "items.1", "tags.0", "items.0"]) {
    if (r() < 0.25) f[k] = condition(r);
  }
  if (Object.keys(f).length === 0) f["items.sku"] = condition(r);
  // a Decimal128 operand is not the C matcher's: keep it out of the generated filters
  return JSON.stringify(f).includes("$numberDecimal") ? { tags: condition(r) } : f;
}

const twin = (f: AnyDoc) => ({ $and: [f, { $expr: true }] });

serverTest(
  "prefiltered scans on array paths answer as the JS matcher does (generated filters)",
  async (client) => {
    const r = rng(45);
    const db = client.db("prefilter_arrays");
    const docs = genDocs(r, 800);
    const c = db.collection("c");
    await c.insertMany(docs);
    for (let trial = 0; trial < 80; trial++) {
      const f = genFilter(r);
      const label = JSON.stringify(f);
      const got = await c.find(f).toArray();
      assert.deepEqual(got, await c.find(twin(f)).toArray(), `find ${label}`);
      assert.equal(await c.countDocuments(f), got.length, `count ${label}`);
      const group = (m: AnyDoc) =>
        c.aggregate([{ $match: m }, { $group: { _id: "$g", n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
          .toArray();
      assert.deepEqual(await group(f), await group(twin(f)), `group ${label}`);
      const explain = await c.find(f).explain("executionStats");
      assert.equal(explain.executionStats.totalDocsExamined, docs.length, `docsExamined ${label}`);
    }
  },
);

serverTest(
  "a negation on a multikey index scans the collection, with the hinted index's results",
  async (client) => {
    const c = client.db("prefilter_arrays_ne").collection("c");
    const r = rng(46);
    await c.insertMany(genDocs(r, 400));
    await c.createIndex({ tags: 1 });
    for (const f of [{ tags: { $ne: "s1" } }, { tags: { $nin: ["s2", 1] } }, { tags: { $ne: null } }]) {
      const label = JSON.stringify(f);
      const got = await c.find(f).toArray();
      assert.deepEqual(
        got.map((d: AnyDoc) => d._id).sort((a: number, b: number) => a - b),
        (await c.find(f).hint({ tags: 1 }).toArray()).map((d: AnyDoc) => d._id).sort((a: number, b: number) =>
          a - b
        ),
        label,
      );
      assert.deepEqual(got, await c.find(twin(f)).toArray(), label);
      assert.equal(await c.countDocuments(f), got.length, label);
      const plan = JSON.stringify((await c.find(f).explain()).queryPlanner.winningPlan);
      if (!("$ne" in f.tags && f.tags.$ne === null)) {
        assert.ok(plan.includes("COLLSCAN"), `${label}: ${plan}`);
      }
    }
  },
);
