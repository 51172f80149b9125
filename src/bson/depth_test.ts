import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON, Code } from "bson";
import { bsonDepth, exceedsDepth } from "./depth.ts";

function nested(levels: number, arrays = false): Record<string, unknown> {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = arrays ? [v] : { a: v };
  return { root: v };
}

/** Raw bytes of a document nested `levels` deep below the root, built without recursion. */
function rawNested(levels: number): Uint8Array {
  const total = 5 + 7 * levels;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  for (let k = 0; k < levels; k++) {
    dv.setInt32(6 * k, total - 7 * k, true);
    b[6 * k + 4] = 0x03; // embedded document with the empty name
  }
  dv.setInt32(6 * levels, 5, true);
  return b;
}

Deno.test("bsonDepth: flat, nested documents and arrays, code with scope", () => {
  assertEquals(bsonDepth(BSON.serialize({})), 1);
  assertEquals(bsonDepth(BSON.serialize({ a: 1, s: "x", b: null })), 1);
  assertEquals(bsonDepth(BSON.serialize({ a: { b: 1 } })), 2);
  assertEquals(bsonDepth(BSON.serialize({ a: [1, [2]], b: { c: {} } })), 3);
  assertEquals(bsonDepth(BSON.serialize(nested(10))), 11);
  assertEquals(bsonDepth(BSON.serialize(nested(10, true))), 11);
  assertEquals(bsonDepth(BSON.serialize({ c: new Code("x", { s: { t: 1 } }) })), 3);
  assertEquals(bsonDepth(rawNested(3)), 4);
});

Deno.test("bsonDepth stops above the limit; a million levels scan without recursion", () => {
  assertEquals(bsonDepth(BSON.serialize(nested(50)), 10), 11);
  const huge = rawNested(1_000_000);
  assertEquals(bsonDepth(huge, 200), 201);
  assertEquals(bsonDepth(huge), 1_000_001);
  assertEquals(exceedsDepth(huge, 200), true);
  assertEquals(exceedsDepth(BSON.serialize(nested(199)), 200), false);
  assertEquals(exceedsDepth(BSON.serialize(nested(200)), 200), true);
});

Deno.test("bsonDepth on malformed bytes returns what it saw, never throws", () => {
  const b = rawNested(20);
  assertEquals(bsonDepth(b.subarray(0, 40)), 1); // declared length past the end
  const cut = b.slice();
  new DataView(cut.buffer).setInt32(6 * 5, 9999, true); // a child claiming more than its parent
  assertEquals(bsonDepth(cut), 5);
  const badType = BSON.serialize({ a: { b: 1 } });
  badType[11] = 0x42; // unknown element type inside `a`
  assertEquals(bsonDepth(badType), 2);
  assertEquals(bsonDepth(new Uint8Array([1, 2])), 1);
});
