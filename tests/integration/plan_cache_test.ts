/**
 * The plan cache: a query shape that had several candidate indexes is planned once; the next query
 * of that shape reuses the winner with its own values, and falls back to full planning when the
 * cached index cannot serve the new values (a partial index). Results are always the fetched truth.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { planCacheStats } from "../../src/commands/shared/compile_query.ts";

Deno.test({
  name: "plan cache reuses the winning index per query shape",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("pc").collection<AnyDoc>("c");
      await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, a: i % 20, b: i % 7, big: i })));
      await c.createIndex({ a: 1 });
      await c.createIndex({ b: 1 });
      await c.createIndex({ big: 1 }, { partialFilterExpression: { big: { $gte: 100 } } });
      const before = planCacheStats().hits;
      for (let v = 0; v < 5; v++) {
        const got = await c.find({ a: v, b: { $gte: 0 } }).toArray();
        assert.equal(got.length, 10, `a=${v}`);
      }
      assert.ok(planCacheStats().hits >= 4, "repeated shape served from the cache");
      // partial index: eligible for big >= 150, not for big >= 50 — same shape, both answers right
      assert.equal((await c.find({ big: { $gte: 150 }, b: { $gte: 0 } }).toArray()).length, 50);
      assert.equal((await c.find({ big: { $gte: 50 }, b: { $gte: 0 } }).toArray()).length, 150);
      assert.ok(planCacheStats().hits > before);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
