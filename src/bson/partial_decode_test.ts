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

/** A BSON document of raw elements (type byte, name, value bytes), duplicates allowed. */
function rawDoc(...elements: [number, string, number[]][]): Uint8Array {
  const parts: number[] = [];
  for (const [t, name, value] of elements) parts.push(t, ...new TextEncoder().encode(name), 0, ...value);
  const out = new Uint8Array(4 + parts.length + 1);
  new DataView(out.buffer).setInt32(0, out.length, true);
  out.set(parts, 4);
  return out;
}
const int32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

Deno.test("a repeated name gives its first element (mongod's field lookup), other fields still found", () => {
  const bytes = rawDoc([0x10, "a", int32(1)], [0x10, "a", int32(2)], [0x10, "b", int32(3)], [
    0x10,
    "b",
    int32(4),
  ]);
  assert.deepEqual(decodeFields(bytes, new Set(["a", "b"])), { a: 1, b: 3 });
  assert.deepEqual(decodeFields(bytes, new Set(["b"])), { b: 3 });
  // more than 31 wanted names: the ones past the bit mask are tracked by lookup
  const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
  const many = rawDoc([0x10, "f39", int32(1)], [0x10, "f0", int32(2)], [0x10, "f39", int32(3)], [
    0x10,
    "f0",
    int32(4),
  ]);
  assert.deepEqual(decodeFields(many, new Set(names)), { f39: 1, f0: 2 });
});

Deno.test("a string starting with U+FEFF keeps it (as decodeDocument: a byte-order mark inside BSON is text)", () => {
  const bytes = BSON.serialize({ s: "\ufeffab", t: "\ufeff" + "y".repeat(40), u: "\ufeff" });
  assert.deepEqual(decodeFields(bytes, new Set(["s", "t", "u"])), decodeDocument(bytes));
  assert.equal((decodeFields(bytes, new Set(["s"]))["s"] as string).length, 3);
});
