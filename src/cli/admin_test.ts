import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { AdminFlagError, DEFAULT_ADMIN_PORT, parseAdminFlags } from "./admin.ts";

Deno.test("admin flags: defaults are loopback, the default port, a window, a generated token", () => {
  assertEquals(parseAdminFlags([]), {
    uri: "mongodb://127.0.0.1:27017/",
    host: "127.0.0.1",
    port: DEFAULT_ADMIN_PORT,
    window: true,
    help: false,
  });
});

Deno.test("admin flags: every flag", () => {
  assertEquals(
    parseAdminFlags([
      "--uri",
      "mongodb://u:p@db:27017/?tls=true",
      "--port",
      "0",
      "--host",
      "0.0.0.0",
      "--no-window",
      "--token-file",
      "/etc/t",
      "--backup-dir",
      "/b",
    ]),
    {
      uri: "mongodb://u:p@db:27017/?tls=true",
      host: "0.0.0.0",
      port: 0,
      window: false,
      tokenFile: "/etc/t",
      backupDir: "/b",
      help: false,
    },
  );
  assertEquals(parseAdminFlags(["--token", "0123456789abcdef"]).token, "0123456789abcdef");
  assertEquals(parseAdminFlags(["-h"]).help, true);
});

Deno.test("admin flags: bad ones are refused", () => {
  for (
    const argv of [
      ["--port", "x"],
      ["--port", "70000"],
      ["--token", "short"],
      ["--token", "0123456789abcdef", "--token-file", "/t"],
      ["--uri", "http://x"],
      ["--bogus"],
      ["stray"],
    ]
  ) throws(() => parseAdminFlags(argv), AdminFlagError, argv.join(" "));
});
