/**
 * "The latest document per key" through the Node driver: a `$group` whose `$first`/`$last` of `$$ROOT`
 * or `$top`/`$bottom` with `output: "$$ROOT"` keep stored bytes and decode only the winners
 * (engine/aggregate/group_root.ts). Each answer equals the one worked out here from the documents, and
 * its reply bytes equal those of the same pipeline made to take the ordinary path (a `$project` of
 * every field first: the documents are decoded whole); the `$sort` is answered by the index.
 */
import assert from "node:assert/strict";
import { ObjectId } from "mongodb";
import type { Collection } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { planOf } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 3000;
const cid = (i: number) => new ObjectId((0x10000000 + i).toString(16).padStart(24, "0"));
const doc = (i: number) => ({
  _id: new ObjectId((0x20000000 + i).toString(16).padStart(24, "0")),
  customerId: cid((i * 7) % 101),
  status: ["a", "b", "c"][i % 3],
  total: i % 250,
  createdAt: new Date(1.7e12 + ((i * 7919) % N) * 60000),
  items: Array.from({ length: 1 + (i % 3) }, (_, k) => ({ sku: `s${k}`, qty: k + 1 })),
  note: "n".repeat(i % 90),
});

async function rawOf(c: Collection<AnyDoc>, pipeline: AnyDoc[]): Promise<Uint8Array[]> {
  return await c.aggregate(pipeline, { raw: true }).toArray() as unknown as Uint8Array[];
}

async function sameBytes(c: Collection<AnyDoc>, pipeline: AnyDoc[], ordinary: AnyDoc[]): Promise<void> {
  const got = await rawOf(c, pipeline);
  const want = await rawOf(c, ordinary);
  assert.equal(got.length, want.length, JSON.stringify(pipeline));
  got.forEach((b, i) => assert.deepEqual(Buffer.from(b), Buffer.from(want[i]!), JSON.stringify(pipeline)));
}

serverTest(
  "the latest document per key: stored bytes kept, winners decoded, same answers",
  async (client) => {
    const c = client.db("groot").collection<AnyDoc>("orders");
    const all = Array.from({ length: N }, (_, i) => doc(i));
    await c.insertMany(all);
    await c.createIndex({ createdAt: 1 });
    const whole = { $project: { customerId: 1, status: 1, total: 1, createdAt: 1, items: 1, note: 1 } };

    // the latest order per customer, worked out here
    const latest = new Map<string, AnyDoc>();
    for (const d of all) {
      const k = d.customerId.toHexString();
      const cur = latest.get(k);
      if (!cur || d.createdAt > cur.createdAt) latest.set(k, d);
    }
    const want = [...latest.values()].sort((x, y) =>
      x.customerId.toHexString() < y.customerId.toHexString() ? -1 : 1
    );
    const byKey = (a: AnyDoc[]) => a.sort((x, y) => x._id.toHexString() < y._id.toHexString() ? -1 : 1);

    const first = [{ $sort: { createdAt: -1 } }, {
      $group: { _id: "$customerId", last: { $first: "$$ROOT" } },
    }];
    const got = byKey(await c.aggregate(first).toArray());
    assert.deepEqual(got.map((g) => g.last), want);
    assert.deepEqual(got.map((g) => g._id), want.map((d) => d.customerId));
    await sameBytes(c, first, [first[0]!, whole, first[1]!]);

    // the sort is the index's (a backward scan of createdAt_1), not a blocking sort
    const ex = await c.aggregate(first).explain("queryPlanner") as AnyDoc;
    const plan = planOf(ex.stages[0].$cursor.queryPlanner.winningPlan);
    assert.deepEqual(plan.stages, ["FETCH", "IXSCAN"]);
    assert.deepEqual(plan.ixscan.keyPattern, { createdAt: 1 });
    assert.equal(plan.ixscan.direction, "backward");

    const shapes: AnyDoc[][] = [
      [{ $sort: { createdAt: 1 } }, { $group: { _id: "$customerId", last: { $last: "$$ROOT" } } }],
      [{ $group: { _id: "$customerId", last: { $top: { output: "$$ROOT", sortBy: { createdAt: -1 } } } } }],
      [{
        $group: { _id: "$customerId", first: { $bottom: { output: "$$ROOT", sortBy: { createdAt: -1 } } } },
      }],
      [
        { $match: { status: "b" } },
        { $sort: { createdAt: -1 } },
        {
          $group: {
            _id: { c: "$customerId", big: { $gt: ["$total", 100] } },
            last: { $first: "$$CURRENT" },
            n: { $sum: 1 },
            t: { $max: "$total" },
          },
        },
        { $sort: { "last.createdAt": -1 } },
        { $limit: 20 },
      ],
    ];
    for (const p of shapes) {
      const at = p.findIndex((s) => s.$group);
      await sameBytes(c, p, [...p.slice(0, at), whole, ...p.slice(at)]);
    }
    // $last over ascending order, $top by descending date and $bottom by ascending-first: the same latest
    for (const p of shapes.slice(0, 2)) {
      const g = byKey(await c.aggregate(p).toArray());
      assert.deepEqual(g.map((x) => x.last), want, JSON.stringify(p));
    }
  },
);
