import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { wildcardCovers, wildcardEntries, wildcardShape } from "./wildcard.ts";

Deno.test("wildcard: entries of a document under $**", () => {
  const s = wildcardShape({ "$**": 1 })!;
  assertEquals(
    wildcardEntries(s, { _id: 1, a: 1, b: { c: "x", d: [1, { e: 2 }] }, f: {}, g: [] }),
    { entries: [["a", 1], ["b.c", "x"], ["b.d", 1], ["b.d.e", 2], ["f", {}]], multikey: true },
  );
  assertEquals(wildcardCovers(s, "_id"), false);
  assertEquals(wildcardCovers(s, "a.0"), false);
});

Deno.test("wildcard: a path prefix and wildcardProjection limit the entries", () => {
  const sub = wildcardShape({ "b.$**": 1 })!;
  assertEquals(wildcardEntries(sub, { a: 1, b: { c: 2 } }).entries, [["b.c", 2]]);
  const inc = wildcardShape({ "$**": 1 }, { "b.c": 1, _id: 1 })!;
  assertEquals(wildcardEntries(inc, { _id: 7, a: 1, b: { c: 2, d: 3 } }).entries, [["_id", 7], ["b.c", 2]]);
  const exc = wildcardShape({ "$**": 1 }, { a: 0 })!;
  assertEquals(wildcardEntries(exc, { a: 1, b: 2 }).entries, [["b", 2]]);
  assertEquals(wildcardShape({ a: 1 }), undefined);
  assertEquals(wildcardShape({ "$**": "text" }), undefined);
});
