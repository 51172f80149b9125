import assert from "node:assert/strict";
import { Long } from "bson";
import { countGroupOf, countGroupOutput } from "./count_group.ts";

Deno.test("countGroupOf: a $group of a constant _id and {$sum: 1} fields only", () => {
  assert.deepEqual(countGroupOf({ $group: { _id: 1, n: { $sum: 1 } } }), { id: 1, fields: ["n"] });
  assert.deepEqual(countGroupOf({ $group: { _id: null, n: { $sum: 1 }, m: { $sum: 1 } } }), {
    id: null,
    fields: ["n", "m"],
  });
  for (
    const s of [
      { $group: { _id: "$a", n: { $sum: 1 } } },
      { $group: { _id: { k: 1 }, n: { $sum: 1 } } },
      { $group: { _id: 1, n: { $sum: 2 } } },
      { $group: { _id: 1, n: { $sum: "$x" } } },
      { $group: { _id: 1, n: { $count: {} } } },
      { $group: { _id: 1 } },
      { $group: { n: { $sum: 1 }, _id: 1 } },
      { $group: { _id: 1, n: { $sum: 1 } }, x: 1 },
      { $project: { _id: 1 } },
    ]
  ) assert.equal(countGroupOf(s), undefined, JSON.stringify(s));
});

Deno.test("countGroupOutput: no group for nothing; an int while it fits, else a long", () => {
  const g = { id: "k", fields: ["n", "m"] };
  assert.deepEqual(countGroupOutput(g, 0), []);
  assert.deepEqual(countGroupOutput(g, 3), [{ _id: "k", n: 3, m: 3 }]);
  assert.ok(countGroupOutput(g, 2 ** 31)[0]!["n"] instanceof Long);
});

Deno.test("countGroupOf: a closing $count is its field alone", () => {
  const g = countGroupOf({ $count: "total" });
  assert.deepEqual(g, { id: null, fields: ["total"], noId: true });
  assert.deepEqual(countGroupOutput(g!, 0), []);
  assert.deepEqual(countGroupOutput(g!, 7), [{ total: 7 }]);
  assert.equal(countGroupOf({ $count: "total", x: 1 }), undefined);
});
