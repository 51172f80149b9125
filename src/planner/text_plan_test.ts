import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { textScanPath } from "./text_plan.ts";

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

Deno.test("text plan: not used for an index with prefix fields", () => {
  assertEquals(textScanPath({ ...ix, key: { a: 1, _fts: "text", _ftsx: 1 } }, ["cake"]), undefined);
});
