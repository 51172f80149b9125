import assert from "node:assert/strict";
import { ObjectId } from "bson";
import { valueKey } from "./group_key.ts";
import { objectIdKey } from "../../bson/object_id.ts";

/** An id as another build of the library would make it: only its 12 bytes (`id`). */
function lookAlike(hex: string): ObjectId {
  const bytes = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  return { _bsontype: "ObjectId", id: bytes, toHexString: () => hex } as unknown as ObjectId;
}

Deno.test("valueKey of ObjectIds: equal ids share a key whatever their build, different ids do not", () => {
  const hexes = [
    "000000000000000000000000",
    "ffffffffffffffffffffffff",
    "10000000000000000000002a",
    "10000000000000000000002b",
    "2a0000000000000000000010",
    "0000000000000fff00000000",
    "00000000000000fff0000000",
    "d800d800dfffdfffd800dc00",
  ];
  const keys = new Set<string>();
  for (const h of hexes) {
    const k = valueKey(new ObjectId(h));
    assert.equal(valueKey(ObjectId.createFromHexString(h)), k);
    assert.equal(valueKey(lookAlike(h)), k, h);
    assert.equal(objectIdKey(lookAlike(h)), objectIdKey(new ObjectId(h)));
    keys.add(k);
  }
  assert.equal(keys.size, hexes.length);
  // inside documents and arrays, and never equal to a string's key
  assert.equal(valueKey({ a: [new ObjectId(hexes[2]!)] }), valueKey({ a: [lookAlike(hexes[2]!)] }));
  assert.notEqual(valueKey({ a: [new ObjectId(hexes[2]!)] }), valueKey({ a: [new ObjectId(hexes[3]!)] }));
  for (const h of hexes) assert.notEqual(valueKey(new ObjectId(h)), valueKey(objectIdKey(new ObjectId(h))));
  // 8 characters, no surrogate halves
  for (const h of hexes) {
    const k = objectIdKey(new ObjectId(h));
    assert.equal(k.length, 8);
    for (let i = 0; i < 8; i++) assert.ok(k.charCodeAt(i) < 0x1000);
  }
});

Deno.test("valueKey of random ObjectIds: a key per id", () => {
  const seen = new Map<string, string>();
  for (let i = 0; i < 20000; i++) {
    const id = new ObjectId();
    const hex = id.toHexString();
    const k = valueKey(id);
    const prev = seen.get(k);
    assert.ok(prev === undefined || prev === hex, `${hex} and ${prev} share a key`);
    seen.set(k, hex);
  }
  assert.equal(seen.size, 20000);
});
