/** Logical sessions: commands with an lsid register it; $listLocalSessions lists it; endSessions forgets it. */
import assert from "node:assert/strict";
import { Binary, MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

const hex = (b: Binary) => Buffer.from(b.buffer).toString("hex");

Deno.test({
  name: "sessions are listed and ended",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("s");
      const session = client.startSession();
      await db.collection("c").findOne({}, { session });
      const id = session.id!.id as Binary;
      const listed = async () =>
        (await client.db("admin").aggregate([{ $listLocalSessions: {} }]).toArray()).map((d) =>
          hex(d._id.id as Binary)
        );
      assert.ok((await listed()).includes(hex(id)));
      await client.db("admin").command({ endSessions: [{ id }] });
      assert.ok(!(await listed()).includes(hex(id)));
      await session.endSession();
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
