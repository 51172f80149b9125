import assert from "node:assert/strict";
import { parseCurrentOp } from "./current_op.ts";
import { parseKillOp } from "./kill_op.ts";
import { assertRefuses, thrownCommandError } from "../../errors/assert_command_error.ts";

Deno.test("currentOp: $all/$ownOps are options, every other field is a query on the op documents", () => {
  const p = parseCurrentOp({
    currentOp: 1,
    $all: true,
    "command.find": "c",
    secs_running: { $gte: 3 },
    $db: "admin",
  });
  assert.equal(p.all, true);
  assert.equal(p.ownOps, false);
  assert.deepEqual(p.filter, { "command.find": "c", secs_running: { $gte: 3 } });
  assert.equal(thrownCommandError(() => parseCurrentOp({ currentOp: 1, a: { $bogus: 1 } })).code, 2);
});

Deno.test("killOp: op is required and numeric", () => {
  assert.equal(parseKillOp({ killOp: 1, op: 12 }).op, 12);
  assertRefuses(() => parseKillOp({ killOp: 1 }), 40414, "killOp.op");
  assertRefuses(() => parseKillOp({ killOp: 1, op: "x" }), 14, "killOp.op");
});
