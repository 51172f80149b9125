/**
 * A collection scan with the storage engine's prefilter (`CompiledQuery.prefilter`, the shim's C matcher
 * on stored bytes): the matches, their order and `docsExamined` are the matcher's alone, for whole
 * documents and projected reads, across pulls, budgets and byte limits — over values of every type the
 * C matcher compares and those it leaves to the matcher (arrays, sub-documents, decimals, missing).
 */
import assert from "node:assert/strict";
import { BSON, Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { openWiredTiger, type StorageEngine } from "../storage/mod.ts";
import { decodeDocument } from "../bson/decode.ts";
import { compileFilter, filterTopFields, nativeMatchPlan } from "../engine/mod.ts";
import type { CompiledQuery } from "./compiled_query.ts";
import { QuerySource } from "./query.ts";
import type { Document as Doc } from "../bson/document.ts";
import { REPEATED_NAME_DOC, UNDEFINED_VALUE_DOC } from "../testing/raw_bson.ts";

const VALUES: unknown[] = [
  0,
  1,
  2,
  -1,
  2.5,
  NaN,
  -0,
  new Double(2),
  new Int32(2),
  new Long(2),
  Long.fromString("9007199254740993"),
  "a",
  "b",
  "é",
  "",
  null,
  undefined, // the field is left out
  true,
  false,
  [1, 2],
  [2],
  [],
  [[2]],
  { x: 1 },
  { x: 2 },
  new Date(0),
  new Date(86_400_000),
  new ObjectId("64b7f0000000000000000001"),
  new ObjectId("64b7f0000000000000000002"),
  Decimal128.fromString("2"),
];

const N = 2400;

function doc(i: number): Record<string, unknown> {
  const d: Record<string, unknown> = { _id: i };
  const a = VALUES[i % VALUES.length];
  const b = VALUES[(i * 7 + 3) % VALUES.length];
  if (a !== undefined) d["a"] = a;
  if (b !== undefined) d["b"] = b;
  const x = VALUES[(i * 3 + 1) % VALUES.length];
  // a sub-document, an array of them, or a scalar where the path expects a document
  d["n"] = i % 5 === 0 ? [{ x }, { x: 2 }] : i % 7 === 0 ? 2 : x === undefined ? {} : { x };
  d["pad"] = "p".repeat(100 + (i % 40));
  return d;
}

const FILTERS: Record<string, unknown>[] = [
  { a: 2 },
  { a: { $gt: 1 } },
  { a: { $gte: 1, $lt: 3 } },
  { a: "b" },
  { a: { $lte: "b" } },
  { a: null },
  { a: { $exists: false } },
  { a: { $exists: true }, b: 2 },
  { a: { $in: [1, "a", null] } },
  { a: { $ne: 2 } },
  { a: { $ne: null } },
  { a: { $nin: [1, "a", null] } },
  { a: { $nin: [] } },
  { "n.x": { $ne: 2 } },
  { a: { $ne: "b" }, b: { $nin: [2, true] } },
  { "n.x": 2 },
  { "n.x": { $gt: 0 } },
  { a: true },
  { a: { $gt: new Date(0) } },
  { a: NaN },
  { a: { $in: [NaN, 2] } },
  { a: new Long(2) },
  { a: new ObjectId("64b7f0000000000000000002") },
  { $and: [{ a: { $gte: 0 } }, { b: { $lt: 3 } }] },
];

async function withColl(fn: (engine: StorageEngine, docs: Doc[]) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "secantus-prefilter-test-" });
  const engine = openWiredTiger({ path: dir, cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });
  try {
    const coll = engine.catalog.createCollection("t", "c", {});
    const docs: Doc[] = [];
    engine.write((txn) => {
      for (let i = 0; i < N; i++) {
        const b = BSON.serialize(doc(i));
        docs.push(decodeDocument(b));
        txn.insert(coll, b, new Map());
      }
    });
    await fn(engine, docs);
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function query(filter: Record<string, unknown>, prefilter: boolean): CompiledQuery {
  const m = compileFilter(filter);
  const terms = nativeMatchPlan(filter);
  assert.ok(terms && terms.length > 0, `the C matcher takes ${JSON.stringify(filter)}`);
  return {
    access: { kind: "collScan", reverse: false },
    match: (d) => m.matches(d),
    ...(prefilter ? { prefilter: terms } : {}),
    readFields: filterTopFields(filter),
    sort: null,
    skip: 0,
    limit: 0,
    project: null,
  };
}

const ids = (docs: readonly Doc[]) => docs.map((d) => d["_id"]);

/** Whole documents through `nextBatch` (small batches and a byte limit: many pulls). */
async function find(engine: StorageEngine, q: CompiledQuery, batch: number, maxBytes: number) {
  const src = new QuerySource(engine, engine.catalog.getCollection("t", "c")!, q);
  const out: Doc[] = [];
  for (let i = 0; i < 100_000; i++) {
    const { docs, done } = await src.nextBatch(batch, maxBytes);
    out.push(...docs.map((b) => decodeDocument(b)));
    if (done) return { docs: out, examined: src.stats.docsExamined };
  }
  throw new Error("scan did not finish");
}

/** Projected reads through `nextDocs` (a pipeline's scan), with a small examine budget per pull. */
function read(engine: StorageEngine, q: CompiledQuery, fields: ReadonlySet<string>) {
  const src = new QuerySource(engine, engine.catalog.getCollection("t", "c")!, q);
  const out: Doc[] = [];
  for (let i = 0; i < 100_000; i++) {
    const { docs, done } = src.nextDocs(53, fields, 211);
    out.push(...docs);
    if (done) return { docs: out, examined: src.stats.docsExamined };
  }
  throw new Error("scan did not finish");
}

Deno.test("prefiltered collection scans: the matcher's matches, in order, every record examined", async () => {
  await withColl(async (engine, docs) => {
    for (const f of FILTERS) {
      const label = JSON.stringify(f);
      const m = compileFilter(f);
      const want = ids(docs.filter((d) => m.matches(d)));
      for (const [batch, maxBytes] of [[1000, Infinity], [7, 900]] as const) {
        const got = await find(engine, query(f, true), batch, maxBytes);
        assert.deepEqual(ids(got.docs), want, `${label} find batch ${batch}`);
        assert.equal(got.examined, N, `${label} docsExamined`);
        const plain = await find(engine, query(f, false), batch, maxBytes);
        assert.deepEqual(got.docs, plain.docs, `${label}: the same documents as without the prefilter`);
      }
      const fields = new Set(["_id", "b"]);
      const got = read(engine, query(f, true), fields);
      assert.deepEqual(ids(got.docs), want, `${label} projected`);
      assert.equal(got.examined, N);
      assert.deepEqual(
        got.docs,
        read(engine, query(f, false), fields).docs,
        `${label} projected, same fields`,
      );
    }
  });
});

Deno.test("prefiltered scans: a reverse scan, and one resumed after a record held over", async () => {
  await withColl(async (engine, docs) => {
    const f = { a: { $gte: 1, $lt: 3 } };
    const m = compileFilter(f);
    const q = { ...query(f, true), access: { kind: "collScan", reverse: true } } as CompiledQuery;
    const got = await find(engine, q, 5, 300);
    assert.deepEqual(ids(got.docs), ids(docs.filter((d) => m.matches(d)).reverse()));
    assert.equal(got.examined, N);
  });
});

Deno.test("the storage scans hand the records the prefilter fails over as rejected, without their bytes", async () => {
  await withColl((engine, docs) => {
    const coll = engine.catalog.getCollection("t", "c")!;
    const f = { a: 2, b: { $exists: true } };
    const m = compileFilter(f);
    const terms = nativeMatchPlan(f)!;
    engine.read((txn) => {
      const recs = [...txn.scan(coll, { prefilter: terms })].map((r) => ({
        rejected: r.rejected,
        n: r.bytes.length,
      }));
      assert.equal(recs.length, N);
      const rejected = recs.filter((r) => r.rejected);
      // every record the C matcher decides and fails: most of them (arrays and decimals are left whole)
      assert.ok(rejected.length > N / 2 && rejected.length < N - docs.filter((d) => m.matches(d)).length + 1);
      assert.ok(rejected.every((r) => r.n === 0));
      const projected = [...txn.scanFields(coll, new Set(["a"]), { prefilter: terms })];
      assert.deepEqual(projected.map((r) => r.rejected === true), recs.map((r) => r.rejected === true));
      assert.ok(projected.every((r) => r.rejected !== true || r.len === 0));
      assert.ok([...txn.scan(coll)].every((r) => r.rejected === undefined && r.bytes.length > 0));
    });
    return Promise.resolve();
  });
});

Deno.test("a repeated name (the first element) and a BSON undefined (missing to the matcher): the prefilter agrees", async () => {
  const dir = await Deno.makeTempDir({ prefix: "secantus-prefilter-test-" });
  const engine = openWiredTiger({ path: dir, cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });
  try {
    const coll = engine.catalog.createCollection("t", "c", {});
    const raw = REPEATED_NAME_DOC; // {_id: 1, a: 1, a: 2}
    engine.write((txn) => {
      txn.insert(coll, raw, new Map());
      for (let i = 2; i < 600; i++) txn.insert(coll, BSON.serialize({ _id: i, a: 3 }), new Map());
    });
    for (const f of [{ a: 1 }, { a: 2 }, { a: { $gt: 1 } }, { a: { $in: [2, 3] } }]) {
      for (const [batch, maxBytes] of [[1000, Infinity], [3, 10]] as const) {
        const got = await find(engine, query(f, true), batch, maxBytes);
        const plain = await find(engine, query(f, false), batch, maxBytes);
        assert.deepEqual(ids(got.docs), ids(plain.docs), JSON.stringify(f));
      }
    }
    assert.deepEqual(ids((await find(engine, query({ a: 1 }, true), 1000, Infinity)).docs), [1]);
    // {_id: 0, a: undefined (BSON 0x06)}: a value of its own to the matcher; the prefilter leaves it to it
    engine.write((txn) => txn.insert(coll, UNDEFINED_VALUE_DOC, new Map()));
    for (const f of [{ a: { $exists: false } }, { a: { $exists: true } }, { a: null }, { a: { $gt: 0 } }]) {
      const got = await find(engine, query(f, true), 1000, Infinity);
      assert.deepEqual(
        ids(got.docs),
        ids((await find(engine, query(f, false), 1000, Infinity)).docs),
        JSON.stringify(f),
      );
    }
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});
