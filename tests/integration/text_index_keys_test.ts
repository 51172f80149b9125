/**
 * `$text` reads its candidates from the text index's term entries (TEXT_OR) and re-checks and scores
 * them (TEXT_MATCH): same documents, scores and order as a full scan (`hint: {$natural: 1}` keeps the
 * scan), entries maintained by inserts, updates and deletes, explain shaped as mongod's — through the
 * Node driver.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

const WORDS = ["coffee", "cake", "shop", "tea", "baking", "shops", "the", "Café", "leche", "running", "runs"];

Deno.test({
  name: "$text through the text index's term entries",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const c = client.db("textkeys").collection<AnyDoc>("c");
    try {
      let seed = 7;
      const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const docs = Array.from({ length: 300 }, (_, i) => ({
        _id: i,
        title: Array.from(
          { length: 1 + Math.floor(rnd() * 3) },
          () => WORDS[Math.floor(rnd() * WORDS.length)],
        ).join(" "),
        tags: [WORDS[Math.floor(rnd() * WORDS.length)], { x: 1 }],
        ...(i % 10 === 0 ? { language: "spanish" } : {}),
      }));
      await c.insertMany(docs.slice(0, 200));
      await c.createIndex({ title: "text", tags: "text" }, { weights: { title: 3 } });
      await c.insertMany(docs.slice(200)); // maintained on insert
      await c.updateMany({ _id: { $lt: 20 } }, { $set: { title: "coffee shop" } });
      await c.deleteMany({ _id: { $gte: 290 } });
      for (
        const search of [
          "coffee",
          "cake -shop",
          '"coffee shop"',
          "running",
          "leche",
          "the",
          "tea baking",
          "cafe",
        ]
      ) {
        const q = { $text: { $search: search } };
        const projection = { score: { $meta: "textScore" } };
        const viaIndex = await c.find(q, { projection }).toArray();
        const viaScan = await c.find(q, { projection, hint: { $natural: 1 } }).toArray();
        assert.deepEqual(viaIndex, viaScan, search);
        const plan = (await c.find(q).explain("executionStats")) as AnyDoc;
        const wp = plan.queryPlanner.winningPlan;
        assert.equal(wp.stage, "TEXT_MATCH", search);
        assert.equal(wp.inputStage.stage, "TEXT_OR", search);
        assert.equal(wp.inputStage.inputStages.length, wp.parsedTextQuery.terms.length, search);
        for (const s of wp.inputStage.inputStages) {
          assert.deepEqual([s.stage, s.indexBounds, s.direction, s.isMultiKey], [
            "IXSCAN",
            {},
            "backward",
            true,
          ]);
        }
        assert.ok(plan.executionStats.totalDocsExamined <= 290, search);
      }
      // a rare term examines only its own documents
      await c.insertOne({ _id: 1000, title: "zanzibar" });
      const rare = (await c.find({ $text: { $search: "zanzibar" } }).explain("executionStats")) as AnyDoc;
      assert.equal(rare.executionStats.totalDocsExamined, 1);
      assert.equal(rare.executionStats.nReturned, 1);
      // $caseSensitive / another $language are answered by the scan (same results as before)
      const cs = await c.find({ $text: { $search: "Café", $caseSensitive: true } }).toArray();
      assert.ok(cs.every((d) => JSON.stringify(d).includes("Café")));
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
