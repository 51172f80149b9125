/**
 * BSONColumn decoding: binaries assembled as mongod's bsoncolumn_test.cpp assembles its expected
 * bytes (literal, control byte + Simple-8b blocks, interleaved start + reference, EOO), round trips
 * through the test encoder, and malformed input (random and truncated bytes) → 6067602, never a
 * crash or a hang.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { Binary, BSON, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from "bson";
import { type ColumnValue, decodeBsonColumn } from "./decode_column.ts";
import {
  controls,
  docOf,
  elementOf,
  encodeColumn,
  encodeInterleaved,
  interleavedStart,
  literal,
  simple8b,
  zz,
} from "./encode_for_tests.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";

/** Decoded values as JS (index → value; skips absent), plus the count. */
function values(bin: number[] | Uint8Array): [number, Record<string, unknown>] {
  const out = decodeBsonColumn(Uint8Array.from(bin));
  return [out.length, docOf(out)];
}

function asDoc(vs: readonly unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  vs.forEach((v, i) => {
    if (v !== undefined) o[String(i)] = v;
  });
  return BSON.deserialize(BSON.serialize(o), { promoteLongs: false });
}

function invalid(f: () => unknown): void {
  throws(f, (e) => e instanceof CommandError && e.code === Location.InvalidBSONColumnEncoding);
}

Deno.test("column: literal and int32 deltas (BasicValue / Int32 increments)", () => {
  const bin = [
    ...literal(elementOf(1)),
    ...controls(0x8, simple8b([zz(1n), zz(1n), 0n, zz(-5n)])),
    0,
  ];
  assertEquals(values(bin), [5, asDoc([1, 2, 3, 3, -2])]);
});

Deno.test("column: equal objects are a literal and a zero delta (ObjectEqual)", () => {
  const obj = { x: 1, y: ["a", "b"] };
  const bin = [...literal(elementOf(obj)), ...controls(0x8, simple8b([0n])), 0];
  assertEquals(values(bin), [2, asDoc([obj, obj])]);
});

Deno.test("column: skips, before and after a literal", () => {
  // a stream starting with skips (no previous value): every slot is missing
  const bin = [
    ...controls(0x8, simple8b([null, null])),
    ...literal(elementOf(7)),
    ...controls(0x8, simple8b([null, zz(2n)])),
    0,
  ];
  assertEquals(values(bin), [5, asDoc([undefined, undefined, 7, undefined, 9])]);
});

Deno.test("column: int64, bool, doubles at a scale and as integers", () => {
  const longs = [
    ...literal(elementOf(Long.fromString("9007199254740993"))),
    ...controls(0x8, simple8b([zz(-3n)])),
    0,
  ];
  assertEquals(values(longs), [
    2,
    asDoc([Long.fromString("9007199254740993"), Long.fromString("9007199254740990")]),
  ]);
  const bools = [...literal(elementOf(true)), ...controls(0x8, simple8b([zz(-1n), 0n, zz(1n)])), 0];
  assertEquals(values(bools), [4, asDoc([true, false, false, true])]);
  // 1.5 at scale 10 (control 0xA0): 15 → 17 → 12
  const scaled = [...literal(elementOf(1.5)), ...controls(0xa, simple8b([zz(2n), zz(-5n)])), 0];
  assertEquals(values(scaled), [3, asDoc([1.5, 1.7, 1.2])]);
  // the delta stream re-encodes the last double at the next control's scale
  const rescaled = [
    ...literal(elementOf(2.25)),
    ...controls(0xb, simple8b([zz(25n)])), // scale 100: 225 → 250
    ...controls(0x9, simple8b([zz(-1n)])), // scale 1: 2.5 is not exact → invalid
    0,
  ];
  invalid(() => decodeBsonColumn(Uint8Array.from(rescaled)));
  const dbl = new Double(3);
  const memory = [...literal(elementOf(dbl)), ...controls(0x8, simple8b([0n])), 0];
  const out = decodeBsonColumn(Uint8Array.from(memory));
  assertEquals(out.map((e) => e?.type), [1, 1]);
});

