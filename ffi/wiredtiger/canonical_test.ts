/**
 * The frame I/O thread's stored-as-sent check (shim/io_fast_canonical.c, through its test entry
 * `sct_fast_canonical`) against the command layer's (src/bson/raw_source.ts `validAndCanonical`): hand
 * cases each way, the nesting limit around its boundary, and a seeded differential fuzz over documents
 * npm bson writes, documents assembled element by element (duplicate and invalid names, types and values
 * JS refuses) and byte-mutated copies of both. C may refuse what JS takes (empty names, strings with a
 * NUL inside, more than 1,000 elements in a level, nesting past 32 levels) but never the reverse.
 */
import {
  Binary,
  BSON,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { decodeDocument } from "../../src/bson/decode.ts";
import { validAndCanonical } from "../../src/bson/raw_source.ts";
import { assert, assertEquals } from "./test_assert.ts";
import { shim } from "./load.ts";
import { seededRandom as rng } from "../../src/testing/seeded_random.ts";

const DEPTH = 20;

/** C's answer, over a copy of exactly b's bytes (a sanitizer build then sees any read past the end). */
function c(b: Uint8Array, depth = DEPTH): boolean {
  return shim().sct_fast_canonical(Uint8Array.from(b), b.length, depth) === 1;
}

// ------------------------------------------------------------------ bytes

const enc = new TextEncoder();

function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function i32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

function i64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, n, true);
  return b;
}

function bytesOf(name: string | Uint8Array): Uint8Array {
  return typeof name === "string" ? enc.encode(name) : name;
}

/** One element: type, NUL-terminated name, value bytes. */
function el(type: number, name: string | Uint8Array, value: Uint8Array | number[] = []): Uint8Array {
  return cat([type], bytesOf(name), [0], value);
}

/** A document of the given elements (its length and terminator around them). */
function doc(...els: Uint8Array[]): Uint8Array {
  const body = cat(...els);
  return cat(i32(body.length + 5), body, [0]);
}

/** A string value of the given content bytes. */
function str(s: string | Uint8Array): Uint8Array {
  const b = bytesOf(s);
  return cat(i32(b.length + 1), b, [0]);
}

/** The type and value bytes npm bson writes for `v`. */
function valueOf(v: unknown): [number, Uint8Array] {
  const b = BSON.serialize({ x: v });
  return [b[4]!, b.subarray(7, b.length - 1)];
}

function both(b: Uint8Array, depth = DEPTH): [boolean, boolean] {
  return [c(b, depth), validAndCanonical(b, depth)];
}

// ------------------------------------------------------------------ hand cases

Deno.test("fast_canonical_doc: documents JS stores as sent, C takes too", () => {
  const plain = BSON.serialize({
    _id: new ObjectId(),
    name: "x".repeat(300),
    u: "é😀日",
    n: 5,
    l: Long.fromNumber(1e12),
    f: 2.5,
    g: new Double(3),
    t: true,
    d: new Date(0),
    nil: null,
    bin: new Binary(new Uint8Array([1, 2, 3]), 0),
    uuid: new Binary(new Uint8Array(16), 4),
    ts: new Timestamp({ t: 1, i: 2 }),
    dec: Decimal128.fromString("1.25"),
    lo: new MinKey(),
    hi: new MaxKey(),
    "a$b": 1,
    a1: 2,
  });
  assertEquals(both(plain), [true, true]);
  const nested = BSON.serialize({ a: { b: [1, { c: [[], {}] }, "s"], e: {} }, f: [[[1]]] });
  assertEquals(both(nested), [true, true]);
  assertEquals(both(doc()), [true, true]);
  for (const text of ["", "abcdefgh", "abcdefghijklmnopq", "abcdefghé", "é", "abcdefgh😀x", "\uFEFFabc"]) {
    assertEquals(both(BSON.serialize({ [`n${text}`]: text })), [true, true], text);
  }
  assertEquals(
    both(doc(el(0x09, "d", i64(8_640_000_000_000_000n)), el(0x09, "e", i64(-8_640_000_000_000_000n)))),
    [
      true,
      true,
    ],
  );
  // many names: pairwise up to 32, hashed beyond
  const many: Record<string, number> = {};
  for (let i = 0; i < 1000; i++) many[`k${i}`] = i;
  assertEquals(both(BSON.serialize(many)), [true, true]);
});

