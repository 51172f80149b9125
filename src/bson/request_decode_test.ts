import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  Binary,
  BSON,
  BSONRegExp,
  Code,
  DBRef,
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
import { decodeWithNpm as decodeDocument } from "./decode.ts";
import { COPY_BINARY, decodeCommonDocument, UTF8_TEXT } from "./request_decode.ts";
import { seededRandom as rng } from "../testing/seeded_random.ts";

const NAMES = [
  "a",
  "_id",
  "q",
  "u",
  "$inc",
  "$set",
  "x.y",
  "",
  "1",
  "0",
  "upsert",
  "é",
  "__proto__",
  "$ref",
  "$id",
];

function randomValue(r: () => number, depth: number, common: boolean): unknown {
  const kinds = common ? 14 : 24;
  switch (Math.floor(r() * (depth > 3 ? kinds - 2 : kinds))) {
    case 0:
      return Math.floor(r() * 2000) - 1000;
    case 1:
      return [0.5, -0, 2.0, 1e300, NaN, -Infinity, 3][Math.floor(r() * 7)]!;
    case 2:
      return ["", "abc", "x".repeat(40), "with\u0000nul", "a".repeat(700)][Math.floor(r() * 5)]!;
    case 3:
      return r() < 0.5;
    case 4:
      return null;
    case 5:
      return Long.fromString(["0", "-1", "9007199254740993", "-9223372036854775808"][Math.floor(r() * 4)]!);
    case 6:
      return new Date([0, 1e12, -5, 8.64e15][Math.floor(r() * 4)]!);
    case 7:
      return new ObjectId("65a1b2c3d4e5f60718293a4b");
    case 8:
      return new Timestamp({ t: 5, i: 7 });
    case 9:
      return new Binary(new Uint8Array([1, 2, 3]), [0, 3, 4, 5, 0x80][Math.floor(r() * 5)]!);
    case 10:
      return new UUID("0123456789abcdef0123456789abcdef");
    case 11:
      return new Double(4);
    case 12: {
      const n = Math.floor(r() * 4);
      return Array.from({ length: n }, () => randomValue(r, depth + 1, common));
    }
    case 13:
      return randomDoc(r, depth + 1, common);
    case 14:
      return ["é", "\ufeffbom", "日本", "a".repeat(30) + "é"][Math.floor(r() * 4)]!;
    case 15:
      return new BSONRegExp("a+", "i");
    case 16:
      return Decimal128.fromString("1.5");
    case 17:
      return new MinKey();
    case 18:
      return new MaxKey();
    case 19:
      return new Code("function() {}");
    case 20:
      return new DBRef("c", new ObjectId("65a1b2c3d4e5f60718293a4c"));
    case 21:
      return new Binary(new Uint8Array([9, 9]), 2);
    case 22:
      return new Int32(7);
    default:
      return undefined;
  }
}

function randomDoc(r: () => number, depth: number, common: boolean): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const name = NAMES[Math.floor(r() * (common ? 11 : NAMES.length))]!;
    const v = randomValue(r, depth, common);
    if (name === "__proto__") {
      Object.defineProperty(d, name, { value: v, enumerable: true, writable: true, configurable: true });
    } else d[name] = v;
  }
  return d;
}

Deno.test("decodeCommonDocument equals decodeDocument on documents of the common types", () => {
  const r = rng(7);
  for (let i = 0; i < 3000; i++) {
    const bytes = BSON.serialize(randomDoc(r, 0, true));
    const fast = decodeCommonDocument(bytes);
    assert(fast !== undefined, `common document ${i} left to npm bson`);
    assertEquals(fast, decodeDocument(bytes));
  }
});

Deno.test("decodeCommonDocument: any other document is undefined or equal to decodeDocument's", () => {
  const r = rng(11);
  let answered = 0;
  for (let i = 0; i < 3000; i++) {
    const bytes = BSON.serialize(randomDoc(r, 0, false));
    const fast = decodeCommonDocument(bytes);
    if (fast === undefined) continue;
    answered++;
    assertEquals(fast, decodeDocument(bytes));
  }
  assert(answered > 100);
});