Deno.test("column: dates and timestamps as deltas of deltas, ObjectIds too", () => {
  const t0 = new Date("2026-12-01T10:00:00Z");
  const bin = [
    ...literal(elementOf(t0)),
    ...controls(0x8, simple8b([zz(1000n), 0n, zz(-500n), null, zz(0n)])),
    0,
  ];
  const ms = t0.getTime();
  assertEquals(values(bin), [
    6,
    asDoc([
      t0,
      new Date(ms + 1000),
      new Date(ms + 2000),
      new Date(ms + 2500),
      undefined,
      new Date(ms + 3000),
    ]),
  ]);
  const ts = [
    ...literal(elementOf(new Timestamp({ t: 100, i: 1 }))),
    ...controls(0x8, simple8b([zz(1n), 0n])),
    0,
  ];
  assertEquals(values(ts), [
    3,
    asDoc([
      new Timestamp({ t: 100, i: 1 }),
      new Timestamp({ t: 100, i: 2 }),
      new Timestamp({ t: 100, i: 3 }),
    ]),
  ]);
  // ObjectIds: the 64-bit value interleaves timestamp and counter bytes; the process-unique bytes stay
  const a = new ObjectId("65a000001122334455000010");
  const oids = [...literal(elementOf(a)), ...controls(0x8, simple8b([zz(2n), 0n])), 0];
  const [, got] = values(oids);
  assertEquals((got["1"] as ObjectId).toHexString(), "65a000001122334455000012");
  assertEquals((got["2"] as ObjectId).toHexString(), "65a000001122334455000014");
});

Deno.test("column: strings, binaries and decimals as 128-bit deltas", () => {
  // strings are reversed: the last character is the low byte ("a0" → "a1" is a delta of 1)
  const strs = [...literal(elementOf("a0")), ...controls(0x8, simple8b([zz(1n), zz(1n)])), 0];
  assertEquals(values(strs), [3, asDoc(["a0", "a1", "a2"])]);
  const bin = new Binary(new Uint8Array([1, 2, 3]), 0);
  const bins = [...literal(elementOf(bin)), ...controls(0x8, simple8b([zz(1n), 0n])), 0];
  const [, got] = values(bins);
  assertEquals([...(got["1"] as Binary).buffer], [2, 2, 3]);
  assertEquals([...(got["2"] as Binary).buffer], [2, 2, 3]);
  const dec = [...literal(elementOf(Decimal128.fromString("1"))), ...controls(0x8, simple8b([zz(2n)])), 0];
  assertEquals(String(values(dec)[1]["1"]), "3");
  // a 128-bit stream refuses a scaled control byte
  invalid(() =>
    decodeBsonColumn(Uint8Array.from([...literal(elementOf("x")), ...controls(0x9, simple8b([0n])), 0]))
  );
});

Deno.test("column: run-length continues over control bytes, restarts after a literal", () => {
  const blocks = simple8b([zz(1n)]); // one delta of +1 ...
  const rle = [0x0fn]; // ... then 120 repeats of it
  const bin = [...literal(elementOf(0)), ...controls(0x8, blocks), ...controls(0x8, rle), 0];
  const out = decodeBsonColumn(Uint8Array.from(bin));
  assertEquals(out.length, 122);
  assertEquals(docOf(out)["121"], 121);
  // after a literal, RLE repeats 0 (a fresh stream)
  const fresh = [...literal(elementOf(5)), ...controls(0x8, rle), 0];
  const f = decodeBsonColumn(Uint8Array.from(fresh));
  assertEquals(f.length, 121);
  assertEquals(docOf(f)["120"], 5);
});

Deno.test("column: interleaved objects (mongod's Interleaved test, legacy and current start bytes)", () => {
  const objs = [{ x: 1, y: 2 }, { x: 1, y: 3 }, { x: 1, y: 3 }, undefined, { y: 4 }, { x: 1, y: 3 }];
  for (const start of [0xf0, 0xf1]) {
    const bin = [
      ...interleavedStart(start, objs[0]!),
      ...controls(0x8, simple8b([0n, 0n, 0n, null, null, 0n])),
      ...controls(0x8, simple8b([0n, zz(1n), 0n, null, zz(1n), zz(-1n)])),
      0,
      0,
    ];
    assertEquals(values(bin), [6, asDoc(objs)]);
  }
});

