import assert from "node:assert/strict";
import { filterTopFields, sortTopFields } from "./fields.ts";

Deno.test("filterTopFields collects top-level fields through logical operators", () => {
  assert.deepEqual(
    filterTopFields({
      a: 1,
      "b.c": { $gt: 1 },
      $or: [{ d: 1 }, { $and: [{ "e.f.g": { $exists: false } }] }],
    }),
    new Set(["a", "b", "d", "e"]),
  );
  assert.deepEqual(filterTopFields({ x: { $elemMatch: { $expr: 1 } }, $comment: "c" }), new Set(["x"]));
  assert.deepEqual(filterTopFields({}), new Set());
});

Deno.test("filterTopFields gives up on whole-document operators", () => {
  for (
    const f of [{ $expr: { $eq: ["$a", 1] } }, { $where: "1" }, { $jsonSchema: {} }, {
      $text: { $search: "x" },
    }]
  ) {
    assert.equal(filterTopFields(f), null, JSON.stringify(f));
  }
  assert.equal(filterTopFields({ $or: [{ a: 1 }, { $expr: true }] }), null);
});

Deno.test("sortTopFields", () => {
  assert.deepEqual(sortTopFields({ "a.b": 1, c: -1 }), new Set(["a", "c"]));
  assert.equal(sortTopFields({ s: { $meta: "textScore" } }), null);
});
