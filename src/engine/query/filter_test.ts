import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSONRegExp, DBRef, Decimal128, Long, MaxKey, MinKey, ObjectId } from "bson";
import { compileFilter, extractIdEquality } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";
import { BSON_UNDEFINED } from "../../bson/undefined_value.ts";

function ids(filter: Doc, docs: Doc[], opts = {}): unknown[] {
  const m = compileFilter(filter, opts);
  return docs.filter((d) => m.matches(d)).map((d) => d["_id"]);
}

const docs: Doc[] = [
  { _id: 1, a: 1, s: "abc" },
  { _id: 2, a: 2.5, s: "Abd" },
  { _id: 3, a: Long.fromNumber(3), s: "xyz" },
  { _id: 4, a: Decimal128.fromString("4"), t: null },
  { _id: 5, a: "5" },
  { _id: 6, a: [1, 5, 9] },
  { _id: 7, a: { b: 1 } },
  { _id: 8 },
  { _id: 9, a: null },
  { _id: 10, a: [[1], { b: 2 }] },
];

Deno.test("implicit equality across numeric types, arrays, documents, null", () => {
  assertEquals(ids({ a: 1 }, docs), [1, 6]);
  assertEquals(ids({ a: 3 }, docs), [3]);
  assertEquals(ids({ a: Long.fromNumber(4) }, docs), [4]);
  assertEquals(ids({ a: [1, 5, 9] }, docs), [6]);
  assertEquals(ids({ a: [1] }, docs), [10]);
  assertEquals(ids({ a: { b: 1 } }, docs), [7]);
  assertEquals(ids({ a: null }, docs), [8, 9]);
  assertEquals(ids({ "a.b": 2 }, docs), [10]);
  assertEquals(ids({ "a.b": 1 }, docs), [7]);
  assertEquals(ids({ "a.1": 5 }, docs), [6]);
  assertEquals(ids({}, docs).length, 10);
});

Deno.test("comparisons stay within the type bracket", () => {
  assertEquals(ids({ a: { $gt: 2 } }, docs), [2, 3, 4, 6]);
  assertEquals(ids({ a: { $gte: 2, $lt: 4 } }, docs), [2, 3, 6]); // 6: different elements satisfy each
  assertEquals(ids({ a: { $lt: "6" } }, docs), [5]);
  assertEquals(ids({ a: { $lte: null } }, docs), [8, 9]);
  assertEquals(ids({ a: { $gt: null } }, docs), []);
  assertEquals(ids({ a: { $gt: new MinKey() } }, docs).length, 10 - 1);
  assertEquals(ids({ a: { $lt: new MaxKey() } }, docs).length, 10 - 1);
  assertEquals(ids({ a: { $ne: 1 } }, docs), [2, 3, 4, 5, 7, 8, 9, 10]);
  assertEquals(ids({ x: { $gte: NaN } }, [{ _id: 1, x: NaN }, { _id: 2, x: 1 }]), [1]);
  assertEquals(ids({ x: { $gt: NaN } }, [{ _id: 1, x: NaN }, { _id: 2, x: 1 }]), []);
  assertCommandError(() => compileFilter({ a: { $gt: /x/ } }), "BadValue");
});

Deno.test("$in / $nin with regexes and null", () => {
  assertEquals(ids({ a: { $in: [1, "5", null] } }, docs), [1, 5, 6, 8, 9]);
  assertEquals(ids({ s: { $in: [/^A/, "xyz"] } }, docs), [2, 3]);
  assertEquals(ids({ a: { $nin: [1, null] } }, docs), [2, 3, 4, 5, 7, 10]);
  assertEquals(ids({ a: { $in: [Long.fromNumber(1)] } }, docs), [1, 6]);
  assertCommandError(() => compileFilter({ a: { $in: 1 } }), "BadValue", "$in needs an array");
  assertCommandError(() => compileFilter({ a: { $nin: {} } }), "BadValue", "$nin needs an array");
  assertCommandError(
    () => compileFilter({ a: { $in: [{ $gt: 1 }] } }),
    "BadValue",
    "cannot nest $ under $in",
  );
});

