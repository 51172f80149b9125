import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON, DBRef, Decimal128, Double, Long, Timestamp } from "bson";
import { compileUpdate, upsertSeed } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";

const ctx = { isInsert: false, now: new Date(1_700_000_000_000) };
const run = (u: Doc | Doc[], doc: Doc, c = ctx) => compileUpdate(u).apply(doc, c);

Deno.test("replacement keeps _id first and refuses to change it", () => {
  const u = compileUpdate({ b: 2, _id: 1 });
  assertEquals(u.kind, "replacement");
  assertEquals(u.apply({ _id: 1, a: 1 }, ctx), { doc: { _id: 1, b: 2 }, modified: true });
  // mongod's no-op test: the stored document binary-equal to the replacement as sent
  assertEquals(run({ _id: 1, a: 1 }, { _id: 1, a: 1 }), { doc: { _id: 1, a: 1 }, modified: false });
  assertEquals(run({ a: 1 }, { _id: 1, a: 1 }), { doc: { _id: 1, a: 1 }, modified: true });
  assertCommandError(() => run({ _id: 2 }, { _id: 1 }), "ImmutableField");
  assertCommandError(() => compileUpdate({ a: 1, $set: { b: 1 } }), "DollarPrefixedFieldName");
});

Deno.test("$set / $unset with dotted paths, arrays and field order", () => {
  assertEquals(run({ $set: { b: 1, a: 1 } }, { _id: 1 }).doc, { _id: 1, a: 1, b: 1 });
  assertEquals(run({ $set: { "x.y.z": 1 } }, { _id: 1 }).doc, { _id: 1, x: { y: { z: 1 } } });
  assertEquals(run({ $set: { "a.2": 9 } }, { _id: 1, a: [1] }).doc, { _id: 1, a: [1, null, 9] });
  assertEquals(run({ $set: { a: 1 } }, { _id: 1, a: 1 }).modified, false);
  assertEquals(run({ $unset: { "a.b": "" } }, { _id: 1, a: { b: 1, c: 2 } }).doc, { _id: 1, a: { c: 2 } });
  assertEquals(run({ $unset: { "a.0": 1 } }, { _id: 1, a: [1, 2] }).doc, { _id: 1, a: [null, 2] });
  assertEquals(run({ $unset: { nope: 1 } }, { _id: 1 }).modified, false);
  assertCommandError(
    () => run({ $set: { "a.b": 1 } }, { _id: 1, a: 5 }),
    "PathNotViable",
    "Cannot create field 'b' in element {a: 5}",
  );
  assertCommandError(() => run({ $set: { "a.b": 1 } }, { _id: 1, a: [] }), "PathNotViable");
  assertCommandError(() => run({ $set: { _id: 2 } }, { _id: 1 }), "ImmutableField");
  assertEquals(run({ $set: { _id: 1 } }, { _id: 1 }).modified, false);
});

Deno.test("$inc / $mul type promotion and errors", () => {
  assertEquals(run({ $inc: { a: 1 } }, { _id: 1, a: 1 }).doc, { _id: 1, a: 2 });
  assertEquals(run({ $inc: { a: 1 } }, { _id: 1 }).doc, { _id: 1, a: 1 });
  assertEquals(run({ $inc: { a: 1 } }, { _id: 1, a: 2147483647 }).doc, {
    _id: 1,
    a: Long.fromString("2147483648"),
  });
  assertEquals(run({ $inc: { a: 1.5 } }, { _id: 1, a: 1.5 }).doc, { _id: 1, a: new Double(3) });
  assertEquals(run({ $inc: { a: Long.fromNumber(1) } }, { _id: 1, a: 1 }).doc, {
    _id: 1,
    a: Long.fromNumber(2),
  });
  const dec = run({ $inc: { a: Decimal128.fromString("0.1") } }, { _id: 1, a: 1 }).doc["a"];
  assertEquals(String(dec), "1.1");
  assertEquals(run({ $mul: { a: 3 } }, { _id: 1 }).doc, { _id: 1, a: 0 });
  assertEquals(run({ $mul: { a: 3 } }, { _id: 1, a: 100000 }).doc, { _id: 1, a: 300000 });
  assertEquals(run({ $mul: { a: 100000 } }, { _id: 1, a: 100000 }).doc, { _id: 1, a: Long.fromNumber(1e10) });
  assertCommandError(
    () => compileUpdate({ $inc: { a: "x" } }),
    "TypeMismatch",
    'Cannot increment with non-numeric argument: {a: "x"}',
  );
  assertCommandError(
    () => run({ $inc: { a: 1 } }, { _id: 1, a: "s" }),
    "TypeMismatch",
    "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string",
  );
});

