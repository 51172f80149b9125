import assert from "node:assert/strict";
import { OpRegistry } from "./op_registry.ts";
import { OpControl } from "./op_control.ts";
import { thrownCommandError } from "../errors/assert_command_error.ts";

Deno.test("op registry: ids increase, ops are listed while running, killing one interrupts it at its next check", () => {
  let now = 1_000;
  const ops = new OpRegistry<string>(() => now);
  const a = ops.nextId();
  const b = ops.nextId();
  assert.ok(b > a && a > 0);
  const ctl = new OpControl({ now: () => now });
  ops.begin(a, ctl, "aggregate");
  now += 2_500;
  const [op] = ops.list();
  assert.equal(op?.detail, "aggregate");
  assert.equal(ops.elapsedMicros(op!), 2_500_000);
  assert.equal(ops.kill(b), false);
  assert.equal(ops.kill(a), true);
  assert.equal(thrownCommandError(() => ctl.check()).codeName, "Interrupted");
  ops.end(a);
  assert.equal(ops.list().length, 0);
});
