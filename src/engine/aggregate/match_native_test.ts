import assert from "node:assert/strict";
import { Decimal128, Int32, Long, ObjectId } from "bson";
import { nativeMatchPlan } from "./match_native.ts";

Deno.test("nativeMatchPlan: simple conjunctions become terms", () => {
  assert.deepEqual(nativeMatchPlan({}), []);
  assert.deepEqual(nativeMatchPlan({ a: 1, "b.c": { $gte: Long.fromNumber(2), $lt: 2.5 }, d: null }), [
    { path: ["a"], op: "in", values: [{ t: "double", v: 1 }] },
    { path: ["b", "c"], op: "gte", values: [{ t: "long", v: 2n }] },
    { path: ["b", "c"], op: "lt", values: [{ t: "double", v: 2.5 }] },
    { path: ["d"], op: "in", values: [{ t: "null" }] },
  ]);
  const oid = new ObjectId("0123456789abcdef01234567");
  assert.deepEqual(
    nativeMatchPlan({ $and: [{ s: { $in: ["x", true, oid, new Date(5)] } }, { e: { $exists: 0 } }] }),
    [
      {
        path: ["s"],
        op: "in",
        values: [{ t: "string", v: "x" }, { t: "bool", v: true }, {
          t: "objectId",
          v: Uint8Array.from(oid.id),
        }, {
          t: "date",
          v: 5n,
        }],
      },
      { path: ["e"], op: "notExists", values: [] },
    ],
  );
  assert.deepEqual(nativeMatchPlan({ a: { $ne: null }, b: { $nin: ["x", 2] } }), [
    { path: ["a"], op: "nin", values: [{ t: "null" }] },
    { path: ["b"], op: "nin", values: [{ t: "string", v: "x" }, { t: "double", v: 2 }] },
  ]);
  assert.deepEqual(nativeMatchPlan({ n: new Int32(3) }), [{
    path: ["n"],
    op: "in",
    values: [{ t: "double", v: 3 }],
  }]);
  // a numeric component (an array element, or a field of that name): the C matcher walks it as JS does
  assert.deepEqual(nativeMatchPlan({ "a.0.b": "x" }), [{
    path: ["a", "0", "b"],
    op: "in",
    values: [{ t: "string", v: "x" }],
  }]);
});

Deno.test("nativeMatchPlan: everything else stays in JS", () => {
  for (
    const f of [
      { $or: [{ a: 1 }] },
      { a: { $ne: /x/ } },
      { a: { $nin: [1, [2]] } },
      { a: /x/ },
      { a: { $regex: "x" } },
      { a: { b: 1 } },
      { a: [1] },
      { a: Decimal128.fromString("1") },
      { a: { $in: [1, [2]] } },
      { $expr: { $eq: ["$a", 1] } },
      { a: { $exists: "yes" } },
      { a: "\ud800" },
      { a: { $type: "string" } },
    ]
  ) assert.equal(nativeMatchPlan(f), undefined, JSON.stringify(f));
});
