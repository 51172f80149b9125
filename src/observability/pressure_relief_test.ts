import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { OpControl, setMemoryPressureCheck } from "./op_control.ts";
import { PressureRelief, type ReliefOp } from "./pressure_relief.ts";
import { CommandError } from "../errors/command_error.ts";

const MiB = 1024 * 1024;

function op(opId: number, mib?: number): ReliefOp {
  const control = new OpControl();
  if (mib !== undefined) control.memoryMeter = { bytes: mib * MiB };
  return { opId, control };
}

function setup(ops: ReliefOp[]) {
  const logs: string[] = [];
  const relief = new PressureRelief({
    running: () => ops,
    message: () => "under memory pressure",
    log: (_l, m) => logs.push(m),
  });
  return { relief, logs };
}

Deno.test("pressure relief: the biggest operation is stopped first with 146; the others run on", () => {
  const ops = [op(1, 5), op(2, 300), op(3), op(4, 40)];
  const { relief, logs } = setup(ops);
  relief.update(true, 0.8, 0);
  ok(ops[1]!.control.killed);
  ok(!ops[0]!.control.killed && !ops[2]!.control.killed && !ops[3]!.control.killed);
  throws(
    () => ops[1]!.control.check(),
    (e: unknown) => e instanceof CommandError && e.code === 146 && e.message === "under memory pressure",
  );
  ops[0]!.control.check(); // not stopped: no op-wide pressure either
  assertEquals(relief.stopAllMessage(), undefined);
  ok(logs[0]!.includes("stopping operation 2, the biggest running (300 MiB"));
  // while the picked op still runs, nothing else is stopped
  relief.update(true, 0.8, 1000);
  ok(!ops[3]!.control.killed);
  // once it has ended, and the spacing has passed, the next biggest goes
  ops.splice(1, 1);
  relief.update(true, 0.8, 1100);
  ok(ops[2]!.control.killed); // op 4 (40 MiB) is now at index 2
  assertEquals(relief.stoppedBiggest, 2);
});

Deno.test("pressure relief: every operation stops past the stop-all mark, or when none reporting is left", () => {
  const ops = [op(1, 0.5), op(2)];
  const { relief } = setup(ops);
  const uninstall = setMemoryPressureCheck(() => relief.stopAllMessage()); // as start_server does
  relief.update(true, 0.8, 0); // nothing reports ≥ 1 MiB
  assertEquals(relief.stopAllMessage(), undefined);
  relief.update(true, 0.8, 2500); // grace (2 s) over, nothing to pick
  assertEquals(relief.stopAllMessage(), "under memory pressure");
  throws(() => ops[1]!.control.check(), (e: unknown) => e instanceof CommandError && e.code === 146);
  relief.update(false, 0.5, 3000); // pressure over: back to normal
  assertEquals(relief.stopAllMessage(), undefined);
  ops[1]!.control.check();
  uninstall();
  const big = [op(1, 500)];
  const r2 = setup(big).relief;
  r2.update(true, 0.95, 0); // past 90%: no time to pick one by one
  ok(r2.stoppingAll);
});
