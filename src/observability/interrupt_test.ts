import assert from "node:assert/strict";
import { enterInterruptible, INTERRUPT_STRIDE, interruptTick, leaveInterruptible } from "./interrupt.ts";
import { ExpressionEnv } from "../engine/expression/env.ts";
import { CommandError } from "../errors/command_error.ts";

Deno.test("interrupt: ticks check the open section every stride, nothing outside one; sections nest", () => {
  const seen: string[] = [];
  const a = { checkInLoop: () => void seen.push("a") };
  const b = { checkInLoop: () => void seen.push("b") };
  for (let i = 0; i < INTERRUPT_STRIDE * 2; i++) interruptTick();
  assert.deepEqual(seen, []);
  const outer = enterInterruptible(a);
  try {
    for (let i = 0; i < INTERRUPT_STRIDE; i++) interruptTick();
    const inner = enterInterruptible(b);
    try {
      for (let i = 0; i < INTERRUPT_STRIDE; i++) interruptTick();
    } finally {
      leaveInterruptible(inner);
    }
    for (let i = 0; i < INTERRUPT_STRIDE; i++) interruptTick();
  } finally {
    leaveInterruptible(outer);
  }
  assert.deepEqual(seen, ["a", "b", "a"]);
});

Deno.test("interrupt: a $reduce over a large $range stops at the section's check", () => {
  const env = new ExpressionEnv({});
  const e = env.compile({
    $reduce: { input: { $range: [0, 1_000_000] }, initialValue: 0, in: { $add: ["$$value", "$$this"] } },
  });
  let checks = 0;
  const prev = enterInterruptible({
    checkInLoop: () => {
      if (++checks === 5) throw new CommandError("MaxTimeMSExpired", "operation exceeded time limit");
    },
  });
  try {
    assert.throws(() => e({}, env.newVars({})), (x: unknown) => x instanceof CommandError && x.code === 50);
  } finally {
    leaveInterruptible(prev);
  }
  assert.equal(checks, 5);
});

Deno.test("$range refuses what would pass mongod's 100 MiB estimate (146)", () => {
  const env = new ExpressionEnv({});
  assert.equal((env.compile({ $range: [0, 6_553_597] })({}, env.newVars({})) as unknown[]).length, 6_553_597);
  assert.throws(
    () => env.compile({ $range: [0, 6_553_598] })({}, env.newVars({})),
    (x: unknown) =>
      x instanceof CommandError && x.code === 146 &&
      x.message ===
        "$range would use too much memory (104857608 bytes) and cannot spill to disk. Memory limit: 104857600 bytes",
  );
  assert.throws(
    () => env.compile({ $range: [2147483647, -2147483648, -1] })({}, env.newVars({})),
    (x: unknown) => x instanceof CommandError && x.code === 146,
  );
  assert.deepEqual(env.compile({ $range: [5, 0] })({}, env.newVars({})), []);
});
