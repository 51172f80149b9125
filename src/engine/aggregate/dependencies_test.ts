import assert from "node:assert/strict";
import { joinedFieldDependencies, pipelineDependencies } from "./dependencies.ts";

Deno.test("a $group reads only its key and accumulator arguments", () => {
  assert.deepEqual(
    pipelineDependencies([{ $group: { _id: "$region", n: { $sum: 1 }, t: { $sum: "$score.v" } } }]),
    new Set(["region", "score"]),
  );
  assert.deepEqual(
    pipelineDependencies([{ $match: { a: 1, $or: [{ "b.c": 2 }] } }, { $sort: { d: -1 } }, { $limit: 5 }, {
      $group: { _id: null, m: { $max: { $add: ["$e", "$$ROOT.f"] } } },
    }]),
    new Set(["a", "b", "d", "e", "f"]),
  );
  assert.deepEqual(pipelineDependencies([{ $count: "n" }]), new Set());
  assert.deepEqual(
    pipelineDependencies([{ $project: { a: 1, s: { $concat: ["$b", "x"] } } }]),
    new Set(["a", "s", "b", "_id"]),
  );
  assert.deepEqual(
    pipelineDependencies([{ $unwind: "$tags" }, { $sortByCount: "$tags" }]),
    new Set(["tags"]),
  );
});

Deno.test("$facet reads what its pipelines read; $lookup its local field and let variables", () => {
  assert.deepEqual(
    pipelineDependencies([{
      $facet: { x: [{ $match: { a: 1 } }, { $count: "n" }], y: [{ $group: { _id: "$n.x" } }] },
    }]),
    new Set(["a", "n"]),
  );
  assert.deepEqual(
    pipelineDependencies([
      { $lookup: { from: "o", localField: "b.c", foreignField: "k", as: "j" } },
      {
        $lookup: {
          from: "o",
          let: { v: "$d" },
          pipeline: [{ $match: { $expr: { $eq: ["$k", "$$v"] } } }],
          as: "z",
        },
      },
      { $project: { n: { $size: "$j" } } },
    ]),
    new Set(["b", "d", "n", "j", "_id"]),
  );
  // a facet that keeps whole documents, or a lookup passing $$ROOT, needs them all
  assert.equal(pipelineDependencies([{ $facet: { x: [{ $match: { a: 1 } }], y: [{ $count: "n" }] } }]), null);
  assert.equal(
    pipelineDependencies([
      { $lookup: { from: "o", let: { r: "$$ROOT" }, pipeline: [], as: "j" } },
      { $count: "n" },
    ]),
    null,
  );
});

Deno.test("anything that may need the whole document answers null", () => {
  for (
    const p of [
      [],
      [{ $match: { a: 1 } }],
      [{ $project: { a: 0 } }],
      [{ $group: { _id: "$$ROOT" } }],
      [{ $group: { _id: null, t: { $top: { output: "$$ROOT", sortBy: { b: 1 } } } } }],
      [{
        $group: { _id: null, t: { $topN: { n: 2, output: "$a", sortBy: { s: { $meta: "textScore" } } } } },
      }],
      [{ $group: { _id: null, t: { $bottom: { output: "$a" } } } }],
      [{ $group: { _id: null, t: { $accumulator: { init: "function() {}" } } } }],
      [{ $lookup: { from: "x", localField: "a", foreignField: "b", as: "j" } }],
      [{ $addFields: { x: "$$CURRENT" } }, { $group: { _id: "$x" } }],
      [{ $replaceRoot: { newRoot: { $getField: "a" } } }],
    ]
  ) {
    assert.equal(pipelineDependencies(p), null, JSON.stringify(p));
  }
});