Deno.test("fast_canonical_doc: each rule JS refuses, C refuses too", () => {
  const refused: [string, Uint8Array][] = [
    ["$x name", doc(el(0x10, "$x", i32(1)))],
    ["1a name", doc(el(0x10, "1a", i32(1)))],
    ["__proto__", doc(el(0x10, "__proto__", i32(1)))],
    ["duplicate name", doc(el(0x10, "a", i32(1)), el(0x10, "b", i32(1)), el(0x10, "a", i32(2)))],
    ["invalid UTF-8 name", doc(el(0x10, new Uint8Array([0x61, 0xc3]), i32(1)))],
    ["array index skipped", doc(el(0x04, "a", doc(el(0x10, "0", i32(1)), el(0x10, "2", i32(1)))))],
    ["array index 01", doc(el(0x04, "a", doc(el(0x10, "0", i32(1)), el(0x10, "01", i32(1)))))],
    ["NaN double", BSON.serialize({ a: new Double(NaN) })],
    ["NaN payload", doc(el(0x01, "a", [1, 0, 0, 0, 0, 0, 0xf0, 0xff]))],
    ["invalid UTF-8 string", doc(el(0x02, "s", str(new Uint8Array([0x61, 0xed, 0xa0, 0x80]))))],
    ["overlong UTF-8 string", doc(el(0x02, "s", str(new Uint8Array([0xc0, 0xaf]))))],
    ["invalid UTF-8 after ASCII", doc(el(0x02, "s", str(cat(enc.encode("abcdefghijklmnop"), [0xe2, 0x82]))))],
    ["invalid UTF-8 name after ASCII", doc(el(0x10, cat(enc.encode("abcdefghijk"), [0xff]), i32(1)))],
    ["string without terminator", doc(el(0x02, "s", cat(i32(2), [0x61, 0x62])))],
    ["string length 0", doc(el(0x02, "s", cat(i32(0), [0])))],
    ["binary subtype 2", doc(el(0x05, "b", cat(i32(8), [2], i32(4), [1, 2, 3, 4])))],
    ["binary subtype 9", doc(el(0x05, "b", cat(i32(2), [9], [3, 0])))],
    ["binary negative length", doc(el(0x05, "b", cat(i32(-1), [0])))],
    ["date past the range", doc(el(0x09, "d", i64(8_640_000_000_000_001n)))],
    ["date before the range", doc(el(0x09, "d", i64(-8_640_000_000_000_001n)))],
    ["boolean 2", doc(el(0x08, "t", [2]))],
    ["regex", BSON.serialize({ r: new BSONRegExp("a", "i") })],
    ["undefined", doc(el(0x06, "u"))],
    ["code", BSON.serialize({ c: new Code("x") })],
    ["code with scope", BSON.serialize({ c: new Code("x", { a: 1 }) })],
    ["symbol", BSON.serialize({ s: new BSONSymbol("s") })],
    ["DBPointer", doc(el(0x0c, "p", cat(str("c"), new Uint8Array(12))))],
    ["type 0 inside", doc(el(0x00, "z"))],
    ["unknown type", doc(el(0x20, "z"))],
    ["empty", new Uint8Array(0)],
    ["short", new Uint8Array([4, 0, 0, 0])],
    ["length too big", cat(i32(6), [0])],
    ["length too small", cat(i32(5), [0x0a, 0x61, 0, 0])],
    ["length negative", cat(i32(-5), [0x0a, 0x61, 0, 0])],
    ["no terminator", cat(i32(5), [1])],
    ["truncated", BSON.serialize({ a: "abc", b: 1 }).subarray(0, 12)],
    ["inner length past the document", doc(el(0x03, "o", cat(i32(100), [0])))],
    ["inner length negative", doc(el(0x03, "o", cat(i32(-8), [0])))],
    ["inner length huge", doc(el(0x04, "o", cat(i32(0x7fffffff), [0])))],
    ["string length huge", doc(el(0x02, "s", cat(i32(0x7fffffff), [0x61, 0])))],
    ["string length negative", doc(el(0x02, "s", cat(i32(-2), [0x61, 0])))],
    ["value over the terminator", cat(i32(9), [0x10, 0x61, 0, 1, 0, 0, 0], [0])],
    ["garbage", new Uint8Array([0x0d, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0])],
  ];
  for (const [what, b] of refused) {
    assertEquals(both(b), [false, false], what);
  }
  // too deep: 21 levels against a limit of 20
  let deep: unknown = { x: 1 };
  for (let i = 0; i < DEPTH; i++) deep = i % 2 === 1 ? { d: deep } : [deep];
  assertEquals(both(BSON.serialize(deep as Record<string, unknown>)), [false, false], "too deep");
});