Deno.test("$min $max $rename $currentDate $setOnInsert", () => {
  assertEquals(run({ $min: { a: 1 } }, { _id: 1, a: 2 }).doc, { _id: 1, a: 1 });
  assertEquals(run({ $max: { a: 1 } }, { _id: 1, a: 2 }).modified, false);
  assertEquals(run({ $rename: { a: "b.c" } }, { _id: 1, a: 5 }).doc, { _id: 1, b: { c: 5 } });
  assertEquals(run({ $rename: { zz: "b" } }, { _id: 1 }).modified, false);
  assertEquals(run({ $currentDate: { d: true } }, { _id: 1 }).doc, {
    _id: 1,
    d: new Date(1_700_000_000_000),
  });
  assertEquals(
    run({ $currentDate: { t: { $type: "timestamp" } } }, { _id: 1 }).doc,
    { _id: 1, t: new Timestamp({ t: 1_700_000_000, i: 1 }) },
  );
  assertEquals(run({ $setOnInsert: { a: 1 } }, { _id: 1 }).modified, false);
  assertEquals(run({ $setOnInsert: { a: 1 } }, { _id: 1 }, { ...ctx, isInsert: true }).doc, { _id: 1, a: 1 });
  assertCommandError(() => compileUpdate({ $rename: { a: 1 } }), "BadValue");
  assertCommandError(() => compileUpdate({ $rename: { a: "a" } }), "BadValue");
  assertCommandError(() => compileUpdate({ $currentDate: { a: { $type: "x" } } }), "BadValue");
});

Deno.test("array operators", () => {
  assertEquals(run({ $push: { a: 3 } }, { _id: 1, a: [1] }).doc, { _id: 1, a: [1, 3] });
  assertEquals(run({ $push: { a: 3 } }, { _id: 1 }).doc, { _id: 1, a: [3] });
  assertEquals(
    run({ $push: { a: { $each: [5, 0, 9], $sort: 1, $slice: -3 } } }, { _id: 1, a: [4] }).doc,
    { _id: 1, a: [4, 5, 9] },
  );
  assertEquals(run({ $push: { a: { $each: [7], $position: 0 } } }, { _id: 1, a: [1] }).doc, {
    _id: 1,
    a: [7, 1],
  });
  assertEquals(
    run({ $push: { a: { $each: [{ s: 2 }, { s: 1 }], $sort: { s: -1 } } } }, { _id: 1, a: [] }).doc,
    { _id: 1, a: [{ s: 2 }, { s: 1 }] },
  );
  assertEquals(run({ $addToSet: { a: { $each: [1, 2, 2] } } }, { _id: 1, a: [1] }).doc, {
    _id: 1,
    a: [1, 2],
  });
  assertEquals(run({ $pull: { a: { $gte: 2 } } }, { _id: 1, a: [1, 2, 3] }).doc, { _id: 1, a: [1] });
  assertEquals(run({ $pull: { a: { k: 1 } } }, { _id: 1, a: [{ k: 1, v: 2 }, { k: 2 }] }).doc, {
    _id: 1,
    a: [{ k: 2 }],
  });
  assertEquals(run({ $pull: { a: 2 } }, { _id: 1, a: [2, 1, 2] }).doc, { _id: 1, a: [1] });
  assertEquals(run({ $pullAll: { a: [1, 3] } }, { _id: 1, a: [1, 2, 3] }).doc, { _id: 1, a: [2] });
  assertEquals(run({ $pop: { a: 1 } }, { _id: 1, a: [1, 2] }).doc, { _id: 1, a: [1] });
  assertEquals(run({ $pop: { a: -1 } }, { _id: 1, a: [1, 2] }).doc, { _id: 1, a: [2] });
  assertCommandError(() => run({ $push: { a: 1 } }, { _id: 1, a: 1 }), "BadValue");
  assertCommandError(() => run({ $addToSet: { a: 1 } }, { _id: 1, a: 1 }), "BadValue");
  assertCommandError(() => compileUpdate({ $pop: { a: 2 } }), "FailedToParse");
  assertCommandError(() => compileUpdate({ $pullAll: { a: 1 } }), "BadValue");
  assertCommandError(() => compileUpdate({ $push: { a: { $each: 1 } } }), "BadValue");
});

