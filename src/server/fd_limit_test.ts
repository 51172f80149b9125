import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { fdLimitWarning, RESERVED_FDS, softNoFileLimit } from "./fd_limit.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("softNoFileLimit reads the soft 'Max open files' value", () => {
  assertEquals(softNoFileLimit(LIMITS), 1024);
  assertEquals(softNoFileLimit(LIMITS.replace("1024 ", "unlimited")), undefined);
  assertEquals(softNoFileLimit("nothing here"), undefined);
});

Deno.test("fdLimitWarning: only when the limit cannot hold max_connections plus storage files", () => {
  assertEquals(fdLimitWarning(65535, 10_000), undefined);
  assertEquals(fdLimitWarning(10_000 + RESERVED_FDS, 10_000), undefined);
  assertEquals(fdLimitWarning(undefined, 10_000), undefined);
  const w = fdLimitWarning(1024, 10_000);
  for (const part of ["1024", "max_connections 10000", "LimitNOFILE"]) ok(w?.includes(part), w);
});
