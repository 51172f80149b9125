/**
 * The key check of an index scan (planner/key_check.ts, ffi/wiredtiger/shim/wt_key_check.c): predicates
 * on compound-index fields past the scan's intervals — an ESR index's range after its sort field, a field
 * after an unconstrained one, a field past the interval product's cap — tested on each key, so a key
 * outside them is skipped before its record is read. Random documents of every kind of value (numbers of
 * each type and sign, fractions, strings with NUL bytes and non-ASCII text, dates, ObjectIds, booleans,
 * null, missing, arrays, documents, regexes, binary, MinKey/MaxKey), indexes with ascending and descending
 * parts, many filters: every plan's answer equals the collection scan's; explain shows the checked fields'
 * bounds as mongod does, and the records read drop to the matches.
 */
import assert from "node:assert/strict";
import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { assertAsScan, planOf, randomDocs, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

function valueOf(r: () => number): unknown {
  const k = Math.floor(r() * 22);
  const n = Math.floor(r() * 7) - 3;
  switch (k) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return new Int32(n);
    case 3:
      return Long.fromInt(n * 1000);
    case 4:
      return new Double(n + 0.25);
    case 5:
      return Decimal128.fromString(`${n}.5`);
    case 6:
      return ["", "a", "ab", "b", "a\u0000b", "é", "z"][Math.floor(r() * 7)];
    case 7:
      return new Date(1.7e12 + n * 1000);
    case 8:
      return new ObjectId((0x10 + Math.floor(r() * 4)).toString(16).padStart(24, "0"));
    case 9:
      return r() < 0.5;
    case 10:
      return [n, n + 1];
    case 11:
      return { x: n, y: "s" };
    case 12:
      return new BSONRegExp("^a", "i");
    case 13:
      return new Binary(new Uint8Array([n & 0xff, 0, 1]), 0);
    case 14:
      return new MinKey();
    case 15:
      return new MaxKey();
    case 16:
      return -1e300 * n;
    case 17:
      return n * 1e20;
    default:
      return n;
  }
}

const FILTERS: AnyDoc[] = [
  { a: 1, c: { $gte: 0 } },
  { a: 1, c: { $lt: 1 } },
  { a: { $in: [0, 1, "a"] }, c: { $gt: -1, $lte: 2 } },
  { a: -1, c: "a" },
  { a: 2, c: { $gte: "a", $lt: "b" } },
  { a: { $gte: 0 }, b: 1 },
  { a: { $lt: 2 }, b: { $in: [0, "ab", true] } },
  { a: { $exists: true }, c: { $lte: new Date(1.7e12) } },
  { a: 0, c: { $ne: 1 } },
  { a: 0, c: null },
  { a: 1, c: { $type: "string" } },
  { a: 1, c: { $in: [[1, 2], { x: 0, y: "s" }, null] } },
  { a: { $gt: -2 }, c: { $gt: new ObjectId("000000000000000000000011") } },
  { a: 3, b: { $gte: 0 }, c: { $lt: 0 } },
  { a: { $in: [1, 2] }, c: { $exists: false } },
  { a: 1, c: { $gte: MinKey, $lte: MaxKey } },
  { a: 0, c: { $not: { $gt: 1 } } },
];

serverTest(
  "the key check: every plan's answer is the collection scan's, over values of every kind",
  async (client) => {
    const db = client.db("kc");
    const r = rng(45);
    // (one array field at most per document: only `a` is ever one, making the second collection multikey)
    const docs = randomDocs(600, ["a", "b", "c"], (f) => {
      const v = valueOf(r);
      return f !== "a" && Array.isArray(v) ? v.length : v;
    });
    const plain = db.collection<AnyDoc>("plain");
    await plain.insertMany(docs.map((d: AnyDoc) => ({ ...d, a: Array.isArray(d.a) ? 1 : d.a })));
    const multi = db.collection<AnyDoc>("multi");
    await multi.insertMany(docs);
    for (const c of [plain, multi]) {
      for (const key of [{ a: 1, b: 1, c: 1 }, { a: -1, b: 1, c: -1 }, { a: 1, b: -1, c: 1 }]) {
        const name = await c.createIndex(key);
        for (const [i, f] of FILTERS.entries()) {
          const label = `${c.collectionName} ${name} filter ${i}`;
          const byScan = await c.find(f).hint({ $natural: 1 }).sort({ _id: 1 }).toArray();
          const byIndex = await c.find(f).hint(name).sort({ _id: 1 }).toArray();
          assert.deepEqual(byIndex, byScan, label);
          for (const sort of [{ b: 1 as const }, { b: -1 as const }]) {
            const sorted = await c.find(f).hint(name).sort({ ...sort, _id: 1 }).toArray();
            assert.deepEqual(
              sorted.map((d) => d._id).sort((x, y) => x - y),
              byScan.map((d) => d._id),
              `${label} sorted`,
            );
          }
          assert.equal(await c.countDocuments(f, { hint: name }), byScan.length, `count ${label}`);
        }
        await c.dropIndex(name);
      }
    }
    await assertAsScan(plain, { a: 1, c: { $lt: 1 } }, "unhinted");
  },
);

