/**
 * The scalar `$set`/`$inc` fast path (scalar_patch.ts) against the general operator update it stands
 * for (decode → `apply` → encode): the same bytes, `modified`, diff and errors, and the oplog's
 * `{$v: 2, diff}` encoded as `BSON.serialize` encodes it.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON, Decimal128, Double, Long, ObjectId } from "bson";
import { compileUpdate } from "./mod.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { patchScalars, scalarUpdateSpec } from "./scalar_patch.ts";
import type { Document as Doc } from "../../bson/document.ts";

const ctx = { isInsert: false, now: new Date(1_700_000_000_000) };

type Outcome = { error: string } | { bytes: number[]; modified: boolean; diff: unknown };

function errorOf(e: unknown): { error: string } {
  const c = e as { codeName?: string; code?: number; message?: string };
  if (c.codeName === undefined) throw e;
  return { error: `${c.code} ${c.codeName}: ${c.message}` };
}

function diffBytes(d: unknown): number[] | undefined {
  return d === undefined || d === null ? undefined : [...BSON.serialize({ d })];
}

/** The general path: decode, apply, encode. */
function whole(spec: Doc, bytes: Uint8Array): Outcome {
  try {
    const r = compileUpdate(spec).apply(decodeDocument(bytes), ctx);
    return {
      bytes: [...(r.modified ? BSON.serialize(r.doc) : bytes)],
      modified: r.modified,
      diff: diffBytes(r.diff),
    };
  } catch (e) {
    return errorOf(e);
  }
}

/** The byte patch (the fast path, or the general patch it falls back to), else the whole path. */
function patched(spec: Doc, bytes: Uint8Array): Outcome {
  try {
    const r = compileUpdate(spec).applyBytes?.(bytes, ctx);
    if (r === undefined) return whole(spec, bytes);
    if (r.o !== undefined) {
      assertEquals([...r.o], [...BSON.serialize({ $v: 2, diff: r.diff })], "o");
    }
    return { bytes: [...r.bytes], modified: r.modified, diff: diffBytes(r.diff) };
  } catch (e) {
    return errorOf(e);
  }
}

function same(spec: Doc, doc: Doc, fast = true): void {
  const bytes = BSON.serialize(doc);
  const label = `${JSON.stringify(BSON.EJSON.serialize(spec))} on ${
    JSON.stringify(BSON.EJSON.serialize(doc))
  }`;
  assertEquals(scalarUpdateSpec(spec) !== undefined, fast, `fast path taken: ${label}`);
  assertEquals(patched(spec, bytes), whole(spec, bytes), label);
}

Deno.test("scalar $inc: int32, overflow to int64, int64 overflow to double, doubles", () => {
  const base = { _id: 1, seq: 1, payload: "x".repeat(30) };
  same({ $inc: { counter: 1 } }, { ...base, counter: 5 });
  same({ $inc: { counter: 1 } }, { ...base, counter: 2147483647 });
  same({ $inc: { counter: -1 } }, { ...base, counter: -2147483648 });
  same({ $inc: { counter: 1 } }, { ...base, counter: Long.MAX_VALUE });
  same({ $inc: { counter: Long.fromNumber(3) } }, { ...base, counter: 5 });
  same({ $inc: { counter: 1.5 } }, { ...base, counter: 5 });
  same({ $inc: { counter: 1 } }, { ...base, counter: new Double(4) });
  same({ $inc: { counter: 0.5 } }, { ...base, counter: 1.5 });
  same({ $inc: { counter: new Double(1) } }, { ...base, counter: 2 });
  same({ $inc: { counter: NaN } }, { ...base, counter: 2 });
  same({ $inc: { counter: 1 } }, { ...base, counter: NaN });
  // decimals take the general path
  same({ $inc: { counter: 1 } }, { ...base, counter: Decimal128.fromString("1.5") });
  same({ $inc: { counter: Decimal128.fromString("1") } }, { ...base, counter: 1 }, false);
});

