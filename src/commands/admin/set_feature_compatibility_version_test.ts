import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseSetFcv } from "./set_feature_compatibility_version.ts";
import { thrownCommandError } from "../../errors/assert_command_error.ts";

Deno.test("setFeatureCompatibilityVersion: version and confirm parsed; other versions 4926900", () => {
  assertEquals(parseSetFcv({ setFeatureCompatibilityVersion: "8.0", confirm: true, $db: "admin" }), {
    version: "8.0",
    confirm: true,
  });
  assertEquals(parseSetFcv({ setFeatureCompatibilityVersion: "7.0" }), { version: "7.0", confirm: false });
  const bad = thrownCommandError(() => parseSetFcv({ setFeatureCompatibilityVersion: "6.0", confirm: true }));
  assertEquals([bad.code, bad.codeName], [4926900, "Location4926900"]);
  assertEquals(thrownCommandError(() => parseSetFcv({ setFeatureCompatibilityVersion: 8 })).code, 14);
  assertEquals(
    thrownCommandError(() => parseSetFcv({ setFeatureCompatibilityVersion: "8.0", x: 1 })).code,
    40415,
  );
  assertEquals(
    thrownCommandError(() => parseSetFcv({ setFeatureCompatibilityVersion: "8.0", confirm: 1 })).code,
    14,
  );
});
