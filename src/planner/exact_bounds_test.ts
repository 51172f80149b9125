import assert from "node:assert/strict";
import { Decimal128, Double, Long, ObjectId } from "bson";
import { planQuery } from "./find_plan.ts";
import type { IxScanPath } from "./plan.ts";
import { boundsAnswerFilter, idLookupAnswers } from "./exact_bounds.ts";
import { compileFilter } from "../engine/mod.ts";
import { compareKeys, encodeIndexKey } from "../keys/key_string.ts";
import { indexInfo } from "./ix_path_fixture.ts";

const ix = indexInfo;

/** Field values of the stored documents: every type bracket's edges. */
const VALUES: unknown[] = [
  undefined, // missing
  null,
  NaN,
  -Infinity,
  Infinity,
  -0,
  0,
  1,
  4.5,
  5,
  new Long(5),
  new Double(5),
  Decimal128.fromString("5.0"),
  Decimal128.fromString("NaN"),
  new Long("9007199254740993"),
  9007199254740992,
  6,
  10,
  "",
  "a",
  "m",
  "z",
  "ä",
  true,
  false,
  new Date(0),
  new Date(5),
  new ObjectId("0123456789abcdef01234567"),
  { x: 1 },
  {},
  { "": 1 },
];

const FILTERS: Record<string, unknown>[] = [
  { a: 5 },
  { a: { $eq: 5 } },
  { a: { $gte: 5 } },
  { a: { $gt: 5 } },
  { a: { $gte: 1, $lt: 6 } },
  { a: { $gt: 1, $lte: 6 } },
  { a: { $gt: -Infinity, $lt: Infinity } },
  { a: { $lt: 5 } },
  { a: { $lte: 5 } },
  { a: "m" },
  { a: { $gte: "a", $lt: "z" } },
  { a: { $lt: "m" } },
  { a: { $gt: "m" } },
  { a: true },
  { a: { $gt: false } },
  { a: new Date(0) },
  { a: { $lt: new Date(3) } },
  { a: { $gte: 5, $lt: "z" } },
  { a: { $eq: 5, $gt: 7 } },
  { a: 5, b: 6 },
  { a: 5, b: { $gt: 4.5 } },
  { a: { $gt: 4.5 }, b: 6 },
  { b: 5 },
  { a: null },
  { a: { $in: [5, 6] } },
  { a: { $in: [5, "m", true, new Date(0), new ObjectId("0123456789abcdef01234567")] } },
  { a: { $in: [-0, 4.5, new Long(5)] } },
  { a: { $in: [5, 6] }, b: 6 },
  { a: { $in: [4.5, 5] }, b: { $gt: 4.5 } },
  { a: 5, b: { $in: [6, "x"] } },
  { a: { $in: [null, 5] } },
  { a: { $in: [5, 6], $gt: 5 } },
  { a: { $ne: 5 } },
  { a: new Long("9007199254740993") },
  { a: 9007199254740992 },
];

const INDEXES = [
  ix("a_1", { a: 1 }),
  ix("a_-1", { a: -1 }),
  ix("a_1_b_1", { a: 1, b: 1 }),
  ix("a_1_b_-1", { a: 1, b: -1 }),
];

function inBounds(key: Uint8Array, access: IxScanPath): boolean {
  return access.intervals.some((iv) => {
    if (iv.lower && compareKeys(key, iv.lower) < 0) return false;
    if (iv.upper) {
      const c = compareKeys(key, iv.upper);
      if (c > 0 || (c === 0 && iv.upperExclusive)) return false;
    }
    return true;
  });
}

Deno.test("bounds said to answer a filter hold exactly its matches, over every type bracket", () => {
  let exact = 0;
  for (const index of INDEXES) {
    const fields = Object.keys(index.key);
    const dirs = fields.map((f) => (Number(index.key[f]) < 0 ? -1 : 1) as 1 | -1);
    for (const filter of FILTERS) {
      const plan = planQuery({ filter, indexes: [index], hint: index.name });
      const access = plan.access as IxScanPath;
      if (!boundsAnswerFilter(filter, access, index, false)) continue;
      exact++;
      const m = compileFilter(filter);
      for (const a of VALUES) {
        for (const b of [undefined, 6, 4.5, "x"]) {
          const doc: Record<string, unknown> = { _id: 1 };
          if (a !== undefined) doc["a"] = a;
          if (b !== undefined) doc["b"] = b;
          const key = encodeIndexKey(fields.map((f) => doc[f] ?? null), dirs);
          assert.equal(
            inBounds(key, access),
            m.matches(doc),
            `${JSON.stringify(filter)} on ${index.name}, doc a=${String(a)} b=${String(b)}`,
          );
        }
      }
    }
  }
  assert.ok(exact >= 40, `${exact} exact`);
});

