import assert from "node:assert/strict";
import { Int32 } from "bson";
import { applyDiff, computeDiff } from "./doc_diff.ts";

function roundTrip(before: Record<string, unknown>, after: Record<string, unknown>) {
  const diff = computeDiff(before, after);
  assert.ok(diff);
  assert.deepEqual(applyDiff(before, diff), after);
  return diff;
}

Deno.test("no change is null", () => {
  assert.equal(computeDiff({ _id: 1, a: [1, { b: 2 }] }, { _id: 1, a: [1, { b: 2 }] }), null);
});

Deno.test("set, unset, insert and nested fields", () => {
  const d = roundTrip({ _id: 1, a: 1, b: { c: 1, d: 2 }, x: 0 }, { _id: 1, a: 2, b: { c: 1, d: 3 }, y: 1 });
  assert.deepEqual(d, { d: { x: false }, u: { a: 2 }, i: { y: 1 }, sb: { u: { d: 3 } } });
});

Deno.test("arrays: truncation, appended and changed elements", () => {
  const d = roundTrip({ _id: 1, arr: ["foo", { a: "bar" }, 1, 2, 3] }, {
    _id: 1,
    arr: ["foo", { a: "baz" }],
  });
  assert.deepEqual(d, { sarr: { a: true, l: 2, s1: { u: { a: "baz" } } } });
  const e = roundTrip({ _id: 1, arr: [1] }, { _id: 1, arr: [1, 2, 3] });
  assert.deepEqual(e, { sarr: { a: true, u1: 2, u2: 3 } });
});

Deno.test("a type change is a change; reordering replays", () => {
  roundTrip({ _id: 1, n: new Int32(1) }, { _id: 1, n: 1.5 });
  roundTrip({ _id: 1, a: 1, b: 2 }, { _id: 1, b: 2, a: 1 });
});
