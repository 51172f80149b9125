/**
 * Server-side session state survives a restart (kill -9): a retryable write acknowledged before it and
 * retried (same lsid and txnNumber) against the restarted server gets its first reply back and is
 * not applied twice; the defaults set by setDefaultRWConcern are still in force.
 */
import assert from "node:assert/strict";
import { Binary, type Document, Long, MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";

const LSID = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), Binary.SUBTYPE_UUID) };

/** Runs `cmd` on `db` under the fixed LSID (the driver would otherwise use its own session id). */
async function runWithLsid(client: MongoClient, db: string, cmd: Document): Promise<Document> {
  const session = client.startSession();
  try {
    (session.serverSession as unknown as { id: unknown }).id = LSID;
    return await client.db(db).command(cmd, { session });
  } finally {
    await session.endSession();
  }
}

Deno.test({
  name: "a retryable write retried after kill -9 and restart is applied once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const insert = { insert: "c", documents: [{ v: "once" }], txnNumber: Long.fromNumber(5) };
    const update = {
      update: "c",
      updates: [{ q: { v: "once" }, u: { $inc: { n: 1 } } }],
      txnNumber: Long.fromNumber(6),
    };
    const s1 = await spawnServer();
    const c1 = new MongoClient(s1.uri);
    let first: Document;
    try {
      assert.equal((await runWithLsid(c1, "rw", insert)).n, 1);
      first = await runWithLsid(c1, "rw", update);
      assert.equal(first.nModified, 1);
    } finally {
      await c1.close();
    }
    await s1.stop("SIGKILL", { keepData: true });

    const s2 = await spawnServer({ dataDir: s1.dataDir, ownDataDir: true });
    const c2 = new MongoClient(s2.uri);
    try {
      const again = await runWithLsid(c2, "rw", update);
      assert.equal(again.nModified, 1);
      assert.equal(again.n, 1);
      const docs = await c2.db("rw").collection("c").find({}, { projection: { _id: 0 } }).toArray();
      assert.deepEqual(docs, [{ v: "once", n: 1 }]); // neither the insert nor the $inc ran twice
      // an older txnNumber on the session is refused (225), also after the restart
      await assert.rejects(runWithLsid(c2, "rw", insert), (e: { code?: number }) => e.code === 225);
    } finally {
      await c2.close();
      await s2.stop();
    }
  },
});

Deno.test({
  name: "setDefaultRWConcern survives a restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s1 = await spawnServer();
    const c1 = new MongoClient(s1.uri);
    try {
      await c1.db("admin").command({
        setDefaultRWConcern: 1,
        defaultReadConcern: { level: "majority" },
        defaultWriteConcern: { w: 1, j: true },
      });
    } finally {
      await c1.close();
    }
    await s1.stop("SIGKILL", { keepData: true });
    const s2 = await spawnServer({ dataDir: s1.dataDir, ownDataDir: true });
    const c2 = new MongoClient(s2.uri);
    try {
      const d = await c2.db("admin").command({ getDefaultRWConcern: 1 });
      assert.deepEqual(d.defaultReadConcern, { level: "majority" });
      assert.deepEqual(d.defaultWriteConcern, { w: 1, j: true, wtimeout: 0 });
      assert.ok(d.updateOpTime, "updateOpTime kept");
    } finally {
      await c2.close();
      await s2.stop();
    }
  },
});
