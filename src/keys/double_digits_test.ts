import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Decimal128, Double, Int32, Long } from "bson";
import { decimalDigits, type ExactNumber, exactOfDouble } from "../bson/values.ts";
import { digitBuf, doubleDigits } from "./double_digits.ts";
import { encodeValue } from "./key_string.ts";
import { seededRandom as rng } from "../testing/seeded_random.ts";

/** The key of a number as key_string.ts wrote it before double_digits.ts (BigInt exact expansion). */
function referenceKey(d: number): number[] {
  const out = [0x1e];
  const x = exactOfDouble(d);
  if (x.t === "nan") return [...out, 0x01];
  if (x.t === "inf") return [...out, x.sign > 0 ? 0x06 : 0x02];
  const dd = decimalDigits(x as ExactNumber & { t: "fin" });
  if (dd.sign === 0) return [...out, 0x04];
  out.push(dd.sign < 0 ? 0x03 : 0x05);
  const body: number[] = [];
  const e = dd.exp + 0x8000;
  body.push((e >>> 8) & 0xff, e & 0xff);
  for (let i = 0; i < dd.digits.length; i += 2) {
    const hi = dd.digits.charCodeAt(i) - 48;
    const lo = i + 1 < dd.digits.length ? dd.digits.charCodeAt(i + 1) - 48 : 0;
    body.push(hi * 10 + lo + 1);
  }
  body.push(0);
  return [...out, ...(dd.sign < 0 ? body.map((b) => 255 - b) : body)];
}

function fromBits(hi: number, lo: number): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setUint32(0, hi);
  b.setUint32(4, lo);
  return b.getFloat64(0);
}

const EDGES = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  2 ** 53,
  2 ** 53 - 1,
  2 ** 53 + 2,
  -(2 ** 53),
  -(2 ** 53 - 1),
  2 ** 52 + 0.5,
  1e15,
  -1e15,
  1e15 - 1,
  1e15 + 2,
  1e15 - 0.5,
  1e16,
  1e21,
  1e300,
  1e-300,
  0.1,
  0.2,
  0.3,
  1 / 3,
  -1 / 3,
  0.5,
  -0.5,
  1.5,
  2.5e-10,
  12.34,
  2.2250738585072014e-308,
  2.2250738585072009e-308,
  4.9406564584124654e-324 * 3,
  1.7976931348623157e308 / 3,
  2 ** -1074,
  2 ** -1022,
  2 ** -1023,
  2 ** 1023,
  2 ** 1000 + 2 ** 990,
  123456789.123,
  999999.9999999,
  9.999999999999999e22,
  1e23,
  5e-324,
  3.14159,
  Math.PI,
  Math.E,
  -Math.PI * 1e-200,
];

Deno.test("doubleDigits: the keys of doubles equal the exact BigInt expansion's, edge values", () => {
  for (const d of EDGES) assertEquals([...encodeValue(d)], referenceKey(d), `value ${d}`);
});

Deno.test("doubleDigits: the keys of doubles equal the exact BigInt expansion's, random bits and values", () => {
  const r = rng(18);
  for (let i = 0; i < 20000; i++) {
    const hi = Math.floor(r() * 4294967296);
    const lo = Math.floor(r() * 4294967296);
    const d = fromBits(hi, lo);
    assertEquals([...encodeValue(d)], referenceKey(d), `bits ${hi.toString(16)} ${lo.toString(16)}`);
  }
  for (let i = 0; i < 20000; i++) {
    const scale = 10 ** (Math.floor(r() * 40) - 20);
    const d = (r() - 0.5) * scale;
    assertEquals([...encodeValue(d)], referenceKey(d), `value ${d}`);
    const cents = Math.round(r() * 1e6) / 100;
    assertEquals([...encodeValue(cents)], referenceKey(cents), `value ${cents}`);
  }
  // subnormals: every mantissa width
  for (let bit = 0; bit < 52; bit++) {
    for (const m of [1, 3, 7, 2 ** bit, 2 ** bit + 1]) {
      const d = m * 2 ** -1074;
      assertEquals([...encodeValue(d)], referenceKey(d), `subnormal ${m}`);
      assertEquals([...encodeValue(-d)], referenceKey(-d), `subnormal -${m}`);
    }
  }
});

Deno.test("doubleDigits: digits and exponent of a few values", () => {
  const digits = (d: number) => {
    const p = doubleDigits(d);
    const n = Math.floor(p / 4096);
    return { digits: [...digitBuf.subarray(0, n)].join(""), exp: (p % 4096) - 2048 };
  };
  assertEquals(digits(0.5), { digits: "5", exp: 0 });
  assertEquals(digits(1.5), { digits: "15", exp: 1 });
  assertEquals(digits(1e16), { digits: "1", exp: 17 });
  assertEquals(digits(0.1), { digits: "1000000000000000055511151231257827021181583404541015625", exp: 0 });
});

Deno.test("doubleDigits: wrappers and other number types keep one key per value", () => {
  for (const d of [0.5, -0, 3, 1e20, -7.25, 2 ** 60]) {
    const key = [...encodeValue(d)];
    assertEquals([...encodeValue(new Double(d))], key);
    if (Number.isInteger(d) && Math.abs(d) < 2 ** 31) assertEquals([...encodeValue(new Int32(d))], key);
    if (Number.isSafeInteger(d) || d === 2 ** 60) assertEquals([...encodeValue(Long.fromNumber(d))], key);
    const exact = Number.isInteger(d) ? BigInt(d).toString() : String(d); // (String(2 ** 60) rounds)
    assertEquals([...encodeValue(Decimal128.fromString(exact))], key);
  }
});
