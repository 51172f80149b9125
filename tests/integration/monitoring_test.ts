/**
 * Drivers' server monitoring: the Node driver streams awaitable hellos (exhaustAllowed) from its
 * monitor. The server must keep the stream going (moreToCome replies every maxAwaitTimeMS); a plain
 * reply ends the stream, which the driver treats as a failed heartbeat and clears its pool,
 * failing in-flight operations. Long operations must not be hit by that.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "monitor heartbeats stream without failures or pool clears",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri.replace("directConnection=true", "directConnection=false"), {
      heartbeatFrequencyMS: 500,
    });
    let failed = 0;
    let cleared = 0;
    let succeeded = 0;
    let awaited = 0;
    client.on("serverHeartbeatFailed", () => failed++);
    client.on("connectionPoolCleared", () => cleared++);
    client.on("serverHeartbeatSucceeded", (e) => {
      succeeded++;
      if (e.awaited) awaited++;
    });
    try {
      await client.connect();
      await client.db("m").command({ ping: 1 });
      await new Promise((r) => setTimeout(r, 2_500));
      await client.db("m").command({ ping: 1 });
      assert.equal(failed, 0, "no failed heartbeats");
      assert.equal(cleared, 0, "no pool clears");
      assert.ok(succeeded >= 2, `heartbeats succeeded: ${succeeded}`);
      assert.ok(awaited >= 1, `streamed (awaited) heartbeats: ${awaited}`);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