Deno.test("logical operators", () => {
  assertEquals(ids({ $or: [{ a: 1 }, { a: 2.5 }] }, docs), [1, 2, 6]);
  assertEquals(ids({ $and: [{ a: { $gt: 1 } }, { a: { $lt: 3 } }] }, docs), [2, 6]);
  assertEquals(ids({ $nor: [{ a: { $exists: true } }] }, docs), [8]);
  assertEquals(ids({ a: { $not: { $gt: 2 } } }, docs), [1, 5, 7, 8, 9, 10]);
  assertEquals(ids({ s: { $not: /^a/ } }, docs).includes(1), false);
  assertCommandError(() => compileFilter({ $or: [] }), "BadValue", "$and/$or/$nor must be a nonempty array");
  assertCommandError(() => compileFilter({ $and: {} }), "BadValue");
  assertCommandError(() => compileFilter({ $or: [1] }), "BadValue");
  assertCommandError(() => compileFilter({ a: { $not: {} } }), "BadValue", "$not cannot be empty");
  assertCommandError(() => compileFilter({ a: { $not: 1 } }), "BadValue");
  assertCommandError(() => compileFilter({ $foo: 1 }), "BadValue", "unknown top level operator: $foo");
  assertCommandError(() => compileFilter({ a: { $foo: 1 } }), "BadValue", "unknown operator: $foo");
  assertEquals(ids({ $comment: "hi", a: 1 }, docs), [1, 6]);
});

Deno.test("$exists and $type", () => {
  assertEquals(ids({ t: { $exists: true } }, docs), [4]);
  assertEquals(ids({ a: { $exists: false } }, docs), [8]);
  assertEquals(ids({ a: { $type: "string" } }, docs), [5]);
  assertEquals(ids({ a: { $type: "long" } }, docs), [3]);
  assertEquals(ids({ a: { $type: "number" } }, docs), [1, 2, 3, 4, 6]);
  assertEquals(ids({ a: { $type: ["array"] } }, docs), [6, 10]);
  assertEquals(ids({ a: { $type: 10 } }, docs), [9]);
  assertEquals(ids({ a: { $type: "decimal" } }, docs), [4]);
  assertCommandError(
    () => compileFilter({ a: { $type: "foo" } }),
    "BadValue",
    "Unknown type name alias: foo",
  );
  assertCommandError(() => compileFilter({ a: { $type: 99 } }), "BadValue");
  assertCommandError(() => compileFilter({ a: { $type: {} } }), "TypeMismatch");
});

Deno.test("$regex, $options and regex literals", () => {
  assertEquals(ids({ s: /^a/i }, docs), [1, 2]);
  assertEquals(ids({ s: { $regex: "^a", $options: "i" } }, docs), [1, 2]);
  assertEquals(ids({ s: { $regex: new BSONRegExp("B", "i") } }, docs), [1, 2]);
  assertEquals(ids({ s: { $regex: "a # comment\n b", $options: "x" } }, docs), [1]);
  assertEquals(ids({ r: new BSONRegExp("a", "") }, [{ _id: 1, r: new BSONRegExp("a", "") }]), [1]);
  assertCommandError(() => compileFilter({ s: { $options: "i" } }), "BadValue", "$options needs a $regex");
  assertCommandError(() => compileFilter({ s: { $regex: 1 } }), "BadValue", "$regex has to be a string");
  assertCommandError(() => compileFilter({ s: { $regex: "(" } }), 51091);
  assertCommandError(() => compileFilter({ s: { $regex: "a", $options: "q" } }), 51108);
});

