import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Decimal128, Int32, Long, Timestamp } from "bson";
import { isNumeric, typeName } from "./type_name.ts";

Deno.test("a Timestamp (npm bson's Long subclass) is named timestamp and is not a number", () => {
  const ts = new Timestamp({ t: 1, i: 2 });
  assertEquals(typeName(ts), "timestamp");
  assertEquals(isNumeric(ts), false);
  assertEquals(typeName(Long.fromNumber(3)), "long");
  assertEquals(isNumeric(Long.fromNumber(3)), true);
  assertEquals([1, 2.5, new Int32(1), Decimal128.fromString("1"), 3n].map(isNumeric), [
    true,
    true,
    true,
    true,
    true,
  ]);
  assertEquals([1, 2.5, 2 ** 31].map(typeName), ["int", "double", "double"]);
});
