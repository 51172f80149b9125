import assert from "node:assert/strict";
import { bindOne } from "./load.ts";

Deno.test("a library without a shim symbol: the error names it, the file and `deno task shim`", () => {
  // libc stands in for a shim built before sct_version existed
  assert.throws(
    () => bindOne("libc.so.6", "sct_version"),
    (e: unknown) =>
      e instanceof Error && e.message.includes("libc.so.6 has no symbol sct_version") &&
      e.message.includes("`deno task shim`") && e.cause instanceof Error,
  );
});

Deno.test("an unloadable library is not reported as a missing symbol", () => {
  assert.throws(
    () => bindOne("/nonexistent/libsecantus_wt.so", "sct_version"),
    (e: unknown) => e instanceof Error && !e.message.includes("deno task shim"),
  );
});