Deno.test("column: interleaved arrays, array root, sub-objects left out or kept empty", () => {
  const arr = [
    ...interleavedStart(0xf1, { x: [1, 2] }),
    ...controls(0x8, simple8b([0n, zz(1n)])),
    ...controls(0x8, simple8b([0n, zz(1n)])),
    0,
    0,
  ];
  assertEquals(values(arr), [2, asDoc([{ x: [1, 2] }, { x: [2, 3] }])]);
  const root = [
    ...interleavedStart(0xf2, [1, 2]),
    ...controls(0x8, simple8b([0n, zz(1n)])),
    ...controls(0x8, simple8b([0n, zz(1n)])),
    0,
    0,
  ];
  assertEquals(values(root), [2, asDoc([[1, 2], [2, 3]])]);
  // legacy start: arrays are scalars (only repeat)
  const legacy = [
    ...interleavedStart(0xf0, { a: 1, x: [1, 2] }),
    ...controls(0x8, simple8b([0n, zz(1n)])),
    ...controls(0x8, simple8b([0n, 0n])),
    0,
    0,
  ];
  assertEquals(values(legacy), [2, asDoc([{ a: 1, x: [1, 2] }, { a: 2, x: [1, 2] }])]);
  // {a, s: {b}, e: {}}: a sub-object with no field is left out; one empty in the reference stays
  const sub = [
    ...interleavedStart(0xf1, { a: 1, s: { b: 1 }, e: {} }),
    ...controls(0x8, simple8b([0n, 0n])),
    ...controls(0x8, simple8b([0n, null])),
    0,
    0,
  ];
  assertEquals(values(sub), [2, asDoc([{ a: 1, s: { b: 1 }, e: {} }, { a: 1, e: {} }])]);
});

Deno.test("column: after interleaved mode, a zero delta repeats the last object", () => {
  const bin = [
    ...encodeInterleaved([{ a: 1 }, { a: 2 }]).slice(0, -1), // without the column's final 0
    ...controls(0x8, simple8b([0n, null])),
    ...literal(elementOf(9)),
    0,
  ];
  assertEquals(values(bin), [5, asDoc([{ a: 1 }, { a: 2 }, { a: 2 }, undefined, 9])]);
});

Deno.test("column: round trips through the test encoder", () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 40; round++) {
    const vals: unknown[] = [];
    let t = 1_700_000_000_000;
    let n = 0;
    for (let i = 0; i < 200; i++) {
      const r = rand();
      if (r < 0.1) vals.push(undefined);
      else if (r < 0.4) vals.push(new Date(t += Math.floor(rand() * 3) * 1000));
      else if (r < 0.6) vals.push(n += Math.floor(rand() * 20) - 10);
      else if (r < 0.7) vals.push(new Double(Math.floor(rand() * 100)));
      else if (r < 0.8) vals.push(`s${Math.floor(rand() * 30)}`);
      else if (r < 0.9) vals.push(new Int32(7));
      else vals.push({ k: Math.floor(rand() * 3) });
    }
    const elems: ColumnValue[] = vals.map((v) => v === undefined ? undefined : elementOf(v));
    const bin = encodeColumn(elems);
    const out = decodeBsonColumn(bin);
    assertEquals(out.length, vals.length);
    assertEquals(docOf(out), docOf(elems));
  }
  const objs = Array.from(
    { length: 300 },
    (_, i) => i % 17 === 5 ? undefined : { a: i, b: i % 3 === 1 ? undefined : 10 - i, c: 5 },
  );
  const out = decodeBsonColumn(encodeInterleaved(objs));
  const expected = objs.map((o) =>
    o && Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  );
  assertEquals(docOf(out), asDoc(expected));
});

