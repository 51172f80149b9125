import assert from "node:assert/strict";
import { notifyAddress, sdNotify } from "./sd_notify.ts";

Deno.test("notifyAddress: a path ends with NUL, an abstract name starts with one, others are refused", () => {
  const p = notifyAddress("/run/systemd/notify")!;
  assert.equal(p.len, 2 + 19 + 1);
  assert.deepEqual([...p.addr.subarray(0, 3)], [1, 0, "/".charCodeAt(0)]);
  const a = notifyAddress("@sd-notify")!;
  assert.equal(a.len, 2 + 9 + 1);
  assert.deepEqual([...a.addr.subarray(0, 4)], [1, 0, 0, "s".charCodeAt(0)]);
  assert.equal(notifyAddress("relative/path"), undefined);
  assert.equal(notifyAddress("/" + "x".repeat(200)), undefined);
});

Deno.test("sdNotify without NOTIFY_SOCKET is off; to a missing socket it reports the failure", () => {
  assert.equal(sdNotify("READY=1", ""), "off");
  if (Deno.build.os === "linux") {
    assert.match(sdNotify("READY=1", "/nonexistent/notify.sock"), /sendto .* failed/);
  }
});
