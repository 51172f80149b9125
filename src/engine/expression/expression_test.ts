import assert from "node:assert/strict";
import { Decimal128, Double, Long } from "bson";
import { evaluateExpression as ev } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

const doc = {
  _id: 1,
  a: 5,
  b: 2,
  s: "x",
  n: null,
  arr: [{ v: 1 }, { v: 2 }, 3, [{ v: 4 }]],
  o: { p: { q: 7 } },
};

Deno.test("field paths, variables and literals", () => {
  assert.equal(ev("$a", doc), 5);
  assert.equal(ev("$o.p.q", doc), 7);
  assert.deepEqual(ev("$arr.v", doc), [1, 2, [4]]);
  assert.equal(ev("$missing", doc), undefined);
  assert.equal(ev("$$ROOT.a", doc), 5);
  assert.equal(ev("$$CURRENT", doc), doc);
  assert.equal(ev("$$REMOVE", doc), undefined);
  assert.deepEqual(ev({ x: "$a", y: "$missing" }, doc), { x: 5 });
  assert.deepEqual(ev(["$a", "$missing"], doc), [5, null]);
  assert.deepEqual(ev({ $literal: "$a" }, doc), "$a");
  const now = new Date(1000);
  assert.equal(ev("$$NOW", doc, { now }), now);
  assert.equal(ev("$$x", doc, { variables: { x: 3 } }), 3);
  assert.equal(ev({ $let: { vars: { t: { $add: ["$a", 1] } }, in: { $multiply: ["$$t", 2] } } }, doc), 12);
  assertCommandError(() => ev("$$nope", doc), 17276, "Use of undefined variable: nope");
  assertCommandError(() => ev({ $foo: 1 }, doc), "InvalidPipelineOperator", "Unrecognized expression '$foo'");
  assertCommandError(() => ev({ $add: 1, b: 2 }, doc), 15983);
  assertCommandError(() => ev({ "a.b": 1 }, doc), 16412);
});

Deno.test("arithmetic type rules", () => {
  assert.equal(ev({ $add: ["$a", "$b"] }, doc), 7);
  assert.deepEqual(ev({ $add: [2147483647, 1] }, doc), Long.fromNumber(2147483648));
  assert.deepEqual(ev({ $add: [1, 1.5] }, doc), 2.5);
  assert.deepEqual(ev({ $add: [1.5, 1.5] }, doc), new Double(3));
  assert.deepEqual(ev({ $add: [Long.fromNumber(1), 1] }, doc), Long.fromNumber(2));
  assert.deepEqual(String(ev({ $add: [Decimal128.fromString("1.0"), 2] }, doc)), "3.0");
  assert.equal(ev({ $add: [1, null] }, doc), null);
  assert.equal(ev({ $add: [1, "$missing"] }, doc), null);
  assert.deepEqual(ev({ $add: [new Date(10), 5] }, doc), new Date(15));
  assert.deepEqual(ev({ $subtract: [new Date(10), new Date(4)] }, doc), Long.fromNumber(6));
  assert.deepEqual(ev({ $divide: [6, 3] }, doc), new Double(2));
  assert.equal(ev({ $multiply: [3, 4] }, doc), 12);
  assertCommandError(
    () => ev({ $add: [1, "x"] }, doc),
    16554,
    "$add only supports numeric or date types, not string",
  );
  assertCommandError(() => ev({ $divide: [1, 0] }, doc), 16608);
  assertCommandError(
    () => ev({ $subtract: [1] }, doc),
    16020,
    "Expression $subtract takes exactly 2 arguments. 1 were passed in.",
  );
});

Deno.test("comparison, logical, conditional", () => {
  assert.equal(ev({ $gt: ["$a", "$b"] }, doc), true);
  assert.equal(ev({ $eq: ["$a", 5.0] }, doc), true);
  assert.equal(ev({ $lt: ["$n", 0] }, doc), true);
  assert.equal(ev({ $cmp: ["$s", "y"] }, doc), -1);
  assert.equal(ev({ $and: [1, "$a", true] }, doc), true);
  assert.equal(ev({ $or: [0, null, "$missing"] }, doc), false);
  assert.equal(ev({ $not: [[]] }, doc), false);
  assert.equal(ev({ $cond: [{ $gt: ["$a", 3] }, "big", "small"] }, doc), "big");
  assert.equal(ev({ $cond: { if: "$n", then: 1, else: 2 } }, doc), 2);
  assert.equal(ev({ $ifNull: ["$n", "$missing", "d"] }, doc), "d");
  assert.equal(ev({ $ifNull: ["$a", "d"] }, doc), 5);
  assert.equal(
    ev({ $switch: { branches: [{ case: { $eq: ["$a", 1] }, then: 1 }, { case: true, then: 2 }] } }, doc),
    2,
  );
  assertCommandError(() => ev({ $switch: { branches: [{ case: false, then: 1 }] } }, doc), 40066);
  assertCommandError(() => ev({ $cond: { if: 1, then: 2 } }, doc), 17082);
});
