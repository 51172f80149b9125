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

Deno.test("op registry: ops begun and ended in any order are listed oldest first and killed by id", () => {
  const ops = new OpRegistry<string>(() => 0);
  const ctl = () => new OpControl({ now: () => 0 });
  const ids = Array.from({ length: 6 }, () => ops.nextId());
  const controls = new Map(ids.map((id) => [id, ctl()]));
  for (const id of ids) ops.begin(id, controls.get(id)!, `op${id}`);
  assert.deepEqual(ops.list().map((o) => o.opId), ids);
  ops.end(ids[0]!); // the first one ended: a later begin must still list after the older ones
  const late = ops.nextId();
  const lateCtl = ctl();
  ops.begin(late, lateCtl, "late");
  assert.deepEqual(ops.list().map((o) => o.opId), [...ids.slice(1), late]);
  assert.equal(ops.some((o) => o.detail === "late"), true, "the one outside the map is seen too");
  assert.equal(ops.some((o) => o.detail === `op${ids[2]}`), true);
  assert.equal(ops.some((o) => o.detail === `op${ids[0]}`), false, "ended");
  assert.equal(ops.kill(ids[0]!), false);
  assert.equal(ops.kill(late), true);
  assert.equal(thrownCommandError(() => lateCtl.check()).codeName, "Interrupted");
  assert.equal(ops.kill(ids[3]!), true);
  for (const id of [...ids.slice(1), late]) ops.end(id);
  assert.equal(ops.list().length, 0);
  assert.equal(ops.some(() => true), false);
  ops.end(late); // ending twice is harmless
  assert.equal(ops.kill(late), false);
});