Deno.test("scalar $inc: a missing field is created; by zero nothing changes unless the type does", () => {
  same({ $inc: { counter: 1 } }, { _id: 1, seq: 1 });
  same({ $inc: { counter: Long.fromNumber(7) } }, { _id: 1 });
  same({ $inc: { counter: 0 } }, { _id: 1, counter: 5 });
  same({ $inc: { counter: 0 } }, { _id: 1, counter: Long.fromNumber(5) });
  same({ $inc: { counter: 0.0 } }, { _id: 1, counter: new Double(5) });
  same({ $inc: { counter: new Double(0) } }, { _id: 1, counter: 5 }); // int → double: modified
  same({ $inc: { counter: -0 } }, { _id: 1, counter: 5 });
});

Deno.test("scalar $inc of a non-numeric field: 14 TypeMismatch, as the general path", () => {
  for (const v of ["5", true, null, { a: 1 }, [1], new Date(0), new ObjectId("aaaaaaaaaaaaaaaaaaaaaaaa")]) {
    const bytes = BSON.serialize({ _id: 3, counter: v });
    const got = patched({ $inc: { counter: 1 } }, bytes);
    assertEquals(got, whole({ $inc: { counter: 1 } }, bytes));
    assertEquals("error" in got && got.error.startsWith("14 TypeMismatch"), true, JSON.stringify(got));
  }
});

Deno.test("scalar $set: same value, another type, strings, new fields in path order", () => {
  const doc = { _id: "k", a: 1, b: "héllo", c: true, d: null, e: new Double(2), f: Long.fromNumber(9) };
  same({ $set: { a: 1 } }, doc);
  same({ $set: { a: 1.5 } }, doc);
  same({ $set: { a: "1" } }, doc);
  same({ $set: { b: "héllo" } }, doc);
  same({ $set: { b: "hello" } }, doc);
  same({ $set: { b: "x".repeat(300) } }, doc);
  same({ $set: { c: false, d: null } }, doc);
  same({ $set: { d: 0 } }, doc);
  same({ $set: { e: 2 } }, doc);
  same({ $set: { e: new Double(2) } }, doc);
  same({ $set: { f: Long.fromNumber(9) } }, doc);
  same({ $set: { f: 9 } }, doc);
  same({ $set: { z: 1, y: 2, a: 3 } }, doc);
  same({ $set: { y: "new" }, $inc: { a: 2, x: 1 } }, doc);
  same({ $inc: { f: 1 }, $set: { b: "b", new: null } }, doc);
  same({ $set: { a: -0 } }, { _id: 1, a: 0 });
  same({ $set: { a: -0 } }, { _id: 1, a: new Double(0) });
  same({ $set: { a: 0 } }, { _id: 1, a: new Double(-0) });
  // a stored value of another type: the general path
  same({ $set: { a: 1 } }, { _id: 1, a: { x: 1 } });
  // dates: set over a date (the same time: nothing modified), over another type, created; negative
  // times and the ends of a JS Date's range
  same({ $set: { a: 1 } }, { _id: 1, a: new Date(5) });
  same({ $set: { a: new Date(5) } }, { _id: 1, a: new Date(5) });
  same({ $set: { a: new Date(6) } }, { _id: 1, a: new Date(5) });
  same({ $set: { a: new Date(5) } }, { _id: 1, a: 5 });
  same({ $set: { a: new Date(-1), z: new Date(1.7e12) } }, { _id: 1, a: new Date(-2) });
  same({ $set: { updatedAt: new Date(8.64e15), status: "x" } }, { _id: 1, status: "y" });
  same({ $set: { a: new Date(-8.64e15) } }, { _id: 1, a: new Date(-1e12 - 1) });
  same({ $set: { a: new Date(4294967296 * 3 + 7) } }, { _id: 1, a: true });
  // a stored date beyond a JS Date's range: the general path's
  const far = BSON.serialize({ _id: 1, a: new Date(0) });
  new DataView(far.buffer, far.byteOffset).setBigInt64(far.length - 9, 9000000000000000n, true);
  assertEquals(patchScalars(scalarUpdateSpec({ $set: { a: new Date(1) } })!, far), undefined);
  // a stored string starting with U+FEFF is that string (not a byte-order mark): setting it again is a no-op
  same({ $set: { b: "\ufeffab" } }, { _id: 1, b: "\ufeffab" });
  same({ $set: { b: "ab" } }, { _id: 1, b: "\ufeffab" });
});

