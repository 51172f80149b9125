/**
 * The shim's C matcher (shim/wt_match.c) against the JS matcher on many random documents: arrays of
 * scalars and of sub-documents, nested arrays, numeric path components, missing fields, null and
 * mixed types. Wherever the C matcher answers (1 or 0) it must be the JS matcher's answer; "cannot
 * tell" (-1) is allowed only for what it leaves to JS, and must stay rare here.
 */
import assert from "node:assert/strict";
import { BSON, Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { decodeDocument } from "../../src/bson/decode.ts";
import { compileFilter, nativeMatchPlan } from "../../src/engine/mod.ts";
import { matchStoredDocument } from "./match_filter.ts";

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS: unknown[] = [
  0,
  1,
  2,
  -0,
  2.5,
  NaN,
  new Double(2),
  new Int32(2),
  new Long(2),
  Long.fromString("9007199254740993"),
  "a",
  "b",
  "",
  "é",
  null,
  true,
  false,
  new Date(0),
  new Date(86_400_000),
  new ObjectId("64b7f0000000000000000001"),
  new ObjectId("64b7f0000000000000000002"),
  Decimal128.fromString("2"),
];

const NAMES = ["x", "y", "0", "1"];

function value(r: () => number, depth: number): unknown {
  const k = r();
  if (depth >= 3 || k < 0.45) return SCALARS[Math.floor(r() * SCALARS.length)];
  if (k < 0.75) {
    const n = Math.floor(r() * 4);
    return Array.from({ length: n }, () => value(r, depth + 1));
  }
  const d: Record<string, unknown> = {};
  for (const name of NAMES) if (r() < 0.45) d[name] = value(r, depth + 1);
  return d;
}

function randomDoc(r: () => number, i: number): Record<string, unknown> {
  const d: Record<string, unknown> = { _id: i };
  for (const name of ["a", "b"]) if (r() < 0.9) d[name] = value(r, 0);
  return d;
}

const PATHS = ["a", "a.x", "a.y", "a.0", "a.1", "a.0.x", "a.x.0", "a.x.y", "a.1.x", "a.x.1", "b", "b.x"];
const OPERANDS: unknown[] = [
  0,
  1,
  2,
  2.5,
  NaN,
  new Long(2),
  "a",
  "b",
  "",
  null,
  true,
  false,
  new Date(0),
  new ObjectId("64b7f0000000000000000002"),
];

function operand(r: () => number): unknown {
  return OPERANDS[Math.floor(r() * OPERANDS.length)];
}

function randomFilter(r: () => number): Record<string, unknown> {
  const path = PATHS[Math.floor(r() * PATHS.length)]!;
  const k = Math.floor(r() * 10);
  switch (k) {
    case 0:
      return { [path]: operand(r) };
    case 1:
      return { [path]: { $ne: operand(r) } };
    case 2:
      return { [path]: { $in: [operand(r), operand(r)] } };
    case 3:
      return { [path]: { $nin: [operand(r), operand(r)] } };
    case 4:
      return { [path]: { $lt: operand(r) } };
    case 5:
      return { [path]: { $lte: operand(r) } };
    case 6:
      return { [path]: { $gt: operand(r) } };
    case 7:
      return { [path]: { $gte: operand(r) } };
    case 8:
      return { [path]: { $exists: r() < 0.5 } };
    default:
      return { ...randomFilter(r), [PATHS[Math.floor(r() * PATHS.length)]!]: { $gte: operand(r) } };
  }
}

Deno.test("C matcher = JS matcher on random documents with arrays", () => {
  const r = rng(45);
  const docs = Array.from({ length: 1000 }, (_, i) => {
    const bytes = BSON.serialize(randomDoc(r, i));
    return { bytes, doc: decodeDocument(bytes) };
  });
  let decided = 0, unsure = 0;
  for (let f = 0; f < 300; f++) {
    const filter = randomFilter(r);
    const terms = nativeMatchPlan(filter);
    assert.ok(terms !== undefined, JSON.stringify(filter));
    const m = compileFilter(filter);
    for (const { bytes, doc } of docs) {
      const c = matchStoredDocument(terms, bytes);
      if (c === -1) {
        unsure++;
        continue;
      }
      decided++;
      const js = m.matches(doc) ? 1 : 0;
      if (c !== js) {
        assert.fail(`${BSON.EJSON.stringify(filter)} on ${BSON.EJSON.stringify(doc)}: C ${c}, JS ${js}`);
      }
    }
  }
  // what is left to JS: decimals, and nothing else among these values
  assert.ok(unsure < decided / 10, `decided ${decided}, cannot tell ${unsure}`);
});

Deno.test("C matcher: array paths decided, as the JS matcher", () => {
  const cases: [Record<string, unknown>, Record<string, unknown>, number][] = [
    [{ "items.sku": "s7" }, { items: [{ sku: "s1" }, { sku: "s7" }] }, 1],
    [{ "items.sku": "s7" }, { items: [{ sku: "s1" }, { qty: 2 }] }, 0],
    [{ tags: "t3" }, { tags: ["t1", "t3"] }, 1],
    [{ tags: "t3" }, { tags: [["t3"]] }, 0], // nested arrays: one level only
    [{ tags: { $ne: "t3" } }, { tags: ["t1", "t3"] }, 0],
    [{ tags: { $ne: "t3" } }, { tags: [] }, 1],
    [{ tags: null }, { tags: [] }, 0],
    [{ tags: null }, { tags: [null] }, 1],
    [{ "items.0.sku": "s1" }, { items: [{ sku: "s1" }, { sku: "s7" }] }, 1],
    [{ "items.1.sku": "s1" }, { items: [{ sku: "s1" }, { sku: "s7" }] }, 0],
    [{ "items.0": 5 }, { items: [{ "0": 5 }] }, 1],
    [{ "items.qty": { $gte: 3 } }, { items: [{ qty: 1 }, { qty: 3 }] }, 1],
    [{ "items.qty": { $gt: 3 } }, { items: [{ qty: 1 }, { qty: 3 }] }, 0],
    [{ "items.sku": null }, { items: [{ sku: "a" }, {}] }, 1],
    [{ "items.sku": null }, { items: [1, 2] }, 0],
    [{ "a.b": null }, { a: 5 }, 1],
    [{ "items.sku": { $exists: true } }, { items: [{ qty: 1 }] }, 0],
    [{ a: { $exists: true } }, { a: [] }, 1],
    [{ a: 2 }, { a: { x: 2 } }, 0],
  ];
  for (const [filter, doc, want] of cases) {
    const terms = nativeMatchPlan(filter);
    assert.ok(terms !== undefined);
    const bytes = BSON.serialize(doc);
    assert.equal(matchStoredDocument(terms, bytes), want, JSON.stringify([filter, doc]));
    assert.equal(
      compileFilter(filter).matches(decodeDocument(bytes)) ? 1 : 0,
      want,
      JSON.stringify([filter, doc]),
    );
  }
});

Deno.test("C matcher: a DBRef-like element under a numeric component is left to JS", () => {
  for (const filter of [{ "a.0": 5 }, { "a.0.x": 1 }, { "a.x": 1 }]) {
    const terms = nativeMatchPlan(filter)!;
    for (
      const doc of [{ a: [{ $ref: "c", $id: 1, "0": 5, x: 1 }] }, {
        a: [{ $ref: "c", $id: 1, "0": { x: 1 } }],
      }]
    ) {
      const bytes = BSON.serialize(doc);
      const c = matchStoredDocument(terms, bytes);
      const js = compileFilter(filter).matches(decodeDocument(bytes)) ? 1 : 0;
      assert.ok(c === -1 || c === js, JSON.stringify([filter, doc, c, js]));
    }
  }
});