Deno.test("joinedFieldDependencies: the fields of a $lookup's joined documents the later stages read", () => {
  const j = (stages: unknown[]) => joinedFieldDependencies(stages, "j");
  // the survey's shape: unwound, then one field projected (the outer _id is not the joined one's)
  assert.deepEqual(j([{ $unwind: "$j" }, { $project: { "j.a": 1 } }]), new Set(["a"]));
  assert.deepEqual(
    j([{ $match: { "j.k": 1, x: 2 } }, { $sort: { "j.s.t": 1 } }, {
      $group: { _id: "$j.g", n: { $sum: "$x" } },
    }]),
    new Set(["k", "s", "g"]),
  );
  assert.deepEqual(j([{ $project: { "j.a": 1, "j.b": { $literal: 1 }, y: 1 } }]), new Set(["a", "b"]));
  // counting elements reads none of their fields
  assert.deepEqual(
    j([{ $unwind: { path: "$j", preserveNullAndEmptyArrays: true } }, { $count: "n" }]),
    new Set(),
  );
  assert.deepEqual(j([{ $group: { _id: "$x" } }]), new Set());
  // whole documents: read whole, by position, through $$ROOT, unknown stages, or reaching the output
  for (
    const stages of [
      [{ $project: { j: 1 } }],
      [{ $project: { n: { $size: "$j" } } }],
      [{ $project: { "j.0": 1 } }],
      [{ $match: { j: { $elemMatch: { a: 1 } } } }, { $count: "n" }],
      [{ $replaceRoot: { newRoot: "$j" } }],
      [{ $group: { _id: null, all: { $push: "$$ROOT" } } }],
      [{ $unwind: "$j" }],
      [{ $unwind: "$j" }, { $redact: "$$KEEP" }, { $project: { "j.a": 1 } }],
      [{ $project: { "j.a": 0 } }],
      [{ $unwind: "$j.items" }, { $count: "n" }],
      [],
    ]
  ) assert.equal(j(stages), null, JSON.stringify(stages));
  // a dotted `as` is not followed
  assert.equal(joinedFieldDependencies([{ $project: { "x.j.a": 1 } }], "x.j"), null);
});

Deno.test("pipelineDependencies still answers top-level fields for dotted and unwound paths", () => {
  assert.deepEqual(
    pipelineDependencies([{ $unwind: "$t.u" }, { $match: { "a.b.c": 1 } }, {
      $project: { "p.q": 1, r: "$$ROOT.s.t" },
    }]),
    new Set(["t", "a", "p", "r", "s", "_id"]),
  );
});

Deno.test("$setWindowFields reads its partition, sort and function arguments and passes the input on", () => {
  const w = {
    $setWindowFields: {
      partitionBy: "$b",
      sortBy: { "d.x": 1 },
      output: {
        r: { $rank: {} },
        s: { $sum: "$a", window: { documents: ["unbounded", "current"] } },
        p: { $shift: { output: "$$CURRENT.e", by: 1, default: "$f" } },
      },
    },
  };
  assert.deepEqual(
    pipelineDependencies([{ $match: { g: 1 } }, w, { $count: "n" }]),
    new Set(["g", "b", "d", "a", "e", "f"]),
  );
  // the outputs are new fields: a later stage reading one reads it (and the input's, if any)
  assert.deepEqual(
    pipelineDependencies([w, { $group: { _id: "$r", n: { $sum: "$h" } } }]),
    new Set(["b", "d", "a", "e", "f", "r", "h"]),
  );
  assert.equal(pipelineDependencies([w]), null);
  for (
    const bad of [
      { output: { t: { $top: { output: "$$ROOT", sortBy: { b: 1 } } } } },
      { sortBy: { s: { $meta: "textScore" } }, output: { r: { $rank: {} } } },
      { partitionBy: "$$ROOT", output: { r: { $rank: {} } } },
      { output: { r: { $push: "$$ROOT" } } },
    ]
  ) {
    assert.equal(
      pipelineDependencies([{ $setWindowFields: bad }, { $count: "n" }]),
      null,
      JSON.stringify(bad),
    );
  }
});

Deno.test("$top, $bottom, $topN, $bottomN read their sortBy fields and their output and n expressions", () => {
  assert.deepEqual(
    pipelineDependencies([{
      $group: { _id: "$c", t: { $topN: { n: 3, sortBy: { total: -1 }, output: "$total" } } },
    }]),
    new Set(["c", "total"]),
  );
  assert.deepEqual(
    pipelineDependencies([{
      $group: { _id: null, t: { $bottom: { sortBy: { "x.y": 1, z: -1 }, output: ["$a", "$b.c"] } } },
    }]),
    new Set(["x", "z", "a", "b"]),
  );
  assert.deepEqual(
    pipelineDependencies([{
      $group: { _id: "$g", t: { $bottomN: { n: "$k", sortBy: { s: 1 }, output: "$o" } } },
    }]),
    new Set(["g", "s", "o", "k"]),
  );
  assert.deepEqual(
    pipelineDependencies([
      { $setWindowFields: { sortBy: { d: 1 }, output: { t: { $top: { output: "$a", sortBy: { b: 1 } } } } } },
      { $count: "n" },
    ]),
    new Set(["d", "a", "b"]),
  );
});
