/**
 * Read shapes apps use, through the Node driver, answered as a `$natural` run answers them: an `$in` of
 * more values than a compound product may hold (one point interval each, as mongod: it was a whole-index
 * scan past 512 values) and a plain top-level projection (done on the stored bytes: `_id` first in an
 * inclusion, stored order kept).
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

serverTest("an $in of 1,000 values: one point interval each, the same documents", async (client) => {
  const db = client.db("shapes");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany(Array.from({ length: 5000 }, (_, i) => ({ _id: i, a: i % 700, pad: "x".repeat(50) })));
  await c.createIndex({ a: 1 });
  const ids = Array.from({ length: 1000 }, (_, i) => i * 7 + (i % 3));
  for (const [filter, size] of [[{ _id: { $in: ids } }, 1000], [{ a: { $in: ids } }, 600]] as const) {
    const want = await c.find(filter).hint({ $natural: 1 }).sort({ _id: 1 }).toArray();
    assert.ok(want.length > 0);
    assert.deepEqual(await c.find(filter).sort({ _id: 1 }).toArray(), want);
    assert.deepEqual(
      await c.find(filter).batchSize(7).toArray().then((d) => d.sort((x, y) => x._id - y._id)),
      want,
    );
    const ex = await c.find(filter).explain("executionStats");
    const s = ex.executionStats;
    assert.equal(s.nReturned, want.length);
    assert.ok(s.totalKeysExamined <= want.length + size, `${s.totalKeysExamined} keys for ${want.length}`);
    assert.equal(s.totalDocsExamined, want.length);
    assert.equal(JSON.stringify(ex.queryPlanner.winningPlan).includes('"IXSCAN"'), true);
  }
  // a compound product past the cap still answers (a range scan with the filter)
  await c.createIndex({ a: 1, _id: 1 });
  const f = { a: { $in: ids.slice(0, 100) }, _id: { $in: ids.slice(0, 100) } };
  assert.deepEqual(
    await c.find(f).hint({ a: 1, _id: 1 }).sort({ _id: 1 }).toArray(),
    await c.find(f).hint({ $natural: 1 }).sort({ _id: 1 }).toArray(),
  );
});

serverTest("a plain top-level projection: the fields kept, _id first, stored order", async (client) => {
  const c = client.db("shapes").collection<AnyDoc>("p");
  await c.insertMany([
    { _id: 1, b: 2, a: { x: 1 }, c: [1, 2], pad: "p" },
    { b: 3, _id: 2, c: "c" }, // (stored with _id first, as mongod)
    { _id: 3 },
    { _id: 4, a: null, b: 1.5, d: new Date(0) },
  ]);
  const find = (projection: AnyDoc) => c.find({}, { projection }).sort({ _id: 1 }).toArray();
  const keys = (docs: AnyDoc[]) => docs.map((d) => Object.keys(d).join(","));
  assert.deepEqual(keys(await find({ c: 1, a: 1 })), ["_id,a,c", "_id,c", "_id", "_id,a"]);
  assert.deepEqual(await find({ a: 1, _id: 0 }), [{ a: { x: 1 } }, {}, {}, { a: null }]);
  assert.deepEqual(keys(await find({ pad: 0, a: 0 })), ["_id,b,c", "_id,b,c", "_id", "_id,b,d"]);
  assert.deepEqual((await find({ b: 1 }))[3], { _id: 4, b: 1.5 });
  assert.deepEqual(await find({ _id: 0, b: 0, a: 0, c: 0, pad: 0, d: 0 }), [{}, {}, {}, {}]);
  // the same through getMore batches and a sort on a field the projection drops
  const sorted = await c.find({}, { projection: { c: 1 } }).sort({ b: -1 }).batchSize(1).toArray();
  assert.deepEqual(sorted.map((d) => d._id), [2, 1, 4, 3]);
});
