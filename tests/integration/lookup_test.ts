/**
 * `$lookup` through the Node driver: an index on the foreign field serves each outer document (the
 * same results as the hash join, one index read per outer document) and a lookup over a large
 * foreign collection without an index pauses while it reads, so another client's ping is answered and
 * `maxTimeMS` fires; `$out`, `$merge` and `$redact` over a large input pause (and expire) the same way.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest("$lookup: with and without an index on the foreign field, the same matches", async (client) => {
  const db = client.db("lk");
  const users = db.collection<{ _id: number; name: string; tags?: unknown }>("users");
  const orders = db.collection<{ _id: number; user: unknown; n: number }>("orders");
  await users.insertMany([
    { _id: 1, name: "a" },
    { _id: 2, name: "b", tags: [3, 4] },
    { _id: 3, name: "c" }, // no orders
    { _id: 4, name: "d" }, // matches orders with a missing/null user by its missing field below
  ]);
  await orders.insertMany([
    { _id: 10, user: 1, n: 1 },
    { _id: 11, user: 2, n: 2 },
    { _id: 12, user: [1, 2], n: 3 }, // an array matches by element
    { _id: 13, user: 1, n: 4 },
    { _id: 14, user: null, n: 5 },
    { _id: 15, user: 4.0, n: 6 }, // numbers compare across types
  ]);
  const run = (localField: string) =>
    users.aggregate([
      { $sort: { _id: 1 } },
      { $lookup: { from: "orders", localField, foreignField: "user", as: "o" } },
      { $project: { ids: "$o._id" } },
    ]).toArray();
  const sorted = (rows: Record<string, unknown>[]) =>
    rows.map((r) => ({ _id: r._id, ids: [...(r.ids as number[])].sort((a, b) => a - b) }));
  const scanById = sorted(await run("_id"));
  const scanByTags = sorted(await run("tags"));
  const scanByNone = sorted(await run("nothing"));
  await orders.createIndex({ user: 1 });
  const uses = async () =>
    Number(
      (await orders.aggregate([{ $indexStats: {} }, { $match: { name: "user_1" } }]).toArray())[0]?.accesses
        ?.ops,
    );
  const before = await uses();
  assert.deepEqual(sorted(await run("_id")), scanById);
  assert.equal(await uses(), before + 4, "one index read per outer document");
  assert.deepEqual(sorted(await run("tags")), scanByTags);
  assert.deepEqual(sorted(await run("nothing")), scanByNone);
  assert.deepEqual(scanById, [
    { _id: 1, ids: [10, 12, 13] },
    { _id: 2, ids: [11, 12] },
    { _id: 3, ids: [] },
    { _id: 4, ids: [15] },
  ]);
  assert.deepEqual(scanByNone.map((r) => r.ids), [[14], [14], [14], [14]]); // missing local = null
  // a regex local value matches by equality with a stored regex, never as a pattern
  await users.insertOne({ _id: 5, name: "e", tags: /^x/ });
  const rx = await users.aggregate([
    { $match: { _id: 5 } },
    { $lookup: { from: "orders", localField: "tags", foreignField: "user", as: "o" } },
  ]).toArray();
  assert.deepEqual(rx[0]?.o, []);
});

serverTest(
  "$lookup, $out, $merge and $redact over a large collection yield and honour maxTimeMS",
  async (client) => {
    const db = client.db("lk2");
    const big = db.collection<{ _id: number; k: number; pad: string }>("big");
    for (let i = 0; i < 60_000; i += 20_000) {
      await big.insertMany(
        Array.from({ length: 20_000 }, (_, j) => ({ _id: i + j, k: (i + j) % 7, pad: "x".repeat(50) })),
      );
    }
    await db.collection<{ _id: number; k: number }>("one").insertMany([{ _id: 1, k: 3 }, { _id: 2, k: 5 }]);
    const lookup = [
      { $lookup: { from: "big", localField: "k", foreignField: "k", as: "m" } },
      { $project: { n: { $size: "$m" } } },
    ];
    const ok = await db.collection("one").aggregate(lookup).toArray();
    assert.deepEqual(ok.map((d) => d.n), [8_571, 8_571]);
    // another client is served while the foreign collection is read
    const pings: number[] = [];
    const running = db.collection("one").aggregate(lookup).toArray();
    let done = false;
    void running.finally(() => done = true);
    while (!done) {
      const t = performance.now();
      await client.db("admin").command({ ping: 1 });
      pings.push(performance.now() - t);
    }
    await running;
    assert.ok(pings.length >= 2, `pings answered during the lookup: ${pings.length}`);
    const expired = (e: { code?: number }) => e.code === 50;
    await assert.rejects(db.collection("one").aggregate(lookup, { maxTimeMS: 1 }).toArray(), expired);

    // $out, $merge and $redact over the large collection pause too: maxTimeMS stops them
    const group = { $group: { _id: "$_id", k: { $first: "$k" } } };
    await assert.rejects(big.aggregate([group, { $out: "copy" }], { maxTimeMS: 1 }).toArray(), expired);
    assert.equal(await db.collection("copy").countDocuments(), 0, "$out wrote nothing");
    await assert.rejects(
      big.aggregate([{ $merge: { into: "merged" } }], { maxTimeMS: 1 }).toArray(),
      expired,
    );
    const redact = { $redact: { $cond: [{ $eq: ["$k", 3] }, "$$KEEP", "$$PRUNE"] } };
    await assert.rejects(big.aggregate([redact, { $count: "n" }], { maxTimeMS: 1 }).toArray(), expired);
    assert.deepEqual(await big.aggregate([redact, { $count: "n" }]).toArray(), [{ n: 8_571 }]);
    await big.aggregate([{ $match: { k: 3 } }, { $out: "copy" }]).toArray();
    assert.equal(await db.collection("copy").countDocuments(), 8_571);
  },
);
