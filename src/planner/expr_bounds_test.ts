/** `$expr` comparisons of a field path with a constant bound an index as mongod's `$_internalExpr*` do. */
import assert from "node:assert/strict";
import { type IndexInfo, planQuery } from "./find_plan.ts";
import { impliesPartial } from "./index_plan.ts";
import { extractPredicates } from "./bounds.ts";
import { shapeOf } from "./plan_cache.ts";
import { indexInfo } from "./ix_path_fixture.ts";

const ix = indexInfo;

function boundsOf(filter: Record<string, unknown>, indexes: IndexInfo[], vars?: Record<string, unknown>) {
  const p = planQuery({ filter, indexes, ...(vars ? { variables: vars } : {}) });
  return p.access.kind === "ixScan"
    ? { name: p.access.indexName, bounds: p.access.indexBounds }
    : p.access.kind;
}

Deno.test("$expr $lt/$lte/$gt/$gte: ranges to MinKey/MaxKey across every type", () => {
  const a = [ix("a_1", { a: 1 })];
  const cases: [unknown, string][] = [
    [{ $lt: ["$a", 5] }, "[MinKey, 5)"],
    [{ $lte: ["$a", 5] }, "[MinKey, 5]"],
    [{ $gt: ["$a", 5] }, "(5, MaxKey]"],
    [{ $gte: ["$a", 5] }, "[5, MaxKey]"],
    // the constant first: the comparison turned round
    [{ $gt: [5, "$a"] }, "[MinKey, 5)"],
    [{ $lte: ["x", "$a"] }, '["x", MaxKey]'],
    [{ $gt: ["$a", null] }, "(null, MaxKey]"],
    [{ $lte: ["$a", null] }, "[MinKey, null]"],
    [{ $eq: ["$a", 5] }, "[5, 5]"],
  ];
  for (const [e, want] of cases) {
    assert.deepEqual(boundsOf({ $expr: e }, a), { name: "a_1", bounds: { a: [want] } }, JSON.stringify(e));
  }
  // a descending index reads them the other way round
  assert.deepEqual(boundsOf({ $expr: { $lt: ["$a", 5] } }, [ix("a_-1", { a: -1 })]), {
    name: "a_-1",
    bounds: { a: ["(5, MinKey]"] },
  });
  // a let variable is a constant
  assert.deepEqual(boundsOf({ $expr: { $gte: ["$a", "$$v"] } }, a, { v: 7 }), {
    name: "a_1",
    bounds: { a: ["[7, MaxKey]"] },
  });
});

Deno.test("$expr ranges: what gives no bounds", () => {
  const a = [ix("a_1", { a: 1 })];
  for (
    const e of [
      { $lt: ["$a", null] }, // missing is below null in an expression, yet indexes as null
      { $lt: ["$a", [1, 2]] },
      { $lt: ["$a", { $add: [1, 2] }] },
      { $lt: ["$a", "$b"] },
      { $lt: ["$a", "$$unknown"] },
      { $lt: ["$$ROOT", 5] },
      { $lt: ["$a", NaN] },
      { $ne: ["$a", 5] },
      { $lt: ["$a", 5, 6] },
    ]
  ) {
    assert.equal(boundsOf({ $expr: e }, a), "collScan", JSON.stringify(e));
  }
});

Deno.test("$expr ranges intersect with each other and with the field's own predicates", () => {
  const a = [ix("a_1", { a: 1 })];
  assert.deepEqual(boundsOf({ $expr: { $and: [{ $gt: ["$a", 3] }, { $lt: ["$a", 10] }] } }, a), {
    name: "a_1",
    bounds: { a: ["(3, 10)"] },
  });
  assert.deepEqual(boundsOf({ a: { $gte: 2 }, $expr: { $lte: ["$a", 8] } }, a), {
    name: "a_1",
    bounds: { a: ["[2, 8]"] },
  });
  // inside a top-level $and, beside an equality on a compound index's first field
  assert.deepEqual(
    boundsOf({ $and: [{ s: "x" }, { $expr: { $lt: ["$a", 5] } }] }, [ix("s_a", { s: 1, a: 1 })]),
    {
      name: "s_a",
      bounds: { s: ['["x", "x"]'], a: ["[MinKey, 5)"] },
    },
  );
});

Deno.test("$expr ranges stay off multikey indexes, $lt/$lte off sparse ones, strings off collated ones", () => {
  const e = { $expr: { $lt: ["$a", 5] } };
  assert.equal(boundsOf(e, [ix("a_1", { a: 1 }, { multikey: true })]), "collScan");
  assert.equal(boundsOf(e, [ix("a_1", { a: 1 }, { sparse: true })]), "collScan");
  assert.deepEqual(boundsOf({ $expr: { $gt: ["$a", 5] } }, [ix("a_1", { a: 1 }, { sparse: true })]), {
    name: "a_1",
    bounds: { a: ["(5, MaxKey]"] },
  });
  const collated = ix("a_1", { a: 1 }, { collation: { locale: "en", strength: 2 } });
  assert.equal(boundsOf({ $expr: { $lt: ["$a", "m"] } }, [collated]), "collScan");
  // (the equality keeps its index when multikey: the bounds of a scalar hold every match)
  assert.deepEqual(boundsOf({ $expr: { $eq: ["$a", 5] } }, [ix("a_1", { a: 1 }, { multikey: true })]), {
    name: "a_1",
    bounds: { a: ["[5, 5]"] },
  });
});

Deno.test("$expr ranges imply no partial filter; their shapes keep the field path", () => {
  const preds = extractPredicates({ $expr: { $gt: ["$x", 7] } }, false);
  assert.equal(impliesPartial(preds, { x: { $gt: 5 } }), false);
  assert.equal(impliesPartial(preds, { x: { $exists: true } }), false);
  assert.notEqual(
    JSON.stringify(shapeOf({ $expr: { $lt: ["$a", 5] } })),
    JSON.stringify(shapeOf({ $expr: { $lt: ["$b", 5] } })),
  );
  assert.equal(
    JSON.stringify(shapeOf({ $expr: { $lt: ["$a", 5] } })),
    JSON.stringify(shapeOf({ $expr: { $lt: ["$a", 9] } })),
  );
});