Deno.test("$mod, $size, $all, $elemMatch", () => {
  assertEquals(ids({ a: { $mod: [2, 1] } }, docs), [1, 3, 6]);
  assertEquals(ids({ a: { $size: 3 } }, docs), [6]);
  assertEquals(ids({ a: { $all: [1, 9] } }, docs), [6]);
  assertEquals(ids({ a: { $all: [] } }, docs), []);
  assertEquals(ids({ a: { $elemMatch: { $gt: 4, $lt: 6 } } }, docs), [6]);
  assertEquals(ids({ a: { $elemMatch: { b: 2 } } }, docs), [10]);
  const items = [{ _id: 1, xs: [{ k: 1, v: 2 }, { k: 2, v: 1 }] }];
  assertEquals(ids({ xs: { $elemMatch: { k: 1, v: 1 } } }, items), []);
  assertEquals(ids({ "xs.k": 1, "xs.v": 1 }, items), [1]);
  assertEquals(ids({ xs: { $all: [{ $elemMatch: { k: 2 } }] } }, items), [1]);
  assertCommandError(
    () => compileFilter({ a: { $mod: 2 } }),
    "BadValue",
    "malformed mod, needs to be an array",
  );
  assertCommandError(
    () => compileFilter({ a: { $mod: [2] } }),
    "BadValue",
    "malformed mod, not enough elements",
  );
  assertCommandError(() => compileFilter({ a: { $mod: [0, 1] } }), "BadValue", "divisor cannot be 0");
  assertCommandError(() => compileFilter({ a: { $size: "x" } }), "BadValue");
  assertCommandError(() => compileFilter({ a: { $size: -1 } }), "BadValue");
  assertCommandError(() => compileFilter({ a: { $all: 1 } }), "BadValue", "$all needs an array");
  assertCommandError(() => compileFilter({ a: { $elemMatch: 1 } }), "BadValue", "$elemMatch needs an Object");
});

Deno.test("$expr evaluates aggregation expressions on the whole document", () => {
  assertEquals(ids({ $expr: { $eq: ["$a", 1] } }, docs), [1]);
  assertEquals(
    ids(
      { $expr: { $gt: [{ $size: { $ifNull: ["$a", []] } }, 2] } },
      docs.filter((d) => Array.isArray(d["a"]) || d["a"] === undefined),
    ),
    [6],
  );
  assertEquals(ids({ $or: [{ $expr: { $lt: ["$_id", 2] } }, { _id: 9 }] }, docs), [1, 9]);
  assertEquals(ids({ $expr: { $eq: ["$s", "$$x"] } }, docs, { variables: { x: "xyz" } }), [3]);
  assertEquals(ids({ $expr: { $eq: ["$s", "ABC"] } }, docs, { collation: { locale: "en", strength: 2 } }), [
    1,
  ]);
  assertCommandError(() => compileFilter({ $expr: { $foo: 1 } }), "InvalidPipelineOperator");
  assertCommandError(() => compileFilter({ a: { $elemMatch: { $expr: { $eq: [1, 1] } } } }), "BadValue");
});

Deno.test("geo operators compile (engine/geo); $where refused", () => {
  assertEquals(
    compileFilter({ a: { $geoWithin: { $box: [[0, 0], [1, 1]] } } }).matches({ a: [0.5, 0.5] }),
    true,
  );
  assertCommandError(() => compileFilter({ a: { $geoWithin: { $nope: 1 } } }), "BadValue");
  assertCommandError(() => compileFilter({ $where: "true" }), "BadValue");
});

Deno.test("collation strength 2 makes case irrelevant", () => {
  const coll = { locale: "en", strength: 2 };
  assertEquals(ids({ s: "ABC" }, docs, { collation: coll }), [1]);
  assertEquals(ids({ s: { $in: ["XYZ"] } }, docs, { collation: coll }), [3]);
  assertEquals(ids({ s: "ABC" }, docs), []);
});

Deno.test("extractIdEquality", () => {
  const oid = new ObjectId();
  assertEquals(extractIdEquality({ _id: oid }), oid);
  assertEquals(extractIdEquality({ _id: { $eq: 5 }, a: 1 }), 5);
  assertEquals(extractIdEquality({ $and: [{ a: 1 }, { _id: "x" }] }), "x");
  assertEquals(extractIdEquality({ _id: { $gt: 5 } }), undefined);
  assertEquals(extractIdEquality({ _id: /x/ }), undefined);
  assertEquals(extractIdEquality({ a: 1 }), undefined);
});

