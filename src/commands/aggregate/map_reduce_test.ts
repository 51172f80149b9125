import assert from "node:assert/strict";
import { Code } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { parseMapReduce } from "./map_reduce.ts";

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CommandError) return e.code;
    throw e;
  }
  return undefined;
}

const base = {
  mapReduce: "c",
  map: "function() { emit(1, 1) }",
  reduce: new Code("function(k, v) { return 1 }"),
};

Deno.test("mapReduce parse: required fields, out forms and function types", () => {
  assert.equal(parseMapReduce({ ...base, out: { inline: 1 } }).collection, "c");
  assert.equal(parseMapReduce({ ...base, out: "t" }).out, "t");
  parseMapReduce({ ...base, out: { merge: "t", db: "other" } });
  assert.equal(codeOf(() => parseMapReduce({ ...base })), 40414);
  assert.equal(codeOf(() => parseMapReduce({ ...base, out: 5 })), 2);
  assert.equal(codeOf(() => parseMapReduce({ ...base, out: { replace: "" } })), 2);
  assert.equal(codeOf(() => parseMapReduce({ ...base, out: { inline: 1 }, map: 7 })), 14);
  assert.equal(codeOf(() => parseMapReduce({ ...base, out: { inline: 1 }, finalize: [] })), 14);
  assert.equal(codeOf(() => parseMapReduce({ ...base, out: { inline: 1 }, bogus: 1 })), 40415);
});
