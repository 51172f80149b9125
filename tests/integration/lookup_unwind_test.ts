/**
 * `$lookup` + `$unwind` of its `as` field (+ a `$match` under `as`) coalesced into the `$lookup`
 * (engine/aggregate/lookup_unwind.ts, mongod's optimisation): through the Node driver each answer equals
 * the same pipeline's with the coalescing kept off (a `$skip: 0` between the stages), over local values
 * that are missing, null, arrays and scalars, with `preserveNullAndEmptyArrays` and `includeArrayIndex`;
 * explain shows the `$lookup` with `unwinding` (and `matching`) and no `$unwind`; a user's `unwinding`
 * is still refused; joined arrays over 16 MiB unwind.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest("$lookup takes the $unwind of its as field and a $match under it", async (client) => {
  const db = client.db("lookupunwind");
  const c = db.collection<AnyDoc>("d");
  const o = db.collection<AnyDoc>("o");
  const owners: unknown[] = ["u1", "u2", "u3", null, undefined, ["u1", "u4"], [], "nobody"];
  await c.insertMany(Array.from({ length: 400 }, (_, i) => {
    const d: AnyDoc = { _id: i, score: i % 17 };
    const v = owners[i % owners.length];
    if (v !== undefined) d.owner = v;
    return d;
  }));
  await o.insertMany(Array.from({ length: 60 }, (_, i) => ({
    _id: i,
    owner: i % 9 === 0 ? null : `u${i % 5}`,
    team: i % 4,
    tags: [i % 3],
  })));
  const lookup = { $lookup: { from: "o", localField: "owner", foreignField: "owner", as: "j" } };
  const piped = {
    $lookup: {
      from: "o",
      let: { w: "$owner" },
      pipeline: [{ $match: { $expr: { $eq: ["$owner", "$$w"] } } }],
      as: "j",
    },
  };
  const unwinds: AnyDoc[] = [
    "$j",
    { path: "$j", preserveNullAndEmptyArrays: true },
    { path: "$j", includeArrayIndex: "ix" },
    { path: "$j", includeArrayIndex: "ix", preserveNullAndEmptyArrays: true },
  ];
  const matches: AnyDoc[] = [
    [],
    [{ $match: { "j.team": 1 } }],
    [{ $match: { "j.team": { $gte: 2 }, score: { $lt: 9 }, "j.tags": 1 } }],
    [{ $match: { "j.team": 3, j: { $exists: true } } }],
    [{ $match: { "j.team": 1, "j.tags": { $in: [0, 2] } } }, { $project: { "j.tags": 1, score: 1 } }],
  ];
  const key = (d: AnyDoc) => JSON.stringify(d);
  // (a hash join first, then through an index on the foreign field, the taken $match in its query)
  for (const [l, indexed] of [[lookup, false], [piped, false], [lookup, true], [piped, true]] as const) {
    if (indexed) await o.createIndex({ owner: 1 });
    for (const u of unwinds) {
      for (const m of matches) {
        const pipeline = [l, { $unwind: u }, ...m];
        const got = await c.aggregate(pipeline).toArray();
        const want = await c.aggregate([l, { $skip: 0 }, { $unwind: u }, { $skip: 0 }, ...m]).toArray();
        assert.deepEqual(got.map(key).sort(), want.map(key).sort(), JSON.stringify(pipeline));
        assert.ok(got.length > 0, JSON.stringify(pipeline));
        const explained: AnyDoc = await c.aggregate(pipeline).explain("queryPlanner");
        const names = explained.stages.map((s: AnyDoc) => Object.keys(s)[0]);
        assert.ok(!names.includes("$unwind"), JSON.stringify(explained.stages));
        const shown = explained.stages.find((s: AnyDoc) => s.$lookup).$lookup;
        const preserve = typeof u === "object" && u.preserveNullAndEmptyArrays === true;
        assert.equal(shown.unwinding.preserveNullAndEmptyArrays, preserve);
        const takesMatch = m.length > 0 && typeof u === "string";
        assert.equal(shown.matching !== undefined, takesMatch, JSON.stringify(shown));
        if (takesMatch) assert.equal(shown.matching.team !== undefined, true);
      }
    }
  }
  // a user's `unwinding` is no argument of $lookup
  await assert.rejects(
    c.aggregate([{ $lookup: { ...lookup.$lookup, unwinding: { preserveNullAndEmptyArrays: false } } }])
      .toArray(),
    (e: AnyDoc) => e.code === 9 && /unknown argument to \$lookup: unwinding/.test(e.message),
  );

  // 20 MiB of matches for one document, unwound (mongod's limit applies to an output document only)
  const big = db.collection<AnyDoc>("big");
  const pad = "x".repeat(1 << 20);
  await big.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, k: 1, pad })));
  await db.collection<AnyDoc>("one").insertOne({ _id: 1, k: 1 });
  const unwound = await db.collection<AnyDoc>("one").aggregate([
    { $lookup: { from: "big", localField: "k", foreignField: "k", as: "b" } },
    { $unwind: "$b" },
    { $project: { n: "$b._id" } },
  ]).toArray();
  assert.deepEqual(unwound.map((d) => d.n).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
});
