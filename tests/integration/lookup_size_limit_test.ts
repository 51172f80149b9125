/**
 * `$lookup`'s joined array and mongod 8.0's limits, through the Node driver: the array may make a
 * document past 16 MiB inside the pipeline (a later `$project` keeps it out of the reply), a reply
 * document past 16 MiB fails with BSONObjectTooLarge (10334), and the matched documents of one outer
 * document past `internalLookupStageIntermediateDocumentMaxSizeBytes` (100 MiB; lowered here through
 * `lookupLimits`) fail with 4568 — but not when the `$lookup` took an `$unwind` (coalesced: one joined
 * document per output document, mongod does not build the array).
 */
import assert from "node:assert/strict";
import { MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { lookupLimits } from "../../src/commands/aggregate/aggregate.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest(
  "$lookup's joined array: 16 MiB in a reply (10334), the intermediate limit (4568)",
  async (client) => {
    const db = client.db("lksize");
    const local = db.collection<AnyDoc>("local");
    const from = db.collection<AnyDoc>("from");
    await local.insertMany([{ _id: 1, k: 1 }, { _id: 2, k: 2 }]);
    // 21 MiB of foreign documents matching k: 1, a few matching k: 2
    const big = "x".repeat(64 * 1024);
    for (let b = 0; b < 3; b++) {
      await from.insertMany(Array.from({ length: 112 }, (_, i) => ({ _id: b * 1000 + i, k: 1, big })));
    }
    await from.insertMany([{ _id: -1, k: 2, big: "s" }, { _id: -2, k: 2, big: "t" }]);
    const lookup = { $lookup: { from: "from", localField: "k", foreignField: "k", as: "j" } };

    // the 21 MiB array in a reply document: mongod's BSONObjectTooLarge
    await assert.rejects(
      local.aggregate([{ $match: { _id: 1 } }, lookup]).toArray(),
      (e: unknown) =>
        e instanceof MongoServerError && e.code === 10334 && e.codeName === "BSONObjectTooLarge",
    );
    // inside the pipeline it may pass 16 MiB: a $project keeps it out of the reply
    assert.deepEqual(
      await local.aggregate([lookup, { $project: { n: { $size: "$j" } } }]).toArray(),
      [{ _id: 1, n: 336 }, { _id: 2, n: 2 }],
    );
    // $unwind after it: one joined document per output document
    assert.equal(
      (await local.aggregate([lookup, { $unwind: "$j" }, { $project: { _id: 1 } }]).toArray()).length,
      338,
    );

    // past the intermediate limit (8 MiB here, 100 MiB by default): 4568, mongod's message
    const saved = lookupLimits.maxBytes;
    lookupLimits.maxBytes = 8 * 1024 * 1024;
    try {
      await assert.rejects(
        local.aggregate([lookup, { $project: { n: { $size: "$j" } } }]).toArray(),
        (e: unknown) =>
          e instanceof MongoServerError && e.code === 4568 &&
          e.message ===
            "Total size of documents in from matching pipeline's $lookup stage exceeds 8388608 bytes",
      );
      // the pipeline form too
      const sub = { $lookup: { from: "from", pipeline: [{ $match: { k: 1 } }], as: "j" } };
      await assert.rejects(
        local.aggregate([sub, { $project: { _id: 1 } }]).toArray(),
        (e: unknown) => e instanceof MongoServerError && e.code === 4568,
      );
      // not with $unwind coalesced into the $lookup (with or without a $match on the joined documents)
      assert.equal(
        (await local.aggregate([lookup, { $unwind: "$j" }, { $project: { _id: 1 } }]).toArray()).length,
        338,
      );
      assert.equal(
        (await local.aggregate([lookup, { $unwind: "$j" }, { $match: { "j._id": { $lt: 50 } } }, {
          $project: { _id: 1 },
        }]).toArray()).length,
        52,
      );
      // a small join is unaffected
      assert.deepEqual(
        await local.aggregate([{ $match: { _id: 2 } }, lookup, { $project: { n: { $size: "$j" } } }])
          .toArray(),
        [{ _id: 2, n: 2 }],
      );
    } finally {
      lookupLimits.maxBytes = saved;
    }
  },
);
