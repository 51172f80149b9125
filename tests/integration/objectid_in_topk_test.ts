/**
 * Shapes made cheaper in the forty-fourth session (docs/performance.md), checked through the Node driver
 * against answers worked out here: `$in` of ObjectIds (matched by their bytes, and on `_id_` answered by
 * the bounds alone: the fetched records are not matched again and explain's FETCH shows no filter, as mongod's), a top-k sort with a skip (each row's key once), a
 * `$group` with `$topN`/`$bottom` (decoding only the fields they read), and pipeline output with dates
 * (written by small_doc).
 */
import assert from "node:assert/strict";
import { ObjectId } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 3000;
const oid = (i: number) => new ObjectId((0x65000000 + i).toString(16).padStart(24, "0"));
const doc = (i: number) => ({
  _id: oid(i),
  owner: oid(i % 37),
  tags: [oid(i % 5), oid(100 + (i % 3))],
  total: (i * 7919) % 1000,
  at: new Date(1.7e12 + i * 60_000),
  status: ["a", "b", "c"][i % 3],
  pad: "p".repeat(50),
});

/** Every stage of an explain's winning plan, flattened. */
function stagesOf(plan: AnyDoc): AnyDoc[] {
  const out: AnyDoc[] = [];
  const walk = (s: AnyDoc) => {
    if (!s) return;
    out.push(s);
    walk(s.inputStage);
    for (const x of s.inputStages ?? []) walk(x);
  };
  walk(plan);
  return out;
}

serverTest(
  "$in of ObjectIds, top-k with a skip, $topN/$bottom groups, dates in pipeline output",
  async (client) => {
    const c = client.db("oidin").collection<AnyDoc>("d");
    const all = Array.from({ length: N }, (_, i) => doc(i));
    await c.insertMany(all);
    await c.createIndex({ owner: 1, at: -1 });
    await c.createIndex({ tags: 1 });
    const hex = (v: AnyDoc) => v.toHexString();

    // $in of _ids: some missing, one twice, beside other types
    const wanted = [oid(5), oid(17), oid(17), oid(N + 9), oid(2999), "x", 7];
    const byId = await c.find({ _id: { $in: wanted } }).toArray();
    assert.deepEqual(byId.map((d) => hex(d._id)).sort(), [oid(5), oid(17), oid(2999)].map(hex).sort());
    const ex = await c.find({ _id: { $in: [oid(1), oid(2)] } }).explain("executionStats");
    const ixscan = stagesOf(ex.queryPlanner.winningPlan).find((s) => s.stage === "IXSCAN");
    assert.equal(ixscan?.indexName, "_id_", JSON.stringify(ex.queryPlanner.winningPlan));
    const fetch = stagesOf(ex.queryPlanner.winningPlan).find((s) => s.stage === "FETCH");
    assert.equal(fetch?.filter, undefined, JSON.stringify(ex.queryPlanner.winningPlan));
    assert.equal(ex.executionStats.nReturned, 2);
    assert.equal(ex.executionStats.totalDocsExamined, 2);

    // $in on a compound index's leading field, and on a multikey index (which keeps its filter)
    const owners = [oid(3), oid(30), oid(36), oid(99)];
    const viaIndex = await c.find({ owner: { $in: owners } }).toArray();
    const viaScan = await c.find({ owner: { $in: owners } }).hint({ $natural: 1 }).toArray();
    const want = all.filter((d) => owners.some((o) => o.equals(d.owner))).map((d) => hex(d._id)).sort();
    assert.deepEqual(viaIndex.map((d) => hex(d._id)).sort(), want);
    assert.deepEqual(viaScan.map((d) => hex(d._id)).sort(), want);
    const tagged = await c.find({ tags: { $in: [oid(2), oid(101)] } }).toArray();
    assert.equal(
      tagged.length,
      all.filter((d) => d.tags.some((t: ObjectId) => t.equals(oid(2)) || t.equals(oid(101)))).length,
    );
    const mk = await c.find({ tags: { $in: [oid(2), oid(101)] } }).explain();
    assert.ok(stagesOf(mk.queryPlanner.winningPlan).some((s) => s.stage === "IXSCAN"));

    // a top-k sort with a skip: the same page as a full sort
    const order = (a: AnyDoc, b: AnyDoc) => b.total - a.total || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);
    const sorted = [...all].sort(order);
    for (const [skip, limit] of [[0, 5], [1200, 20], [2990, 30]]) {
      const page = await c.find({}).sort({ total: -1, at: 1 }).skip(skip!).limit(limit!).toArray();
      assert.deepEqual(
        page.map((d) => hex(d._id)),
        sorted.slice(skip, skip! + limit!).map((d) => hex(d._id)),
      );
    }

    // $topN by total per owner, $bottom by date per status
    const top = await c.aggregate([
      { $group: { _id: "$owner", top: { $topN: { n: 3, sortBy: { total: -1, at: 1 }, output: "$total" } } } },
    ]).toArray();
    assert.equal(top.length, 37);
    for (const g of top) {
      const mine = sorted.filter((d) => d.owner.equals(g._id)).slice(0, 3).map((d) => d.total);
      assert.deepEqual(g.top, mine, hex(g._id));
    }
    const bottom = await c.aggregate([
      { $group: { _id: "$status", last: { $bottom: { sortBy: { at: 1 }, output: ["$at", "$total"] } } } },
      { $sort: { _id: 1 } },
    ]).toArray();
    assert.deepEqual(
      bottom,
      ["a", "b", "c"].map((s) => {
        const last = all.filter((d) => d.status === s).at(-1)!;
        return { _id: s, last: [last.at, last.total] };
      }),
    );

    // dates and ObjectIds in computed pipeline output come back as they went in
    const out = await c.aggregate([
      { $match: { _id: { $in: [oid(10), oid(11)] } } },
      {
        $project: {
          at: 1,
          owner: 1,
          day: { $dateTrunc: { date: "$at", unit: "day" } },
          s: { $concat: ["$status", "é"] },
        },
      },
      { $sort: { _id: 1 } },
    ]).toArray();
    assert.deepEqual(
      out,
      [10, 11].map((i) => ({
        _id: oid(i),
        at: all[i]!.at,
        owner: all[i]!.owner,
        day: new Date(Math.floor(all[i]!.at.getTime() / 864e5) * 864e5),
        s: all[i]!.status + "é",
      })),
    );
  },
);
