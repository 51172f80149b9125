import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Double, Long } from "bson";
import { hashedValue } from "./hashed_key.ts";

Deno.test("hashedValue: the manual's $toHashedIndexKey example", () => {
  assertEquals(hashedValue("string to hash").toBigInt(), 763543691661428748n);
});

Deno.test("hashedValue: numbers hash by their int64 value; documents and other types hash", () => {
  assertEquals(hashedValue(1), hashedValue(Long.fromNumber(1)));
  assertEquals(hashedValue(1), hashedValue(new Double(1.9)));
  assertEquals(hashedValue(NaN), hashedValue(0));
  assertEquals(hashedValue(null), hashedValue(undefined));
  const a = hashedValue({ x: 1, y: "a" });
  assertEquals(a, hashedValue({ x: 1, y: "a" }));
  assertEquals(a.equals(hashedValue({ y: "a", x: 1 })), false);
  assertEquals(hashedValue("a").equals(hashedValue("b")), false);
});
