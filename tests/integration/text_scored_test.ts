/**
 * Through npm:mongodb: a `$text` filter alone is answered and scored from the text index's entries
 * (executor/text_or.ts) — the same matches and the same scores, to the last bit, as the document-scored
 * path (forced here by a second predicate that matches every document), over weighted fields, nested
 * strings, per-document language overrides and repeated words; a sort by the score with a limit
 * fetches only the best documents and answers as the full sort does, ties included (in record-id
 * order); count, aggregate `$match` + `$meta`, and what still reads the documents (a phrase, a negated
 * word, case sensitivity). One server for the file.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const WORDS = ["apple", "baking", "bakes", "cherry", "running", "runs", "quiet", "quietly", "tea", "coffee"];

Deno.test({
  name: "$text alone: index-scored matches and scores equal the document-scored ones; top-k by score",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("scored").collection<AnyDoc>("t");
      const docs: AnyDoc[] = [];
      for (let i = 0; i < 400; i++) {
        const w = (k: number) => WORDS[(i * k + k) % WORDS.length]!;
        docs.push({
          _id: i,
          title: `${w(3)} ${w(7)}`,
          body: `${w(1)} ${w(2)} ${w(1)} and the ${w(5)} ${i % 3 === 0 ? w(3) : ""}`,
          tags: i % 4 === 0 ? [{ note: w(9) }, { note: `${w(2)} ${w(2)}` }] : [],
          ...(i % 10 === 0 ? { lang: "spanish" } : {}),
        });
      }
      await c.insertMany(docs);
      await c.createIndex({ title: "text", body: "text", "tags.note": "text" }, {
        weights: { title: 5, "tags.note": 2 },
        language_override: "lang",
      });
      const everything = { _id: { $gte: 0 } }; // forces the document-scored path
      for (
        const search of ["apple", "baking cherry", "runs quiet tea", "coffee apple baking", "nothingmatches"]
      ) {
        const proj = { projection: { s: { $meta: "textScore" } } };
        const byIndex = await c.find({ $text: { $search: search } }, proj).sort({ _id: 1 }).toArray();
        const byDoc = await c.find({ $text: { $search: search }, ...everything }, proj).sort({ _id: 1 })
          .toArray();
        assertEquals(byIndex, byDoc, search);
        if (search !== "nothingmatches") ok(byIndex.length > 0, search);
        for (const limit of [1, 3, 10, 500]) {
          for (const skip of [0, 2]) {
            const top = await c.find({ $text: { $search: search } }, proj).sort({ s: { $meta: "textScore" } })
              .skip(skip).limit(limit).toArray();
            const full = await c.find({ $text: { $search: search }, ...everything }, proj)
              .sort({ s: { $meta: "textScore" } }).skip(skip).limit(limit).toArray();
            assertEquals(top, full, `${search} skip ${skip} limit ${limit}`);
          }
        }
        assertEquals(
          await c.countDocuments({ $text: { $search: search } }),
          byDoc.length,
          `count ${search}`,
        );
        const agg = await c.aggregate([
          { $match: { $text: { $search: search } } },
          { $project: { s: { $meta: "textScore" } } },
          { $sort: { s: -1, _id: 1 } },
          { $limit: 5 },
        ]).toArray();
        assertEquals(
          agg,
          [...byDoc].sort((x, y) => y.s - x.s || x._id - y._id).slice(0, 5).map(({ _id, s }) => ({ _id, s })),
          `aggregate ${search}`,
        );
      }
      // a consumer that reads no field but the score: the scores are there (records unread)
      const onlyScores = await c.aggregate([
        { $match: { $text: { $search: "baking cherry" } } },
        { $project: { _id: 0, s: { $meta: "textScore" } } },
      ]).toArray();
      const docScores = await c.aggregate([
        { $match: { $text: { $search: "baking cherry" }, ...everything } },
        { $project: { _id: 0, s: { $meta: "textScore" } } },
      ]).toArray();
      assertEquals(onlyScores, docScores);
      ok(onlyScores.length > 0 && onlyScores.every((d) => d.s > 0));
      assertEquals(
        await c.aggregate([{ $match: { $text: { $search: "tea" } } }, { $count: "n" }]).toArray(),
        await c.aggregate([{ $match: { $text: { $search: "tea" }, ...everything } }, { $count: "n" }])
          .toArray(),
      );
      // a top-k fetches only its documents
      const ex = await c.find({ $text: { $search: "apple cherry" } }).sort({ s: { $meta: "textScore" } })
        .limit(3)
        .explain("executionStats");
      assertEquals(ex.executionStats.nReturned, 3);
      assertEquals(ex.executionStats.totalDocsExamined, 3);
      ok(ex.executionStats.totalKeysExamined > 3);
      // what needs the document still reads it: the answers equal the document-scored path's
      for (
        const q of [
          { $search: "apple -cherry" },
          { $search: '"apple" baking' },
          { $search: "Apple", $caseSensitive: true },
          { $search: "apple", $language: "spanish" },
        ]
      ) {
        const proj = { projection: { s: { $meta: "textScore" } } };
        const a = await c.find({ $text: q }, proj).sort({ _id: 1 }).toArray();
        const b = await c.find({ $text: q, ...everything }, proj).sort({ _id: 1 }).toArray();
        assertEquals(a, b, JSON.stringify(q));
      }
      // writes after the index: an update and a delete are seen by the index-scored path
      await c.updateOne({ _id: 1 }, { $set: { title: "apple apple apple" } });
      await c.deleteOne({ _id: 2 });
      const after = await c.find({ $text: { $search: "apple" } }, {
        projection: { s: { $meta: "textScore" } },
      })
        .sort({ _id: 1 }).toArray();
      const afterDoc = await c.find({ $text: { $search: "apple" }, ...everything }, {
        projection: { s: { $meta: "textScore" } },
      }).sort({ _id: 1 }).toArray();
      assertEquals(after, afterDoc);
      ok(after.some((d) => d._id === 1) && !after.some((d) => d._id === 2));
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