Deno.test("bounds that do not answer the filter", () => {
  const a1 = ix("a_1", { a: 1 });
  const no = (filter: Record<string, unknown>, index = a1, collated = false) => {
    const access = planQuery({ filter, indexes: [index], hint: index.name }).access as IxScanPath;
    assert.equal(boundsAnswerFilter(filter, access, index, collated), false, JSON.stringify(filter));
  };
  no({ a: { $lt: 5 } }); // NaN sorts in the numbers' bracket
  no({ a: { $eq: 5, $gt: 1 } });
  no({ a: 5, c: 1 });
  no({ b: 5 }, ix("a_1_b_1", { a: 1, b: 1 }));
  no({ a: { $gt: 1 }, b: 5 }, ix("a_1_b_1", { a: 1, b: 1 }));
  no({ a: { $gte: 5 } }, ix("a_1", { a: 1 }, { multikey: true })); // a range: elements may differ
  no({ a: { $in: [5, 6] } }, ix("a_1", { a: 1 }, { multikey: true }));
  // fields through one array on a multikey index: the second one's bounds are dropped
  no({ "x.b": 5, "x.c": 6 }, ix("x.b_1_x.c_1", { "x.b": 1, "x.c": 1 }, { multikey: true }));
  no({ a: 5 }, ix("a_1", { a: 1 }, { partialFilterExpression: { a: { $gt: 1 } } }));
  no({ a: "x" }, a1, true);
  no({ a: null });
  no({ a: Decimal128.fromString("5") });
  no({ a: { $in: [5, null] } });
  no({ a: { $in: [5, /x/] } });
  no({ a: { $in: [5, [5]] } });
  no({ a: { $in: [5, 6], $lt: 9 } });
  // a product of points past key_bounds.ts' MAX_INTERVALS: the second field is left unbounded
  const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
  no({ a: { $in: many(100) }, b: { $in: many(100) } }, ix("a_1_b_1", { a: 1, b: 1 }));
  no({ a: { $in: many(600) }, b: 5 }, ix("a_1_b_1", { a: 1, b: 1 }));
});

Deno.test("multikey: equalities the bounds pin answer the filter (some entry in the bounds iff it matches)", () => {
  const cases: [Record<string, number>, Record<string, unknown>][] = [
    [{ a: 1 }, { a: 5 }],
    [{ a: 1 }, { a: "a" }],
    [{ a: 1 }, { a: { $eq: 6 } }],
    [{ a: 1, b: 1 }, { a: 5, b: 6 }],
    [{ a: -1, b: 1 }, { a: 5 }],
  ];
  const arrays: unknown[] = [[], [5], [5, 5], [4.5, 6], ["a", 5], [[5]], 5, 6, null, undefined, [null], "a"];
  for (const [key, filter] of cases) {
    const index = ix("mk", key, { multikey: true });
    const access = planQuery({ filter, indexes: [index], hint: "mk" }).access as IxScanPath;
    assert.ok(boundsAnswerFilter(filter, access, index, false), JSON.stringify(filter));
    const fields = Object.keys(key);
    const dirs = fields.map((f) => (key[f]! < 0 ? -1 : 1) as 1 | -1);
    const m = compileFilter(filter);
    for (const a of arrays) {
      for (const b of [undefined, 6, [6, 7], "x"]) {
        if (Array.isArray(a) && Array.isArray(b)) continue; // parallel arrays are not indexed
        const doc: Record<string, unknown> = { _id: 1 };
        if (a !== undefined) doc["a"] = a;
        if (b !== undefined) doc["b"] = b;
        // one entry per element of the array field (an empty array: undefined), as a multikey index
        const elems = (v: unknown) => Array.isArray(v) ? (v.length === 0 ? [undefined] : v) : [v ?? null];
        const keys = elems(doc["a"]).flatMap((x) =>
          fields.length === 1 ? [[x]] : elems(doc["b"]).map((y) => [x, y])
        );
        const hit = keys.some((k) => inBounds(encodeIndexKey(k, dirs), access));
        assert.equal(hit, m.matches(doc), `${JSON.stringify(filter)} doc ${JSON.stringify(doc)}`);
      }
    }
  }
});

Deno.test("a find by _id on a plain scalar is answered by its key lookup", () => {
  for (
    const f of [{ _id: 5 }, { _id: { $eq: "x" } }, { _id: new ObjectId() }, { _id: new Date(0) }, {
      _id: true,
    }]
  ) {
    assert.equal(idLookupAnswers(f), true, JSON.stringify(f));
  }
  const no: Record<string, unknown>[] = [
    {},
    { _id: 5, a: 1 },
    { _id: null },
    { _id: NaN },
    { _id: { x: 1 } },
    { _id: [1] },
    { _id: { $eq: 5, $ne: 6 } },
    { _id: { $gt: 5 } },
    { _id: Decimal128.fromString("5") },
    { a: 5 },
  ];
  for (const f of no) assert.equal(idLookupAnswers(f), false, JSON.stringify(f));
});

Deno.test("an $in product within the interval cap answers the filter; the cap's edge is checked on the bounds", () => {
  const index = ix("a_1_b_1", { a: 1, b: 1 });
  const many = (n: number) => Array.from({ length: n }, (_, i) => i);
  for (const [na, nb] of [[1, 512], [600, 1], [2, 256], [16, 32], [512, 1]]) {
    const filter = { a: { $in: many(na!) }, b: { $in: many(nb!) } };
    const access = planQuery({ filter, indexes: [index], hint: index.name }).access as IxScanPath;
    const exact = boundsAnswerFilter(filter, access, index, false);
    // exact only when the intervals hold b too (past the cap b is checked key by key: the filter stays)
    const bBounded = access.indexBounds["b"]?.[0] !== "[MinKey, MaxKey]" && access.keyCheck === undefined;
    assert.equal(exact, bBounded, `${na} x ${nb}: ${JSON.stringify(access.indexBounds["b"]?.slice(0, 2))}`);
  }
});
