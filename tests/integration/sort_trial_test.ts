/**
 * The sort's trial through the Node driver (planner/sort_trial.ts, executor/sort_trial.ts): a filter
 * on one indexed field sorted by another indexed field takes the index giving the order when the
 * filter's index holds more entries than a trial reads, or the ordered index finds its first results
 * sooner; a selective filter keeps its index and sorts. Answers equal the collection scan's either way.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** The winning plan's index (first IXSCAN from the top) and whether a SORT stage sits above it. */
function planOf(explain: AnyDoc): { index: string | undefined; sorts: boolean } {
  let stage = explain["queryPlanner"].winningPlan;
  let sorts = false;
  while (stage) {
    if (stage.stage === "SORT") sorts = true;
    if (stage.stage === "IXSCAN") return { index: stage.indexName, sorts };
    stage = stage.inputStage;
  }
  return { index: undefined, sorts };
}

serverTest(
  "a sort's trial: the ordered index for a broad filter, the filter's index for a selective one",
  async (client) => {
    const db = client.db("strial");
    const c = db.collection<AnyDoc>("c");
    const N = 30_000;
    // status "a" for 96 % of the documents; t ascending with _id; u descending (anti-correlated with `rank`)
    await c.insertMany(Array.from({ length: N }, (_, i) => ({
      _id: i,
      status: i % 25 === 0 ? "b" : "a",
      rank: i,
      t: i * 7 % N,
      u: N - i,
    })));
    await c.createIndex({ status: 1 });
    await c.createIndex({ t: 1 });
    await c.createIndex({ rank: 1 });
    await c.createIndex({ u: 1 });

    const same = async (filter: AnyDoc, sort: AnyDoc, limit: number, skip = 0) => {
      const got = await c.find(filter).sort(sort).skip(skip).limit(limit).toArray();
      const want = await c.find(filter).sort(sort).skip(skip).limit(limit).hint({ $natural: 1 }).toArray();
      assert.deepEqual(got, want, JSON.stringify({ filter, sort, limit, skip }));
    };
    const plan = async (filter: AnyDoc, sort: AnyDoc, limit: number) =>
      planOf(await c.find(filter).sort(sort).limit(limit).explain("queryPlanner"));

    // broad: 28,800 "a" entries, more than a trial (10,000) reads: the ordered `t` index
    assert.deepEqual(await plan({ status: "a" }, { t: 1 }, 20), { index: "t_1", sorts: false });
    await same({ status: "a" }, { t: 1 }, 20);
    await same({ status: "a" }, { t: -1 }, 20, 100);
    // selective: 1,200 "b" entries; `t` finds 20 of them within ~500 entries (uncorrelated): ordered
    assert.deepEqual(await plan({ status: "b" }, { t: 1 }, 20), { index: "t_1", sorts: false });
    await same({ status: "b" }, { t: 1 }, 20);
    // a narrow range of rank sorted by u: every match sits at the end of u's order: rank's index + SORT
    assert.deepEqual(await plan({ rank: { $lt: 500 } }, { u: -1 }, 10), { index: "u_1", sorts: false });
    assert.deepEqual(await plan({ rank: { $lt: 500 } }, { u: 1 }, 10), { index: "rank_1", sorts: true });
    await same({ rank: { $lt: 500 } }, { u: 1 }, 10);
    // the same shape again with a broad range: the last race's outcome no longer holds, raced again
    assert.deepEqual(await plan({ rank: { $lt: 29_000 } }, { u: 1 }, 10), { index: "u_1", sorts: false });
    await same({ rank: { $lt: 29_000 } }, { u: 1 }, 10);
    // and narrow again
    const narrow = await c.find({ rank: { $lt: 300 } }).sort({ u: 1 }).limit(10).explain("executionStats");
    assert.deepEqual(planOf(narrow), { index: "rank_1", sorts: true });
    assert.equal(narrow["executionStats"].nReturned, 10);
    // a hint is obeyed, no trial
    const hinted = await c.find({ status: "a" }).sort({ t: 1 }).limit(5).hint({ status: 1 }).explain(
      "queryPlanner",
    );
    assert.deepEqual(planOf(hinted), { index: "status_1", sorts: true });
    // no limit: the first batch (101) ends the trial; every document comes, in order
    const all = await c.find({ status: "b" }, { projection: { _id: 1 } }).sort({ t: 1 }).toArray();
    assert.equal(all.length, 1200);
    // findAndModify, updateOne and deleteOne with a sort race too: the first match in sort order is changed
    const fam = await db.command({
      explain: { findAndModify: "c", query: { status: "a" }, sort: { t: 1 }, update: { $set: { x: 1 } } },
      verbosity: "queryPlanner",
    });
    const famPlan = JSON.stringify(fam["queryPlanner"].winningPlan);
    assert.ok(famPlan.includes('"t_1"') && !famPlan.includes('"SORT"'), famPlan);
    const first = await c.find({ status: "a" }).sort({ t: 1 }).limit(1).hint({ $natural: 1 }).next();
    const changed = await c.findOneAndUpdate({ status: "a" }, { $set: { x: 1 } }, { sort: { t: 1 } });
    assert.equal(changed?._id, first._id);
    const second = await c.find({ status: "a", x: { $exists: false } }).sort({ t: 1 }).limit(1).hint({
      $natural: 1,
    })
      .next();
    assert.equal(
      (await c.updateOne({ status: "a", x: { $exists: false } }, { $set: { x: 2 } }, { sort: { t: 1 } }))
        .modifiedCount,
      1,
    );
    assert.equal((await c.findOne({ _id: second._id }))?.x, 2);
    const last = await c.find({ status: "b" }).sort({ t: -1 }).limit(1).hint({ $natural: 1 }).next();
    const removed = await c.findOneAndDelete({ status: "b" }, { sort: { t: -1 } });
    assert.equal(removed?._id, last._id);
    // aggregate's leading $match + $sort races too (its explain shows the $match alone: not asserted here)
    const aggDocs = await c.aggregate([{ $match: { status: "a" } }, { $sort: { t: 1 } }, { $limit: 3 }])
      .toArray();
    assert.deepEqual(
      aggDocs,
      await c.find({ status: "a" }).sort({ t: 1 }).limit(3).hint({ $natural: 1 }).toArray(),
    );
  },
);
