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
    // one entry per value (about 40), and up to two more of each before its seek
    assert.ok(entry?.["keysExamined"] <= 3 * 45, `examined ${entry?.["keysExamined"]} keys`);
    assert.ok(entry?.["docsExamined"] <= 45, `examined ${entry?.["docsExamined"]} documents`);

    // not taken, same answers: another accumulator, a collation, a multikey index (and a reverse
    // sort, taken: a backward walk)
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

serverTest(
  "$group of $lasts after a $sort, and of $firsts after a reverse $sort: one entry per value, the same groups",
  async (client) => {
    const db = client.db("fpg_last");
    const c = db.collection<AnyDoc>("c");
    let seed = 9;
    const rnd = (n: number) => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 65536) % n;
    const docs: AnyDoc[] = Array.from({ length: 4000 }, (_, i) => {
      const d: AnyDoc = { t: i, f: rnd(100), s: `s${rnd(4)}`, i };
      const k = rnd(20);
      if (k === 0) d.k = null;
      else if (k === 1) d.k = `x${rnd(3)}`;
      else if (k !== 2) d.k = rnd(30); // (k === 2: missing, grouped with null)
      return d;
    });
    await c.insertMany(docs);
    await c.createIndex({ k: 1 });
    await c.createIndex({ k: 1, t: -1 });

    // tie-free sorts (t is unique): exactly what the pipeline gives over every document
    const run = async (pipeline: AnyDoc[], natural = false) =>
      (await c.aggregate(pipeline, natural ? { hint: { $natural: 1 } } : {}).toArray()).sort(byId);
    const tieFree: AnyDoc[][] = [
      [{ $sort: { k: 1, t: -1 } }, { $group: { _id: "$k", f: { $last: "$f" }, t: { $last: "$t" } } }],
      [{ $sort: { k: -1, t: 1 } }, { $group: { _id: "$k", f: { $first: "$f" }, t: { $first: "$t" } } }],
      [{ $sort: { k: -1, t: 1 } }, { $group: { _id: "$k", doc: { $last: "$$ROOT" } } }],
      [
        { $match: { s: { $in: ["s1", "s2"] }, f: { $lt: 60 } } },
        { $sort: { k: 1, t: -1 } },
        { $group: { _id: "$k", i: { $last: "$i" }, g: { $last: { $add: ["$f", 1] } } } },
        { $match: { i: { $gt: 50 } } },
      ],
      // not taken (mixed $first and $last; $top): the same groups
      [{ $sort: { k: 1, t: -1 } }, { $group: { _id: "$k", a: { $first: "$t" }, z: { $last: "$t" } } }],
      [{ $sort: { k: 1, t: -1 } }, {
        $group: { _id: "$k", z: { $top: { output: "$t", sortBy: { t: 1 } } } },
      }],
    ];
    for (const p of tieFree) assert.deepEqual(await run(p), await run(p, true), JSON.stringify(p));
    // which of them walked the index (the profiler's planSummary)
    const summaries: string[] = [];
    await db.command({ profile: 2 });
    for (const p of tieFree) {
      await c.aggregate(p, { comment: `p${summaries.length}` }).toArray();
      const e = await db.collection("system.profile").findOne({ "command.comment": `p${summaries.length}` });
      summaries.push(e?.["planSummary"]);
    }
    await db.command({ profile: 0 });
    assert.deepEqual(summaries.map((s) => s.split(" ")[0]), [
      "DISTINCT_SCAN",
      "DISTINCT_SCAN",
      "DISTINCT_SCAN",
      "DISTINCT_SCAN",
      "IXSCAN",
      "IXSCAN",
    ]);

    // ties in the sort (k alone): the document the $sort puts first / last among them is the one
    // its input — the same index scan, without the rewrite — gives first / last, groups in sort order
    for (const dir of [1, -1] as const) {
      const ordered = await c.find({}).sort({ k: dir }).hint({ k: 1 }).toArray();
      for (const op of ["$first", "$last"]) {
        const want = new Map<string, AnyDoc>();
        for (const d of ordered) {
          const key = JSON.stringify(d.k ?? null);
          if (op === "$last" || !want.has(key)) want.set(key, { _id: d.k ?? null, t: d.t });
        }
        const wantInOrder = [...want.values()].sort((x, y) =>
          ordered.findIndex((d) => JSON.stringify(d.k ?? null) === JSON.stringify(x._id)) -
          ordered.findIndex((d) => JSON.stringify(d.k ?? null) === JSON.stringify(y._id))
        );
        const p = [{ $sort: { k: dir } }, { $group: { _id: "$k", t: { [op]: "$t" } } }];
        assert.deepEqual(await c.aggregate(p, { hint: { k: 1 } }).toArray(), wantInOrder, JSON.stringify(p));
        if (dir === 1 && op === "$last") {
          // a stable sort of the stored order keeps ties in record order: $last is the same there too
          assert.deepEqual(await run(p), await run(p, true));
        }
      }
    }

    await db.command({ profile: 2 });
    await c.aggregate([{ $sort: { k: 1 } }, { $group: { _id: "$k", t: { $last: "$t" } } }]).toArray();
    await db.command({ profile: 0 });
    const entry = await db.collection("system.profile").findOne({ "command.aggregate": "c" });
    assert.match(entry?.["planSummary"], /^DISTINCT_SCAN \{ k: 1/);
    assert.ok(entry?.["keysExamined"] <= 100, `examined ${entry?.["keysExamined"]} keys`);

    // the index becomes multikey: not taken, the same groups
    await c.insertOne({ k: [1, 2], t: 5000, f: 1, i: -1 });
    const p0 = tieFree[0]!;
    assert.deepEqual(await run(p0), await run(p0, true));
  },
);
