/**
 * bulkWrite counts with upserts and replacements mixed in one batch, through both driver APIs
 * (collection.bulkWrite → insert/update/delete commands; client.bulkWrite → the 8.0 bulkWrite
 * command): nMatched excludes upserts, nModified excludes no-op replacements (mongod's rule: the
 * replacement as sent binary-equal to the stored document, so one without _id is never a no-op), per-op results carry
 * mongod's n (1 for an upsert), and a failing op in an ordered batch leaves the counts of the ops
 * before it.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest("bulkWrite counts are exact when upserts and replacements mix", async (client) => {
  const c = client.db("bw").collection<AnyDoc>("c");
  await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
  const r = await c.bulkWrite([
    { insertOne: { document: { _id: 3, a: 3 } } },
    { updateOne: { filter: { _id: 1 }, update: { $set: { a: 10 } } } },
    { updateOne: { filter: { _id: 9 }, update: { $set: { a: 9 } }, upsert: true } },
    { replaceOne: { filter: { _id: 2 }, replacement: { a: 20 } } },
    { replaceOne: { filter: { _id: 8 }, replacement: { a: 8 }, upsert: true } },
    { replaceOne: { filter: { _id: 2 }, replacement: { a: 20 }, upsert: true } },
    { replaceOne: { filter: { _id: 2 }, replacement: { _id: 2, a: 20 } } }, // the same bytes: a no-op
    { updateMany: { filter: { a: { $gte: 8 } }, update: { $inc: { b: 1 } } } },
    { deleteOne: { filter: { _id: 3 } } },
    { updateOne: { filter: { _id: 1 }, update: { $set: { a: 10 } }, upsert: true } },
  ], { ordered: true });
  assert.deepEqual(
    [r.insertedCount, r.matchedCount, r.modifiedCount, r.upsertedCount, r.deletedCount],
    [1, 9, 7, 2, 1],
  );
  assert.deepEqual(r.upsertedIds, { 2: 9, 4: 8 });

  // an ordered batch stops at the failing op; the counts are those of the ops before it
  const failed: AnyDoc = await c.bulkWrite([
    { updateOne: { filter: { _id: 30 }, update: { $set: { a: 1 } }, upsert: true } },
    { replaceOne: { filter: { _id: 2 }, replacement: { a: 21 } } },
    { replaceOne: { filter: { a: 99 }, replacement: { _id: 1, a: 5 }, upsert: true } },
    { updateOne: { filter: { _id: 1 }, update: { $set: { a: 11 } } } },
  ], { ordered: true }).catch((e) => e);
  assert.deepEqual(failed.writeErrors.map((w: AnyDoc) => [w.index, w.code]), [[2, 11000]]);
  const fr = failed.result;
  assert.deepEqual([fr.matchedCount, fr.modifiedCount, fr.upsertedCount], [1, 1, 1]);

  // the 8.0 bulkWrite command, verbose
  const cr: AnyDoc = await (client as AnyDoc).bulkWrite([
    { namespace: "bw.d", name: "insertOne", document: { _id: 1, a: 1 } },
    { namespace: "bw.d", name: "updateOne", filter: { _id: 5 }, update: { $set: { a: 5 } }, upsert: true },
    { namespace: "bw.d", name: "replaceOne", filter: { _id: 1 }, replacement: { a: 2 } },
    { namespace: "bw.d", name: "replaceOne", filter: { _id: 6 }, replacement: { a: 6 }, upsert: true },
    { namespace: "bw.d", name: "replaceOne", filter: { _id: 1 }, replacement: { a: 2 }, upsert: true },
    { namespace: "bw.d", name: "updateMany", filter: {}, update: { $set: { z: 1 } } },
  ], { ordered: true, verboseResults: true });
  assert.deepEqual([cr.insertedCount, cr.matchedCount, cr.modifiedCount, cr.upsertedCount], [1, 5, 5, 2]);
  const per = Object.fromEntries([...cr.updateResults.entries()].map(([i, u]: AnyDoc) => [i, u]));
  assert.deepEqual(per[1], { matchedCount: 1, modifiedCount: 0, didUpsert: true, upsertedId: 5 });
  assert.deepEqual(per[4], { matchedCount: 1, modifiedCount: 1, didUpsert: false });
  assert.deepEqual(per[5], { matchedCount: 3, modifiedCount: 3, didUpsert: false });
});
