/**
 * A scalar equality or range on a field copied from a dotted path (`{name: "$profile.name"}` in
 * `$project`/`$addFields`, or a `$group` key `"$profile.name"`) filters the collection on the path as well
 * (engine/aggregate/match_pushdown.ts): the path matches every document whose copy matches, and the
 * filter stays after the stage for the documents whose `profile` is an array. Through the Node driver
 * each answer equals the pipeline's with the filter kept where it was written (a `$skip: 0` in front),
 * over profiles that are documents, arrays of documents, arrays holding arrays, scalars, null or missing;
 * explain shows the index scan on the path and the `$match` kept after the stage.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { planOf, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 3000;

serverTest("a test on a dotted copy filters the collection on the path through its index", async (client) => {
  const db = client.db("dottedcopy");
  const c = db.collection<AnyDoc>("d");
  const names: unknown[] = ["n1", "n2", "n3", 1, 2, null, ["n1", "n2"], [], { k: 1 }];
  const r = rng(4);
  const name = () => names[Math.floor(r() * names.length)];
  await c.insertMany(Array.from({ length: N }, (_, i) => {
    const d: AnyDoc = { _id: i, score: i % 100 };
    switch (i % 8) {
      case 0:
        d.profile = [{ name: name() }, { name: name() }, { other: 1 }];
        break;
      case 1:
        d.profile = [[{ name: name() }], { name: name() }];
        break;
      case 2:
        d.profile = name();
        break;
      case 3:
        break;
      case 4:
        d.profile = { age: 3 };
        break;
      default:
        d.profile = { name: i % 7 === 0 ? name() : `n${i % 50}` };
    }
    return d;
  }));
  await c.createIndex({ "profile.name": 1 });

  const same = async (pipeline: AnyDoc[], moved: boolean) => {
    const got = await c.aggregate(pipeline).toArray();
    const want = await c.aggregate([{ $skip: 0 }, ...pipeline]).toArray();
    const sorted = (docs: AnyDoc[]) => docs.map((d) => JSON.stringify(d)).sort();
    assert.deepEqual(sorted(got), sorted(want), JSON.stringify(pipeline));
    const explained: AnyDoc = await c.aggregate(pipeline).explain("queryPlanner");
    const plan = explained.stages?.[0]?.$cursor?.queryPlanner?.winningPlan;
    assert.equal(
      plan !== undefined && JSON.stringify(plan).includes('"profile.name"'),
      moved,
      JSON.stringify(pipeline),
    );
    if (moved) {
      assert.ok(planOf(plan).stages.includes("IXSCAN"), JSON.stringify([pipeline, plan]));
      // the filter is kept after the stage too
      assert.equal(JSON.stringify(explained.stages.at(-1)), JSON.stringify(pipeline.at(-1)));
    }
    return got.length;
  };

  const tests: [unknown, boolean][] = [
    ["n1", true],
    [1, true],
    [{ $gte: "n1", $lt: "n3" }, true],
    [{ $in: ["n2", 2] }, true],
    [{ $gt: 1 }, true],
    [null, false],
    [{ $ne: "n1" }, false],
    [["n1", "n2"], false],
    [{ $exists: false }, false],
    [{ $size: 2 }, false],
  ];
  let found = 0;
  for (const [t, moved] of tests) {
    found += await same([{ $project: { name: "$profile.name", score: 1 } }, { $match: { name: t } }], moved);
    found += await same([{ $addFields: { name: "$profile.name" } }, { $match: { name: t } }], moved);
    found += await same(
      [{ $group: { _id: "$profile.name", n: { $sum: 1 } } }, { $match: { _id: t } }],
      moved,
    );
  }
  assert.ok(found > 100, String(found));
});