Deno.test("fast_canonical_doc: stricter than JS where it says so", () => {
  // JS takes these; C leaves them to JS
  const stricter: [string, Uint8Array][] = [
    ["empty name", doc(el(0x10, "", i32(1)))],
    ["NUL inside a string", BSON.serialize({ s: "a\0b" })],
    ["NUL in a string's first eight bytes", BSON.serialize({ s: "abc\0efghijklmnop" })],
    ["NUL in a string's later bytes", BSON.serialize({ s: "abcdefghijklmnopqrs\0" })],
    ["NUL after non-ASCII", BSON.serialize({ s: "abcdefghé\0" })],
    [
      "1,001 elements",
      BSON.serialize(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]))),
    ],
    ["1,001 array elements", BSON.serialize({ a: Array.from({ length: 1001 }, (_, i) => i) })],
  ];
  for (const [what, b] of stricter) assertEquals(both(b), [false, true], what);
  // a duplicate past the 32 names compared pairwise (the hash)
  const names = Array.from({ length: 60 }, (_, i) => el(0x10, `n${i}`, i32(i)));
  assertEquals(both(doc(...names, el(0x10, "n7", i32(0)))), [false, false]);
  assertEquals(both(doc(...names, el(0x10, "n77", i32(0)))), [true, true]);
  // documents past the eight a level remembers (walked again from the ninth)
  const kids = (bad: number) =>
    doc(
      ...Array.from(
        { length: 12 },
        (_, i) => el(0x03, `o${i}`, doc(el(0x10, i === bad ? "$x" : "x", i32(i)))),
      ),
    );
  assertEquals(both(kids(-1)), [true, true]);
  for (const bad of [0, 7, 8, 11]) assertEquals(both(kids(bad)), [false, false], `bad document ${bad}`);
  // names of the same bytes up to one's end
  assertEquals(both(doc(...names.slice(0, 40), el(0x10, "n3", i32(0)), el(0x10, "n", i32(0)))), [
    false,
    false,
  ]);
});

Deno.test("fast_canonical_doc: nesting limits line up with validAndCanonical's maxDepth", () => {
  // `levels` levels, documents and arrays: each holds one element, the next level in, or an int32 last
  const chain = (levels: number, isArray: boolean): Uint8Array => {
    const name = isArray ? "0" : "d";
    if (levels === 1) return doc(el(0x10, name, i32(1)));
    const inner = levels % 3 === 0;
    return doc(el(inner ? 0x04 : 0x03, name, chain(levels - 1, inner)));
  };
  for (let levels = 1; levels <= 36; levels++) {
    const v = chain(levels, false);
    for (const depth of [-1, 0, 1, 2, 5, 19, 20, 21, 31, 32, 33, 40, 100, 101, 200]) {
      const [cs, js] = both(v, depth);
      assert(!cs || js, `C takes ${levels} levels at depth ${depth}, JS does not`);
      if (levels <= Math.min(depth, 32)) assert(cs, `C refuses ${levels} levels at depth ${depth}`);
      if (levels > depth) assert(!cs, `C takes ${levels} levels at depth ${depth}`);
    }
  }
});

// ------------------------------------------------------------------ fuzz

/** What a generated document holds that C refuses although JS may take it. */
interface Flags {
  stricter: boolean;
  levels: number;
}

