/**
 * Text search through npm:mongodb, on the MongoDB manual's `articles` examples: text indexes (stored
 * form, weights, one per collection), `$text` with terms, phrases, negation, `$language`,
 * `$caseSensitive`, `$diacriticSensitive`, `{$meta: "textScore"}` in projection / sort / aggregation,
 * explain's TEXT_MATCH, and 27 without a text index. One server for the file.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

Deno.test({
  name: "text search: $text, textScore, text indexes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("text").collection<AnyDoc>("articles");
      await c.insertMany([
        { _id: 1, subject: "coffee", author: "xyz", views: 50 },
        { _id: 2, subject: "Coffee Shopping", author: "efg", views: 5 },
        { _id: 3, subject: "Baking a cake", author: "abc", views: 90 },
        { _id: 4, subject: "baking", author: "xyz", views: 100 },
        { _id: 5, subject: "Café Con Leche", author: "abc", views: 200 },
        { _id: 6, subject: "Сырники", author: "jkl", views: 80 },
        { _id: 7, subject: "coffee and cream", author: "efg", views: 10 },
        { _id: 8, subject: "Cafe con Leche", author: "xyz", views: 10 },
      ]);
      const noIndex = await c.find({ $text: { $search: "coffee" } }).toArray().catch((e) => e);
      ok(noIndex instanceof MongoServerError);
      assertEquals(noIndex.code, 27);
      assertEquals(await c.createIndex({ subject: "text" }), "subject_text");
      const ix = (await c.indexes()).find((i) => i.name === "subject_text")!;
      assertEquals(ix.key, { _fts: "text", _ftsx: 1 });
      assertEquals(ix.weights, { subject: 1 });
      assertEquals(ix.default_language, "english");
      const ids = async (search: AnyDoc) =>
        (await c.find({ $text: search }).toArray()).map((d) => d._id).sort();
      assertEquals(await ids({ $search: "coffee" }), [1, 2, 7]);
      assertEquals(await ids({ $search: "bake coffee cake" }), [1, 2, 3, 4, 7]);
      assertEquals(await ids({ $search: '"coffee shop"' }), [2]);
      assertEquals(await ids({ $search: "coffee -shop" }), [1, 7]);
      assertEquals(await ids({ $search: "leche", $language: "es" }), [5, 8]);
      assertEquals(await ids({ $search: "Coffee", $caseSensitive: true }), [2]);
      assertEquals(await ids({ $search: "CAFÉ", $diacriticSensitive: true }), [5]);
      // As mongod: the document is read in English (no language field, the index default), the query
      // stems in Russian ("сырник"), so nothing matches; in English the word is kept whole.
      assertEquals(await ids({ $search: "сырники", $language: "russian" }), []);
      assertEquals(await ids({ $search: "сырники" }), [6]);
      // Scores: projection and sort.
      const scored = await c.find({ $text: { $search: "cake" } }, {
        projection: { subject: 1, score: { $meta: "textScore" } },
      }).toArray();
      assertEquals(scored, [{ _id: 3, subject: "Baking a cake", score: 0.75 }]);
      const sorted = await c.find({ $text: { $search: "coffee" } }, {
        projection: { score: { $meta: "textScore" } },
        sort: { score: { $meta: "textScore" } },
      }).toArray();
      assertEquals(sorted[0]!._id, 1);
      ok(sorted[0]!.score > sorted[1]!.score);
      // Aggregation: $text in the first $match, $meta in $addFields / $sort.
      const agg = await c.aggregate([
        { $match: { $text: { $search: "coffee cake" } } },
        { $sort: { score: { $meta: "textScore" } } },
        { $addFields: { score: { $meta: "textScore" } } },
        { $project: { _id: 1, score: 1 } },
      ]).toArray();
      assertEquals(agg.map((d) => d._id), [1, 2, 3, 7]); // 1, then three ties at 0.75 in natural order
      // countDocuments with $text.
      assertEquals(await c.countDocuments({ $text: { $search: "leche" } }), 2);
      // explain shows TEXT_MATCH.
      const plan = await c.find({ $text: { $search: "coffee" } }).explain();
      assertEquals((plan.queryPlanner as AnyDoc).winningPlan.stage, "TEXT_MATCH");
      // One text index per collection: 85.
      const second = await c.createIndex({ author: "text" }).catch((e) => e);
      assertEquals(second.code, 85);
      // Compound text index with weights on another collection.
      const b = client.db("text").collection<AnyDoc>("blog");
      await b.createIndex({ title: "text", body: "text" }, { weights: { title: 10 }, name: "blog_text" });
      await b.insertMany([
        { _id: 1, title: "a cake recipe", body: "flour and eggs" },
        { _id: 2, title: "eggs", body: "a cake in the body" },
      ]);
      const ranked = await b.find({ $text: { $search: "cake" } }, {
        sort: { score: { $meta: "textScore" } },
        projection: { score: { $meta: "textScore" } },
      }).toArray();
      assertEquals(ranked.map((d) => d._id), [1, 2]);
      await b.dropIndex("blog_text");
      assertEquals((await b.find({ $text: { $search: "cake" } }).toArray().catch((e) => e)).code, 27);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
