/**
 * Seeded wire/BSON fuzz frames (issue 11, item 5): every frame category a hostile or broken client can
 * send — valid commands, mutated bytes, truncated frames, wrong/huge/negative lengths, deep nesting,
 * invalid UTF-8, unknown opcodes, garbage OP_COMPRESSED, bad checksums and section kinds, legacy
 * opcodes, broken BSON element lengths. `frameAt(seed, i)` is deterministic, so a failure reproduces
 * from the seed and index alone. Used by tests/integration/chaos_test.ts (a few thousand frames) and
 * bench/chaos_bench.ts (1,000,000).
 */
import { BSON } from "bson";

export type Rng = () => number;

/** A small LCG: fast, seedable, good enough to pick bytes. */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const int = (r: Rng, n: number) => Math.floor(r() * n);

/** A fuzz frame, and whether the client should hang up after sending it (the server waits for more). */
export interface FuzzFrame {
  readonly category: string;
  readonly bytes: Uint8Array;
  /** The frame announces more bytes than it carries: the sender closes the connection after it. */
  readonly hangsUp: boolean;
}

function header(len: number, opCode: number, requestId = 1): Uint8Array {
  const h = new Uint8Array(16);
  const dv = new DataView(h.buffer);
  dv.setInt32(0, len, true);
  dv.setInt32(4, requestId, true);
  dv.setInt32(12, opCode, true);
  return h;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** An OP_MSG frame with one kind-0 body (and optional extra sections / flags). */
export function opMsg(body: Uint8Array, flags = 0, extra: Uint8Array[] = []): Uint8Array {
  const f = new Uint8Array(5);
  new DataView(f.buffer).setUint32(0, flags, true);
  f[4] = 0;
  const rest = concat([f, body, ...extra]);
  return concat([header(16 + rest.length, 2013), rest]);
}

const enc = new TextEncoder();
function cstr(s: string): Uint8Array {
  return concat([enc.encode(s), new Uint8Array([0])]);
}

/** A raw BSON document from raw element bytes (so elements may be malformed on purpose). */
export function rawDoc(elements: Uint8Array[]): Uint8Array {
  const body = concat(elements);
  const d = new Uint8Array(4 + body.length + 1);
  new DataView(d.buffer).setInt32(0, d.length, true);
  d.set(body, 4);
  return d;
}

/** A string element whose value is the given raw bytes (possibly invalid UTF-8). */
function rawStringEl(key: Uint8Array, value: Uint8Array): Uint8Array {
  const len = new Uint8Array(4);
  new DataView(len.buffer).setInt32(0, value.length + 1, true);
  return concat([new Uint8Array([0x02]), key, new Uint8Array([0]), len, value, new Uint8Array([0])]);
}

/** `{a: {a: {a: … }}}` nested `depth` levels, built iteratively as bytes (no recursion). */
export function deepDoc(depth: number, key = "a"): Uint8Array {
  const k = enc.encode(key);
  const step = 4 + 1 + k.length + 1; // a level's size field plus its one element's type and key
  const total = (depth - 1) * step + 4 + depth; // every level's NUL terminator at the end
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  for (let level = 0; level < depth; level++) {
    const start = level * step;
    dv.setInt32(start, total - level - start, true);
    if (level < depth - 1) {
      out[start + 4] = 0x03;
      out.set(k, start + 5);
    }
  }
  return out;
}

const INVALID_UTF8: Uint8Array[] = [
  new Uint8Array([0xff]),
  new Uint8Array([0xc0, 0xaf]), // overlong "/"
  new Uint8Array([0xed, 0xa0, 0x80]), // a UTF-16 surrogate encoded in UTF-8
  new Uint8Array([0xe2, 0x82]), // truncated sequence
  new Uint8Array([0x61, 0x80, 0x62]),
  new Uint8Array([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

function validCommand(r: Rng): Record<string, unknown> {
  switch (int(r, 6)) {
    case 0:
      return { ping: 1, $db: "admin" };
    case 1:
      return { find: "c", filter: { a: { $gt: int(r, 10) } }, limit: 3, $db: "fz" };
    case 2:
      return { insert: "c", documents: [{ a: int(r, 100), s: "x".repeat(int(r, 40)) }], $db: "fz" };
    case 3:
      return { aggregate: "c", pipeline: [{ $group: { _id: "$a", n: { $sum: 1 } } }], cursor: {}, $db: "fz" };
    case 4:
      return { update: "c", updates: [{ q: { a: int(r, 10) }, u: { $inc: { n: 1 } } }], $db: "fz" };
    default:
      return { delete: "c", deletes: [{ q: { a: int(r, 100) }, limit: 1 }], $db: "fz" };
  }
}

function validFrame(r: Rng): Uint8Array {
  return opMsg(BSON.serialize(validCommand(r)));
}

type Gen = (r: Rng) => { bytes: Uint8Array; hangsUp?: boolean };

/** Every frame category, each a generator. */
export const CATEGORIES: Record<string, Gen> = {
  valid: (r) => ({ bytes: validFrame(r) }),
  mutated: (r) => {
    const f = validFrame(r);
    const flips = 1 + int(r, 4);
    for (let i = 0; i < flips; i++) f[int(r, f.length)] = int(r, 256);
    const len = new DataView(f.buffer).getInt32(0, true);
    return { bytes: f, hangsUp: len !== f.length };
  },
  truncated: (r) => {
    const f = validFrame(r);
    const cut = f.subarray(0, 4 + int(r, f.length - 4));
    // half: the header still claims the whole length (the server waits); half: the length is adjusted
    if (r() < 0.5) return { bytes: cut, hangsUp: true };
    const g = cut.slice();
    if (g.length >= 4) new DataView(g.buffer).setInt32(0, g.length, true);
    return { bytes: g, hangsUp: g.length < 16 };
  },
  wrongLength: (r) => {
    const f = validFrame(r);
    const delta = r() < 0.5 ? -(1 + int(r, 12)) : 1 + int(r, 64);
    new DataView(f.buffer).setInt32(0, f.length + delta, true);
    return { bytes: f, hangsUp: true };
  },
  hugeLength: (r) => {
    const lens = [0x7fffffff, -1, -0x80000000, 0, 15, 16, 48_000_001, 48_000_000, 200_000_000];
    const f = validFrame(r);
    new DataView(f.buffer).setInt32(0, lens[int(r, lens.length)]!, true);
    return { bytes: f, hangsUp: true };
  },
  deepNesting: (r) => {
    const depth = [150, 202, 1_000, 20_000][int(r, 4)]!;
    const inner = deepDoc(depth);
    const key = ["filter", "documents", "pipeline", "u"][int(r, 4)]!;
    const cmd = rawDoc([
      concat([new Uint8Array([0x02]), cstr("find"), new Uint8Array([2, 0, 0, 0, 0x63, 0])]),
      concat([new Uint8Array([0x03]), cstr(key), inner]),
      concat([new Uint8Array([0x02]), cstr("$db"), new Uint8Array([3, 0, 0, 0, 0x66, 0x7a, 0])]),
    ]);
    return { bytes: opMsg(cmd) };
  },
  invalidUtf8: (r) => {
    const bad = INVALID_UTF8[int(r, INVALID_UTF8.length)]!;
    const inKey = r() < 0.5;
    const el = inKey
      ? concat([new Uint8Array([0x10]), bad, new Uint8Array([0, 1, 0, 0, 0])])
      : rawStringEl(enc.encode("s"), bad);
    const cmd = rawDoc([
      concat([new Uint8Array([0x02]), cstr("insert"), new Uint8Array([2, 0, 0, 0, 0x63, 0])]),
      concat([
        new Uint8Array([0x04]),
        cstr("documents"),
        rawDoc([concat([new Uint8Array([0x03]), cstr("0"), rawDoc([el])])]),
      ]),
      concat([new Uint8Array([0x02]), cstr("$db"), new Uint8Array([3, 0, 0, 0, 0x66, 0x7a, 0])]),
    ]);
    return { bytes: opMsg(cmd) };
  },
  unknownOpcode: (r) => {
    const op = [
      0,
      1,
      1000,
      2001,
      2002,
      2005,
      2006,
      2007,
      2010,
      2011,
      2014,
      9999,
      -1,
      int(r, 1 << 30),
    ][int(r, 14)]!;
    const body = BSON.serialize({ ping: 1 });
    const h = header(16 + 4 + body.length, op);
    return { bytes: concat([h, new Uint8Array(4), body]) };
  },
  garbageCompression: (r) => {
    const inner = validFrame(r);
    const payload = r() < 0.5 ? new Uint8Array(int(r, 200)).map(() => int(r, 256)) : inner.subarray(16); // "compressed" bytes that are really uncompressed
    const meta = new Uint8Array(9);
    const dv = new DataView(meta.buffer);
    dv.setInt32(0, 2013, true);
    const sizes = [inner.length - 16, 0, -1, 0x7fffffff, 48_000_001, int(r, 1 << 20)];
    dv.setInt32(4, sizes[int(r, sizes.length)]!, true);
    meta[8] = [0, 1, 2, 3, 4, 255][int(r, 6)]!;
    const rest = concat([meta, payload]);
    return { bytes: concat([header(16 + rest.length, 2012), rest]) };
  },
  checksumAndFlags: (r) => {
    const body = BSON.serialize(validCommand(r));
    const flags = [1, 2, 1 << 16, 1 << 3, 0xffffffff, 1 | 2][int(r, 6)]!;
    const extra = flags & 1 ? [new Uint8Array(4).map(() => int(r, 256))] : [];
    return { bytes: opMsg(body, flags, extra) };
  },
  sections: (r) => {
    const body = BSON.serialize({ insert: "c", $db: "fz" });
    const docs = BSON.serialize({ a: 1 });
    const id = cstr("documents");
    const size = new Uint8Array(4);
    const claimed = [
      4 + id.length + docs.length,
      0,
      3,
      -5,
      1 << 30,
      4 + id.length + docs.length - 3,
    ][int(r, 6)]!;
    new DataView(size.buffer).setInt32(0, claimed, true);
    const kind = [1, 1, 1, 2, 7, 0][int(r, 6)]!;
    const sec = concat([new Uint8Array([kind]), size, id, docs]);
    return { bytes: opMsg(body, 0, [sec]) };
  },
  opQuery: (r) => {
    const q = BSON.serialize(r() < 0.5 ? { isMaster: 1 } : { find: "c" });
    const ns = cstr(r() < 0.5 ? "admin.$cmd" : "x".repeat(int(r, 300)));
    const fixed = new Uint8Array(12);
    const dv = new DataView(fixed.buffer);
    dv.setInt32(4, int(r, 5) - 2, true); // numberToSkip
    dv.setInt32(8, int(r, 5) - 2, true); // numberToReturn
    const flags = new Uint8Array(4);
    new DataView(flags.buffer).setInt32(0, int(r, 256), true);
    const rest = concat([flags, ns, fixed.subarray(4), q]);
    if (r() < 0.3) rest[int(r, rest.length)] = int(r, 256);
    return { bytes: concat([header(16 + rest.length, 2004), rest]) };
  },
  badBsonElements: (r) => {
    const kinds: Uint8Array[] = [
      // string with a negative / huge / zero length
      concat([new Uint8Array([0x02]), cstr("s"), new Uint8Array([0xff, 0xff, 0xff, 0xff, 0])]),
      concat([new Uint8Array([0x02]), cstr("s"), new Uint8Array([0xff, 0xff, 0xff, 0x7f, 0x61, 0])]),
      concat([new Uint8Array([0x02]), cstr("s"), new Uint8Array([0, 0, 0, 0])]),
      // unknown type bytes
      concat([new Uint8Array([0x20 + int(r, 0x5f)]), cstr("t"), new Uint8Array([1, 2, 3, 4])]),
      // binary with a subtype and a length past the end
      concat([new Uint8Array([0x05]), cstr("b"), new Uint8Array([0xff, 0, 0, 0, 0x04, 1])]),
      // embedded document whose length overruns its parent
      concat([new Uint8Array([0x03]), cstr("d"), new Uint8Array([0xff, 0xff, 0, 0, 0])]),
      // regex without terminators, code-with-scope with a bad size, decimal128 cut short
      concat([new Uint8Array([0x0b]), enc.encode("r"), new Uint8Array([0, 0x61, 0x62])]),
      concat([new Uint8Array([0x0f]), cstr("c"), new Uint8Array([8, 0, 0, 0, 1, 0, 0, 0])]),
      concat([new Uint8Array([0x13]), cstr("n"), new Uint8Array([1, 2, 3])]),
    ];
    const el = kinds[int(r, kinds.length)]!;
    const cmd = rawDoc([
      concat([new Uint8Array([0x02]), cstr("find"), new Uint8Array([2, 0, 0, 0, 0x63, 0])]),
      concat([new Uint8Array([0x03]), cstr("filter"), rawDoc([el])]),
      concat([new Uint8Array([0x02]), cstr("$db"), new Uint8Array([3, 0, 0, 0, 0x66, 0x7a, 0])]),
    ]);
    return { bytes: opMsg(cmd) };
  },
  randomBytes: (r) => ({
    bytes: new Uint8Array(int(r, 256)).map(() => int(r, 256)),
    hangsUp: true,
  }),
};

export const CATEGORY_NAMES = Object.keys(CATEGORIES);

/** Frame `i` of the fuzz run seeded `seed`: categories in rotation, content from its own stream. */
export function frameAt(seed: number, i: number): FuzzFrame {
  const category = CATEGORY_NAMES[i % CATEGORY_NAMES.length]!;
  const r = rng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  r();
  const g = CATEGORIES[category]!(r);
  return { category, bytes: g.bytes, hangsUp: g.hangsUp ?? false };
}
