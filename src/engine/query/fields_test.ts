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
    const f of [
      { $expr: { $eq: ["$$ROOT", 1] } },
      { $where: "1" },
      { $jsonSchema: {} },
      {
        $text: { $search: "x" },
      },
      { $expr: { $eq: [{ $getField: "a.b" }, 1] } },
      { $expr: { $gt: [{ $size: { $objectToArray: "$$CURRENT" } }, 1] } },
    ]
  ) {
    assert.equal(filterTopFields(f), null, JSON.stringify(f));
  }
  assert.equal(filterTopFields({ $or: [{ a: 1 }, { $expr: "$$ROOT" }] }), null);
});

Deno.test("filterTopFields reads the fields an $expr names", () => {
  assert.deepEqual(filterTopFields({ $expr: { $gt: ["$a", "$n.x"] } }), new Set(["a", "n"]));
  assert.deepEqual(
    filterTopFields({
      c: 1,
      $or: [{ $expr: { $eq: ["$$ROOT.d.e", "$$v"] } }, { $expr: { $literal: "$zz" } }, { $expr: true }],
    }),
    new Set(["c", "d"]),
  );
  assert.deepEqual(
    filterTopFields({ $expr: { $let: { vars: { t: "$f" }, in: { $gt: ["$$t", "$$NOW"] } } } }),
    new Set(["f"]),
  );
});

Deno.test("sortTopFields", () => {
  assert.deepEqual(sortTopFields({ "a.b": 1, c: -1 }), new Set(["a", "c"]));
  assert.equal(sortTopFields({ s: { $meta: "textScore" } }), null);
});
