import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compileProjection } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

const doc = { _id: 1, a: 1, b: { c: 2, d: 3 }, arr: [{ x: 1, y: 2 }, { x: 3, y: 4 }, 5], n: [1, 2, 3, 4] };

Deno.test("inclusion keeps _id and listed paths, through arrays", () => {
  assertEquals(compileProjection({ a: 1 }).apply(doc), { _id: 1, a: 1 });
  assertEquals(compileProjection({ "b.c": 1, _id: 0 }).apply(doc), { b: { c: 2 } });
  assertEquals(compileProjection({ "arr.x": 1 }).apply(doc), { _id: 1, arr: [{ x: 1 }, { x: 3 }] });
  assertEquals(compileProjection({ _id: 1 }).apply(doc), { _id: 1 });
  assertEquals(compileProjection({ missing: 1 }).apply(doc), { _id: 1 });
});

Deno.test("exclusion removes listed paths", () => {
  assertEquals(compileProjection({ b: 0, arr: 0, n: 0 }).apply(doc), { _id: 1, a: 1 });
  assertEquals(compileProjection({ "b.c": 0, _id: 0, arr: 0, n: 0 }).apply(doc), { a: 1, b: { d: 3 } });
  assertEquals(compileProjection({ "arr.y": 0, _id: 0, a: 0, b: 0, n: 0 }).apply(doc), {
    arr: [{ x: 1 }, { x: 3 }, 5],
  });
  assertEquals(compileProjection({}).apply(doc), doc);
  assertEquals(compileProjection({ _id: 0 }).kind, "exclusion");
});

Deno.test("$slice and $elemMatch", () => {
  assertEquals(compileProjection({ n: { $slice: 2 } }).apply(doc).n, [1, 2]);
  assertEquals(compileProjection({ n: { $slice: -1 } }).apply(doc).n, [4]);
  assertEquals(compileProjection({ n: { $slice: [1, 2] } }).apply(doc).n, [2, 3]);
  assertEquals(compileProjection({ a: 1, n: { $slice: 1 } }).apply(doc), { _id: 1, a: 1, n: [1] });
  assertEquals(compileProjection({ arr: { $elemMatch: { x: 3 } } }).apply(doc).arr, [{ x: 3, y: 4 }]);
  assertEquals("arr" in compileProjection({ arr: { $elemMatch: { x: 9 } } }).apply(doc), false);
});

Deno.test("projection errors", () => {
  assertCommandError(
    () => compileProjection({ a: 1, b: 0 }),
    31254,
    "Cannot do exclusion on field b in inclusion projection",
  );
  assertCommandError(
    () => compileProjection({ a: 0, b: 1 }),
    31253,
    "Cannot do inclusion on field b in exclusion projection",
  );
  assertCommandError(() => compileProjection({ a: 1, "a.b": 1 }), 31250);
  assertCommandError(() => compileProjection({ "a.$": 1, "b.$": 1 }), 31276);
  assertCommandError(() => compileProjection({ "a.$.b": 1 }), 31394);
  assertCommandError(() => compileProjection({ a: { $meta: "searchScore" } }), "NotImplemented");
  assertCommandError(
    () => compileProjection({ a: { $meta: "bogus" } }),
    17308,
    "Unsupported argument to $meta: bogus",
  ); // mongod's Location17308
});

Deno.test("positional projection keeps the element the filter matched", () => {
  const p = compileProjection({ "a.$": 1 }, { filter: { "a.x": { $gt: 4 } } });
  assertEquals(p.apply({ _id: 1, a: [{ x: 1 }, { x: 5 }, { x: 9 }], b: 2 }), { _id: 1, a: [{ x: 5 }] });
  assertCommandError(() => p.apply({ _id: 2, a: [{ x: 1 }] }), 51246);
});

Deno.test("computed projection fields use the expression engine", () => {
  const p = compileProjection({ up: { $toUpper: "$n" }, "s.t": { $add: ["$v", 1] }, copy: "$v", keep: 1 });
  assertEquals(p.apply({ _id: 1, n: "ab", v: 2, keep: true, drop: 0 }), {
    _id: 1,
    keep: true,
    up: "AB",
    s: { t: 3 },
    copy: 2,
  });
});

Deno.test("projection: the embedded form and $elemMatch-only projections", () => {
  const doc = { _id: 1, a: 1, b: { c: 2, d: 3 }, tags: [1, 5, 9] };
  assertEquals(compileProjection({ b: { c: 1 } }).apply(doc), { _id: 1, b: { c: 2 } });
  assertEquals(compileProjection({ b: { d: 0 } }).apply(doc), { _id: 1, a: 1, b: { c: 2 }, tags: [1, 5, 9] });
  assertEquals(compileProjection({ tags: { $elemMatch: { $gt: 4 } } }).apply(doc), { _id: 1, tags: [5] });
  assertEquals(compileProjection({ tags: { $slice: 1 } }).apply(doc), {
    _id: 1,
    a: 1,
    b: { c: 2, d: 3 },
    tags: [1],
  });
});

Deno.test("$meta recordId / indexKey read the metadata attached to the document, else are left out", async () => {
  const { setDocMeta } = await import("../expression/doc_meta.ts");
  const { Long } = await import("bson");
  const p = compileProjection({ a: 1, r: { $meta: "recordId" }, k: { $meta: "indexKey" } });
  assertEquals(p.apply({ _id: 1, a: 2 }), { _id: 1, a: 2 });
  const d = { _id: 1, a: 2 };
  setDocMeta(d, { recordId: 42n, indexKey: () => ({ a: 2 }) });
  assertEquals(p.apply(d), { _id: 1, a: 2, r: Long.fromBigInt(42n), k: { a: 2 } });
  const noKey = { _id: 3, a: 4 };
  setDocMeta(noKey, { recordId: 7n, indexKey: () => undefined });
  assertEquals(p.apply(noKey), { _id: 3, a: 4, r: Long.fromBigInt(7n) });
});
