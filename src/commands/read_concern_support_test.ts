import assert from "node:assert/strict";
import { checkReadConcernSupport } from "./read_concern_support.ts";
import { thrownCommandError } from "../errors/assert_command_error.ts";

Deno.test("readConcern snapshot outside a transaction: reads only; atClusterTime only with snapshot", () => {
  checkReadConcernSupport("find", { level: "snapshot" });
  checkReadConcernSupport("insert", { level: "majority" });
  checkReadConcernSupport("insert", undefined);
  assert.equal(thrownCommandError(() => checkReadConcernSupport("insert", { level: "snapshot" })).code, 72);
  assert.equal(
    thrownCommandError(() => checkReadConcernSupport("listIndexes", { level: "snapshot" })).code,
    72,
  );
  assert.equal(
    thrownCommandError(() => checkReadConcernSupport("find", { level: "majority", atClusterTime: 1 })).code,
    72,
  );
});
