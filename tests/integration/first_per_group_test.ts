/**
 * "The first document per key" through the Node driver: `$sort` then a `$group` of `$first`s by the
 * sort's first field, over an index giving that order, reads one index entry per value (DISTINCT_SCAN)
 * and answers exactly what the pipeline gives over every document (`hint: {$natural: 1}`; a sort with
 * ties may order them either way, as on mongod, so the sorts here have none): a
 * residual `$match`, missing and null keys, stages after the group; not taken where it would differ.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const byId = (a: AnyDoc, b: AnyDoc) => JSON.stringify(a._id) < JSON.stringify(b._id) ? -1 : 1;

serverTest(
  "$sort + $group of $firsts by an indexed field: one entry per value, the same groups",
  async (client) => {
    const db = client.db("fpg");
    const c = db.collection<AnyDoc>("c");
    const docs: AnyDoc[] = Array.from(
      { length: 3000 },
      (_, i) => ({ u: i % 40, t: i % 97, s: `s${i % 5}`, i }),
    );
    docs.push({ t: 1, i: -1 }, { u: null, t: 2, i: -2 }, { u: "x", t: 3, i: -3 }, { u: 7.0, t: 1000, i: -4 });
    await c.insertMany(docs);
    await c.createIndex({ u: 1, t: -1 });
    const run = async (pipeline: AnyDoc[], natural = false) =>
      (await c.aggregate(pipeline, natural ? { hint: { $natural: 1 } } : {}).toArray()).sort(byId);
    const pipelines: AnyDoc[][] = [
      [{ $sort: { u: 1, t: -1 } }, { $group: { _id: "$u", t: { $first: "$t" }, i: { $first: "$i" } } }],
      [{ $sort: { u: 1, t: -1, i: 1 } }, { $group: { _id: "$u", doc: { $first: "$$ROOT" } } }],
      [
        { $match: { s: "s3", t: { $lt: 50 } } },
        { $sort: { u: 1, t: -1 } },
        { $group: { _id: "$u", i: { $first: "$i" }, sum: { $first: { $add: ["$t", 1] } } } },
        { $match: { i: { $gt: 100 } } },
      ],
    ];
    for (const p of pipelines) assert.deepEqual(await run(p), await run(p, true), JSON.stringify(p));

    await db.command({ profile: 2 });
    await c.aggregate(pipelines[0]!).toArray();
    await db.command({ profile: 0 });
    const entry = await db.collection("system.profile").findOne({ "command.aggregate": "c" });
    assert.equal(entry?.["planSummary"], "DISTINCT_SCAN { u: 1, t: -1 }");
    assert.ok(entry?.["keysExamined"] <= 50, `examined ${entry?.["keysExamined"]} keys`);

    // not taken, same answers: another accumulator, a reverse sort, a collation, a multikey index
    const others: [AnyDoc[], AnyDoc][] = [
      [[{ $sort: { u: 1, t: -1 } }, { $group: { _id: "$u", n: { $sum: 1 }, t: { $first: "$t" } } }], {}],
      [[{ $sort: { u: -1, t: 1 } }, { $group: { _id: "$u", t: { $first: "$t" } } }], {}],
      [[{ $sort: { s: 1 } }, { $group: { _id: "$s", i: { $first: "$i" } } }], {
        collation: { locale: "en" },
      }],
    ];
    await c.createIndex({ s: 1 });
    for (const [p, o] of others) {
      const got = (await c.aggregate(p, o).toArray()).sort(byId);
      const want = (await c.aggregate(p, { ...o, hint: { $natural: 1 } }).toArray()).sort(byId);
      assert.deepEqual(got, want, JSON.stringify(p));
    }
    await c.insertOne({ u: [1, 2], t: 5000, i: -5 }); // the {u: 1, t: -1} index becomes multikey
    const p0 = pipelines[0]!;
    assert.deepEqual(await run(p0), await run(p0, true));
  },
);
