/**
 * The `$v: 2` diffs operator and pipeline updates report, against mongod 8.0's: the cases marked
 * "oplog_format.js" are the expectations of mongod's jstests/replsets/oplog_format.js; the others
 * follow mongod's update nodes (set/unset/push/pull/pop/addToSet/rename node logUpdate) and its v2 log
 * builder, and the change-event docs' array examples.
 */
import assert from "node:assert/strict";
import { compileUpdate, type UpdateOptions } from "./update.ts";
import type { Document } from "./types.ts";

function diffOf(doc: Document, update: Document | Document[], opts: UpdateOptions = {}) {
  const r = compileUpdate(update, opts).apply(doc, { isInsert: false, now: new Date(0) });
  return r.modified ? r.diff : "noop";
}

Deno.test("oplog_format.js: $inc + $set, existing and new fields", () => {
  assert.deepEqual(diffOf({ _id: 1, a: 2 }, { $inc: { a: 1 }, $set: { b: 2 } }), {
    u: { a: 3 },
    i: { b: 2 },
  });
  assert.deepEqual(diffOf({ _id: 1, c: 0 }, { $inc: { a: 1 }, $set: { b: 2 } }), { i: { a: 1, b: 2 } });
  assert.deepEqual(diffOf({ _id: 1, a: 1, b: 1 }, { $set: { a: 2, b: 2 } }), { u: { a: 2, b: 2 } });
});

Deno.test("oplog_format.js: two nested $pull log whole arrays", () => {
  assert.deepEqual(
    diffOf({ _id: 1, a: { b: [1, 2], c: [1, 2] } }, { $pull: { "a.b": 2, "a.c": 2 } }),
    { sa: { u: { b: [1], c: [1] } } },
  );
});

Deno.test("oplog_format.js: $inc of an array element; $push creating; $push with $slice/$sort", () => {
  assert.deepEqual(diffOf({ _id: 1, a: [2] }, { $inc: { "a.0": 1 } }), { sa: { a: true, u0: 3 } });
  assert.deepEqual(diffOf({ _id: 1, a: "foo" }, { $push: { c: 18 } }), { i: { c: [18] } });
  assert.deepEqual(
    diffOf({ _id: 1, a: { b: [18] } }, { $push: { "a.b": { $each: [1, 2], $slice: -2 } } }),
    { sa: { u: { b: [1, 2] } } },
  );
  assert.deepEqual(
    diffOf({ _id: 1, a: { b: [{ c: 2 }, { c: 1 }] } }, {
      $push: { "a.b": { $each: [{ c: -1 }], $sort: { c: 1 }, $slice: -100 } },
    }),
    { sa: { u: { b: [{ c: -1 }, { c: 1 }, { c: 2 }] } } },
  );
  assert.deepEqual(
    diffOf({ _id: 1, a: [{ b: 2 }, { b: 1 }] }, {
      $push: { a: { $each: [{ b: -1 }], $slice: -2, $sort: { b: 1 } } },
    }),
    { u: { a: [{ b: 1 }, { b: 2 }] } },
  );
});

Deno.test("oplog_format.js: $setOnInsert on an existing document is a no-op", () => {
  assert.equal(diffOf({ _id: 1, a: [3] }, { $setOnInsert: { a: -1 } }), "noop");
});

Deno.test("$set of a sub-document logs the new value, not a value diff", () => {
  assert.deepEqual(diffOf({ _id: 1, a: { x: 1, y: 2 } }, { $set: { a: { x: 1 } } }), { u: { a: { x: 1 } } });
  assert.deepEqual(diffOf({ _id: 1, a: [1, 2, 3] }, { $set: { a: [1] } }), { u: { a: [1] } });
});

Deno.test("an operator that changes nothing logs nothing", () => {
  assert.equal(diffOf({ _id: 1, a: 5 }, { $set: { a: 5 } }), "noop");
  assert.deepEqual(diffOf({ _id: 1, a: 5, b: 1 }, { $set: { a: 5, b: 2 } }), { u: { b: 2 } });
  assert.equal(diffOf({ _id: 1, a: 5 }, { $inc: { a: 0 } }), "noop");
  assert.equal(diffOf({ _id: 1, a: [1] }, { $pull: { a: 7 } }), "noop");
  assert.equal(diffOf({ _id: 1, a: [1] }, { $addToSet: { a: 1 } }), "noop");
  assert.equal(diffOf({ _id: 1 }, { $unset: { a: 1 } }), "noop");
});

Deno.test("created paths are one insertion under the first missing field", () => {
  assert.deepEqual(diffOf({ _id: 1 }, { $set: { "a.b.c": 1 } }), { i: { a: { b: { c: 1 } } } });
  assert.deepEqual(diffOf({ _id: 1, a: {} }, { $set: { "a.b.c": 1, "a.b.d": 2 } }), {
    sa: { i: { b: { c: 1, d: 2 } } },
  });
  assert.deepEqual(diffOf({ _id: 1 }, { $set: { "a.b": 1, "a.c": 2 } }), { i: { a: { b: 1, c: 2 } } });
  assert.deepEqual(diffOf({ _id: 1, arr: [1, 2, 3] }, { $set: { "arr.5": 9 } }), {
    sarr: { a: true, u5: 9 },
  });
  assert.deepEqual(diffOf({ _id: 1, arr: [] }, { $set: { "arr.0.c": 1 } }), {
    sarr: { a: true, u0: { c: 1 } },
  });
});

