import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { CommandError } from "../../errors/command_error.ts";
import { accumulatorFactory } from "./accumulators.ts";
import { approxValueSize } from "./value_size.ts";

const limits = { pushBytes: 1000, addToSetBytes: 1000 };
const exceeded = (op: string) => (e: unknown) =>
  e instanceof CommandError && e.code === 146 &&
  e.message === `${op} used too much memory and cannot spill to disk. Memory limit: 1000 bytes`;

Deno.test("$push refuses past its memory limit with 146 ExceededMemoryLimit", () => {
  const acc = accumulatorFactory("$push", undefined, limits)();
  for (let i = 0; i < 9; i++) acc.add("x".repeat(84)); // 9 × 100 approximate bytes
  assertEquals((acc.result() as unknown[]).length, 9);
  throws(() => acc.add("y".repeat(200)), exceeded("$push"));
});

Deno.test("$addToSet charges only values it keeps", () => {
  const acc = accumulatorFactory("$addToSet", undefined, limits)();
  for (let i = 0; i < 100; i++) acc.add("same value, kept once");
  assertEquals((acc.result() as unknown[]).length, 1);
  throws(() => {
    for (let i = 0; i < 100; i++) acc.add({ i, pad: "z".repeat(50) });
  }, exceeded("$addToSet"));
});

Deno.test("approxValueSize: fixed cost per value plus string bytes and field names", () => {
  assertEquals(approxValueSize(1), 16);
  assertEquals(approxValueSize("abcd"), 20);
  assertEquals(approxValueSize({ ab: "cd", n: [1, 2] }), 16 + 2 + 18 + 1 + 16 + 32);
});
