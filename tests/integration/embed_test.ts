/** The embedding API: startServer({port: 0, storagePath: ":memory:"}) inside the test's own process. */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "startServer in-process on :memory:",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    assert.ok(server.port > 0);
    const client = new MongoClient(server.uri);
    try {
      await client.db("e").collection<AnyDoc>("c").insertOne({ _id: "k", v: 1 });
      assert.deepEqual(await client.db("e").collection<AnyDoc>("c").findOne({ _id: "k" }), {
        _id: "k",
        v: 1,
      });
    } finally {
      await client.close();
      await server.stop();
      await server.stop(); // idempotent
    }
  },
});
