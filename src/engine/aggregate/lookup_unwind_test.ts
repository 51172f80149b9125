import assert from "node:assert/strict";
import { ABSORBED, absorbIntoLookups } from "./lookup_unwind.ts";
import { compilePipeline } from "./pipeline.ts";
import type { Document as Doc } from "../../bson/document.ts";

const lookup = { $lookup: { from: "o", localField: "a", foreignField: "b", as: "j" } };

Deno.test("absorbIntoLookups: the $unwind of as and a $match under as go into the $lookup", () => {
  const out = absorbIntoLookups([lookup, { $unwind: "$j" }, {
    $match: { "j.t": 1, x: 2, "j.u": { $gt: 0 } },
  }]) as Doc[];
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x)); // (without the ABSORBED symbol)
  assert.deepEqual(plain(out), [
    {
      $lookup: {
        ...lookup.$lookup,
        unwinding: { preserveNullAndEmptyArrays: false },
        matching: { t: 1, u: { $gt: 0 } },
      },
    },
    { $match: { x: 2 } },
  ]);
  assert.deepEqual((out[0]!.$lookup as Doc)[ABSORBED as unknown as string], {
    unwind: { path: "$j" },
    match: { "j.t": 1, "j.u": { $gt: 0 } },
  });
  // with preserveNullAndEmptyArrays or includeArrayIndex the $match stays
  const preserve = { $unwind: { path: "$j", preserveNullAndEmptyArrays: true, includeArrayIndex: "i" } };
  assert.deepEqual(plain(absorbIntoLookups([lookup, preserve, { $match: { "j.t": 1 } }])), [
    {
      $lookup: { ...lookup.$lookup, unwinding: { preserveNullAndEmptyArrays: true, includeArrayIndex: "i" } },
    },
    { $match: { "j.t": 1 } },
  ]);
  // other unwinds, and a $match on as itself, stay
  for (
    const stages of [
      [lookup, { $unwind: "$k" }],
      [lookup, { $skip: 0 }, { $unwind: "$j" }],
      [lookup, { $unwind: "$j.x" }],
    ]
  ) assert.equal(absorbIntoLookups(stages), stages);
  assert.equal((absorbIntoLookups([lookup, { $unwind: "$j" }, { $match: { j: 1 } }]) as Doc[]).length, 2);
});

Deno.test("absorbIntoLookups: the coalesced stage gives the same documents", () => {
  const o: Doc[] = Array.from(
    { length: 30 },
    (_, i) => ({ _id: i, b: i % 9 === 0 ? null : i % 4, t: i % 3 }),
  );
  const docs: Doc[] = [null, undefined, 1, 2, [1, 3], [], 7].map((
    a,
    i,
  ) => (a === undefined ? { _id: i } : { _id: i, a }));
  const opts = { resolveCollection: () => o };
  for (
    const u of [
      "$j",
      { path: "$j", preserveNullAndEmptyArrays: true },
      { path: "$j", includeArrayIndex: "ix" },
    ]
  ) {
    for (
      const m of [[], [{ $match: { "j.t": 1 } }], [{ $match: { "j.t": { $lt: 2 }, "j._id": { $gt: 5 } } }]]
    ) {
      const stages = [{ $skip: 0 }, lookup, { $unwind: u }, ...m];
      const absorbed = absorbIntoLookups(stages) as Doc[];
      assert.notEqual(absorbed, stages);
      const got = [...compilePipeline(absorbed, opts).run(docs)];
      assert.deepEqual(got, [...compilePipeline(stages, opts).run(docs)], JSON.stringify(stages));
      assert.ok(got.length > 0);
    }
  }
  // a user's `unwinding` is refused
  assert.throws(
    () => compilePipeline([{ $lookup: { ...lookup.$lookup, unwinding: {} } }], opts),
    /unknown argument to \$lookup: unwinding/,
  );
});