Deno.test("$unset: a field is removed, an array element becomes null (an update)", () => {
  assert.deepEqual(diffOf({ _id: 1, a: 1, b: { c: 1, d: 2 } }, { $unset: { a: "", "b.c": "" } }), {
    d: { a: false },
    sb: { d: { c: false } },
  });
  assert.deepEqual(diffOf({ _id: 1, a: [1, 2] }, { $unset: { "a.1": "" } }), { sa: { a: true, u1: null } });
});

Deno.test("$push: appended elements onto a non-empty array, the whole array otherwise", () => {
  assert.deepEqual(diffOf({ _id: 1, s: [0.85] }, { $push: { s: 0.94 } }), { ss: { a: true, u1: 0.94 } });
  assert.deepEqual(diffOf({ _id: 1, s: [1] }, { $push: { s: { $each: [2, 3] } } }), {
    ss: { a: true, u1: 2, u2: 3 },
  });
  assert.deepEqual(diffOf({ _id: 1, s: [] }, { $push: { s: 0.85 } }), { u: { s: [0.85] } });
  assert.deepEqual(diffOf({ _id: 1, s: [1, 2] }, { $push: { s: { $each: [0], $position: 0 } } }), {
    u: { s: [0, 1, 2] },
  });
  // $position equal to the length is an insertion after the last element: not an append for mongod
  assert.deepEqual(diffOf({ _id: 1, s: [1, 2] }, { $push: { s: { $each: [3], $position: 2 } } }), {
    u: { s: [1, 2, 3] },
  });
  assert.deepEqual(diffOf({ _id: 1, s: [1, 2] }, { $push: { s: { $each: [3], $position: 5 } } }), {
    ss: { a: true, u2: 3 },
  });
});

Deno.test("$pull, $pop, $addToSet log the whole array", () => {
  assert.deepEqual(diffOf({ _id: 1, s: [1, 2, 3] }, { $pull: { s: 2 } }), { u: { s: [1, 3] } });
  assert.deepEqual(diffOf({ _id: 1, s: [1, 2, 3] }, { $pop: { s: 1 } }), { u: { s: [1, 2] } });
  assert.deepEqual(diffOf({ _id: 1, s: [1] }, { $addToSet: { s: 2 } }), { u: { s: [1, 2] } });
  assert.deepEqual(diffOf({ _id: 1 }, { $addToSet: { s: 2 } }), { i: { s: [2] } });
});

Deno.test("$rename: the source deleted, the destination created or updated", () => {
  assert.deepEqual(diffOf({ _id: 1, a: 1 }, { $rename: { a: "b" } }), { d: { a: false }, i: { b: 1 } });
  assert.deepEqual(diffOf({ _id: 1, a: 1, b: 2 }, { $rename: { a: "b" } }), { d: { a: false }, u: { b: 1 } });
  assert.deepEqual(diffOf({ _id: 1, a: { x: 1 } }, { $rename: { "a.x": "a.y" } }), {
    sa: { d: { x: false }, i: { y: 1 } },
  });
});

Deno.test("positional paths and arrayFilters", () => {
  assert.deepEqual(
    diffOf({ _id: 1, a: [{ b: 1 }, { b: 2 }, { b: 3 }] }, { $set: { "a.$[e].b": 0 } }, {
      arrayFilters: [{ "e.b": { $gte: 2 } }],
    }),
    { sa: { a: true, s1: { u: { b: 0 } }, s2: { u: { b: 0 } } } },
  );
  assert.deepEqual(diffOf({ _id: 1, a: [1, 2] }, { $inc: { "a.$[]": 1 } }), {
    sa: { a: true, u0: 2, u1: 3 },
  });
  const r = compileUpdate({ $set: { "a.$": 9 } }).apply({ _id: 1, a: [1, 2] }, {
    isInsert: false,
    now: new Date(0),
    matchedIndex: "1",
  });
  assert.deepEqual(r.diff, { sa: { a: true, u1: 9 } });
});

Deno.test("pipeline updates: mongod's value diff, a replacement when it is not smaller", () => {
  const pad = "x".repeat(200);
  assert.deepEqual(
    diffOf({ _id: 1, pad, a: { x: 1, y: 2, z: pad } }, [{ $set: { a: { $literal: { x: 1, z: pad } } } }]),
    { sa: { d: { y: false } } },
  );
  // a nested diff not smaller than the new value is an update of the whole value
  assert.deepEqual(
    diffOf({ _id: 1, pad, a: { x: 1, y: 2 } }, [{ $set: { a: { $literal: { x: 1 } } } }]),
    { u: { a: { x: 1 } } },
  );
  assert.deepEqual(
    diffOf({ _id: 1, pad, arr: [pad, 2, 3] }, [{ $set: { arr: [pad] } }]),
    { sarr: { a: true, l: 1 } },
  );
  // a tiny document: the diff is not smaller than the document, so mongod logs a replacement
  assert.equal(diffOf({ _id: 1, a: 1 }, [{ $set: { a: 2 } }]), null);
});

Deno.test("replacements carry no diff; upserts carry none", () => {
  const r = compileUpdate({ a: 1 }).apply({ _id: 1, a: 2 }, { isInsert: false, now: new Date(0) });
  assert.equal(r.diff, undefined);
  const u = compileUpdate({ $set: { a: 1 } }).apply({ _id: 1 }, { isInsert: true, now: new Date(0) });
  assert.equal(u.diff, undefined);
});
