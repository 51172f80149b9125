/** configureFailPoint failCommand through the driver: error code + labels, times, closeConnection, off. */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "failCommand fail point",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri, { retryReads: false, retryWrites: false });
    try {
      const admin = client.db("admin");
      const c = client.db("fp").collection("c");
      await admin.command({
        configureFailPoint: "failCommand",
        mode: { times: 1 },
        data: { failCommands: ["insert"], errorCode: 91, errorLabels: ["Custom"] },
      });
      await assert.rejects(() => c.insertOne({ a: 1 }), (e: unknown) => {
        assert.ok(e instanceof MongoServerError);
        assert.equal(e.code, 91);
        assert.ok(e.hasErrorLabel("Custom"));
        return true;
      });
      await c.insertOne({ a: 2 }); // times: 1 — the second insert goes through
      await admin.command({
        configureFailPoint: "failCommand",
        mode: "alwaysOn",
        data: { failCommands: ["find"], closeConnection: true },
      });
      await assert.rejects(() => c.findOne({}));
      await admin.command({ configureFailPoint: "failCommand", mode: "off" });
      assert.equal((await c.findOne({ a: 2 }))?.["a"], 2);
      await assert.rejects(
        () => client.db("fp").command({ configureFailPoint: "failCommand", mode: "off" }),
        (e: unknown) => (e as MongoServerError).code === 13,
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