Deno.test("BSON undefined under MongoDB 8.0's rules: apart from null, present, never compared to", () => {
  const u: Doc[] = [
    { _id: 1, a: BSON_UNDEFINED },
    { _id: 2, a: null },
    { _id: 3 },
    { _id: 4, a: ["x", BSON_UNDEFINED] },
    { _id: 5, a: ["x", null] },
    { _id: 6, a: 1 },
  ];
  assertEquals(ids({ a: null }, u), [2, 3, 5]);
  assertEquals(ids({ a: { $eq: null } }, u), [2, 3, 5]);
  assertEquals(ids({ a: { $in: [null] } }, u), [2, 3, 5]);
  assertEquals(ids({ a: { $gte: null } }, u), [2, 3, 5]);
  assertEquals(ids({ a: { $ne: null } }, u), [1, 4, 6]);
  assertEquals(ids({ a: { $nin: [null] } }, u), [1, 4, 6]);
  assertEquals(ids({ a: { $exists: true } }, u), [1, 2, 4, 5, 6]);
  assertEquals(ids({ a: { $exists: false } }, u), [3]);
  assertEquals(ids({ a: { $type: "undefined" } }, u), [1, 4]);
  assertEquals(ids({ a: { $type: 6 } }, u), [1, 4]);
  assertEquals(ids({ a: { $type: "null" } }, u), [2, 5]);
  assertEquals(ids({ a: { $lt: 2 } }, u), [6]);
  for (const f of [{ a: BSON_UNDEFINED }, { a: { $ne: BSON_UNDEFINED } }, { a: { $lte: BSON_UNDEFINED } }]) {
    assertCommandError(() => compileFilter(f), 2, "cannot compare to undefined");
  }
  for (const f of [{ a: { $in: [1, BSON_UNDEFINED] } }, { a: { $nin: [BSON_UNDEFINED] } }]) {
    assertCommandError(() => compileFilter(f), 2, "InMatchExpression equality cannot be undefined");
  }
});

Deno.test("DBRef fields: $ref / $id / $db are fields in a filter and in $elemMatch (mongod's parseDBRef)", () => {
  const id = new ObjectId();
  const doc = { members: [{ $ref: "foo", $id: id, $db: "foo" }] };
  assertEquals(compileFilter({ members: { $elemMatch: { $id: id } } }).matches(doc), true);
  assertEquals(compileFilter({ members: { $elemMatch: { $id: new ObjectId() } } }).matches(doc), false);
  assertEquals(compileFilter({ members: { $elemMatch: { $ref: "foo", $db: "foo" } } }).matches(doc), true);
  // as stored documents decode: npm bson makes a DBRef of {$ref, $id, $db}
  const decoded = { members: [new DBRef("foo", id, "foo")] };
  assertEquals(compileFilter({ members: { $elemMatch: { $id: id } } }).matches(decoded), true);
  assertEquals(compileFilter({ members: { $elemMatch: { $ref: "bar" } } }).matches(decoded), false);
  assertEquals(compileFilter({ $id: id }).matches({ $id: id }), true);
  assertEquals(compileFilter({ $id: id }).matches({ _id: id }), false);
});

Deno.test("$alwaysTrue / $alwaysFalse take the number 1 only (9 FailedToParse); inside a field 2", () => {
  assertEquals(ids({ $alwaysTrue: 1 }, docs).length, docs.length);
  assertEquals(ids({ $alwaysFalse: 1.0 }, docs), []);
  assertEquals(ids({ $or: [{ $alwaysFalse: new Long(1) }] }, docs), []);
  for (const bad of [0, 2, true, "1", null]) {
    assertCommandError(
      () => compileFilter({ $alwaysTrue: bad }),
      "FailedToParse",
      "$alwaysTrue must be an integer value of 1",
    );
    assertCommandError(
      () => compileFilter({ $alwaysFalse: bad }),
      "FailedToParse",
      "$alwaysFalse must be an integer value of 1",
    );
  }
  assertCommandError(() => compileFilter({ a: { $alwaysFalse: 1 } }), "BadValue");
});

Deno.test("$elemMatch (object form): an element that is an array is matched as its BSON document, not looked inside", () => {
  const q = compileFilter({ a: { $elemMatch: { b: { $gte: 1, $lte: 1 } } } });
  assertEquals(q.matches({ a: [{ b: 1 }] }), true);
  assertEquals(q.matches({ a: [[{ b: 1 }]] }), false); // arrayfind8.js
  assertEquals(q.matches({ a: [{ b: [0, 1] }] }), true); // below the element, arrays are traversed as usual
  const byIndex = compileFilter({ a: { $elemMatch: { "0": 5 } } });
  assertEquals(byIndex.matches({ a: [[5, 6]] }), true); // the inner array's "0"
  assertEquals(byIndex.matches({ a: [[6, 5]] }), false);
});
