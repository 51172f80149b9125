/**
 * Read shapes apps use, through the Node driver, answered as a `$natural` run answers them: an `$in` of
 * more values than a compound product may hold (one point interval each, as mongod: it was a whole-index
 * scan past 512 values).
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