Deno.test("decodeCommonDocument: damaged bytes are undefined unless npm bson decodes them the same", () => {
  const r = rng(13);
  for (let i = 0; i < 5000; i++) {
    const bytes = BSON.serialize(randomDoc(r, 0, true));
    const pos = Math.floor(r() * bytes.length);
    bytes[pos] = [0, 1, 2, 0x7f, 0x80, 0xff, bytes[pos]! + 1][Math.floor(r() * 7)]! & 0xff;
    const fast = decodeCommonDocument(bytes);
    if (fast === undefined) continue;
    let slow: unknown;
    try {
      slow = decodeDocument(bytes);
    } catch (e) {
      throw new Error(`npm bson refuses what decodeCommonDocument accepted (${e}): ${[...bytes]}`);
    }
    assertEquals(fast, slow);
  }
});

Deno.test("decodeCommonDocument: an update request and npm bson's special cases", () => {
  const body = {
    update: "c",
    updates: [{ q: { _id: 5 }, u: { $inc: { n: 1 } }, upsert: true }],
    ordered: true,
    lsid: { id: new UUID("0123456789abcdef0123456789abcdef") },
    txnNumber: Long.fromNumber(3),
    $db: "db",
  };
  assertEquals(decodeCommonDocument(BSON.serialize(body)), decodeDocument(BSON.serialize(body)));
  assert(decodeCommonDocument(BSON.serialize(body))!["lsid"] !== undefined);
  for (
    const odd of [{ a: { $ref: "c", $id: 1 } }, { s: "\ufeffx" }, { é: 1 }, { r: new BSONRegExp("x", "") }]
  ) {
    assertEquals(decodeCommonDocument(BSON.serialize(odd)), undefined);
  }
  assertEquals(decodeCommonDocument(new Uint8Array([5, 0, 0, 0])), undefined);
  assertEquals(decodeCommonDocument(new Uint8Array([5, 0, 0, 0, 1])), undefined);
  assertEquals(decodeCommonDocument(new Uint8Array([5, 0, 0, 0, 0])), {});
});

Deno.test("decodeCommonDocument: short strings come back equal whichever string held their slot", () => {
  // every name and value of at most 24 bytes goes through the intern table; thousands of distinct
  // strings of the same lengths collide in its slots
  const r = rng(18);
  for (let n = 0; n < 4000; n++) {
    const len = Math.floor(r() * 26);
    let s = "";
    for (let k = 0; k < len; k++) s += String.fromCharCode(0x20 + Math.floor(r() * 95));
    const doc = { [s]: s, find: "c", [`${s}x`]: [s, `${s}y`], $db: s.slice(0, 3) };
    const bytes = BSON.serialize(doc);
    assertEquals(decodeCommonDocument(bytes), decodeDocument(bytes));
    assertEquals(decodeCommonDocument(bytes), decodeDocument(bytes));
  }
});

Deno.test("UTF8_TEXT (stored documents): names and strings beyond ASCII decode as npm bson decodes them", () => {
  const r = rng(29);
  let answered = 0;
  for (let i = 0; i < 3000; i++) {
    const bytes = BSON.serialize(randomDoc(r, 0, false));
    for (const mode of [UTF8_TEXT, UTF8_TEXT | COPY_BINARY]) {
      const fast = decodeCommonDocument(bytes, mode);
      if (fast === undefined) continue;
      answered++;
      assertEquals(fast, decodeDocument(bytes, (mode & COPY_BINARY) !== 0));
    }
  }
  assert(answered > 1000);
  for (const odd of [{ s: "\ufeffx" }, { é: "日本", t: ["ü", { ñ: "ß" }] }, { s: "a".repeat(30) + "é" }]) {
    const bytes = BSON.serialize(odd);
    assertEquals(decodeCommonDocument(bytes, UTF8_TEXT), decodeDocument(bytes));
  }
  // invalid UTF-8 in a string: left to npm bson (which refuses it)
  const bad = BSON.serialize({ s: "éé" });
  bad[bad.indexOf(0xa9)] = 0x41;
  assertEquals(decodeCommonDocument(bad, UTF8_TEXT), undefined);
});
