import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Long } from "bson";
import { compileUpdate } from "./mod.ts";
import { compileMatchPosition } from "../query/mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";

const now = new Date(1_700_000_000_000);
const run = (u: Doc, doc: Doc, arrayFilters?: Doc[], matchedIndex?: string) =>
  compileUpdate(u, { arrayFilters }).apply(doc, { isInsert: false, now, matchedIndex }).doc;

Deno.test("$[] updates every element; nested paths create fields", () => {
  assertEquals(run({ $inc: { "a.$[]": 1 } }, { a: [1, 2] }), { a: [2, 3] });
  assertEquals(run({ $set: { "a.$[].b": 1 } }, { a: [{}, { b: 0 }] }), { a: [{ b: 1 }, { b: 1 }] });
  assertCommandError(() => run({ $set: { "a.$[]": 1 } }, {}), "BadValue", /must exist in the document/);
  assertCommandError(() => run({ $set: { "a.$[]": 1 } }, { a: 5 }), "BadValue", /non-array element a: 5/);
});

Deno.test("$[id] with arrayFilters; validation as mongod", () => {
  assertEquals(run({ $set: { "a.$[i]": 0 } }, { a: [1, 5, 9] }, [{ i: { $gt: 4 } }]), { a: [1, 0, 0] });
  assertEquals(
    run({ $set: { "y.$[i].b": 2 } }, { y: [{ b: 3 }, { b: 1 }] }, [{ "i.b": 3 }]),
    { y: [{ b: 2 }, { b: 1 }] },
  );
  assertEquals(
    run({ $inc: { "a.$[i].c.$[j]": 1 } }, { a: [{ x: 1, c: [1, 2] }, { x: 2, c: [1] }] }, [{ "i.x": 1 }, {
      j: { $gte: 2 },
    }]),
    { a: [{ x: 1, c: [1, 3] }, { x: 2, c: [1] }] },
  );
  assertCommandError(() => compileUpdate({ $set: { "a.$[i]": 1 } }), "BadValue", /No array filter found/);
  assertCommandError(
    () => compileUpdate({ $set: { a: 1 } }, { arrayFilters: [{ i: 1 }] }),
    "FailedToParse",
    /identifier 'i' was not used/,
  );
  assertCommandError(() => compileUpdate({ $set: { "a.$[i]": 1 } }, { arrayFilters: [{}] }), "FailedToParse");
  assertCommandError(
    () => compileUpdate({ $set: { "a.$[i]": 1 } }, { arrayFilters: [{ i: 1, j: 1 }] }),
    "FailedToParse",
    /Expected a single top-level field name/,
  );
  assertCommandError(
    () => compileUpdate({ $set: { "a.$[I]": 1 } }, { arrayFilters: [{ I: 1 }] }),
    "BadValue",
    /beginning with a lowercase letter/,
  );
  assertCommandError(
    () => compileUpdate({ $set: { "a.$[i]": 1 } }, { arrayFilters: [{ i: 1 }, { i: 2 }] }),
    "FailedToParse",
    /multiple array filters/,
  );
});

Deno.test("positional $ uses the query's matched index", () => {
  const q = { "a.b": 2 };
  const doc = { a: [{ b: 1 }, { b: 2 }] };
  const idx = compileMatchPosition(q)(doc);
  assertEquals(idx, "1");
  assertEquals(run({ $set: { "a.$.c": 1 } }, doc, undefined, idx), { a: [{ b: 1 }, { b: 2, c: 1 }] });
  assertEquals(compileMatchPosition({ a: { $elemMatch: { $gt: 3 } } })({ a: [1, 5] }), "1");
  assertEquals(compileMatchPosition({ a: [1, 5] })({ a: [1, 5] }), undefined);
  assertEquals(compileMatchPosition({ a: { $ne: 1 } })({ a: [1, 5] }), undefined);
  assertCommandError(
    () => run({ $set: { "a.$": 1 } }, { a: [1] }),
    "BadValue",
    /positional operator did not find/,
  );
  assertCommandError(() => compileUpdate({ $set: { "a.$.b.$": 1 } }), "BadValue", /Too many positional/);
  assertCommandError(() => compileUpdate({ $rename: { "a.$": "b" } }), "BadValue", /may not be dynamic/);
});

Deno.test("$bit and/or/xor with mongod's typing", () => {
  assertEquals(run({ $bit: { a: { and: 6 } } }, { a: 3 }), { a: 2 });
  assertEquals(run({ $bit: { a: { or: 4, xor: 1 } } }, { a: 3 }), { a: 6 });
  assertEquals(run({ $bit: { a: { or: Long.fromInt(4) } } }, { a: 1 }), { a: Long.fromInt(5) });
  assertEquals(run({ $bit: { a: { or: 5 } } }, {}), { a: 5 });
  assertCommandError(() => compileUpdate({ $bit: { a: 5 } }), "BadValue");
  assertCommandError(() => compileUpdate({ $bit: { a: { not: 1 } } }), "BadValue");
  assertCommandError(() => compileUpdate({ $bit: { a: { and: 1.5 } } }), "BadValue");
  assertCommandError(() => compileUpdate({ $bit: { a: {} } }), "BadValue");
  assertCommandError(() => run({ $bit: { a: { and: 1 } } }, { a: "x" }), "BadValue", /non-integral/);
});
