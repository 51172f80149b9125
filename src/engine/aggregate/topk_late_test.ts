import assert from "node:assert/strict";
import { BSON } from "bson";
import { compilePipeline } from "./mod.ts";
import { PAUSE } from "./pause.ts";
import { storedItem } from "./stored_doc.ts";
import type { Document as Doc } from "../../bson/document.ts";

const docs: Doc[] = Array.from({ length: 500 }, (_, i) => ({
  _id: i,
  a: i % 17,
  b: i % 31 === 0 ? [i % 5, 40] : i % 23,
  n: { x: i % 13, keep: "k" + i },
  s: "old",
  pad: "p".repeat(i % 40),
}));

const stored = (input: readonly Doc[]) =>
  (function* () {
    for (const d of input) {
      if ((d["_id"] as number) % 100 === 0) yield PAUSE;
      yield storedItem(BSON.serialize(d));
    }
  })();

const bytesOf = (out: Iterable<Doc>) => [...out].filter((d) => d !== PAUSE).map((d) => BSON.serialize(d));

const shapes: { stages: Doc[]; k: number }[] = [
  { stages: [{ $addFields: { s: { $multiply: ["$a", "$n.x"] } } }, { $sort: { s: -1 } }], k: 5 },
  {
    stages: [{ $set: { "n.y": { $add: ["$n.x", "$a"] } } }, { $addFields: { t: "$n.y" } }, {
      $sort: { t: 1, _id: -1 },
    }],
    k: 9,
  },
  { stages: [{ $addFields: { s: "$b", pad: "$$REMOVE" } }, { $sort: { s: -1, a: 1 } }], k: 3 },
  {
    stages: [{ $addFields: { s: { $cond: [{ $gt: ["$a", 8] }, "$n", null] } } }, { $sort: { "s.keep": 1 } }],
    k: 600,
  },
];

Deno.test("late top-k: stored and decoded input give the unfused stages' documents, byte for byte", () => {
  for (const { stages, k } of shapes) {
    const fused = compilePipeline([...stages, { $limit: k }]);
    assert.equal(fused.storedInput(), true, JSON.stringify(stages));
    // the same stages unfused: a full sort, its first k
    const want = bytesOf([...compilePipeline(stages).run(docs)].slice(0, k));
    assert.deepEqual(bytesOf(fused.run(docs)), want, JSON.stringify(stages));
    assert.deepEqual(bytesOf(fused.run(stored(docs))), want, JSON.stringify(stages));
  }
});

Deno.test("late top-k: pauses pass through", () => {
  const out = [...compilePipeline([...shapes[0]!.stages, { $limit: 2 }]).run(stored(docs))];
  assert.equal(out.filter((d) => d === PAUSE).length, 5);
  assert.equal(out.length, 7);
});

Deno.test("late top-k: no fusion for unrepeatable or whole-document expressions, $meta sorts, or no $limit", () => {
  for (
    const p of [
      [{ $addFields: { s: { $rand: {} } } }, { $sort: { s: 1 } }, { $limit: 2 }],
      [{ $addFields: { s: "$$ROOT" } }, { $sort: { s: 1 } }, { $limit: 2 }],
      [{ $addFields: { s: { $getField: "a" } } }, { $sort: { s: 1 } }, { $limit: 2 }],
      [{ $addFields: { s: 1 } }, { $sort: { s: 1 } }],
      [{ $addFields: { s: 1 } }, { $skip: 0 }, { $sort: { s: 1 } }, { $limit: 2 }],
    ]
  ) {
    assert.equal(compilePipeline(p).storedInput(), false, JSON.stringify(p));
  }
  // a bad spec gets the error it gets unfused
  assert.throws(
    () => compilePipeline([{ $addFields: { s: 1 } }, { $sort: "x" }, { $limit: 2 }]),
    /must be an object/,
  );
});

Deno.test("late top-k: $match, $unset and exclusion $project in the chain", () => {
  const chains: Doc[][] = [
    [{ $addFields: { s: { $add: ["$a", "$n.x"] } } }, { $match: { s: { $gt: 10 }, c: { $exists: false } } }, {
      $unset: "pad",
    }, { $sort: { s: -1, _id: 1 } }],
    [{ $match: { $expr: { $lt: ["$a", "$n.x"] } } }, { $project: { pad: 0, "n.keep": 0 } }, {
      $sort: { b: 1, _id: -1 },
    }],
    [{ $unset: ["s", "n"] }, { $match: { b: { $gte: 3 } } }, { $sort: { "n.x": 1, a: -1 } }],
  ];
  for (const stages of chains) {
    const fused = compilePipeline([...stages, { $limit: 6 }]);
    assert.equal(fused.storedInput(), true, JSON.stringify(stages));
    const want = bytesOf([...compilePipeline(stages).run(docs)].slice(0, 6));
    assert.equal(want.length, 6);
    assert.deepEqual(bytesOf(fused.run(docs)), want, JSON.stringify(stages));
    assert.deepEqual(bytesOf(fused.run(stored(docs))), want, JSON.stringify(stages));
  }
  // a $match alone before the sort is the query's filter: the top k after it takes stored documents as
  // any top k does (topKSort); an inclusion $project is not fused
  assert.equal(
    compilePipeline([{ $match: { a: 1 } }, { $sort: { b: 1 } }, { $limit: 2 }]).storedInput(),
    true,
  );
  assert.equal(
    compilePipeline([{ $project: { a: 1 } }, { $sort: { a: 1 } }, { $limit: 2 }]).storedInput(),
    false,
  );
});

Deno.test("top k: a $sort then $limit, or $skip then $limit, over stored documents gives the sorted documents", () => {
  for (
    const tail of [
      [{ $limit: 7 }],
      [{ $skip: 4 }, { $limit: 7 }],
      [{ $skip: 0 }, { $limit: 1 }],
      [{ $skip: 495 }, { $limit: 20 }],
    ]
  ) {
    for (const sort of [{ a: 1 }, { b: -1, _id: 1 }, { "n.x": 1, a: -1 }]) {
      const pipeline = compilePipeline([{ $sort: sort }, ...tail]);
      assert.equal(pipeline.storedInput(), true);
      const want = bytesOf(
        [...compilePipeline([{ $sort: sort }]).run(docs)].slice(
          (tail[0] as Doc)["$skip"] as number ?? 0,
        ).slice(0, (tail.at(-1) as Doc)["$limit"] as number),
      );
      assert.deepEqual(bytesOf(pipeline.run(docs)), want, JSON.stringify([sort, tail]));
      assert.deepEqual(bytesOf(pipeline.run(stored(docs))), want, JSON.stringify([sort, tail]));
    }
  }
});
