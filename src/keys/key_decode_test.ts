import assert from "node:assert/strict";
import { ObjectId } from "bson";
import { encodeIndexKey } from "./key_string.ts";
import { decodeKeyValues } from "./key_decode.ts";

Deno.test("strings, ObjectIds, booleans and dates decode exactly, in both directions", () => {
  const values = [
    "héllo\u0000x",
    new ObjectId(),
    true,
    new Date(-86_400_000),
    "",
    false,
    new Date(1_700_000_000_123),
  ];
  for (const dirs of [[1, 1, 1, 1, 1, 1, 1], [-1, 1, -1, -1, 1, -1, 1]] as const) {
    const key = encodeIndexKey(values, dirs);
    assert.deepEqual(decodeKeyValues(key, dirs), values);
  }
});

Deno.test("numbers, null, documents and arrays are not decoded (the caller fetches)", () => {
  for (const v of [1, 2.5, null, { a: 1 }, [1], undefined]) {
    assert.equal(decodeKeyValues(encodeIndexKey(["s", v], [1, 1]), [1, 1]), undefined, String(v));
  }
});
