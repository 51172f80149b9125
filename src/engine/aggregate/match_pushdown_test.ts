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
      [{ $group: { _id: { $toLower: "$a" } } }, { $match: { _id: "x" } }],
      [{ $group: { _id: "$a", n: { $sum: 1 } } }, { $match: { n: 1 } }],
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
    [{ $match: { _id: 3, name: "a", "n.x": 1 } }, { $project: { id: "$_id", name: 1, o: "$n.x" } }, {
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

Deno.test("moveMatchesEarlier: a predicate on a $group key's plain path moves before it on the path", () => {
  const group = { $group: { _id: "$owner", n: { $sum: 1 } } };
  assert.deepEqual(
    moveMatchesEarlier([group, { $match: { _id: "u5", n: { $gt: 1 } } }]),
    [{ $match: { owner: "u5" } }, group, { $match: { n: { $gt: 1 } } }],
  );
  const byTwo = { $group: { _id: { o: "$owner", s: "$status", y: { $year: "$t" } } } };
  assert.deepEqual(
    moveMatchesEarlier([byTwo, {
      $match: { "_id.o": { $in: ["u1", "u2"] }, "_id.s": { $ne: null }, "_id.y": 2024, _id: { o: "u1" } },
    }]),
    [{ $match: { owner: { $in: ["u1", "u2"] }, status: { $ne: null } } }, byTwo, {
      $match: { "_id.y": 2024, _id: { o: "u1" } },
    }],
  );
  // tests that tell a group's values apart (missing from null, 1 from 1.0, a case under a collation) stay
  for (const test of [{ $exists: false }, { $type: "null" }, /u/, { $in: [/u/] }, { $size: 0 }]) {
    const stages = [group, { $match: { _id: test } }];
    assert.equal(moveMatchesEarlier(stages), stages, JSON.stringify(test));
  }
  // mongod's dotted rename: a field the next stage copies from the key document moves over both
  assert.deepEqual(
    moveMatchesEarlier([byTwo, { $project: { who: "$_id.o", _id: 0 } }, { $match: { who: "u5" } }]),
    [{ $match: { owner: "u5" } }, byTwo, { $project: { who: "$_id.o", _id: 0 } }],
  );
});

Deno.test("moveMatchesEarlier: a scalar test on a dotted copy goes before it on the path, and stays after it", () => {
  const project = { $project: { name: "$profile.name" } };
  assert.deepEqual(
    moveMatchesEarlier([project, { $match: { name: "x", _id: { $lt: 5 } } }]),
    [{ $match: { "profile.name": "x", _id: { $lt: 5 } } }, project, { $match: { name: "x" } }],
  );
  assert.deepEqual(
    moveMatchesEarlier([{ $group: { _id: "$p.n" } }, { $match: { _id: { $gte: 2, $lt: 9 } } }]),
    [{ $match: { "p.n": { $gte: 2, $lt: 9 } } }, { $group: { _id: "$p.n" } }, {
      $match: { _id: { $gte: 2, $lt: 9 } },
    }],
  );
  for (const test of [null, { $ne: "x" }, { $exists: true }, ["x"], { $in: ["x", null] }, { $size: 1 }]) {
    const stages = [project, { $match: { name: test } }];
    assert.equal(moveMatchesEarlier(stages), stages, JSON.stringify(test));
  }
});

Deno.test("moveMatchesEarlier: the moved key and dotted-copy filters give the same documents", () => {
  const values: unknown[] = [1, 1.0, 2, "a", "b", null, undefined, [1, 2], [[1]], [], { k: 1 }, [{ n: 1 }]];
  const docs: Doc[] = Array.from({ length: 300 }, (_, i) => {
    const d: Doc = { _id: i };
    const v = values[i % values.length];
    if (v !== undefined) d.owner = v;
    const w = values[(i * 7) % values.length];
    if (i % 5 === 0) d.p = [{ n: w }, { n: 2 }, [{ n: 1 }]];
    else if (i % 5 === 1) d.p = w;
    else if (i % 5 === 2) d.p = { n: w };
    else if (i % 5 === 3) d.p = [{ m: 1 }, { n: [w, 1] }];
    return d;
  });
  const tests: unknown[] = [1, 2, "a", null, { $gt: 1 }, { $lte: 1 }, { $in: [1, "b"] }, { $ne: null }, [
    1,
    2,
  ], {
    $nin: [1, null],
  }];
  let moves = 0;
  for (const t of tests) {
    for (
      const written of [
        [{ $group: { _id: "$owner", n: { $sum: 1 } } }, { $match: { _id: t } }],
        [{ $group: { _id: { o: "$owner" }, n: { $sum: 1 } } }, { $match: { "_id.o": t } }],
        [{ $group: { _id: { o: "$p.n" }, c: { $push: "$_id" } } }, { $project: { x: "$_id.o", c: 1 } }, {
          $match: { x: t },
        }],
        [{ $group: { _id: "$p.n", c: { $push: "$_id" } } }, { $match: { _id: t } }],
        [{ $addFields: { x: "$p.n" } }, { $match: { x: t } }],
      ] as Doc[][]
    ) {
      const stages = [{ $skip: 0 }, ...written];
      const moved = moveMatchesEarlier(stages) as Doc[];
      if (moved !== stages) moves++;
      const key = (d: Doc) => JSON.stringify(d);
      assert.deepEqual(
        [...compilePipeline(moved).run(docs)].map(key).sort(),
        [...compilePipeline(stages).run(docs)].map(key).sort(),
        JSON.stringify(moved),
      );
    }
  }
  assert.ok(moves > 20, String(moves));
});
