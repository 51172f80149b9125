import assert from "node:assert/strict";
import { moveMatchesEarlier } from "./match_pushdown.ts";
import { compilePipeline } from "./pipeline.ts";
import type { Document as Doc } from "../../bson/document.ts";

Deno.test("moveMatchesEarlier: a $match goes before a $sort whole", () => {
  assert.deepEqual(
    moveMatchesEarlier([{ $sort: { t: -1 } }, { $match: { owner: "u5" } }, { $limit: 20 }]),
    [{ $match: { owner: "u5" } }, { $sort: { t: -1 } }, { $limit: 20 }],
  );
});

Deno.test("moveMatchesEarlier: the conjuncts that read no changed field go before $addFields/$set/$unset", () => {
  assert.deepEqual(
    moveMatchesEarlier([{ $addFields: { x: 1, "n.y": 2 } }, { $match: { owner: "u5", x: 1, "n.z": 3 } }]),
    [{ $match: { owner: "u5" } }, { $addFields: { x: 1, "n.y": 2 } }, { $match: { x: 1, "n.z": 3 } }],
  );
  assert.deepEqual(
    moveMatchesEarlier([{ $unset: ["pad", "q.r"] }, {
      $match: { $and: [{ a: 1 }, { pad: "x" }, { a: { $lt: 5 } }] },
    }]),
    [{ $match: { $and: [{ a: 1 }, { a: { $lt: 5 } }] } }, { $unset: ["pad", "q.r"] }, {
      $match: { pad: "x" },
    }],
  );
  // and keeps moving: over a $set and then a $sort
  assert.deepEqual(
    moveMatchesEarlier([{ $sort: { a: 1 } }, { $set: { s: 1 } }, { $match: { a: 2, s: 1 } }]),
    [{ $match: { a: 2 } }, { $sort: { a: 1 } }, { $set: { s: 1 } }, { $match: { s: 1 } }],
  );
});

Deno.test("moveMatchesEarlier: $project inclusion keeps only what it includes whole; exclusion changes what it names", () => {
  assert.deepEqual(
    moveMatchesEarlier([{ $project: { owner: 1, score: 1, c: { $add: ["$x", 1] }, "n.a": 1 } }, {
      $match: { owner: "u", _id: 3, c: 1, n: 2, status: "a" },
    }]),
    [{ $match: { owner: "u", _id: 3 } }, {
      $project: { owner: 1, score: 1, c: { $add: ["$x", 1] }, "n.a": 1 },
    }, {
      $match: { c: 1, n: 2, status: "a" },
    }],
  );
  assert.deepEqual(
    moveMatchesEarlier([{ $project: { _id: 0, owner: 1 } }, { $match: { _id: 3 } }]),
    [{ $project: { _id: 0, owner: 1 } }, { $match: { _id: 3 } }],
  );
  assert.deepEqual(
    moveMatchesEarlier([{ $project: { pad: 0 } }, { $match: { score: { $lt: 3 }, pad: null } }]),
    [{ $match: { score: { $lt: 3 } } }, { $project: { pad: 0 } }, { $match: { pad: null } }],
  );
});

Deno.test("moveMatchesEarlier: over $lookup and $unwind unless the filter reads their output", () => {
  const lookup = { $lookup: { from: "o", localField: "a", foreignField: "b", as: "j" } };
  assert.deepEqual(
    moveMatchesEarlier([lookup, { $unwind: { path: "$j", includeArrayIndex: "ix" } }, {
      $match: { a: 1, "j.k": 2, ix: 0 },
    }]),
    [{ $match: { a: 1 } }, lookup, { $unwind: { path: "$j", includeArrayIndex: "ix" } }, {
      $match: { "j.k": 2, ix: 0 },
    }],
  );
});

Deno.test("moveMatchesEarlier: nothing moves over other stages, or when the filter's reads are unknown", () => {
  for (
    const stages of [
      [{ $limit: 5 }, { $match: { a: 1 } }],
      [{ $skip: 5 }, { $match: { a: 1 } }],
      [{ $group: { _id: "$a" } }, { $match: { _id: 1 } }],
      [{ $sort: { a: 1 } }, { $match: { $where: "true" } }],
      [{ $sort: { a: 1 } }, { $match: { $expr: { $eq: ["$$ROOT", {}] } } }],
      [{ $replaceRoot: { newRoot: "$n" } }, { $match: { a: 1 } }],
      [{ $set: { a: 1 } }, { $match: { "a.b": 1 } }],
      [{ $sort: { a: 1 } }, { $match: {} }],
    ]
  ) {
    assert.equal(moveMatchesEarlier(stages), stages, JSON.stringify(stages));
  }
});

Deno.test("moveMatchesEarlier: the moved pipeline gives the same documents", () => {
  const docs: Doc[] = Array.from({ length: 200 }, (_, i) => ({
    _id: i,
    a: i % 7,
    n: { x: i % 5 },
    tags: [i % 3, i % 4],
    pad: i % 2 ? "p" : null,
  }));
  const pipelines: Doc[][] = [
    [{ $sort: { a: -1, _id: 1 } }, { $match: { a: { $gte: 3 } } }, { $limit: 9 }],
    [{ $addFields: { s: { $add: ["$a", "$n.x"] } } }, { $match: { s: { $gt: 5 }, a: { $lt: 6 } } }],
    [{ $unwind: "$tags" }, { $match: { tags: 1, a: 2 } }],
    [{ $project: { a: 1, n: 1 } }, { $match: { a: 3, pad: null } }],
    [{ $unset: "pad" }, { $sort: { _id: -1 } }, {
      $match: { $or: [{ a: 1 }, { "n.x": 4 }], pad: { $exists: false } },
    }],
  ];
  for (const written of pipelines) {
    // (after a $skip: no leading $match for the caller to apply, `run` applies every stage)
    const stages = [{ $skip: 0 }, ...written];
    const moved = moveMatchesEarlier(stages) as Doc[];
    assert.notEqual(moved, stages);
    assert.deepEqual(
      [...compilePipeline(moved).run(docs)],
      [...compilePipeline(stages).run(docs)],
      JSON.stringify(stages),
    );
  }
});

Deno.test("moveMatchesEarlier: a predicate on a copied field moves as the same predicate on its source", () => {
  assert.deepEqual(
    moveMatchesEarlier([{ $project: { id: "$_id", name: 1, o: "$n.x" } }, {
      $match: { id: 3, name: "a", o: 1 },
    }]),
    [{ $match: { _id: 3, name: "a" } }, { $project: { id: "$_id", name: 1, o: "$n.x" } }, {
      $match: { o: 1 },
    }],
  );
  assert.deepEqual(
    moveMatchesEarlier([{ $set: { o2: "$owner", owner: "x" } }, { $match: { "o2.k": { $gt: 1 } } }]),
    [{ $match: { "owner.k": { $gt: 1 } } }, { $set: { o2: "$owner", owner: "x" } }],
  );
  // a variable is no copy of a field
  const stages = [{ $set: { o2: "$$ROOT" } }, { $match: { o2: 1 } }];
  assert.equal(moveMatchesEarlier(stages), stages);
});
