import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { textPrefixFields, textPrefixValues, textScanPath } from "./text_plan.ts";
import { ErrorCode } from "../errors/codes.ts";

const ix = {
  name: "s_text",
  key: { _fts: "text", _ftsx: 1 },
  unique: false,
  sparse: false,
  multikey: true,
  hidden: false,
};

Deno.test("text plan: one interval per term, deduplicated record ids, explain bounds {}", () => {
  const p = textScanPath(ix, ["cake", "coffe"], { terms: ["cake", "coffe"] })!;
  assertEquals(p.intervals.length, 2);
  assertEquals([p.dedup, p.multikey, p.providesSort], [true, true, false]);
  assertEquals(p.indexBounds, {});
  assertEquals(p.text?.terms, ["cake", "coffe"]);
  assertEquals(textScanPath(ix, [])!.intervals, []);
});

Deno.test("text plan: a compound text index reads its terms under the prefix equality", () => {
  const key = { a: 1, b: -1, _fts: "text", _ftsx: 1, s: 1 };
  assertEquals(textPrefixFields(key), ["a", "b"]);
  assertEquals(textPrefixFields(ix.key), []);
  const p = textScanPath({ ...ix, key }, ["cake", "coffe"], undefined, [1, "x"])!;
  assertEquals(p.intervals.length, 2);
  assertEquals(p.text?.indexPrefix, { a: 1, b: "x" });
  // without the prefix values the key does not start at _fts: unusable
  assertEquals(textScanPath({ ...ix, key }, ["cake"]), undefined);
});

Deno.test("text plan: prefix equalities (top level or in $and), mongod's 291 without them", () => {
  const f = (filter: Record<string, unknown>, collations?: { query: unknown; index: unknown }) =>
    textPrefixValues(filter, ["a", "b"], "db.c", collations);
  assertEquals(f({ a: 1, $and: [{ b: { $eq: "x" } }], $text: { $search: "t" } }), [1, "x"]);
  assertEquals(f({ a: null, b: 2 }), [null, 2]);
  const fr = { locale: "fr" };
  // a query under the simple collation (named or not) reads a text index without one
  assertEquals(f({ a: 1, b: "x" }, { query: { locale: "simple" }, index: undefined }), [1, "x"]);
  // another collation: numbers and null still bound the entries; strings, arrays, objects cannot (291)
  assertEquals(f({ a: 1, b: 2 }, { query: fr, index: undefined }), [1, 2]);
  for (const b of ["x", { c: 1 }]) {
    throws(() => f({ a: 1, b }, { query: fr, index: undefined }), { code: ErrorCode.NoQueryExecutionPlans });
  }
  // an index holding raw strings under a collation (created by an earlier SecantusDB): the caller scans
  assertEquals(f({ a: 1, b: "x" }, { query: { locale: "fr", strength: 3 }, index: fr }), undefined);
  assertEquals(f({ a: 1, b: 2 }, { query: fr, index: fr }), [1, 2]);
  throws(() => f({ a: 1, b: "x" }, { query: undefined, index: fr }), {
    code: ErrorCode.NoQueryExecutionPlans,
  });
  assertEquals(textPrefixValues({}, [], "db.c"), []);
  for (
    const bad of [{ a: 1 }, { a: 1, b: { $in: [1, 2] } }, { a: 1, b: { $gt: 1 } }, { $or: [{ a: 1, b: 1 }] }]
  ) {
    throws(
      () => f(bad),
      (e: { code: number; message: string }) =>
        e.code === ErrorCode.NoQueryExecutionPlans &&
        e.message.includes(
          "planner returned error :: caused by :: failed to use text index to satisfy $text query",
        ),
    );
  }
});