Deno.test("parse errors: unknown modifier, conflicts, bad paths", () => {
  assertCommandError(() => compileUpdate({ $foo: { a: 1 } }), "FailedToParse", /^Unknown modifier: \$foo/);
  assertCommandError(() => compileUpdate({ $set: 1 } as Doc), "FailedToParse");
  assertCommandError(() => compileUpdate({ $set: { a: 1 }, $inc: { a: 1 } }), "ConflictingUpdateOperators");
  assertCommandError(
    () => compileUpdate({ $set: { a: 1, "a.b": 1 } }),
    "ConflictingUpdateOperators",
    "Updating the path 'a.b' would create a conflict at 'a'",
  );
  assertCommandError(
    () => compileUpdate({ $set: { "a.b": 1 }, $unset: { a: 1 } }),
    "ConflictingUpdateOperators",
  );
  assertCommandError(() => compileUpdate({ $set: { "": 1 } }), "EmptyFieldName");
  assertCommandError(() => compileUpdate({ $set: { "a..b": 1 } }), "EmptyFieldName");
  assertCommandError(() => compileUpdate({ $set: { "$.a": 1 } }), "BadValue");
  assertCommandError(
    () => compileUpdate({ $set: { a: 1 } }, { arrayFilters: [{ "x.a": 1 }] }),
    "FailedToParse",
  );
  assertEquals(compileUpdate({ $set: {} }).apply({ _id: 1 }, ctx).modified, false);
});

Deno.test("upsertSeed", () => {
  assertEquals(upsertSeed({ a: 1, _id: 5, b: { $gt: 1 }, "c.d": 2 }), { _id: 5, a: 1, c: { d: 2 } });
  assertEquals(upsertSeed({ $and: [{ a: { $eq: 1 } }, { b: /x/ }] }), { a: 1 });
  assertCommandError(() => upsertSeed({ $and: [{ a: 1 }, { a: 2 }] }), "NotSingleValueField");
  assertCommandError(() => upsertSeed({ a: 1, "a.b": 2 }), "NotSingleValueField");
});

Deno.test("pipeline-style updates", () => {
  const u = compileUpdate([{ $set: { total: { $add: ["$a", "$b"] }, at: "$$NOW" } }, { $unset: "b" }]);
  assertEquals(u.kind, "pipeline");
  assertEquals(u.apply({ _id: 1, a: 1, b: 2 }, ctx), {
    doc: { _id: 1, a: 1, total: 3, at: ctx.now },
    modified: true,
    diff: null, // a small document: logged as a replacement, as mongod does
  });
  assertEquals(run([{ $replaceWith: { x: "$a" } }], { _id: 7, a: 1 }).doc, { _id: 7, x: 1 });
  assertEquals(run([{ $project: { a: 1 } }], { _id: 7, a: 1 }), { doc: { _id: 7, a: 1 }, modified: false });
  assertEquals(compileUpdate([{ $set: { v: "$$x" } }], { variables: { x: 5 } }).apply({ _id: 1 }, ctx).doc, {
    _id: 1,
    v: 5,
  });
  assertCommandError(() => run([{ $set: { _id: 2 } }], { _id: 1 }), "ImmutableField");
  assertCommandError(
    () => compileUpdate([{ $match: {} }]),
    "InvalidOptions",
    "$match is not allowed to be used within an update",
  );
  assertCommandError(() => compileUpdate([{ $foo: {} }]), 40324);
  assertCommandError(
    () => compileUpdate([{ $set: { a: 1 } }], { arrayFilters: [{ x: 1 }] }),
    "FailedToParse",
  );
});

Deno.test("$pull with a logical condition queries the elements as documents", () => {
  const doc = { _id: 1, a: [{ k: 1 }, { k: 2, v: 1 }, { k: 3 }] };
  assertEquals(run({ $pull: { a: { $or: [{ k: 1 }, { v: 1 }] } } }, doc).doc, { _id: 1, a: [{ k: 3 }] });
  assertEquals(run({ $pull: { a: { $nor: [{ k: { $gt: 1 } }] } } }, doc).doc, {
    _id: 1,
    a: [{ k: 2, v: 1 }, { k: 3 }],
  });
});

Deno.test("dollar-prefixed fields: nested ones always, a top-level one only when the update inserts", () => {
  const nested = compileUpdate({ $set: { "address.$street": "Elm Ave" } });
  assertEquals(nested.apply({ _id: 1, address: {} }, { isInsert: false, now: new Date() }).doc, {
    _id: 1,
    address: { $street: "Elm Ave" },
  });
  const top = compileUpdate({ $set: { $hotel: 320 } });
  assertEquals(top.apply({ _id: 1 }, { isInsert: true, now: new Date() }).doc, { _id: 1, $hotel: 320 });
  assertCommandError(
    () => top.apply({ _id: 1 }, { isInsert: false, now: new Date() }),
    "DollarPrefixedFieldName",
  );
  assertCommandError(
    () =>
      compileUpdate({ $rename: { a: "$b" } }).apply({ _id: 1, a: 1 }, { isInsert: false, now: new Date() }),
    "DollarPrefixedFieldName",
  );
});

