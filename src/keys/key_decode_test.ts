import assert from "node:assert/strict";
import { ObjectId } from "bson";
import { encodeIndexKey, encodeValue } from "./key_string.ts";
import { decodeKeyValues, textEntryScore } from "./key_decode.ts";

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

Deno.test("textEntryScore reads a text entry's score back exactly", () => {
  for (
    const score of [0, 0.75, 1.1, 1 / 3, 5, 12, 0.5833333333333334, 1e-7, 123.456, 2.0000000000000004, 1e20]
  ) {
    for (const term of ["bake", "", "a\u0000b", "éclair"]) {
      const key = new Uint8Array([...encodeValue(term), ...encodeValue(score), ...encodeValue("suffix")]);
      assert.equal(textEntryScore(key), score, `${term} ${score}`);
    }
  }
  assert.equal(textEntryScore(encodeValue(5)), undefined, "not a text entry");
  assert.equal(
    textEntryScore(new Uint8Array([...encodeValue("t"), ...encodeValue(-1)])),
    undefined,
    "negative",
  );
});
