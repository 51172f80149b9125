import assert from "node:assert/strict";
import { expandKeys, pathValues } from "./multikey.ts";

Deno.test("expandKeys: scalar, missing, array elements, empty array", () => {
  assert.deepEqual(expandKeys({ a: 1 }, ["a"]).tuples, [[1]]);
  const m = expandKeys({}, ["a"]);
  assert.deepEqual(m.tuples, [[null]]);
  assert.equal(m.allMissing, true);
  const arr = expandKeys({ a: [1, 2] }, ["a"]);
  assert.deepEqual(arr.tuples, [[1], [2]]);
  assert.equal(arr.multikey, true);
  assert.deepEqual(expandKeys({ a: [] }, ["a"]).tuples, [[undefined]]);
});

Deno.test("expandKeys: dotted paths through arrays of documents", () => {
  assert.deepEqual(pathValues({ a: [{ b: 1 }, { b: 2 }, 3] }, "a.b").values, [1, 2]);
  assert.deepEqual(expandKeys({ a: { b: [3, 4] }, c: 1 }, ["a.b", "c"]).tuples, [[3, 1], [4, 1]]);
});

Deno.test("expandKeys: parallel arrays are refused", () => {
  const r = expandKeys({ a: [1], b: [2] }, ["a", "b"]);
  assert.deepEqual(r.parallel, ["b", "a"]);
});
