import assert from "node:assert/strict";
import { calibrationPatched, preloadWiredTiger } from "./preload.ts";
import { Connection } from "./connection.ts";

Deno.test("preload shortens the calibration loop of libwiredtiger 3.2.1, and WiredTiger still opens", () => {
  preloadWiredTiger();
  preloadWiredTiger(); // idempotent
  assert.equal(calibrationPatched(), 1, "the known 3.2.1 loop was found exactly once and shortened");
  const dir = Deno.makeTempDirSync();
  const conn = Connection.open(dir, "create"); // the (shortened) calibration ran without harm
  conn.close();
  Deno.removeSync(dir, { recursive: true });
});
