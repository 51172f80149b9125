import assert from "node:assert/strict";
import {
  Binary,
  BSON,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { decodeFields } from "./partial_decode.ts";
import { decodeDocument } from "./decode.ts";

const sample = {
  _id: new ObjectId(),
  d: 1.5,
  dz: new Double(2),
  s: "héllo",
  empty: "",
  long: "x".repeat(100) + "é",
  "ключ": "значение",
  o: { a: 1, b: [1, 2, { c: "x" }] },
  arr: [1, "two", null],
  bin: new Binary(new Uint8Array([1, 2, 3]), 4),
  u: undefined,
  oid: new ObjectId(),
  t: true,
  f: false,
  date: new Date("2024-01-02T03:04:05.678Z"),
  n: null,
  re: new BSONRegExp("a.c", "i"),
  code: new Code("function(){}"),
  i32: new Int32(-7),
  ts: new Timestamp({ t: 5, i: 6 }),
  i64: Long.fromString("9007199254740993"),
  dec: Decimal128.fromString("1.10"),
  min: new MinKey(),
  max: new MaxKey(),
};

Deno.test("decodeFields matches full deserialize for every type", () => {
  const bytes = BSON.serialize(sample, { ignoreUndefined: false });
  const full = decodeDocument(bytes);
  for (const k of Object.keys(full)) {
    const part = decodeFields(bytes, new Set([k]));
    assert.deepEqual(part, { [k]: full[k] }, k);
  }
  const all = decodeFields(bytes, new Set(Object.keys(full)));
  assert.deepEqual(all, full);
  assert.deepEqual(Object.keys(all), Object.keys(full));
});

Deno.test("absent fields stay absent; unknown names are ignored", () => {
  const bytes = BSON.serialize({ a: 1, b: 2 });
  assert.deepEqual(decodeFields(bytes, new Set(["b", "zz"])), { b: 2 });
  assert.deepEqual(decodeFields(bytes, new Set()), {});
});
