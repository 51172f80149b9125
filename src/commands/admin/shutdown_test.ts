/** shutdown: typed params and mongod's refusals before the server is asked to stop. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { shutdown } from "./shutdown.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { RequestContext } from "../context.ts";
import type { ShutdownParams } from "./shutdown.ts";

const input = { sequences: new Map() } as unknown as Parameters<typeof shutdown.parse>[1];

/** The few context fields shutdown reads; `asked` records requestShutdown's reasons. */
function context(db: string, remoteAddress: string, authEnabled: boolean, asked: string[]) {
  return {
    db,
    params: { force: false, timeoutSecs: 15 },
    client: { remoteAddress, connectionId: 7 },
    auth: { options: { enabled: authEnabled } },
    requestShutdown: (reason: string) => asked.push(reason),
  } as unknown as RequestContext<ShutdownParams>;
}

Deno.test("shutdown: force and timeoutSecs typed as mongod's IDL, defaults false and 15, other fields 40415", () => {
  assertEquals(shutdown.parse({ shutdown: 1, $db: "admin" }, input), { force: false, timeoutSecs: 15 });
  assertEquals(shutdown.parse({ shutdown: 1, force: true, timeoutSecs: 0.0 }, input), {
    force: true,
    timeoutSecs: 0,
  });
  assertCommandError(() => shutdown.parse({ shutdown: 1, force: 1 }, input), "TypeMismatch");
  assertCommandError(() => shutdown.parse({ shutdown: 1, timeoutSecs: 1.5 }, input), "BadValue");
  assertCommandError(() => shutdown.parse({ shutdown: 1, timeoutSecs: "5" }, input), "TypeMismatch");
  assertCommandError(() => shutdown.parse({ shutdown: 1, grace: 5 }, input), 40415);
});

Deno.test("shutdown: admin database only; without auth only from a loopback client; then the connection closes", () => {
  const asked: string[] = [];
  assertCommandError(
    () => shutdown.run(context("test", "127.0.0.1:5000", false, asked)),
    "Unauthorized",
    "shutdown may only be run against the admin database.",
  );
  assertCommandError(
    () => shutdown.run(context("admin", "10.1.2.3:5000", false, asked)),
    "Unauthorized",
    "shutdown must run from localhost when running db without auth",
  );
  assertEquals(asked, []);
  // with auth on, a remote client holding the shutdown action may (the authorizer checked it before run)
  assertEquals(shutdown.run(context("admin", "10.1.2.3:5000", true, asked)), { closeConnection: true });
  assertEquals(shutdown.run(context("admin", "[::1]:5000", false, asked)), { closeConnection: true });
  assertEquals(asked.length, 2);
  assertEquals(asked[1], "shutdown command from [::1]:5000 (connection 7)");
});
