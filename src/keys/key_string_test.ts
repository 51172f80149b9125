import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Binary, BSONRegExp, Decimal128, Long, MaxKey, MinKey, ObjectId, Timestamp } from "bson";
import { compareValues } from "../bson/compare.ts";
import { compareKeys, encodeIndexKey, encodeValue } from "./mod.ts";
import { seededRandom as rng } from "../testing/seeded_random.ts";

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 14 : 17));
  const small = () => Math.floor(r() * 7) - 3;
  switch (pick) {
    case 0:
      return small();
    case 1:
      return small() + [0.5, 0.1, 1e-7, 1e20][Math.floor(r() * 4)]!;
    case 2:
      return Long.fromNumber(small());
    case 3:
      return Long.fromString(
        ["9007199254740993", "-9223372036854775808", "9223372036854775807"][Math.floor(r() * 3)]!,
      );
    case 4:
      return Decimal128.fromString(
        ["1", "1.0", "0.1", "-2.5", "1E+400", "NaN", "-Infinity", "0"][Math.floor(r() * 8)]!,
      );
    case 5:
      return [NaN, Infinity, -Infinity, -0, 9007199254740992][Math.floor(r() * 5)];
    case 6:
      return [
        "",
        "a",
        "a\u0000",
        "a\u0000b",
        "ab",
        "b",
        "\u00e9",
        "\uffff",
        "\u{1F600}",
      ][Math.floor(r() * 9)];
    case 7:
      return [null, undefined][Math.floor(r() * 2)];
    case 8:
      return r() < 0.5;
    case 9:
      return new Date(Math.floor(r() * 2e12) - 1e12);
    case 10:
      return new ObjectId(Array.from({ length: 24 }, () => "0f"[Math.floor(r() * 2)]).join(""));
    case 11:
      return new Binary(
        new Uint8Array(Array.from({ length: Math.floor(r() * 3) }, () => Math.floor(r() * 3))),
        Math.floor(r() * 2),
      );
    case 12:
      return [
        new MinKey(),
        new MaxKey(),
        new Timestamp({ t: Math.floor(r() * 3), i: Math.floor(r() * 3) }),
      ][Math.floor(r() * 3)];
    case 13:
      return new BSONRegExp(["a", "b", ""][Math.floor(r() * 3)]!, ["", "i"][Math.floor(r() * 2)]!);
    case 14:
    case 15: {
      const n = Math.floor(r() * 3);
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[["a", "b", "a\u0000"][Math.floor(r() * 3)]!] = randomValue(r, depth + 1);
      return o;
    }
    default:
      return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
  }
}

Deno.test("property: memcmp(encode(a), encode(b)) == compareValues(a, b)", () => {
  const r = rng(12345);
  const values = Array.from({ length: 600 }, () => randomValue(r));
  const keys = values.map((v) => encodeValue(v));
  for (let i = 0; i < values.length; i++) {
    for (let j = i; j < values.length; j++) {
      const want = compareValues(values[i], values[j]);
      const got = compareKeys(keys[i]!, keys[j]!);
      if (want !== got) {
        throw new Error(
          `mismatch for ${Deno.inspect(values[i])} vs ${Deno.inspect(values[j])}: ${got} != ${want}`,
        );
      }
    }
  }
});

Deno.test("property: sorted by compareValues equals sorted by bytes", () => {
  const r = rng(777);
  const values = Array.from({ length: 2000 }, () => randomValue(r));
  const byValue = values.map((v, i) => ({ v, i, k: encodeValue(v) }));
  const a = [...byValue].sort((x, y) => compareValues(x.v, y.v) || x.i - y.i).map((x) => x.i);
  const b = [...byValue].sort((x, y) => compareKeys(x.k, y.k) || x.i - y.i).map((x) => x.i);
  assertEquals(a, b);
});

Deno.test("equal numbers of different types encode identically", () => {
  const want = encodeValue(1);
  for (const v of [Long.fromNumber(1), 1.0, Decimal128.fromString("1.000"), Decimal128.fromString("0.1E1")]) {
    assertEquals(encodeValue(v), want);
  }
  assertEquals(encodeValue(0), encodeValue(-0));
  assertEquals(encodeValue(Decimal128.fromString("-0")), encodeValue(0));
});

Deno.test("compound keys with mixed directions", () => {
  const rows: [unknown, unknown][] = [[1, "b"], [1, "a"], [2, "z"], [0, "q"], [1, "ab"]];
  const sorted = [...rows].sort((x, y) =>
    compareKeys(encodeIndexKey(x, [1, -1]), encodeIndexKey(y, [1, -1]))
  );
  assertEquals(sorted, [[0, "q"], [1, "b"], [1, "ab"], [1, "a"], [2, "z"]]);
  const desc = [...rows].sort((x, y) => compareKeys(encodeIndexKey(x, [-1, 1]), encodeIndexKey(y, [-1, 1])));
  assertEquals(desc, [[2, "z"], [1, "a"], [1, "ab"], [1, "b"], [0, "q"]]);
});
