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
  const f = (filter: Record<string, unknown>, collated = false) =>
    textPrefixValues(filter, ["a", "b"], "db.c", collated);
  assertEquals(f({ a: 1, $and: [{ b: { $eq: "x" } }], $text: { $search: "t" } }), [1, "x"]);
  assertEquals(f({ a: null, b: 2 }), [null, 2]);
  // a string equality under a collation cannot bound raw-string entries: the caller scans
  assertEquals(f({ a: 1, b: "x" }, true), undefined);
  assertEquals(f({ a: 1, b: 2 }, true), [1, 2]);
  assertEquals(textPrefixValues({}, [], "db.c", false), []);
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
