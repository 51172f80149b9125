/** Raw elements → JS values exactly as the one decoder reads them; documents of raw elements. */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  Binary,
  BSON,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { documentOf, jsValueOf } from "./element.ts";
import { elementOf } from "./encode_for_tests.ts";
import { decodeDocument } from "../decode.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";

Deno.test("jsValueOf: the same values and types as decodeDocument", () => {
  const values = [
    1.5,
    new Double(2),
    new Double(-0),
    new Int32(7),
    -5,
    Long.fromString("-9007199254740993"),
    new Date("2026-12-01T10:00:00.123Z"),
    new Date(-1),
    new ObjectId("65a6eba7e6d2e848e08c3750"),
    true,
    false,
    null,
    "",
    "héllo\u0000x",
    { a: 1, b: [new Double(1), "x"] },
    [1, 2],
    new Binary(new Uint8Array([1, 2]), 4),
    Decimal128.fromString("1.25"),
    new Timestamp({ t: 5, i: 6 }),
    new BSONRegExp("a+", "i"),
    new MinKey(),
    new MaxKey(),
  ];
  for (const v of values) {
    const e = elementOf(v);
    const expected = decodeDocument(BSON.serialize({ v }))["v"];
    assertEquals(jsValueOf(e), expected, String(v));
    assertEquals(decodeDocument(documentOf([["v", e]]))["v"], expected);
  }
});

Deno.test("jsValueOf: bad strings are 6067602", () => {
  const bad = { type: 0x02, value: Uint8Array.from([3, 0, 0, 0, 0xc3, 0x28, 0]) };
  throws(
    () => jsValueOf(bad),
    (e) => e instanceof CommandError && e.code === Location.InvalidBSONColumnEncoding,
  );
});
