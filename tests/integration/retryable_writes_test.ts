/**
 * Retryable writes run once per (lsid, txnNumber): the retry of an insert whose reply was lost gets
 * the first reply and inserts nothing; an older txnNumber is 225 TransactionTooOld. Also through the
 * driver: the onPrimaryTransactionalWrite fail point drops the connection after the write commits,
 * the driver retries, and the document exists once.
 */
import assert from "node:assert/strict";
import { Binary, Long, MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";
import { serverTest } from "./helpers/embedded_server.ts";

Deno.test({
  name: "retryable writes are de-duplicated",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("rw");
      const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
      const cmd = { insert: "c", documents: [{ _id: 1 }], lsid, txnNumber: Long.fromNumber(5) };
      const first = await db.command(cmd);
      const retry = await db.command(cmd);
      assert.equal(first.n, 1);
      assert.equal(retry.n, 1);
      assert.equal(await db.collection("c").countDocuments(), 1);
      await assert.rejects(
        () => db.command({ ...cmd, txnNumber: Long.fromNumber(4) }),
        (e: unknown) => (e as MongoServerError).code === 225,
      );
      await db.command({ ...cmd, documents: [{ _id: 2 }], txnNumber: Long.fromNumber(6) });
      assert.equal(await db.collection("c").countDocuments(), 2);

      // The driver retries after the connection drops post-commit; the write happens once. (A second
      // client: the first one's pooled session carries the txnNumbers sent by hand above.)
      const client2 = new MongoClient(server.uri);
      await client2.db("admin").command({
        configureFailPoint: "onPrimaryTransactionalWrite",
        mode: { times: 1 },
      });
      // deno-lint-ignore no-explicit-any
      const r = await client2.db("rw").collection<any>("c").updateOne({ _id: 1 }, { $inc: { n: 1 } });
      assert.equal(r.modifiedCount, 1);
      assert.equal((await db.collection("c").findOne({ _id: 1 as never }))?.["n"], 1);
      await client2.close();
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

serverTest(
  "onPrimaryTransactionalWrite counts documents, not commands (mode skip, failBeforeCommitExceptionCode)",
  async (client) => {
    await client.db("admin").command({
      configureFailPoint: "onPrimaryTransactionalWrite",
      mode: { skip: 3 },
      data: { failBeforeCommitExceptionCode: 1, closeConnection: false },
    });
    const coll = client.db("rw").collection<{ _id: number }>("units");
    // Three documents in one command: three write units skipped, the fail point has not fired.
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    // The fourth unit fires: refused with the code, nothing applied (the retry fires again).
    await assert.rejects(
      () => coll.insertOne({ _id: 4 }),
      (e: unknown) => (e as MongoServerError).code === 1,
    );
    await client.db("admin").command({ configureFailPoint: "onPrimaryTransactionalWrite", mode: "off" });
    assert.deepEqual((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 2, 3]);
  },
);
