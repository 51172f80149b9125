import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Long } from "bson";
import { compileSort, sortDocuments } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

const docs = [
  { _id: 1, a: 3 },
  { _id: 2, a: "x" },
  { _id: 3 },
  { _id: 4, a: [1, 10] },
  { _id: 5, a: Long.fromNumber(2) },
  { _id: 6, a: null },
  { _id: 7, a: { b: 1 } },
  { _id: 8, a: [] },
];

Deno.test("sort ascending uses array minimum and cross-type order", () => {
  assertEquals(sortDocuments(docs, { a: 1 }).map((d) => d._id), [8, 3, 6, 4, 5, 1, 2, 7]);
});

Deno.test("sort descending uses array maximum", () => {
  assertEquals(sortDocuments(docs, { a: -1 }).map((d) => d._id), [7, 2, 4, 1, 5, 3, 6, 8]);
});

Deno.test("compound sort and comparator", () => {
  const xs = [{ _id: 1, a: 1, b: 2 }, { _id: 2, a: 1, b: 1 }, { _id: 3, a: 0, b: 9 }];
  const cmp = compileSort({ a: 1, b: -1 });
  assertEquals([...xs].sort(cmp).map((d) => d._id), [3, 1, 2]);
  assertEquals(compileSort({})(xs[0]!, xs[1]!), 0);
});

Deno.test("sort spec errors", () => {
  assertCommandError(() => compileSort({ a: "asc" }), 15974);
  assertCommandError(() => compileSort({ a: 2 }), 15975);
  assertCommandError(() => compileSort(5), "BadValue");
});
