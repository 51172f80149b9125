/**
 * The data a fuzz run works on, in database `fuzz`: documents of mixed types (arrays, nested
 * documents, dates, decimals, GeoJSON points, text), indexes (single, compound, unique, sparse, text,
 * 2dsphere, TTL, partial), a view, a capped collection and a time-series collection. Seeding drops the
 * database first, so it also repairs what earlier commands dropped or renamed.
 */
import { Binary, Decimal128, Long, ObjectId } from "bson";
import type { RawClient } from "./client.ts";
import { BsonUndefined, RawDate } from "./encode.ts";
import { Double, MaxKey, MinKey, Timestamp } from "bson";
import { FUZZ_DB } from "./generate.ts";

function docs(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      _id: i % 5 === 0 ? new ObjectId() : i,
      a: [i, "s" + i, 1.5 * i, null, { b: i }][i % 5],
      b: { c: i % 3, d: [1, 2, { e: i }] },
      x: i % 2 === 0 ? new Long(i) : Decimal128.fromString(String(i / 4)),
      tags: ["red", "green", "blue"].slice(i % 3),
      arr: [{ b: i }, { b: i + 1 }],
      n: i,
      t: new Date(1700000000000 + i * 60000),
      loc: { type: "Point", coordinates: [(i % 360) - 180 + 0.5, (i % 170) - 85 + 0.5] },
      body: ["the quick brown fox", "jumps over", "the lazy dog"][i % 3],
      bin: new Binary(new Uint8Array([i & 255, 1, 2])),
      ...(i % 4 === 0 ? { sparse: i } : {}),
    });
  }
  return out;
}

/** Documents at the edges of each type: the values expressions and update operators trip over. */
function extremes(): Record<string, unknown>[] {
  const vals: unknown[] = [
    // (datetimes past ±8.64e15 ms are refused whole, tests/diff 13: the edges that are stored)
    new RawDate(8640000000000000n),
    new RawDate(-8640000000000000n),
    new Date(-62135596800001),
    new Double(NaN),
    new Double(-Infinity),
    new Double(-0),
    Decimal128.fromString("NaN"),
    Decimal128.fromString("-Infinity"),
    Decimal128.fromString("9.999999999999999999999999999999999E+6144"),
    Long.fromBigInt(9223372036854775807n),
    Long.fromBigInt(-9223372036854775808n),
    -2147483648,
    BsonUndefined.value,
    new MinKey(),
    new MaxKey(),
    new Timestamp({ t: 4294967295, i: 4294967295 }),
    "\u0000",
    "",
    [],
    [[[]]],
    {},
    { "": 1 },
    { $x: 1 },
  ];
  return vals.map((v, i) => ({
    _id: `edge${i}`,
    a: v,
    b: { c: v, d: [v, { e: v }] },
    x: v,
    tags: [v],
    arr: [{ b: v }],
    n: 100 + i,
    t: v,
    body: v,
    bin: v,
  }));
}

/** The seeding requests, in order. */
export function seedRequests(): { db: string; body: Record<string, unknown> }[] {
  const db = FUZZ_DB;
  return [
    { db, body: { dropDatabase: 1 } },
    { db, body: { insert: "fuzz_a", documents: docs(40) } },
    { db, body: { insert: "fuzz_a", documents: extremes(), ordered: false } },
    {
      db,
      body: {
        createIndexes: "fuzz_a",
        indexes: [
          { key: { a: 1 }, name: "a_1" },
          { key: { n: 1, "b.c": -1 }, name: "n_1_b.c_-1" },
          { key: { n: 1 }, name: "n_u", unique: true },
          { key: { sparse: 1 }, name: "sparse_1", sparse: true },
          { key: { loc: "2dsphere" }, name: "loc_2dsphere" },
          { key: { t: 1 }, name: "t_ttl", expireAfterSeconds: 1e9 },
          { key: { x: 1 }, name: "x_partial", partialFilterExpression: { n: { $gt: 5 } } },
          { key: { tags: 1 }, name: "tags_1" },
        ],
      },
    },
    { db, body: { insert: "fuzz_b", documents: docs(12) } },
    { db, body: { createIndexes: "fuzz_b", indexes: [{ key: { body: "text" }, name: "body_text" }] } },
    { db, body: { create: "fuzz_capped", capped: true, size: 4096, max: 20 } },
    { db, body: { insert: "fuzz_capped", documents: docs(5) } },
    { db, body: { create: "fuzz_view", viewOn: "fuzz_a", pipeline: [{ $match: { n: { $gte: 3 } } }] } },
    { db, body: { create: "fuzz_text" } },
    { db, body: { insert: "fuzz_text", documents: docs(6) } },
    { db, body: { createIndexes: "fuzz_text", indexes: [{ key: { body: "text", n: 1 }, name: "text_n" }] } },
    { db, body: { create: "fuzz_ts", timeseries: { timeField: "t", metaField: "m" } } },
    { db, body: { insert: "fuzz_ts", documents: docs(6).map((d) => ({ t: d.t, m: d.n, v: d.a })) } },
  ];
}

/** Seeds; returns the replies that were not ok (a seed that fails is a finding of its own). */
export async function seed(client: RawClient): Promise<string[]> {
  const bad: string[] = [];
  for (const r of seedRequests()) {
    const o = await client.ask(r.db, r.body, 20_000);
    if (o.kind !== "reply" || o.reply.ok !== 1 || o.reply.writeErrors) {
      bad.push(`${Object.keys(r.body)[0]}: ${JSON.stringify(o.kind === "reply" ? o.reply : o.kind)}`);
    }
  }
  return bad;
}
