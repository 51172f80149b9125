import assert from "node:assert/strict";
import { Long } from "bson";
import { evaluateExpression as ev } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

const doc = { a: [1, 2, 3, 4], o: { x: 1, y: 2 }, n: null };

Deno.test("array basics", () => {
  assert.equal(ev({ $size: "$a" }, doc), 4);
  assertCommandError(() => ev({ $size: "$missing" }, doc), 17124);
  assert.equal(ev({ $arrayElemAt: ["$a", -1] }, doc), 4);
  assert.equal(ev({ $arrayElemAt: ["$a", 9] }, doc), undefined);
  assert.equal(ev({ $first: "$a" }, doc), 1);
  assert.equal(ev({ $last: "$a" }, doc), 4);
  assert.equal(ev({ $in: [2, "$a"] }, doc), true);
  assertCommandError(() => ev({ $in: [2, "$missing"] }, doc), 40081);
  assert.deepEqual(ev({ $concatArrays: ["$a", [5]] }, doc), [1, 2, 3, 4, 5]);
  assert.equal(ev({ $concatArrays: ["$a", "$n"] }, doc), null);
  assert.equal(ev({ $isArray: "$a" }, doc), true);
  assert.deepEqual(ev({ $slice: ["$a", 2] }, doc), [1, 2]);
  assert.deepEqual(ev({ $slice: ["$a", -2] }, doc), [3, 4]);
  assert.deepEqual(ev({ $slice: ["$a", 1, 2] }, doc), [2, 3]);
  assert.deepEqual(ev({ $reverseArray: "$a" }, doc), [4, 3, 2, 1]);
  assert.deepEqual(ev({ $range: [0, 10, 3] }, doc), [0, 3, 6, 9]);
  assert.equal(ev({ $indexOfArray: ["$a", 3] }, doc), 2);
});

Deno.test("$map $filter $reduce with variables", () => {
  assert.deepEqual(ev({ $map: { input: "$a", as: "x", in: { $multiply: ["$$x", 10] } } }, doc), [
    10,
    20,
    30,
    40,
  ]);
  assert.deepEqual(ev({ $map: { input: "$a", in: { $add: ["$$this", 1] } } }, doc), [2, 3, 4, 5]);
  assert.deepEqual(ev({ $filter: { input: "$a", cond: { $gt: ["$$this", 2] } } }, doc), [3, 4]);
  assert.deepEqual(ev({ $filter: { input: "$a", as: "v", cond: { $gt: ["$$v", 1] }, limit: 1 } }, doc), [2]);
  assert.equal(
    ev({ $reduce: { input: "$a", initialValue: 0, in: { $add: ["$$value", "$$this"] } } }, doc),
    10,
  );
  assert.deepEqual(
    ev({
      $map: {
        input: [[1, 2], [3]],
        as: "outer",
        in: { $map: { input: "$$outer", as: "inner", in: { $add: ["$$inner", { $size: "$$outer" }] } } },
      },
    }, doc),
    [[3, 4], [4]],
  );
  assertCommandError(() => ev({ $map: { input: "$a" } }, doc), 16882);
  assertCommandError(() => ev({ $filter: { input: 1, cond: true } }, doc), 28651);
});

Deno.test("objects, sets and accumulator expressions", () => {
  assert.deepEqual(ev({ $mergeObjects: ["$o", { y: 3, z: 4 }, null] }, doc), { x: 1, y: 3, z: 4 });
  assert.equal(ev({ $getField: "x" }, doc["o"]), 1);
  assert.equal(ev({ $getField: { field: "a.b", input: { $literal: { "a.b": 5 } } } }, doc), 5);
  assert.deepEqual(ev({ $setField: { field: { $literal: "$x" }, input: "$o", value: 9 } }, doc), {
    x: 1,
    y: 2,
    $x: 9,
  });
  assert.deepEqual(ev({ $unsetField: { field: "x", input: "$o" } }, doc), { y: 2 });
  assert.deepEqual(ev({ $objectToArray: "$o" }, doc), [{ k: "x", v: 1 }, { k: "y", v: 2 }]);
  assert.deepEqual(ev({ $arrayToObject: [[["a", 1], ["b", 2]]] }, doc), { a: 1, b: 2 });
  assert.deepEqual(ev({ $setUnion: [[1, 2], [2, 3]] }, doc), [1, 2, 3]);
  assert.deepEqual(ev({ $setIntersection: [[1, 2], [2, 3]] }, doc), [2]);
  assert.deepEqual(ev({ $setDifference: [[1, 2], [2, 3]] }, doc), [1]);
  assert.equal(ev({ $setEquals: [[1, 2], [2, 1, 1]] }, doc), true);
  assert.equal(ev({ $setIsSubset: [[1], [2, 1]] }, doc), true);
  assert.equal(ev({ $sum: "$a" }, doc), 10);
  assert.equal(ev({ $sum: [1, 2, "x"] }, doc), 3);
  assert.equal(ev({ $avg: "$a" }, doc), 2.5);
  assert.equal(ev({ $max: "$a" }, doc), 4);
  assert.equal(ev({ $min: [5, null, 2] }, doc), 2);
  assert.deepEqual(ev({ $sum: [2147483647, 1] }, doc), Long.fromNumber(2147483648));
});
