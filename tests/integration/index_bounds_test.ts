/**
 * Index range reads through the driver: a find whose index bounds answer the filter exactly (no
 * match per record, planner/exact_bounds.ts) returns exactly what a collection scan returns, over
 * every type bracket the documents hold, on ascending, descending and compound indexes; and a
 * one-sided range on a descending index reaches the bracket's edge values (`""` below `"m"`).
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Decimal128, Double, Long, MongoClient, ObjectId } from "mongodb";
import { startServer } from "../../mod.ts";

const VALUES: unknown[] = [
  null,
  NaN,
  -Infinity,
  Infinity,
  -0,
  0,
  1,
  4.5,
  5,
  Long.fromNumber(5),
  new Double(5),
  Decimal128.fromString("5.0"),
  6,
  10,
  "",
  "a",
  "m",
  "m\u0000",
  "z",
  true,
  false,
  new Date(0),
  new Date(5),
  new ObjectId("0123456789abcdef01234567"),
  {},
  { x: 1 },
];

const FILTERS: AnyDoc[] = [
  { a: 5 },
  { a: { $gte: 5 } },
  { a: { $gt: 1, $lte: 6 } },
  { a: { $lt: 5 } },
  { a: { $lt: "m" } },
  { a: { $lte: "m" } },
  { a: { $gt: "m" } },
  { a: { $gte: "a", $lt: "z" } },
  { a: "m" },
  { a: { $gt: false } },
  { a: { $lt: new Date(3) } },
  { a: 5, b: { $gte: 2 } },
  { a: "m", b: 1 },
];

Deno.test({
  name: "index range reads return what a collection scan returns",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("bounds");
      const docs = VALUES.flatMap((a, i) => [0, 1, 2].map((b) => ({ _id: i * 3 + b, a, b })));
      docs.push({ _id: 1000, b: 1 } as AnyDoc); // no `a`
      for (const [name, key] of [["up", { a: 1 }], ["down", { a: -1 }], ["ab", { a: 1, b: -1 }]] as const) {
        const c = db.collection<AnyDoc>(name);
        await c.insertMany(docs);
        await c.createIndex(key, { name: "ix" });
        for (const filter of FILTERS) {
          const want = (await c.find(filter, { hint: { $natural: 1 } }).toArray()).map((d) => d._id).sort();
          const got = (await c.find(filter, { hint: "ix" }).toArray()).map((d) => d._id).sort();
          assert.deepEqual(got, want, `${name} ${JSON.stringify(filter)}`);
          // without a hint (the plan cache's template path, then a fresh plan on a new shape)
          for (let k = 0; k < 2; k++) {
            const plain = (await c.find(filter).toArray()).map((d) => d._id).sort();
            assert.deepEqual(plain, want, `${name} ${JSON.stringify(filter)} (no hint, ${k})`);
          }
        }
      }
      // min/max replace the filter's bounds: the filter is still matched
      const up = db.collection<AnyDoc>("up");
      const range = { a: { $gt: 1, $lt: 8 } };
      const within = await up.find(range, { hint: "ix", min: { a: 0 }, max: { a: 100 } }).toArray();
      const scanned = await up.find(range, { hint: { $natural: 1 } }).toArray();
      assert.deepEqual(within.map((d) => d._id).sort(), scanned.map((d) => d._id).sort());
      // a find by _id (IDHACK, nothing matched after the lookup), also as {$eq} and of another type
      assert.deepEqual((await up.find({ _id: 4 }).toArray()).map((d) => d._id), [4]);
      assert.deepEqual((await up.find({ _id: { $eq: 4.0 } }).toArray()).map((d) => d._id), [4]);
      assert.deepEqual((await up.find({ _id: Long.fromNumber(4) }).toArray()).map((d) => d._id), [4]);
      assert.deepEqual(await up.find({ _id: "4" }).toArray(), []);
      // the descending index's one-sided string range reaches "" (it stopped short before)
      const down = db.collection<AnyDoc>("down");
      const below = await down.find({ a: { $lt: "m" } }, { hint: "ix" }).toArray();
      assert.deepEqual([...new Set(below.map((d) => d.a))].sort(), ["", "a"]);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
