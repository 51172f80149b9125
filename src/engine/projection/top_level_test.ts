/**
 * A plain top-level projection done on the stored bytes (bson/raw_project.ts) gives the bytes the
 * decoding path gives (`apply`, then encode), for random documents and projections; other projections
 * are not offered to it.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Binary, Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { compileProjection } from "./projection.ts";
import { rawProjector } from "../../bson/raw_project.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";
import type { Document } from "../../bson/document.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NAMES = ["a", "b", "c", "dd", "é", "x_y", "pad", "_i", "_idx", "id"];

function value(r: () => number, depth = 0): unknown {
  switch (Math.floor(r() * 11)) {
    case 0:
      return new Double(r() * 100);
    case 1:
      return new Int32(Math.floor(r() * 1000));
    case 2:
      return Long.fromNumber(Math.floor(r() * 1e12));
    case 3:
      return "s".repeat(Math.floor(r() * 40)) + "ü";
    case 4:
      return depth < 2 ? { q: value(r, depth + 1), w: value(r, depth + 1) } : null;
    case 5:
      return depth < 2 ? [value(r, depth + 1), value(r, depth + 1)] : [];
    case 6:
      return new ObjectId();
    case 7:
      return r() < 0.5;
    case 8:
      return new Date(Math.floor(r() * 1e12));
    case 9:
      return new Binary(new Uint8Array([1, 2, 3]), 4);
    default:
      return Decimal128.fromString("1.5");
  }
}

function randomDoc(r: () => number): Document {
  const doc: Document = {};
  const idAt = r() < 0.1 ? -1 : r() < 0.8 ? 0 : 1 + Math.floor(r() * 4);
  const n = Math.floor(r() * 7);
  for (let i = 0; i < n; i++) {
    if (i === idAt) doc["_id"] = value(r);
    doc[NAMES[Math.floor(r() * NAMES.length)]!] = value(r);
  }
  if (idAt >= n) doc["_id"] = value(r);
  return doc;
}

function randomSpec(r: () => number): Document {
  const spec: Document = {};
  const include = r() < 0.5;
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    spec[NAMES[Math.floor(r() * NAMES.length)]!] = include ? (r() < 0.5 ? 1 : true) : 0;
  }
  const id = r();
  if (id < 0.3) spec["_id"] = 0;
  else if (id < 0.4) spec["_id"] = 1;
  return spec;
}

Deno.test("top-level projection on bytes: the decoding path's bytes", () => {
  const r = rng(40);
  let offered = 0;
  for (let q = 0; q < 400; q++) {
    const spec = randomSpec(r);
    const p = compileProjection(spec);
    if (p.topLevel === undefined) throw new Error(`not offered: ${JSON.stringify(spec)}`);
    offered++;
    const raw = rawProjector(p.topLevel);
    for (let d = 0; d < 20; d++) {
      const bytes = serializeDocument(randomDoc(r));
      const got = raw(bytes);
      assert(got !== undefined);
      assertEquals([...got], [...serializeDocument(p.apply(decodeDocument(bytes)))], JSON.stringify(spec));
    }
  }
  assertEquals(offered, 400);
});

Deno.test("top-level projection on bytes: not offered for dotted, operator or computed projections", () => {
  for (
    const spec of [
      { "a.b": 1 },
      { a: { $slice: 1 } },
      { a: { $elemMatch: { b: 1 } } },
      { "a.$": 1 },
      { a: "$b" },
      { s: { $meta: "textScore" } },
      { "_id.a": 1 },
      { a: { b: 1 } },
    ]
  ) {
    assertEquals(compileProjection(spec, { filter: { a: 1 } }).topLevel, undefined, JSON.stringify(spec));
  }
});

Deno.test("top-level projection on bytes: a repeated _id or kept name is left to the decoding path", () => {
  // {_id: 1, a: 2, _id: 3} and {a: 1, a: 2} written by hand (an object cannot hold a name twice)
  const doc = (...els: [string, number][]) => {
    const parts = els.map(([k, v]) => {
      const name = new TextEncoder().encode(k);
      const e = new Uint8Array(1 + name.length + 1 + 4);
      e[0] = 0x10;
      e.set(name, 1);
      new DataView(e.buffer).setInt32(name.length + 2, v, true);
      return e;
    });
    const size = 5 + parts.reduce((s, e) => s + e.length, 0);
    const out = new Uint8Array(size);
    new DataView(out.buffer).setInt32(0, size, true);
    let o = 4;
    for (const e of parts) (out.set(e, o), (o += e.length));
    return out;
  };
  const inc = rawProjector(compileProjection({ a: 1 }).topLevel!);
  assertEquals(inc(doc(["_id", 1], ["a", 2], ["_id", 3])), undefined);
  assertEquals(inc(doc(["a", 1], ["a", 2])), undefined);
  assertEquals(inc(new Uint8Array([9, 0, 0, 0, 0x10, 0x61, 0, 1, 0])), undefined); // value past the end
  const exc = rawProjector(compileProjection({ b: 0 }).topLevel!);
  assertEquals(decodeDocument(exc(doc(["a", 1], ["b", 2], ["c", 3]))!), { a: 1, c: 3 });
});
