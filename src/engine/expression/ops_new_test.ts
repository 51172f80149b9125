import assert from "node:assert/strict";
import { Binary, Double, Long, Timestamp } from "bson";
import { evaluateExpression as ev } from "./env.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

Deno.test("$firstN/$lastN/$maxN/$minN over arrays", () => {
  assert.deepEqual(ev({ $firstN: { n: 2, input: [1, 2, 3] } }, {}), [1, 2]);
  assert.deepEqual(ev({ $lastN: { n: 2, input: [1, 2, 3] } }, {}), [2, 3]);
  assert.deepEqual(ev({ $maxN: { n: 2, input: [1, null, 3, 2] } }, {}), [3, 2]);
  assert.deepEqual(ev({ $minN: { n: 5, input: [3, null, 1] } }, {}), [1, 3]);
  assertCommandError(() => ev({ $firstN: { n: 0, input: [1] } }, {}), 5787908);
  assertCommandError(() => ev({ $firstN: { n: 1.5, input: [1] } }, {}), 5787903);
  assertCommandError(() => ev({ $firstN: { n: "a", input: [1] } }, {}), 5787902);
  assertCommandError(() => ev({ $firstN: { n: 1, input: 3 } }, {}), 5788200);
  assertCommandError(() => ev({ $firstN: { input: [1] } }, {}), 5787906);
});

Deno.test("$median/$percentile expressions", () => {
  assert.deepEqual(ev({ $median: { input: [1, 2, 3, "x"], method: "approximate" } }, {}), new Double(2));
  assert.deepEqual(
    ev({ $percentile: { input: "$a", p: [0, 0.5, 1], method: "approximate" } }, { a: [5, 1, 3, 4, 2] }),
    [new Double(1), new Double(3), new Double(5)],
  );
  assert.deepEqual(ev({ $median: { input: [], method: "approximate" } }, {}), null);
  assertCommandError(() => ev({ $median: { input: [], method: "exact" } }, {}), "BadValue");
  assertCommandError(() => ev({ $percentile: { input: [], p: [2], method: "approximate" } }, {}), 7750301);
});

Deno.test("$sortArray and $zip", () => {
  assert.deepEqual(ev({ $sortArray: { input: [3, 1, 2], sortBy: -1 } }, {}), [3, 2, 1]);
  assert.deepEqual(
    ev({ $sortArray: { input: [{ a: 2 }, { a: 1 }], sortBy: { a: 1 } } }, {}),
    [{ a: 1 }, { a: 2 }],
  );
  assert.equal(ev({ $sortArray: { input: "$x", sortBy: 1 } }, {}), null);
  assertCommandError(() => ev({ $sortArray: { input: 1, sortBy: 1 } }, {}), 2942504);
  assertCommandError(() => ev({ $sortArray: { input: [] } }, {}), 2942503);
  assert.deepEqual(ev({ $zip: { inputs: [[1, 2], ["a"]] } }, {}), [[1, "a"]]);
  assert.deepEqual(
    ev({ $zip: { inputs: [[1, 2], ["a"]], useLongestLength: true, defaults: [0, "z"] } }, {}),
    [[1, "a"], [2, "z"]],
  );
  assert.equal(ev({ $zip: { inputs: [[1], "$m"] } }, {}), null);
  assertCommandError(() => ev({ $zip: { inputs: [[1], 2] } }, {}), 34468);
  assertCommandError(() => ev({ $zip: { inputs: [[1]], defaults: [1] } }, {}), 34466);
});

Deno.test("bitwise operators keep int / long", () => {
  assert.equal(ev({ $bitAnd: [12, 10] }, {}), 8);
  assert.equal(ev({ $bitOr: [12, 10] }, {}), 14);
  assert.equal(ev({ $bitXor: [12, 10] }, {}), 6);
  assert.equal(ev({ $bitNot: 0 }, {}), -1);
  assert.deepEqual(ev({ $bitOr: [Long.fromNumber(1), 2] }, {}), Long.fromNumber(3));
  assert.equal(ev({ $bitAnd: [1, null] }, {}), null);
  assertCommandError(() => ev({ $bitAnd: [1, 1.5] }, {}), "TypeMismatch");
});

Deno.test("trigonometry and angles", () => {
  assert.deepEqual(ev({ $sin: 0 }, {}), new Double(0));
  assert.equal(Number(ev({ $cos: Math.PI }, {})), -1);
  assert.equal(Number(ev({ $radiansToDegrees: Math.PI }, {})), 180);
  assert.equal(Number(ev({ $atan2: [1, 1] }, {})), Math.PI / 4);
  assert.equal(ev({ $acos: null }, {}), null);
  assertCommandError(() => ev({ $acos: 2 }, {}), 50989);
  assertCommandError(() => ev({ $sin: "x" }, {}), 28765);
});

Deno.test("$bsonSize $binarySize $tsSecond $tsIncrement $toUUID $$CLUSTER_TIME", () => {
  assert.equal(ev({ $bsonSize: "$$ROOT" }, { a: 1 }), 12);
  assert.equal(ev({ $bsonSize: "$nope" }, {}), null);
  assertCommandError(() => ev({ $bsonSize: 1 }, {}), 31393);
  assert.equal(ev({ $binarySize: "héllo" }, {}), 6);
  assert.equal(ev({ $binarySize: new Binary(new Uint8Array(5)) }, {}), 5);
  const ts = new Timestamp({ t: 1700000000, i: 7 });
  assert.deepEqual(ev({ $tsSecond: ts }, {}), Long.fromNumber(1700000000));
  assert.deepEqual(ev({ $tsIncrement: ts }, {}), Long.fromNumber(7));
  assertCommandError(() => ev({ $tsSecond: 1 }, {}), 5687301);
  const u = ev({ $toUUID: "0e3b9063-8abd-4eb3-9f9f-f4c59fd30a60" }, {}) as Binary;
  assert.equal(u.sub_type, 4);
  assertCommandError(() => ev({ $toUUID: "nope" }, {}), "ConversionFailure");
  assert.ok(ev("$$CLUSTER_TIME", {}) instanceof Timestamp);
  assert.deepEqual(ev("$$CLUSTER_TIME", {}, { clusterTime: ts }), ts);
});

Deno.test("$toHashedIndexKey (ops_hash.ts) matches the manual's example", () => {
  assert.equal(String(ev({ $toHashedIndexKey: "string to hash" }, {})), "763543691661428748");
});