class Gen {
  readonly r: () => number;
  /** Only names and types JS takes (a document may still hold an empty name or a NUL in a string). */
  clean = false;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }

  name(f: Flags): string {
    const n = this.chance(0.03) ? 0 : 1 + this.int(3);
    let s = "";
    for (let i = 0; i < n; i++) s += this.pick(this.clean && i === 0 ? CLEAN_FIRST : NAME_PIECES);
    if (s === "") f.stricter = true;
    return s;
  }
  text(f: Flags): string {
    const n = this.int(this.chance(0.05) ? 200 : 8);
    let s = "";
    for (let i = 0; i < n; i++) s += this.pick(TEXT_PIECES);
    if (this.chance(0.03)) {
      s += "\0";
      f.stricter = true;
    }
    return s;
  }

  /** A value npm bson writes (the types it has classes for, JS-refused ones included). */
  scalar(f: Flags): unknown {
    switch (this.clean ? this.pick(CLEAN_KINDS) : this.int(22)) {
      case 0:
        return (this.r() - 0.5) * 1e9;
      case 1:
        return new Double(this.pick([NaN, Infinity, -Infinity, -0, 0, 1, 2 ** 53, 1e300]));
      case 2:
        return this.int(2 ** 31) * (this.chance(0.5) ? -1 : 1);
      case 3:
        return Long.fromNumber((this.r() - 0.5) * 2 ** 60);
      case 4:
      case 5:
        return this.text(f);
      case 6:
        return new ObjectId(this.bytes(12));
      case 7:
        return this.chance(0.5);
      case 8:
        return new Date(this.pick([0, -1, 8.64e15, -8.64e15, Math.floor((this.r() - 0.5) * 1e13)]));
      case 9:
        return null;
      case 10:
        return new MinKey();
      case 11:
        return new MaxKey();
      case 12:
        return new Timestamp({ t: this.int(2 ** 32), i: this.int(2 ** 32) });
      case 13:
        return Decimal128.fromString(this.pick(["0", "1.5", "-1E+10", "NaN", "Infinity", "123456789.000"]));
      case 14:
        return new Binary(this.bytes(this.int(20)), this.pick([0, 1, 3, 5, 6, 7, 8, 0x80, 0xff]));
      case 15:
        return new Binary(this.bytes(16), 4);
      case 16:
        return new BSONRegExp(this.pick(["a", "^x$", ""]), this.pick(["", "i", "ms"]));
      case 17:
        return new Code("f()");
      case 18:
        return new BSONSymbol("sym");
      case 19:
        return new Code("g()", { a: 1 });
      case 20:
        return this.int(100);
      default:
        return "s" + this.int(1000);
    }
  }

  /** A JS value for BSON.serialize, at `level` (the level of the document holding it). */
  jsValue(level: number, f: Flags): unknown {
    const k = this.r();
    if (level < 26 && k < (level < 4 ? 0.18 : 0.06)) return this.jsDoc(level + 1, f);
    if (level < 26 && k < (level < 4 ? 0.3 : 0.1)) {
      f.levels = Math.max(f.levels, level + 1);
      return Array.from({ length: this.int(6) }, () => this.jsValue(level + 1, f));
    }
    return this.scalar(f);
  }
  jsDoc(level: number, f: Flags): Record<string, unknown> {
    f.levels = Math.max(f.levels, level);
    const o: Record<string, unknown> = {};
    const n = this.chance(0.05) ? 30 + this.int(40) : this.int(8);
    for (let i = 0; i < n; i++) {
      const name = this.name(f);
      // (`__proto__` sets a prototype, not a key; a name again would drop a value its levels counted)
      if (name === "__proto__" || Object.hasOwn(o, name)) continue;
      o[name] = this.jsValue(level, f);
    }
    return o;
  }

  /** A value assembled by hand: [type, value bytes]. */
  rawValue(level: number, f: Flags): [number, Uint8Array] {
    const k = this.r();
    if (level < 26 && k < (level < 4 ? 0.15 : 0.05)) return [0x03, this.rawDoc(level + 1, f, false)];
    if (level < 26 && k < (level < 4 ? 0.28 : 0.09)) return [0x04, this.rawDoc(level + 1, f, true)];
    if (k < 0.55) {
      const v = this.scalar(f);
      return valueOf(v);
    }
    switch (this.int(14)) {
      case 0:
        return [0x06, new Uint8Array(0)];
      case 1:
        return [0x08, Uint8Array.of(this.int(4))];
      case 2: {
        const bound = 8_640_000_000_000_000n;
        const d = this.pick([bound, -bound, bound + 1n, -bound - 1n, BigInt(this.int(2 ** 31)) << 32n]);
        return [0x09, i64(this.chance(0.5) ? d : -d)];
      }
      case 3: {
        const b = this.bytes(8);
        b[7] = this.chance(0.5) ? 0x7f : 0xff;
        b[6]! |= 0xf0;
        if (this.chance(0.3)) { // ±Infinity
          b.fill(0, 0, 6);
          b[6] = 0xf0;
        }
        return [0x01, b];
      }
      case 4: {
        const s = this.pick(BAD_UTF8);
        if (s.includes(0)) f.stricter = true;
        return [0x02, str(s)];
      }
      case 5:
        return [0x05, cat(i32(4), [this.pick([2, 9])], [0, 0, 0, 0])];
      case 6:
        return [0x0c, cat(str("c"), this.bytes(12))];
      case 7:
        return [0x0d, str("code")];
      case 8:
        return [0x0e, str("sym")];
      case 9:
        return [0x13, this.bytes(16)];
      case 10:
        return [0x0b, cat(enc.encode("a"), [0], [0])];
      case 11:
        return [this.pick([0x0a, 0x7f, 0xff]), new Uint8Array(0)];
      case 12:
        return [0x11, this.bytes(8)];
      default:
        return [0x07, this.bytes(12)];
    }
  }
  rawName(f: Flags, taken: string[]): Uint8Array {
    if (taken.length > 0 && this.chance(0.04)) return enc.encode(this.pick(taken)); // a duplicate
    if (this.chance(0.03)) return this.pick(BAD_NAMES);
    if (this.chance(0.01)) return enc.encode("__proto__");
    return enc.encode(this.name(f));
  }
  rawDoc(level: number, f: Flags, isArray: boolean): Uint8Array {
    f.levels = Math.max(f.levels, level);
    const n = this.chance(0.05) ? 30 + this.int(50) : this.int(8);
    const taken: string[] = [];
    const els: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      let name: Uint8Array;
      if (isArray) {
        name = enc.encode(this.chance(0.03) ? this.pick(["01", String(i + 1), "", "x"]) : String(i));
      } else {
        name = this.rawName(f, taken);
        if (name.length === 0) f.stricter = true;
        taken.push(new TextDecoder().decode(name));
      }
      const [t, v] = this.rawValue(level, f);
      els.push(el(t, name, v));
    }
    return doc(...els);
  }

  mutate(b: Uint8Array): Uint8Array {
    let out: Uint8Array = Uint8Array.from(b); // (a Buffer's slice would share b's bytes)
    const times = 1 + this.int(3);
    for (let i = 0; i < times; i++) {
      const at = this.int(out.length + 1);
      switch (this.int(6)) {
        case 0:
          if (out.length > 0) out[Math.min(at, out.length - 1)] = this.int(256);
          break;
        case 1:
          out = cat(out.subarray(0, at), [this.int(256)], out.subarray(at));
          break;
        case 2:
          out = cat(out.subarray(0, at), out.subarray(at + 1));
          break;
        case 3: {
          const len = this.pick([
            -1,
            -0x80000000,
            0x7fffffff,
            0,
            1,
            4,
            5,
            out.length,
            out.length - at,
            this.int(300),
          ]);
          if (at + 4 <= out.length) out.set(i32(len), at);
          break;
        }
        case 4:
          out = out.slice(0, at);
          break;
        default:
          if (out.length > 0) out[Math.min(at, out.length - 1)]! ^= 1 << this.int(8);
      }
    }
    // mostly keep the outer length right, so the walk goes past the first check
    if (out.length >= 4 && this.chance(0.7)) out.set(i32(out.length), 0);
    return out;
  }
}

