import assert from "node:assert/strict";
import { Binary } from "bson";
import { lsidKey } from "./lsid.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("lsidKey: lowercase hex of the id, and of the uid after a colon", () => {
  for (let n = 0; n < 50; n++) {
    const id = crypto.getRandomValues(new Uint8Array(16));
    assert.equal(lsidKey({ id: new Binary(id, 4) }), hex(id));
    const uid = crypto.getRandomValues(new Uint8Array(32));
    assert.equal(lsidKey({ id: new Binary(id, 4), uid: new Binary(uid, 0) }), `${hex(id)}:${hex(uid)}`);
  }
  const odd = new Uint8Array([0, 15, 16, 255, 171]);
  assert.equal(lsidKey({ id: new Binary(odd, 4) }), "000f10ffab");
});
