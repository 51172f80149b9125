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

Deno.test("expandKeys: top-level fields without arrays give the general walk's one tuple", () => {
  const docs: Record<string, unknown>[] = [
    { a: 1, b: "x" },
    { a: null },
    {},
    { b: { c: 1 } },
    { a: [1, 2], b: 1 },
    { a: { b: [1] } },
  ];
  for (const paths of [["a"], ["b"], ["a", "b"], ["b", "a"], ["a.b"], ["a", "b.c"]]) {
    for (const d of docs) {
      // a dotted field added: the general walk's result, plus one value
      const general = expandKeys({ ...d, z: { y: 0 } }, [...paths, "z.y"]);
      const r = expandKeys(d, paths);
      const what = JSON.stringify([paths, d]);
      assert.deepEqual(r.tuples, general.tuples.map((t) => t.slice(0, -1)), what);
      assert.equal(r.multikey, general.multikey, what);
      assert.equal(r.allMissing, paths.every((p) => pathValues(d, p).values.length === 0), what);
    }
  }
  assert.deepEqual(expandKeys({}, ["a", "b"]), { tuples: [[null, null]], multikey: false, allMissing: true });
});

Deno.test("expandKeys: fields reaching the same array expand together, element by element (mongod)", () => {
  const r = expandKeys({ a: [{ b: 1, c: 2 }, { b: 3, c: 4 }] }, ["a.b", "a.c"]);
  assert.deepEqual(r.tuples, [[1, 2], [3, 4]]);
  assert.equal(r.multikey, true);
  assert.equal(r.parallel, undefined);
  // deeper arrays shared by both fields expand the same way; different ones inside an element are parallel
  assert.deepEqual(expandKeys({ a: [{ b: [{ c: 1, d: 2 }] }] }, ["a.b.c", "a.b.d"]).tuples, [[1, 2]]);
  assert.deepEqual(expandKeys({ a: [{ b: [1, 2], c: [3] }] }, ["a.b", "a.c"]).parallel, ["c", "b"]);
  // a field and a dotted path under it reach the same array
  assert.deepEqual(expandKeys({ a: [{ b: 1 }] }, ["a", "a.b"]).tuples, [[{ b: 1 }, 1]]);
  // nested arrays of documents, and arrays at the end of the path
  assert.deepEqual(expandKeys({ a: [{ b: [1, 2] }, { b: [3] }] }, ["a.b"]).tuples, [[1], [2], [3]]);
});

Deno.test("expandKeys: elements that are not documents give null; empty arrays; positional paths", () => {
  assert.deepEqual(expandKeys({ a: [{ b: 1 }, 5] }, ["a.b"]).tuples, [[1], [null]]);
  assert.deepEqual(expandKeys({ a: [] }, ["a.b"]).tuples, [[null]]);
  assert.deepEqual(expandKeys({ a: [] }, ["a"]).tuples, [[undefined]]);
  const sel = expandKeys({ a: [{ b: 7 }, { b: 8 }] }, ["a.1.b"]);
  assert.deepEqual(sel.tuples, [[8]]);
  assert.equal(sel.multikey, false);
  // past the end: the array expands and the numeric component is looked up in each element
  assert.deepEqual(expandKeys({ a: [{ b: 7 }] }, ["a.3.b"]).tuples, [[null]]);
});

Deno.test("expandKeys: per-branch missing fields (a sparse index leaves those keys out)", () => {
  const r = expandKeys({ a: [{ b: 1 }, { c: 1 }] }, ["a.b"]);
  assert.deepEqual(r.tuples, [[1], [null]]);
  assert.deepEqual(r.missing, [false, true]);
  assert.equal(r.allMissing, false);
  assert.equal(expandKeys({ a: [{ c: 1 }] }, ["a.b"]).allMissing, true);
});
