import assert from "node:assert/strict";
import { isLoopback, peerHost } from "./peer.ts";

Deno.test("peer addresses: loopback detection and host part", () => {
  assert.ok(isLoopback("127.0.0.1:5000"));
  assert.ok(isLoopback("[::1]:5000"));
  assert.ok(!isLoopback("10.0.0.1:5000"));
  assert.ok(!isLoopback("[2001:db8::1]:5000"));
  assert.equal(peerHost("10.0.0.1:5000"), "10.0.0.1");
  assert.equal(peerHost("[2001:db8::1]:5000"), "2001:db8::1");
});