Deno.test("scalar path: not taken for _id, dotted or $ paths, non-scalar values, conflicts, other operators", () => {
  same({ $set: { _id: 2 } }, { _id: 1, a: 1 }, false); // 66 ImmutableField from the general path
  same({ $set: { _id: 1 } }, { _id: 1, a: 1 }, false);
  same({ $inc: { _id: 1 } }, { _id: 1, a: 1 }, false);
  same({ $set: { "a.b": 1 } }, { _id: 1, a: { b: 2 } }, false);
  same({ $set: { a: { b: 1 } } }, { _id: 1 }, false);
  same({ $set: { a: [1] } }, { _id: 1 }, false);
  same({ $set: { a: new Date(NaN) } }, { _id: 1 }, false);
  same({ $set: { "5": 1 } }, { _id: 1 }, false);
  same({ $unset: { a: "" } }, { _id: 1, a: 1 }, false);
  same({ $set: {} }, { _id: 1, a: 1 }, false);
  assertEquals(scalarUpdateSpec({ $set: { a: 1 }, $inc: { a: 1 } }), undefined);
  assertEquals(scalarUpdateSpec({ $inc: { a: "1" } }), undefined);
  assertEquals(scalarUpdateSpec({ $set: 5 } as unknown as Doc), undefined);
  const e = whole({ $set: { _id: 2 } }, BSON.serialize({ _id: 1 }));
  assertEquals("error" in e && e.error.startsWith("66 ImmutableField"), true);
});

Deno.test("scalar path: a repeated name or a stored _id-less document", () => {
  // a repeated name: the fast path declines (the general path then handles it)
  const spec = scalarUpdateSpec({ $inc: { a: 1 } })!;
  const doc = new Uint8Array([
    ...[25, 0, 0, 0],
    ...[0x10, 0x61, 0, 1, 0, 0, 0],
    ...[0x10, 0x62, 0, 2, 0, 0, 0],
    ...[0x10, 0x61, 0, 3, 0, 0, 0],
    0,
  ]);
  assertEquals(patchScalars(spec, doc), undefined);
  same({ $inc: { a: 1 } }, { b: 1 });
  same({ $inc: { a: 1 } }, {});
});

Deno.test("scalar path: the same bytes as the general path over generated documents and updates", () => {
  let a = 18;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const num = () =>
    pick([
      () => Math.floor(r() * 20) - 10,
      () => 2147483647,
      () => -2147483648,
      () => new Double(Math.floor(r() * 3)),
      () => r() * 10,
      () => Long.fromNumber(Math.floor(r() * 10)),
      () => Long.MAX_VALUE,
      () => 0,
    ])();
  const date = () => new Date(pick([0, -1, 1.7e12, 1.7e12 + 1, -4294967296 * 5 - 3]));
  const val = () =>
    pick([num, () => pick(["", "a", "ü", "x".repeat(20)]), () => r() < 0.5, () => null, date])();
  const names = ["a", "b", "counter", "z", "é"];
  let fast = 0;
  for (let i = 0; i < 3000; i++) {
    const doc: Doc = { _id: i };
    for (const n of names) if (r() < 0.6) doc[n] = r() < 0.1 ? { x: 1 } : val();
    const spec: Doc = {};
    for (const n of names) {
      const k = r();
      if (k < 0.3) ((spec["$inc"] ??= {}) as Doc)[n] = num();
      else if (k < 0.55) ((spec["$set"] ??= {}) as Doc)[n] = val();
    }
    if (Object.keys(spec).length === 0) continue;
    if (scalarUpdateSpec(spec)) fast++;
    const bytes = BSON.serialize(doc);
    assertEquals(patched(spec, bytes), whole(spec, bytes), `case ${i}`);
  }
  if (fast < 2000) throw new Error(`only ${fast} cases took the fast path`);
});