serverTest(
  "the key check: an ESR scan reads only the matching records; explain shows every field's bounds",
  async (client) => {
    const jobs = client.db("kc").collection<AnyDoc>("jobs");
    const t0 = 1.7e12;
    await jobs.insertMany(
      randomDocs(
        2000,
        ["status", "priority", "runAt"],
        (f, i) =>
          f === "status" ? "queued" : f === "priority" ? i % 5 : new Date(t0 + (i % 10 < 8 ? 1e9 : 0) + i),
      ),
    );
    await jobs.createIndex({ status: 1, priority: -1, runAt: 1 });
    const filter = { status: "queued", runAt: { $lte: new Date(t0 + 1e6) } };
    const ex = await jobs.find(filter).sort({ priority: -1, runAt: 1 }).limit(1000).explain("executionStats");
    const { stages, ixscan } = planOf(ex.queryPlanner.winningPlan);
    assert.deepEqual(stages, ["LIMIT", "FETCH", "IXSCAN"]);
    assert.deepEqual(ixscan.indexBounds, {
      status: ['["queued", "queued"]'],
      priority: ["[MaxKey, MinKey]"],
      runAt: ["[new Date(-9223372036854775808), new Date(1700001000000)]"],
    });
    const got = await jobs.find(filter).sort({ priority: -1, runAt: 1 }).limit(1000).toArray();
    assert.equal(got.length, 400);
    assert.equal(ex.executionStats.nReturned, 400);
    assert.equal(ex.executionStats.totalDocsExamined, 400, "only the matching records are read");
    // as mongod's bounds checker: the first key of each priority past t seeks to the next priority (400
    // matches and 5 keys that sent the scan on), not 2,000 keys walked
    assert.equal(ex.executionStats.totalKeysExamined, 405);
    const claimed = await jobs.findOneAndUpdate(filter, { $set: { status: "running" } }, {
      sort: { priority: -1, runAt: 1 },
    });
    assert.equal(claimed?.priority, 4);
    assert.ok(claimed!.runAt.getTime() <= t0 + 1e6);
  },
);

serverTest("the key check walks past a value of every kind, in either direction", async (client) => {
  const c = client.db("kc").collection<AnyDoc>("walk");
  const kinds: unknown[] = [
    null,
    new MinKey(),
    new MaxKey(),
    new Int32(-7),
    new Double(-2.75),
    Long.fromString("-123456789012"),
    Decimal128.fromString("-1.5E-10"),
    0,
    new Double(1e-300),
    Infinity,
    -Infinity,
    NaN,
    "a\u0000b",
    "été",
    "",
    { x: -1, y: ["s", { z: null }] },
    [-1, "t", [2]],
    new Binary(new Uint8Array([0, 255, 0]), 4),
    new ObjectId("000000000000000000000042"),
    true,
    new Date(-5),
    new BSONRegExp("a.b", "i"),
  ];
  const docs: AnyDoc[] = [];
  kinds.forEach((p, k) => {
    for (let i = 0; i < 12; i++) docs.push({ _id: k * 100 + i, p: Array.isArray(p) ? { arr: p } : p, q: i });
  });
  await c.insertMany(docs);
  for (const key of [{ p: 1, q: 1 }, { p: -1, q: -1 }, { p: 1, q: -1 }]) {
    const name = await c.createIndex(key);
    const ex = await c.find({ q: { $lt: 5 } }).hint(name).explain("executionStats");
    assert.equal(ex.executionStats.nReturned, kinds.length * 5, name);
    assert.equal(
      ex.executionStats.totalDocsExamined,
      kinds.length * 5,
      `${name}: no record of a key outside`,
    );
    await c.dropIndex(name);
  }
});

serverTest("the key check's seeks land on each interval's ends, in both scan directions", async (client) => {
  const c = client.db("kc").collection<AnyDoc>("ends");
  await c.insertMany(
    randomDocs(420, ["a", "b", "c"], (f, i) => f === "a" ? i % 3 : f === "b" ? i % 7 : i % 5),
  );
  const filters: AnyDoc[] = [
    { a: 1, c: { $gt: 2 } },
    { a: 1, c: { $gte: 2 } },
    { a: 1, c: { $lt: 2 } },
    { a: 1, c: { $lte: 2 } },
    { a: 1, c: { $gt: 1, $lt: 3 } },
    { a: 1, c: { $gte: 1, $lte: 3 } },
    { a: 1, c: { $in: [0, 2, 4] } },
    { a: 1, c: 3 },
    { a: 1, c: { $ne: 2 } },
  ];
  for (const key of [{ a: 1, b: 1, c: 1 }, { a: 1, b: -1, c: -1 }, { a: -1, b: 1, c: -1 }]) {
    const name = await c.createIndex(key);
    for (const f of filters) {
      const want = await c.find(f).hint({ $natural: 1 }).sort({ _id: 1 }).toArray();
      for (const dir of [1, -1] as const) {
        const label = `${name} ${JSON.stringify(f)} b ${dir}`;
        const got = await c.find(f).hint(name).sort({ b: dir }).toArray();
        assert.deepEqual(got.map((d) => d._id).sort((x, y) => x - y), want.map((d) => d._id), label);
        const ex = await c.find(f).hint(name).sort({ b: dir }).explain("executionStats");
        assert.equal(ex.executionStats.totalDocsExamined, want.length, label);
        // each key at most once, and at most one more per run of b values than the matches
        assert.ok(ex.executionStats.totalKeysExamined <= want.length + 7 * 3 + 1, `${label}: keys examined`);
      }
    }
    await c.dropIndex(name);
  }
});
