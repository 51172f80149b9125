/**
 * The byte patch (`Updater.applyBytes`) against the whole path it replaces — decode the stored
 * document, `apply`, encode the result — over generated documents and updates: the same bytes, the
 * same `modified`, the same oplog diff, the same error (code and message).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON, Decimal128, Double, Long, ObjectId, Timestamp } from "bson";
import { compileUpdate, type Updater } from "./mod.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { encodeElement, patchableName } from "./byte_patch.ts";
import type { Document as Doc } from "../../bson/document.ts";
import { seededRandom as rng } from "../../testing/seeded_random.ts";

const ctx = { isInsert: false, now: new Date(1_700_000_000_000) };

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function number(r: R): unknown {
  return pick(r, [
    () => Math.floor(r() * 200) - 100,
    () => 2147483647,
    () => -2147483648,
    () => 2147483600 + Math.floor(r() * 100),
    () => new Double(Math.floor(r() * 10)),
    () => new Double(-0),
    () => r() * 1000 - 500,
    () => 1e300,
    () => Long.fromNumber(Math.floor(r() * 1000)),
    () => Long.MAX_VALUE,
    () => Long.fromBigInt(9223372036854775800n),
    () => Decimal128.fromString(`${Math.floor(r() * 1000)}.5`),
    () => NaN,
    () => Infinity,
  ])();
}

function scalar(r: R): unknown {
  return pick(r, [
    () => number(r),
    () => pick(r, ["", "abc", "héllo", "x".repeat(40)]),
    () => r() < 0.5,
    () => null,
    () => new Date(1_600_000_000_000 + Math.floor(r() * 1e6)),
    () => new ObjectId("0123456789abcdef01234567"),
    () => new Timestamp({ t: 5, i: 1 }),
  ])();
}

function value(r: R, depth = 0): unknown {
  const k = r();
  if (depth < 2 && k < 0.15) {
    const d: Doc = {};
    for (const n of ["p", "q", "z"]) if (r() < 0.6) d[n] = value(r, depth + 1);
    return d;
  }
  if (depth < 2 && k < 0.3) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  return scalar(r);
}

const TOP = ["a", "b", "c", "counter", "arr", "sub", "ü", "9"];

function document(r: R): Doc {
  const doc: Doc = { _id: pick(r, [1, "k", new ObjectId("aaaaaaaaaaaaaaaaaaaaaaaa"), { x: 1 }]) };
  for (const n of TOP) {
    if (n === "9") continue; // stored documents never hold names a JS object reorders
    if (r() < 0.6) doc[n] = n === "arr" ? [1, 2, { p: 3 }] : n === "sub" ? { p: 1, q: { z: 2 } } : value(r);
  }
  return doc;
}

const PATHS = [
  "a",
  "b",
  "c",
  "counter",
  "new1",
  "new2",
  "ü",
  "a.p",
  "a.q",
  "a.z.y",
  "sub.p",
  "sub.q.z",
  "sub.q.new",
  "sub.n",
  "arr.0",
  "arr.2.p",
  "arr.5",
  "arr.$[]",
  "_id",
  "9",
  "x.y.z",
];

function operators(r: R): Doc {
  const u: Doc = {};
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const op = pick(r, [
      "$set",
      "$set",
      "$inc",
      "$inc",
      "$unset",
      "$mul",
      "$min",
      "$max",
      "$rename",
      "$push",
      "$pull",
      "$addToSet",
      "$pop",
      "$currentDate",
      "$bit",
      "$setOnInsert",
    ]);
    const path = pick(r, PATHS);
    const arg = op === "$set" || op === "$min" || op === "$max" || op === "$setOnInsert"
      ? value(r)
      : op === "$inc" || op === "$mul"
      ? number(r)
      : op === "$unset"
      ? ""
      : op === "$rename"
      ? pick(r, ["b", "new3", "sub.r", "c"])
      : op === "$push"
      ? (r() < 0.5 ? scalar(r) : { $each: [scalar(r), scalar(r)] })
      : op === "$pop"
      ? pick(r, [1, -1])
      : op === "$currentDate"
      ? true
      : op === "$bit"
      ? { and: 5 }
      : scalar(r);
    ((u[op] ??= {}) as Doc)[path] = arg;
  }
  return u;
}

type Outcome =
  | { error: string }
  | { bytes: Uint8Array; modified: boolean; diff: unknown };

function errorOf(e: unknown): { error: string } {
  const c = e as { codeName?: string; message?: string };
  if (c.codeName === undefined) throw e;
  return { error: `${c.codeName}: ${c.message}` };
}

/** The whole path: decode, apply, encode (what the update command does without the patch). */
function whole(u: Updater, bytes: Uint8Array): Outcome {
  try {
    const r = u.apply(decodeDocument(bytes), ctx);
    return { bytes: r.modified ? BSON.serialize(r.doc) : bytes, modified: r.modified, diff: r.diff };
  } catch (e) {
    return errorOf(e);
  }
}