Deno.test("scalar specs are reused for an equal request only (names, order, constants and their types)", () => {
  const a = scalarUpdateSpec({ $inc: { counter: 1 } });
  assertEquals(scalarUpdateSpec({ $inc: { counter: 1 } }) === a, true);
  for (
    const other of [
      { $inc: { counter: new Double(1) } },
      { $inc: { counter: Long.fromNumber(1) } },
      { $inc: { counter: 2 } },
      { $set: { counter: 1 } },
      { $set: { counter: new Date(1) } },
      { $inc: { counter: 1, b: 1 } },
      { $inc: { count: 1 } },
    ]
  ) {
    const s = scalarUpdateSpec(other)!;
    assertEquals(s !== a, true, JSON.stringify(BSON.EJSON.serialize(other)));
  }
  assertEquals(scalarUpdateSpec({ $set: { a: 0 } }) !== scalarUpdateSpec({ $set: { a: -0 } }), true);
  assertEquals(scalarUpdateSpec({ $set: { a: NaN } }) !== scalarUpdateSpec({ $set: { a: NaN } }), true);
  assertEquals(
    scalarUpdateSpec({ $set: { a: new Date(1) } }) !== scalarUpdateSpec({ $set: { a: new Date(2) } }),
    true,
  );
  assertEquals(
    scalarUpdateSpec({ $set: { a: new Date(1) } }) === scalarUpdateSpec({ $set: { a: new Date(1) } }),
    true,
  );
  // each gives its own result on the same document
  const doc = { _id: 1, counter: 5 };
  same({ $inc: { counter: 1 } }, doc);
  same({ $inc: { counter: new Double(1) } }, doc);
  same({ $inc: { counter: Long.fromNumber(1) } }, doc);
  same({ $inc: { counter: 1 } }, doc);
  same({ $set: { a: 0 } }, { _id: 1, a: new Double(-0) });
  same({ $set: { a: -0 } }, { _id: 1, a: new Double(-0) });
  same({ $set: { a: 0 } }, { _id: 1, a: new Double(-0) });
});

Deno.test("scalar update of an upsert's seed: the document and errors the general operator path gives", () => {
  const insert = { isInsert: true, now: ctx.now };
  const cases: [Doc, Doc][] = [
    [{ $set: { a: 1 } }, { _id: "k" }],
    [{ $set: { b: "x", a: 2 }, $inc: { n: 3 } }, { _id: 7 }],
    [{ $inc: { n: 1 } }, { _id: 1, n: 2147483647 }], // int32 overflow → int64
    [{ $inc: { n: new Double(0.5) } }, { _id: 1, n: 1 }],
    [{ $set: { a: null, z: true } }, { _id: new ObjectId("0123456789ab0123456789ab"), a: 5, m: { x: 1 } }],
    [{ $set: { a: 1 } }, {}], // no _id: the caller adds one
    [{ $set: { a: new Long(5) } }, { _id: 1, a: "old" }],
    [{ $inc: { s: 1 } }, { _id: 1, s: "text" }], // 14 TypeMismatch
    [{ $set: { a: 1 } }, { _id: 1, d: new Date(5) }], // a seed the small encoder declines
    [{ $set: { a: 1 } }, { _id: new Decimal128("1.5") }],
  ];
  for (const [spec, seed] of cases) {
    const run = (c: typeof ctx) => {
      try {
        return {
          bytes: [...BSON.serialize(compileUpdate(spec).apply(decodeDocument(BSON.serialize(seed)), c).doc)],
        };
      } catch (e) {
        return errorOf(e);
      }
    };
    const label = `${JSON.stringify(BSON.EJSON.serialize(spec))} on ${
      JSON.stringify(BSON.EJSON.serialize(seed))
    }`;
    assertEquals(scalarUpdateSpec(spec) !== undefined, true, label);
    // (isInsert false: the general path, compiled on first use)
    assertEquals(run(insert), run(ctx), label);
  }
});
