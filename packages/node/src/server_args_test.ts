import assert from "node:assert/strict";
import { serverArgs } from "./server_args.ts";
import { LogTail } from "./launcher.ts";

Deno.test("serverArgs: only the options given, after the caller's args so typed options win", () => {
  assert.deepEqual(serverArgs({}, ":memory:"), ["--storage-path", ":memory:"]);
  assert.deepEqual(
    serverArgs({
      args: ["--port", "1", "--cache-size", "256M"],
      port: 0,
      replSet: false,
      logLevel: "WARNING",
    }, "/d"),
    [
      "--port",
      "1",
      "--cache-size",
      "256M",
      "--port",
      "0",
      "--storage-path",
      "/d",
      "--standalone",
      "--log-level",
      "WARNING",
    ],
  );
  assert.deepEqual(serverArgs({ replSet: true, auth: true, host: "::1" }, ":memory:"), [
    "--host",
    "::1",
    "--storage-path",
    ":memory:",
    "--no-standalone",
    "--auth",
  ]);
});

Deno.test("LogTail keeps the last lines, joining partial chunks", () => {
  const tail = new LogTail(3);
  const echoed: string[] = [];
  tail.push("a\nb", (l) => echoed.push(l));
  tail.push("c\nd\ne\nf", (l) => echoed.push(l));
  assert.deepEqual(echoed, ["a", "bc", "d", "e"]);
  assert.equal(tail.text(), "bc\nd\ne\nf"); // 3 whole lines + the partial one
});
