/**
 * An index scan whose consumer reads only some fields (a count with a residual filter, a distinct, a
 * `$group` after an indexed `$match`) reads each record projected to those fields and the filter's
 * (IndexScanOptions.fields): the same answers as a collection scan (`$natural`), across batches,
 * skips, limits, getMore, a document removed or changed between batches, and the same examined figures.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const sortById = (
  a: AnyDoc,
  b: AnyDoc,
) => (String(a._id) < String(b._id) ? -1 : String(a._id) > String(b._id) ? 1 : 0);

serverTest(
  "index fetch read projected: counts, distinct and \$group agree with a collection scan",
  async (client) => {
    const db = client.db("ixfields");
    const c = db.collection<AnyDoc>("c");
    const docs = Array.from({ length: 6000 }, (_, i) => ({
      _id: i,
      score: (i * 7919) % 1000,
      owner: `u${i % 37}`,
      status: i % 20 === 0 ? "archived" : "active",
      tags: i % 3 === 0 ? ["a", "b"] : "c",
      big: i % 500 === 0 ? "y".repeat(300_000) : "x".repeat(200), // (records larger than a batch buffer)
      nested: { v: i % 11 },
    }));
    for (let i = 0; i < docs.length; i += 1000) await c.insertMany(docs.slice(i, i + 1000));
    await c.createIndex({ score: 1 });

    const range = { score: { $gte: 100, $lt: 400 } };
    for (
      const filter of [
        { ...range, status: "archived" },
        { ...range, owner: { $in: ["u1", "u5"] } },
        { ...range, "nested.v": { $gt: 5 } },
        { ...range, tags: "a" },
        { ...range, big: { $exists: true } },
        { score: { $gte: 990 }, _id: { $mod: [3, 0] } },
      ] as AnyDoc[]
    ) {
      const natural = await c.countDocuments(filter, { hint: { $natural: 1 } });
      assert.equal(await c.countDocuments(filter), natural, JSON.stringify(filter));
      assert.equal(
        await c.countDocuments(filter, { skip: 7, limit: 50 }),
        Math.max(0, Math.min(50, natural - 7)),
      );
      assert.equal((await db.command({ count: "c", query: filter }))["n"], natural);
      const d1 = (await c.distinct("owner", filter)).sort();
      const d2 = [...new Set((await c.find(filter, { hint: { $natural: 1 } }).toArray()).map((d) => d.owner))]
        .sort();
      assert.deepEqual(d1, d2, JSON.stringify(filter));
      const group = [{ $match: filter }, {
        $group: { _id: "$status", n: { $sum: 1 }, t: { $sum: "$nested.v" } },
      }];
      const g1 = (await c.aggregate(group).toArray()).sort(sortById);
      const g2 = (await c.aggregate(group, { hint: { $natural: 1 } }).toArray()).sort(sortById);
      assert.deepEqual(g1, g2, JSON.stringify(filter));
    }

    // a $group's cursor read over getMore, the collection changed between its batches
    const cur = c.aggregate([{ $match: range }, { $project: { owner: 1, score: 1 } }], {
      cursor: { batchSize: 10 },
    });
    const first: AnyDoc[] = [];
    for (let i = 0; i < 10; i++) first.push(await cur.next());
    await c.deleteMany({ score: { $gte: 390, $lt: 400 } });
    await c.updateMany({ score: { $gte: 380, $lt: 390 } }, { $set: { owner: "moved" } });
    const rest = await cur.toArray();
    const all = [...first, ...rest];
    assert.equal(all.length, 1800 - 60);
    for (const d of all) assert.deepEqual(Object.keys(d).sort(), ["_id", "owner", "score"]);
    assert.ok(all.filter((d) => d.score >= 380 && d.score < 390).every((d) => d.owner === "moved"));

    // explain: every fetched record examined, once (1,800 in range less the 60 removed)
    const ex = await c.aggregate([{ $match: { ...range, status: "archived" } }, { $count: "n" }]).explain(
      "executionStats",
    );
    const s = JSON.stringify(ex);
    assert.match(s, /"totalKeysExamined":1740,"totalDocsExamined":1740/);
    assert.match(s, /"docsExamined":1740/);
  },
);
