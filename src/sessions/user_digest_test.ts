import assert from "node:assert/strict";
import { userDigest } from "./user_digest.ts";

const hex = (b: { buffer: Uint8Array }) =>
  Array.from(b.buffer, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("uid: SHA-256 of '' without auth, of user@db with it", () => {
  const none = userDigest(false, [{ user: "ann", db: "admin" }]);
  assert.equal(hex(none), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(none.sub_type, 0);
  assert.equal(hex(userDigest(true, [])), hex(none));
  const ann = userDigest(true, [{ user: "ann", db: "admin" }]);
  assert.notEqual(hex(ann), hex(none));
  assert.equal(ann.buffer.length, 32);
});