Deno.test("operators compare strings under the update's collation; pipeline updates too", () => {
  const numeric = { locale: "en_US", numericOrdering: true };
  const ci = { locale: "en_US", strength: 2 };
  const run = (u: Doc | Doc[], doc: Doc, collation: Doc) =>
    compileUpdate(u, { collation }).apply(doc, ctx).doc;
  assertEquals(run({ $min: { a: "1234" } }, { a: "124" }, numeric), { a: "124" });
  assertEquals(run({ $max: { a: "1234" } }, { a: "124" }, numeric), { a: "1234" });
  assertEquals(run({ $push: { s: { $each: ["100"], $sort: 1 } } }, { s: ["10", "9"] }, numeric), {
    s: ["9", "10", "100"],
  });
  assertEquals(
    run({ $push: { s: { $each: [{ k: "10" }], $sort: { k: 1 } } } }, { s: [{ k: "9" }] }, numeric),
    {
      s: [{ k: "9" }, { k: "10" }],
    },
  );
  assertEquals(run({ $addToSet: { arr: "b" } }, { arr: ["a", "B"] }, ci), { arr: ["a", "B"] });
  assertEquals(run({ $pull: { arr: "A" } }, { arr: ["a", "B"] }, ci), { arr: ["B"] });
  assertEquals(run({ $pull: { arr: { $in: ["b"] } } }, { arr: ["a", "B"] }, ci), { arr: ["a"] });
  assertEquals(run({ $pullAll: { arr: ["b"] } }, { arr: ["a", "B"] }, ci), { arr: ["a"] });
  assertEquals(run([{ $set: { i: { $indexOfArray: ["$x", "B"] } } }], { x: ["a", "b"] }, ci), {
    x: ["a", "b"],
    i: 1,
  });
  // without a collation: binary
  assertEquals(compileUpdate({ $pull: { arr: "A" } }).apply({ arr: ["a"] }, ctx).doc, { arr: ["a"] });
});

Deno.test("$pop: a path a scalar blocks is 28 PathNotViable; a missing one is a no-op", () => {
  assertCommandError(
    () => compileUpdate({ $pop: { "a.b.c": 1 } }).apply({ a: { b: 1 } }, ctx),
    "PathNotViable",
    "Cannot use the part (c) of (a.b.c) to traverse the element ({b: 1})",
  );
  assertEquals(compileUpdate({ $pop: { "a.x.c": 1 } }).apply({ a: { b: 1 } }, ctx).modified, false);
  assertEquals(compileUpdate({ $pop: { "a.b": -1 } }).apply({ a: { b: [1, 2] } }, ctx).doc, {
    a: { b: [2] },
  });
});

Deno.test("a DBRef is a document to an update: $set of a.$id changes it (it was silently ignored)", () => {
  const out =
    compileUpdate({ $set: { "a.$id": "b" } }).apply({ _id: 1, a: new DBRef("a", 2 as never) }, ctx).doc;
  assertEquals(BSON.deserialize(BSON.serialize(out))["a"], new DBRef("a", "b" as never));
});

Deno.test("upsertSeed of a filter on _id alone: the equality's value, a copy; nothing from a regex or operator", () => {
  assertEquals(upsertSeed({ _id: 5 }), { _id: 5 });
  assertEquals(upsertSeed({ _id: "k" }), { _id: "k" });
  assertEquals(upsertSeed({ _id: null }), { _id: null });
  const v = { a: [1, { b: 2 }] };
  const seed = upsertSeed({ _id: v });
  assertEquals(seed, { _id: { a: [1, { b: 2 }] } });
  (seed["_id"] as { a: unknown[] }).a.push(3); // the filter's value is not shared
  assertEquals(v, { a: [1, { b: 2 }] });
  assertEquals(upsertSeed({ _id: /x/ }), {});
  assertEquals(upsertSeed({ _id: { $gt: 1 } }), {});
  assertEquals(upsertSeed({ _id: { $eq: 3 } }), { _id: 3 });
  assertEquals(upsertSeed({ _id: { $eq: /x/ } }), {});
  // with another field: the general path (the _id first)
  assertEquals(Object.keys(upsertSeed({ a: 1, _id: 2 })), ["_id", "a"]);
});
