import { deepStrictEqual as assertEquals } from "node:assert/strict";
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
import {
  bsonTypeAlias,
  bsonTypeNumber,
  compareStrings,
  compareValues,
  typeOrder,
  valuesEqual,
} from "./compare.ts";

const ascending: unknown[] = [
  new MinKey(),
  undefined,
  null,
  NaN,
  -Infinity,
  Decimal128.fromString("-1E+400"),
  Long.fromString("-9223372036854775808"),
  -1.5,
  0,
  Decimal128.fromString("0.1"),
  0.1,
  1,
  Long.fromString("9007199254740993"),
  9007199254740994,
  Infinity,
  "",
  "a",
  "a\u0000",
  "ab",
  "\uffff",
  "\u{1F600}",
  {},
  { a: 1 },
  { a: 1, b: 1 },
  { b: 0 },
  { a: "x" }, // string bracket beats number bracket before names are looked at
  [],
  [1],
  [1, 2],
  [2],
  new Binary(new Uint8Array([9]), 0),
  new Binary(new Uint8Array([1]), 5),
  new Binary(new Uint8Array([0, 0]), 0),
  new ObjectId("000000000000000000000000"),
  new ObjectId("ffffffffffffffffffffffff"),
  false,
  true,
  new Date(-1),
  new Date(0),
  new Timestamp({ t: 1, i: 5 }),
  new Timestamp({ t: 2, i: 0 }),
  new BSONRegExp("a", "i"),
  new BSONRegExp("b", ""),
  new Code("x"),
  new Code("x", { a: 1 }),
  new MaxKey(),
];

Deno.test("compareValues: canonical order over a ladder of values", () => {
  for (let i = 0; i < ascending.length; i++) {
    for (let j = 0; j < ascending.length; j++) {
      const want = Math.sign(i - j);
      const got = compareValues(ascending[i], ascending[j]);
      if (got !== want) throw new Error(`compare #${i} vs #${j}: got ${got}, want ${want}`);
    }
  }
});

Deno.test("numbers of different types are equal by value", () => {
  const ones = [1, Long.fromNumber(1), Decimal128.fromString("1.000"), new Int32(1), new Double(1)];
  for (const a of ones) for (const b of ones) assertEquals(valuesEqual(a, b), true);
  assertEquals(valuesEqual(0, -0), true);
  assertEquals(valuesEqual(NaN, NaN), true);
  assertEquals(valuesEqual(NaN, Decimal128.fromString("NaN")), true);
  assertEquals(compareValues(Long.fromString("9007199254740993"), 9007199254740992), 1);
  assertEquals(compareValues(9007199254740992, Long.fromString("9007199254740993")), -1);
  assertEquals(compareValues(2.5, Long.fromNumber(2)), 1);
  assertEquals(compareValues(-2.5, Long.fromNumber(-2)), -1);
  assertEquals(compareValues(Decimal128.fromString("2.5"), 2.5), 0);
  assertEquals(compareValues(Decimal128.fromString("1E+6144"), Infinity), -1);
});

Deno.test("strings compare by code point, not UTF-16 unit", () => {
  assertEquals(compareStrings("\uffff", "\u{10000}"), -1);
  assertEquals(compareStrings("a", "b"), -1);
  assertEquals(compareStrings("ab", "a"), 1);
  assertEquals(compareValues("B", "a"), -1);
});

Deno.test("documents compare type bracket before field name", () => {
  // {a: "x"} vs {b: 1}: string bracket > number bracket, even though "a" < "b"
  assertEquals(compareValues({ a: "x" }, { b: 1 }), 1);
  assertEquals(compareValues({ a: 1 }, { a: 1.0 }), 0);
});

Deno.test("values deserialised from BSON compare like their originals", () => {
  const doc = { i: 1, d: 1.5, l: Long.fromNumber(7), s: "x", o: new ObjectId() };
  const back = BSON.deserialize(BSON.serialize(doc), {
    promoteLongs: false,
    promoteValues: true,
    bsonRegExp: true,
  });
  assertEquals(compareValues(back, doc), 0);
});

Deno.test("typeOrder and aliases", () => {
  assertEquals(typeOrder(null), 5);
  assertEquals(typeOrder(1), typeOrder(Long.fromNumber(1)));
  assertEquals(bsonTypeAlias(1), "int");
  assertEquals(bsonTypeAlias(1.5), "double");
  assertEquals(bsonTypeAlias(2 ** 31), "double");
  assertEquals(bsonTypeAlias(Long.fromNumber(1)), "long");
  assertEquals(bsonTypeAlias(Decimal128.fromString("1")), "decimal");
  assertEquals(bsonTypeAlias(new ObjectId()), "objectId");
  assertEquals(bsonTypeAlias([]), "array");
  assertEquals(bsonTypeAlias({}), "object");
  assertEquals(bsonTypeAlias(new Date()), "date");
  assertEquals(bsonTypeAlias(new BSONRegExp("a")), "regex");
  assertEquals(bsonTypeAlias(new MinKey()), "minKey");
  assertEquals(bsonTypeNumber("s"), 2);
  assertEquals(bsonTypeNumber(new Timestamp({ t: 0, i: 0 })), 17);
});