function patched(u: Updater, bytes: Uint8Array): Outcome | undefined {
  try {
    const r = u.applyBytes!(bytes, ctx);
    return r && { bytes: r.bytes, modified: r.modified, diff: r.diff };
  } catch (e) {
    return errorOf(e);
  }
}

Deno.test("applyBytes gives the bytes, modified, diff and errors of decode → apply → encode", () => {
  const r = rng(18);
  let compared = 0;
  let modified = 0;
  let errors = 0;
  for (let i = 0; i < 6000; i++) {
    const doc = document(r);
    const bytes = BSON.serialize(doc);
    // stored documents re-encode to their own bytes (bson/raw_source.ts); skip any that would not
    if (!BSON.serialize(decodeDocument(bytes)).every((b, k) => b === bytes[k])) continue;
    const spec = operators(r);
    let u: Updater;
    try {
      u = compileUpdate(spec);
    } catch {
      continue; // conflicting paths and the like: refused before any document is read
    }
    if (!u.applyBytes) continue;
    const expected = whole(u, bytes);
    const got = patched(u, bytes);
    if (got === undefined) continue;
    const label = `case ${i}: ${JSON.stringify(BSON.EJSON.serialize(spec))} on ${
      JSON.stringify(BSON.EJSON.serialize(doc))
    }`;
    if ("error" in expected || "error" in got) {
      assertEquals(got, expected, label);
      errors++;
    } else {
      assertEquals(got.modified, expected.modified, label);
      assertEquals([...got.bytes], [...expected.bytes], label);
      assertEquals(
        got.diff === undefined ? undefined : [...BSON.serialize({ d: got.diff })],
        expected.diff === undefined ? undefined : [...BSON.serialize({ d: expected.diff })],
        label,
      );
      if (got.modified) modified++;
    }
    compared++;
  }
  // the generator must exercise all three outcomes
  if (compared < 2000 || modified < 800 || errors < 100) {
    throw new Error(`too few cases: ${compared} compared, ${modified} modified, ${errors} errors`);
  }
});

Deno.test("applyBytes: the common $inc patches in place; a no-op returns the input", () => {
  const u = compileUpdate({ $inc: { counter: 1 } });
  const bytes = BSON.serialize({ _id: 7, seq: 7, payload: "x".repeat(50), counter: 2147483647 });
  const r = u.applyBytes!(bytes, ctx)!;
  assertEquals(r.modified, true);
  assertEquals(decodeDocument(r.bytes), {
    _id: 7,
    seq: 7,
    payload: "x".repeat(50),
    counter: Long.fromNumber(2147483648),
  });
  assertEquals(r.diff, { u: { counter: Long.fromNumber(2147483648) } });
  const same = compileUpdate({ $set: { seq: 7 } }).applyBytes!(bytes, ctx)!;
  assertEquals(same, { bytes, modified: false, fields: ["seq"] });
});

Deno.test("applyBytes is absent for the positional $ and for names a JS object reorders", () => {
  assertEquals(compileUpdate({ $set: { "a.$": 1 } }).applyBytes, undefined);
  assertEquals(compileUpdate({ $set: { "5": 1 } }).applyBytes, undefined);
  assertEquals(compileUpdate({ $rename: { a: "7" } }).applyBytes, undefined);
  assertEquals(compileUpdate({ $set: { a: 1 } }).applyBytes !== undefined, true);
  assertEquals(compileUpdate({ a: 1 }).applyBytes, undefined);
  assertEquals(patchableName("__proto__"), false);
  assertEquals(patchableName("a1"), true);
});

Deno.test("encodeElement writes what BSON.serialize writes", () => {
  for (
    const v of [0, -0, 1, -1, 2147483647, 2147483648, -2147483649, 1.5, NaN, Infinity, 2 ** 53, new Double(3)]
      .concat(
        [Long.fromNumber(-5), new Timestamp({ t: 1, i: 2 }), true, false, null, "ü", { a: 1 }, [1]] as never,
      )
  ) {
    const doc = BSON.serialize({ név: v });
    assertEquals([...encodeElement("név", v)], [...doc.subarray(4, doc.length - 1)], String(v));
  }
});
