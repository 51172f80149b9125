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
  UUID,
} from "bson";
import { arrayDocuments, reencodesIdentically, validAndCanonical } from "./raw_source.ts";
import { decodeDocument } from "./decode.ts";

/** Hand-built BSON: int32 length, the given element bytes, NUL. */
function docOf(...elements: number[][]): Uint8Array {
  const body = elements.flat();
  const out = new Uint8Array(body.length + 5);
  new DataView(out.buffer).setInt32(0, out.length, true);
  out.set(body, 4);
  return out;
}
const name = (s: string) => [...new TextEncoder().encode(s), 0];
const int32El = (n: string, v: number) => [0x10, ...name(n), v & 255, (v >> 8) & 255, 0, 0];

const roundTrips = (b: Uint8Array) => {
  const again = BSON.serialize(decodeDocument(b));
  return again.length === b.length && again.every((x, i) => x === b[i]);
};

Deno.test("reencodesIdentically: yes only where decode → serialize gives the same bytes", () => {
  const yes = [
    {},
    { _id: 1, seq: 2, payload: "x".repeat(700) },
    { _id: new ObjectId(), a: { b: [1, 2.5, "s", null, true, false, { c: [] }] } },
    { d: new Double(2), z: -0, inf: Infinity, big: 1e300, n: -2147483648, m: 2147483648 },
    { l: Long.fromNumber(5), t: new Timestamp({ t: 1, i: 2 }), dec: Decimal128.fromString("1.5") },
    { when: new Date(1_700_000_000_000), min: new MinKey(), max: new MaxKey() },
    { bin: new Binary(new Uint8Array([1, 2, 3])), u: new UUID(), i32: new Int32(7) },
    { "é": "ü😀", "a.b": 1, "a1": 2 },
  ];
  for (const d of yes) {
    const b = BSON.serialize(d);
    assert(reencodesIdentically(b), JSON.stringify(d));
    assert(roundTrips(b));
  }
  const no = [
    { r: new BSONRegExp("a", "mi") },
    { c: new Code("x") },
    { $ref: "c", $id: 1 },
    { "1": "a", b: 2 },
    { nan: NaN },
    { bin: new Binary(new Uint8Array([1]), 2) },
  ];
  for (const d of no) assert(!reencodesIdentically(BSON.serialize(d)), JSON.stringify(d));
  // duplicate names, out-of-sequence array keys, undefined, an odd boolean byte: all differ after a round trip
  const dup = docOf(int32El("a", 1), int32El("a", 2));
  const arr = docOf([0x04, ...name("a"), ...docOf(int32El("1", 1))]);
  const undef = docOf([0x06, ...name("u")]);
  const bool2 = docOf([0x08, ...name("b"), 2]);
  const badName = docOf([0x10, 0xc3, 0x28, 0, 1, 0, 0, 0]); // invalid UTF-8 in a name
  for (const b of [dup, arr, undef, bool2, badName]) {
    assert(!reencodesIdentically(b));
    let same = false;
    try {
      same = roundTrips(b);
    } catch { /* undecodable is different too */ }
    assert(!same);
  }
});

