import assert from "node:assert/strict";
import { Decimal128, Double, Long, ObjectId } from "bson";
import { evaluateExpression as ev } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

Deno.test("$type and $isNumber", () => {
  assert.equal(ev({ $type: "$a" }, { a: 1 }), "int");
  assert.equal(ev({ $type: "$a" }, { a: 1.5 }), "double");
  assert.equal(ev({ $type: "$a" }, { a: Long.fromNumber(1) }), "long");
  assert.equal(ev({ $type: "$a" }, {}), "missing");
  assert.equal(ev({ $type: "$a" }, { a: [1] }), "array");
  assert.equal(ev({ $isNumber: "$a" }, { a: Decimal128.fromString("1") }), true);
  assert.equal(ev({ $isNumber: "$a" }, { a: "1" }), false);
});

Deno.test("conversions", () => {
  assert.equal(ev({ $toInt: "42" }, {}), 42);
  assert.equal(ev({ $toInt: 4.9 }, {}), 4);
  assert.equal(ev({ $toInt: true }, {}), 1);
  assert.deepEqual(ev({ $toLong: "9007199254740993" }, {}), Long.fromString("9007199254740993"));
  assert.deepEqual(ev({ $toDouble: "2.5" }, {}), 2.5);
  assert.deepEqual(ev({ $toDouble: "2" }, {}), new Double(2));
  assert.equal(ev({ $toString: 2.5 }, {}), "2.5");
  assert.equal(ev({ $toString: new Date(0) }, {}), "1970-01-01T00:00:00.000Z");
  assert.equal(ev({ $toBool: 0 }, {}), false);
  assert.equal(ev({ $toBool: "" }, {}), true);
  assert.deepEqual(ev({ $toDate: Long.fromNumber(1000) }, {}), new Date(1000));
  assert.deepEqual(ev({ $toDate: "2024-01-02T03:04:05Z" }, {}), new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
  const oid = new ObjectId();
  assert.deepEqual(ev({ $toObjectId: oid.toHexString() }, {}), oid);
  assert.equal(String(ev({ $toDecimal: 5 }, {})), "5");
  assert.equal(ev({ $toInt: null }, {}), null);
  assertCommandError(() => ev({ $toInt: "abc" }, {}), "ConversionFailure");
  assertCommandError(() => ev({ $toInt: 3e10 }, {}), "ConversionFailure");
  assertCommandError(() => ev({ $toDate: 5 }, {}), "ConversionFailure");
  assert.equal(ev({ $convert: { input: "abc", to: "int", onError: -1 } }, {}), -1);
  assert.equal(ev({ $convert: { input: null, to: "int", onNull: 0 } }, {}), 0);
  assert.equal(ev({ $convert: { input: "7", to: 16 } }, {}), 7);
  assertCommandError(() => ev({ $convert: { input: 1 } }, {}), "FailedToParse");
});