const NAME_PIECES = ["a", "b", "c", "_", "$", "0", "7", "id", "é", "日", "😀", "x."] as const;
const CLEAN_FIRST = ["a", "b", "c", "_", "id", "é", "日", "😀"] as const;
/** scalar()'s kinds JS takes (the others: a NaN among special doubles, regex, code, symbol). */
const CLEAN_KINDS = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21] as const;
const TEXT_PIECES = ["a", "Z", " ", "é", "€", "😀", "\uFEFF", "\u0001", "\ud800", "\u00ff"] as const;
const BAD_UTF8 = [
  [0xff],
  [0xc3],
  [0x61, 0xc0, 0x80],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x61, 0x00, 0x62],
  [0xe2, 0x82],
].map((b) => Uint8Array.from(b));
const BAD_NAMES = [[0xff], [0x61, 0xc3], [0xed, 0xb0, 0x80], [0xc1, 0xbf]].map((b) => Uint8Array.from(b));

Deno.test("fast_canonical_doc: differential fuzz (C takes only what validAndCanonical takes)", () => {
  const g = new Gen(0x5ec7a2);
  const stats = {
    docs: 0, // generated (npm bson's or assembled), then two mutated copies of each
    samples: 0,
    jsTrue: 0,
    cTrue: 0,
    cTrueJsFalse: 0, // must stay 0
    jsTrueStricter: 0, // JS takes them, and they hold what C refuses on purpose
    jsTrueCFalseOtherwise: 0, // JS takes them, nothing C refuses on purpose, C refuses: must stay 0
    generatedJsTrue: 0, // generated, nothing C refuses on purpose, at most DEPTH levels, JS takes
    generatedCTrue: 0,
    nearLimitJsTrue: 0, // generated with DEPTH - 2 .. DEPTH levels, JS takes
    nearLimitCTrue: 0,
    overLimit: 0, // generated with more than DEPTH levels (both must refuse)
    mutatedJsTrue: 0,
    mutatedCTrue: 0,
    roundTripDiffer: 0, // C takes, decode → encode differs: must stay 0
  };
  const failures: string[] = [];
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const check = (b: Uint8Array, f: Flags | undefined) => {
    stats.samples++;
    const cs = c(b);
    const js = validAndCanonical(b, DEPTH);
    if (cs) stats.cTrue++;
    if (js) stats.jsTrue++;
    if (cs && !js) {
      stats.cTrueJsFalse++;
      if (failures.length < 5) failures.push("C takes " + hex(b));
    }
    if (cs && !sameBytes(BSON.serialize(decodeDocument(b)), b)) stats.roundTripDiffer++;
    if (js && !cs) {
      if (stricterFeature(decodeDocument(b))) stats.jsTrueStricter++;
      else if (stats.jsTrueCFalseOtherwise++ < 5) failures.push("C refuses " + hex(b));
    }
    if (f === undefined) {
      if (js) stats.mutatedJsTrue++;
      if (cs) stats.mutatedCTrue++;
    } else if (f.levels > DEPTH) {
      stats.overLimit++;
      if (js) failures.push(`JS takes ${f.levels} levels`);
    } else if (!f.stricter && js) {
      stats.generatedJsTrue++;
      if (cs) stats.generatedCTrue++;
      if (f.levels >= DEPTH - 2) {
        stats.nearLimitJsTrue++;
        if (cs) stats.nearLimitCTrue++;
      }
    }
  };
  for (let i = 0; i < 24_000; i++) {
    const f: Flags = { stricter: false, levels: 1 };
    g.clean = i % 4 === 0;
    let b: Uint8Array = i % 2 === 0 ? BSON.serialize(g.jsDoc(1, f)) : g.rawDoc(1, f, false);
    // one in five wrapped in documents and arrays to DEPTH - 3 .. DEPTH + 2 levels
    if (i % 5 === 3) {
      const target = DEPTH - 3 + g.int(6);
      while (f.levels < target) {
        const asArray = f.levels + 2 <= target && g.chance(0.5);
        b = asArray ? doc(el(0x04, "w", doc(el(0x03, "0", b)))) : doc(el(0x03, "w", b));
        f.levels += asArray ? 2 : 1;
      }
    }
    stats.docs++;
    check(b, f);
    for (let m = 0; m < 2; m++) check(g.mutate(b), undefined);
  }
  console.log("fast_canonical_doc fuzz:", JSON.stringify(stats));
  assertEquals(failures, []);
  assertEquals(stats.cTrueJsFalse, 0);
  assertEquals(stats.jsTrueCFalseOtherwise, 0);
  assertEquals(stats.roundTripDiffer, 0);
  assert(stats.docs >= 20_000);
  assert(stats.generatedJsTrue > 5_000, "enough generated documents JS takes");
  assert(stats.generatedCTrue >= 0.9 * stats.generatedJsTrue, "C takes at least 90 % of what JS takes");
  assert(stats.nearLimitJsTrue > 100 && stats.overLimit > 100, "documents around the nesting limit");
  assert(stats.mutatedCTrue > 100, "some mutated documents stay valid");
});

/** A decoded document holds what C refuses on purpose: an empty name, a NUL in a string, a level of
 * more than 1,000 elements (the nesting is checked apart). */
function stricterFeature(v: unknown): boolean {
  if (typeof v === "string") return v.includes("\0");
  if (Array.isArray(v)) return v.length > 1000 || v.some(stricterFeature);
  if (v === null || typeof v !== "object" || (v as { _bsontype?: string })._bsontype !== undefined) {
    return false;
  }
  if (v instanceof Date) return false;
  const keys = Object.keys(v);
  return keys.length > 1000 || keys.includes("") ||
    keys.some((k) => stricterFeature((v as Record<string, unknown>)[k]));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