Deno.test("column: malformed binaries → 6067602", () => {
  invalid(() => decodeBsonColumn(new Uint8Array()));
  invalid(() => decodeBsonColumn(Uint8Array.from([0x10, 0, 1, 0]))); // truncated literal
  invalid(() => decodeBsonColumn(Uint8Array.from([0x10, 0, 1, 0, 0, 0]))); // no final EOO
  invalid(() => decodeBsonColumn(Uint8Array.from([0, 0]))); // EOO before the end
  invalid(() => decodeBsonColumn(Uint8Array.from([0x80, 0x1e, 0, 0, 0, 0, 0, 0]))); // blocks overflow
  invalid(() => decodeBsonColumn(Uint8Array.from([0x70, ...new Array(8).fill(0x1e), 0]))); // bad control
  invalid(() =>
    decodeBsonColumn(Uint8Array.from([...literal(elementOf("s")), 0x90, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0]))
  );
  // a delta on a type that only repeats
  invalid(() =>
    decodeBsonColumn(Uint8Array.from([...literal(elementOf(null)), ...controls(0x8, simple8b([zz(1n)])), 0]))
  );
  invalid(() => decodeBsonColumn(Uint8Array.from([0x0f, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))); // CodeWScope
  // interleaved: no scalar field, no object after the reference, streams not exhausted together
  invalid(() =>
    decodeBsonColumn(
      Uint8Array.from([...interleavedStart(0xf1, { a: {} }), 0x80, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    )
  );
  invalid(() => decodeBsonColumn(Uint8Array.from([...interleavedStart(0xf1, { a: 1 }), 0, 0])));
  invalid(() =>
    decodeBsonColumn(Uint8Array.from([
      ...interleavedStart(0xf1, { a: 1, b: 1 }),
      ...controls(0x8, simple8b([0n])),
      ...controls(0x8, simple8b([0n, 0n])),
      0,
      0,
    ]))
  );
  // bounded output: 16 RLE blocks of 1,920 values each per control byte
  const rle = controls(0x8, Array(16).fill(0xffn));
  const many = Uint8Array.from([...literal(elementOf(1)), ...Array(20).fill(rle).flat(), 0]);
  assertEquals(decodeBsonColumn(many).length, 1 + 20 * 16 * 1920);
  invalid(() => decodeBsonColumn(many, { maxElements: 1000 }));
});

Deno.test("column: random and truncated bytes never crash or hang", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const samples = [
    encodeColumn(
      [1, 2, 3, undefined, "a", "b", new Date(5), new Date(6)].map((v) =>
        v === undefined ? undefined : elementOf(v)
      ),
    ),
    encodeInterleaved([{ a: 1, b: 2 }, { a: 2, b: 3 }]),
  ];
  const check = (bytes: Uint8Array) => {
    try {
      decodeBsonColumn(bytes, { maxElements: 10_000, maxWork: 100_000 });
    } catch (e) {
      ok(e instanceof CommandError, String(e));
      assertEquals(e.code, Location.InvalidBSONColumnEncoding);
    }
  };
  for (const s of samples) {
    for (let cut = 0; cut < s.length; cut++) check(s.subarray(0, cut));
    for (let i = 0; i < 500; i++) {
      const m = s.slice();
      m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      check(m);
    }
  }
  for (let i = 0; i < 2000; i++) {
    const len = 1 + Math.floor(rand() * 64);
    const m = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
    if (rand() < 0.5) m[0] = [0x80, 0xf1, 0x10, 0x01, 0x02, 0x03][Math.floor(rand() * 6)]!;
    check(m);
  }
});

/** Base64 of a BinData(7, …) as mongod's jstests spell them. */
function b64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

Deno.test("column: binaries written by mongod (jstests' compressed buckets and columns)", () => {
  // timeseries bucket with count 2 (jstests: a bucket inserted raw, then its "a" column corrupted)
  const [nt, t] = values(b64("CQAYhggUjQEAAIAOAAAAAAAAAAA="));
  assertEquals([nt, t], [
    2,
    asDoc([new Date("2024-01-16T20:48:39.448Z"), new Date("2024-01-16T20:48:39.448Z")]),
  ]);
  assertEquals(values(b64("AQAAAAAAAAAAAJAuAAAAAAAAAAA=")), [2, asDoc([new Double(0), new Double(1)])]);
  const [, ids] = values(b64("BwBlpuun5tLoSOCMN1CALgAAAAAAAAAA"));
  assertEquals(
    [(ids["0"] as ObjectId).toHexString(), (ids["1"] as ObjectId).toHexString()],
    ["65a6eba7e6d2e848e08c3750", "65a6eba7e6d2e848e08c3751"],
  );
  // single-measurement buckets
  assertEquals(values(b64("CQAVoWwAigEAAAA=")), [1, asDoc([new Date("2023-08-16T22:17:13.749Z")])]);
  assertEquals(
    (values(b64("BwBk3UrposROddEVEoUA"))[1]["0"] as ObjectId).toHexString(),
    "64dd4ae9a2c44e75d1151285",
  );
  assertEquals(values(b64("CQDoAwAAAAAAAAA=")), [1, asDoc([new Date(1000)])]);
  assertEquals(values(b64("AQAAAAAAAADwPwA=")), [1, asDoc([new Double(1)])]);
  assertEquals(values(b64("AgALAAAAcHJlVXBncmFkZQAA")), [1, asDoc(["preUpgrade"])]);
  assertEquals(values(b64("AgAEAAAAZm9vAAA=")), [1, asDoc(["foo"])]);
  // validate.js's valid column: 2.0, then at scale 1 an RLE of 960 zero deltas and 39 more
  const [n, twos] = values(b64("AQAAAAAAAAAAQJN/AAAAAAAAAAIAAAAAAAAABwAAAAAAAAAOAAAAAAAAAAA="));
  assertEquals(n, 1000);
  assertEquals(Object.values(twos).every((v) => v === 2), true);
  // ... and the ones mongod calls invalid: no final EOO, random bytes
  invalid(() => decodeBsonColumn(b64("AgAEAAAAZm9vAA==")));
  invalid(() => decodeBsonColumn(b64("O2FkZmdqYWtsamhnJ2xhamhkZzthaCdmZGphZ2hkYQ==")));
});
