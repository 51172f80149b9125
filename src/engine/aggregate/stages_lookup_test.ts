import assert from "node:assert/strict";
import { absorbIntoLookups } from "./lookup_unwind.ts";
import { compilePipeline } from "./pipeline.ts";
import { approxValueSize } from "./value_size.ts";
import type { Document } from "./types.ts";

// 40 foreign documents of ~1 KB matching a: 1, one matching a: 2
const foreign: Document[] = [
  ...Array.from({ length: 40 }, (_, i) => ({ _id: i, b: 1, s: "x".repeat(1000) })),
  { _id: 99, b: 2, s: "y" },
];
const each = approxValueSize(foreign[0]);
const outer: Document[] = [{ _id: 1, a: 1 }, { _id: 2, a: 2 }];
const lookup = { $lookup: { from: "o", localField: "a", foreignField: "b", as: "j" } };

function run(stages: unknown[], maxBytes: number): Document[] {
  const p = compilePipeline(absorbIntoLookups(stages) as unknown[], {
    resolveCollection: () => foreign,
    lookupMaxBytes: maxBytes,
  });
  return [...p.run(outer)];
}

const is4568 = (bytes: number) => (e: unknown) =>
  (e as { code?: number }).code === 4568 &&
  (e as Error).message ===
    `Total size of documents in o matching pipeline's $lookup stage exceeds ${bytes} bytes`;

Deno.test("$lookup: the documents joined to one outer document past the bound fail with 4568", () => {
  // the documents before each one are checked (mongod's): 40 fit when the first 39 are within it
  assert.equal((run([lookup], 39 * each)[0]!["j"] as unknown[]).length, 40);
  assert.throws(() => run([lookup], 39 * each - 1), is4568(39 * each - 1));
  assert.throws(() => run([lookup, { $project: { _id: 1 } }], 10 * each), is4568(10 * each));
  // the pipeline form
  const sub = { $lookup: { from: "o", pipeline: [{ $match: { b: 1 } }], as: "j" } };
  assert.throws(() => run([sub], 10 * each), is4568(10 * each));
  assert.equal((run([sub], 100 * each)[0]!["j"] as unknown[]).length, 40);
});

Deno.test("$lookup with its $unwind coalesced builds no array: no 4568", () => {
  assert.equal(run([lookup, { $unwind: "$j" }], 10 * each).length, 41);
  assert.equal(run([lookup, { $unwind: "$j" }, { $match: { "j._id": { $lt: 5 } } }], 10 * each).length, 5);
  // an $unwind with preserveNullAndEmptyArrays is coalesced too
  assert.equal(run([lookup, { $unwind: { path: "$j", preserveNullAndEmptyArrays: true } }], each).length, 41);
});
