/**
 * find's returnKey / showRecordId and the `{$meta: "recordId" | "indexKey"}` projections through the
 * driver, as mongod answers them: returnKey gives the index key the document was found by ({} for a
 * collection scan) and ignores the projection; showRecordId appends `$recordId` (a Long); explain
 * shows RETURN_KEY (over the IXSCAN alone when the index answers). On a view these options are 168.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Long, MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest("returnKey, showRecordId and $meta recordId / indexKey", async (client) => {
  const db = client.db("rk");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany([{ _id: 1, a: 1, b: 3 }, { _id: 2, a: 2, b: 2 }, { _id: 3, a: 3, b: 1 }]);
  await c.createIndex({ a: 1 });
  await c.createIndex({ b: 1 });

  // index order, both directions; the projection is ignored
  assert.deepEqual(await c.find().hint({ a: 1 }).sort({ a: 1 }).returnKey(true).toArray(), [
    { a: 1 },
    { a: 2 },
    { a: 3 },
  ]);
  assert.deepEqual(
    await c.find({}, { projection: { b: 1 } }).hint({ a: 1 }).sort({ a: -1 }).returnKey(true).toArray(),
    [{ a: 3 }, { a: 2 }, { a: 1 }],
  );
  // in-memory sort on another field keeps the key of the scanned index
  assert.deepEqual(await c.find().hint({ a: 1 }).sort({ b: 1 }).returnKey(true).toArray(), [
    { a: 3 },
    { a: 2 },
    { a: 1 },
  ]);
  // a collection scan has no key: empty documents
  assert.deepEqual(await c.find({ b: { $gt: 1 } }).hint({ $natural: 1 }).returnKey(true).toArray(), [{}, {}]);
  // _id lookup
  assert.deepEqual(await c.find({ _id: 2 }).returnKey(true).toArray(), [{ _id: 2 }]);

  const ex = await c.find().hint({ a: 1 }).sort({ a: 1 }).returnKey(true).explain();
  assert.equal(ex.queryPlanner.winningPlan.stage, "RETURN_KEY");
  assert.equal(ex.queryPlanner.winningPlan.inputStage.stage, "IXSCAN");
  const ex2 = await c.find().hint({ a: 1 }).sort({ b: 1 }).returnKey(true).explain();
  assert.equal(ex2.queryPlanner.winningPlan.inputStage.stage, "SORT");
  assert.equal(ex2.queryPlanner.winningPlan.inputStage.inputStage.stage, "FETCH");

  // showRecordId: $recordId last, a Long, after the projection
  const withIds = await c.find({}, { promoteLongs: false }).sort({ _id: 1 }).showRecordId(true).toArray();
  assert.equal(withIds.length, 3);
  for (const d of withIds) {
    assert.deepEqual(Object.keys(d), ["_id", "a", "b", "$recordId"]);
    assert.ok(d.$recordId instanceof Long);
  }
  const projected = await c.find({ a: 2 }, { projection: { _id: 0, b: 1 } }).showRecordId(true).toArray();
  assert.deepEqual(Object.keys(projected[0]), ["b", "$recordId"]);
  // the same record id as $meta: "recordId"
  const meta = await c.find({ a: 2 }, { projection: { r: { $meta: "recordId" }, k: { $meta: "indexKey" } } })
    .toArray();
  assert.equal(Number(meta[0].r), Number(projected[0].$recordId));
  assert.deepEqual(meta[0].k, { a: 2 });
  const both = await c.find({ a: 2 }).returnKey(true).showRecordId(true).toArray();
  assert.deepEqual(both, [{ a: 2 }]); // returnKey wins (the command-monitoring spec's reply)
  // no index: indexKey is left out
  const noKey = await c.find({}, { projection: { _id: 1, k: { $meta: "indexKey" } } }).hint({ $natural: 1 })
    .toArray();
  assert.deepEqual(noKey, [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);

  // multikey: the element the entry stands for, once per document
  await c.insertOne({ _id: 4, a: [7, 8] });
  assert.deepEqual(await c.find({ a: { $gte: 7 } }).returnKey(true).toArray(), [{ a: 7 }]);

  // aggregation reads the same metadata from the collection scan
  const agg: AnyDoc[] = await c.aggregate([{ $match: { _id: 1 } }, {
    $project: { r: { $meta: "recordId" } },
  }]).toArray();
  assert.equal(Number(agg[0].r), Number(withIds[0].$recordId));

  // views: aggregation cannot express these find options (168, mongod's words)
  await db.createCollection("v", { viewOn: "c", pipeline: [] });
  for (
    const [opts, word] of [[{ returnKey: true }, "returnKey"], [{ showRecordId: true }, "showRecordId"], [
      { min: { a: 1 }, hint: { a: 1 } },
      "min",
    ], [{ max: { a: 3 }, hint: { a: 1 } }, "max"]] as const
  ) {
    await assert.rejects(
      db.command({ find: "v", ...opts }),
      (e: MongoServerError) =>
        e.code === 168 && e.codeName === "InvalidPipelineOperator" &&
        e.message === `Option ${word} not supported in aggregation.`,
    );
  }
});
