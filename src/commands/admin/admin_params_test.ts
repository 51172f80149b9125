/** serverStatus and configureFailPoint typed params. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseServerStatus } from "./server_status.ts";
import { parseConfigureFailPoint } from "./configure_fail_point.ts";
import { thrownCommandError } from "../../errors/assert_command_error.ts";

Deno.test("serverStatus: a section set to 0 or false is left out; generic fields are not sections", () => {
  const p = parseServerStatus({ serverStatus: 1, metrics: 0, mem: false, network: 1, $db: "admin" });
  assertEquals([...p.exclude].sort(), ["mem", "metrics"]);
  assertEquals([...p.include], ["network"]);
});

Deno.test("configureFailPoint parses name, mode and data", () => {
  const p = parseConfigureFailPoint({
    configureFailPoint: "failCommand",
    mode: { times: 1 },
    data: { failCommands: ["ping"] },
    $db: "admin",
  });
  assertEquals(p, { name: "failCommand", mode: { kind: "times", n: 1 }, data: { failCommands: ["ping"] } });
});

Deno.test("configureFailPoint needs a mode and refuses unknown fields", () => {
  assertEquals(
    thrownCommandError(() => parseConfigureFailPoint({ configureFailPoint: "failCommand" })).code,
    40414,
  );
  assertEquals(
    thrownCommandError(() =>
      parseConfigureFailPoint({ configureFailPoint: "failCommand", mode: "off", x: 1 })
    ).code,
    40415,
  );
  assertEquals(
    thrownCommandError(() => parseConfigureFailPoint({ configureFailPoint: "x", mode: "never" })).code,
    2,
  );
});