Deno.test("reencodesIdentically: duplicate names found among few and many names, array indexes of any width", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => int32El(`f${i}`, i));
  for (const n of [2, 5, 23, 24, 25, 40]) {
    assert(reencodesIdentically(docOf(...many(n))), `${n} distinct names`);
    for (const dupOf of [0, n - 1, Math.floor(n / 2)]) {
      const b = docOf(...many(n), int32El(`f${dupOf}`, 99));
      assert(!reencodesIdentically(b), `${n} names, f${dupOf} again`);
    }
  }
  // a duplicate before the Set takes over, then more names
  assert(!reencodesIdentically(docOf(...many(3), int32El("f1", 7), ...many(30).slice(3))));
  // same length, different bytes; a prefix of another name
  assert(reencodesIdentically(docOf(int32El("ab", 1), int32El("ba", 2), int32El("a", 3))));
  assert(!reencodesIdentically(docOf(int32El("__proto__", 1))));
  const arr = Array.from({ length: 120 }, (_, i) => i);
  assert(reencodesIdentically(BSON.serialize({ a: arr })));
  const keys = (names: string[]) =>
    docOf([0x04, ...name("a"), ...docOf(...names.map((k, i) => int32El(k, i)))]);
  assert(!reencodesIdentically(keys(["0", "01"])));
  assert(!reencodesIdentically(keys(["0", "1", "3"])));
  assert(!reencodesIdentically(keys(["0", ""])));
  assert(!reencodesIdentically(keys(["00"])));
  assert(reencodesIdentically(keys(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"])));
});

Deno.test("arrayDocuments: the elements of one document array, as views; none when unsure", () => {
  const body = BSON.serialize({ insert: "c", documents: [{ _id: 1 }, { _id: 2, a: "x" }], $db: "d" });
  const docs = arrayDocuments(body, "documents")!;
  assert.deepEqual(docs.map((d) => decodeDocument(d)), [{ _id: 1 }, { _id: 2, a: "x" }]);
  assert.equal(docs[1]!.buffer, body.buffer);
  assert.deepEqual(arrayDocuments(body, "updates"), undefined);
  assert.deepEqual(arrayDocuments(BSON.serialize({ documents: [{ a: 1 }, 2] }), "documents"), undefined);
  const twice = docOf(
    [0x04, ...name("documents"), ...docOf([0x03, ...name("0"), ...docOf(int32El("a", 1))])],
    [0x04, ...name("documents"), ...docOf([0x03, ...name("0"), ...docOf(int32El("a", 2))])],
  );
  assert.deepEqual(arrayDocuments(twice, "documents"), undefined);
});

Deno.test("validAndCanonical: valid canonical documents yes; malformed, too deep or not canonical no", () => {
  const good = BSON.serialize({
    _id: new ObjectId(),
    s: "x".repeat(700),
    u: "é😀",
    a: [1, 2.5, { b: true, n: null }],
    d: new Date(0),
    bin: new Binary(new Uint8Array([1, 2])),
  });
  assert(validAndCanonical(good, 201));
  assert(!validAndCanonical(BSON.serialize({ r: new BSONRegExp("a", "") }), 201));
  // one level too many
  let deep: Record<string, unknown> = { x: 1 };
  for (let i = 0; i < 9; i++) deep = { d: deep };
  assert(validAndCanonical(BSON.serialize(deep), 10));
  assert(!validAndCanonical(BSON.serialize(deep), 9));
  // malformed: invalid UTF-8 in a string, a boolean 2, a string running over its document, a short length
  const bad = (mutate: (b: Uint8Array) => void) => {
    const b = BSON.serialize({ s: "abcd", t: true, o: { x: "yz" } });
    mutate(b);
    return b;
  };
  assert(validAndCanonical(bad(() => {}), 201));
  assert(!validAndCanonical(bad((b) => b[b.indexOf(0x61)] = 0xff), 201));
  assert(!validAndCanonical(bad((b) => b[b.indexOf(0x74) + 2] = 2), 201));
  assert(!validAndCanonical(bad((b) => b[b.indexOf(0x73) + 2] = 40), 201));
  assert(!validAndCanonical(bad((b) => b[0] = b[0]! - 1), 201));
  // dates a JS Date holds (|ms| <= 8.64e15) only; a NaN double never (its payload is not kept)
  const dateDoc = (ms: bigint) => {
    const v = new Uint8Array(8);
    new DataView(v.buffer).setBigInt64(0, ms, true);
    return docOf([0x09, ...name("d"), ...v]);
  };
  assert(validAndCanonical(dateDoc(-8_640_000_000_000_000n), 201));
  assert(validAndCanonical(dateDoc(8_640_000_000_000_000n), 201));
  assert(!validAndCanonical(dateDoc(8_640_000_000_000_001n), 201));
  assert(!validAndCanonical(dateDoc(-(2n ** 63n)), 201));
  assert(!validAndCanonical(BSON.serialize({ x: NaN }), 201));
  assert(validAndCanonical(BSON.serialize({ x: Infinity, y: -Infinity }), 201));
  // UTF-8 edge cases: overlong, surrogate, above U+10FFFF, truncated sequence
  const str = (bytes: number[]) => docOf([0x02, ...name("s"), bytes.length + 1, 0, 0, 0, ...bytes, 0]);
  assert(validAndCanonical(str([0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]), 201));
  for (const seq of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]) {
    assert(!validAndCanonical(str(seq), 201), String(seq));
  }
});

Deno.test("validAndCanonical: whatever it accepts decodes and re-encodes to the same bytes (corrupted bytes)", () => {
  const base = BSON.serialize({
    _id: 1,
    s: "abc",
    a: [1, "x", { b: 2.5, c: [true, null] }],
    o: { p: new ObjectId(), q: Long.fromNumber(3), d: new Date(5) },
  });
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let accepted = 0;
  for (let round = 0; round < 5000; round++) {
    const b = Uint8Array.from(base);
    for (let k = 0, n = 1 + rand(3); k < n; k++) {
      b[rand(b.length)] = rand(4) === 0 ? rand(256) : b[rand(b.length)]!;
    }
    if (!validAndCanonical(b, 201)) continue;
    accepted++;
    assert(roundTrips(b), `round ${round}`);
  }
  assert(accepted > 0);
});
