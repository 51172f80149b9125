/**
 * A retryable update, delete or findAndModify records its reply in the same storage transaction as
 * its write (src/sessions/retryable_writes.ts): retried (same lsid and txnNumber) after kill -9 and a
 * restart, each gets its first reply back — upserted ids, writeErrors, the returned document — and is
 * not applied again; and each such write costs one WiredTiger commit, not two.
 */
import assert from "node:assert/strict";
import { Binary, type Document, Long, MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";
import { serverTest } from "./helpers/embedded_server.ts";

const newLsid = () => ({ id: new Binary(crypto.getRandomValues(new Uint8Array(16)), Binary.SUBTYPE_UUID) });

/** Runs `cmd` on `db` under `lsid` (the driver would otherwise use its own session id). */
async function runWithLsid(client: MongoClient, lsid: unknown, cmd: Document): Promise<Document> {
  const session = client.startSession();
  try {
    (session.serverSession as unknown as { id: unknown }).id = lsid;
    const reply = await client.db("rr").command(cmd, { session });
    // (the cluster time of the moment, not part of the recorded reply)
    const { $clusterTime: _c, operationTime: _o, ...rest } = reply;
    return rest;
  } finally {
    await session.endSession();
  }
}

/** The writes, each on its own session (a retry must be the session's newest txnNumber). */
const WRITES: Document[] = [
  { update: "c", updates: [{ q: { k: "a" }, u: { $inc: { n: 1 } } }] },
  { update: "c", updates: [{ q: { k: "new" }, u: { $set: { n: 1 } }, upsert: true }] },
  {
    update: "c",
    ordered: false,
    updates: [{ q: { k: "s" }, u: { $inc: { s: 1 } } }, { q: { k: "e" }, u: { $inc: { n: 1 } } }],
  },
  { delete: "c", deletes: [{ q: { k: "b" }, limit: 1 }] },
  { delete: "c", deletes: [{ q: { k: "none" }, limit: 0 }] },
  { findAndModify: "c", query: { k: "c" }, update: { $inc: { n: 1 } }, new: true },
  { findAndModify: "c", query: { k: "f" }, update: { $inc: { n: 1 } } },
  { findAndModify: "c", query: { k: "d" }, remove: true },
  { findAndModify: "c", query: { k: "up" }, update: { $set: { n: 7 } }, upsert: true, new: true },
].map((w) => ({ ...w, txnNumber: Long.fromNumber(3) }));

const SEED: Document[] = [
  { _id: 1, k: "a", n: 0 },
  { _id: 2, k: "b" },
  { _id: 3, k: "c", n: 0 },
  { _id: 4, k: "d" },
  { _id: 5, k: "s", s: "text" },
  { _id: 6, k: "e", n: 0 },
  { _id: 7, k: "f", n: 0 },
];

Deno.test({
  name:
    "retryable update, delete and findAndModify retried after kill -9 and restart return their first reply",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sessions = WRITES.map(() => newLsid());
    const s1 = await spawnServer();
    const c1 = new MongoClient(s1.uri);
    const first: Document[] = [];
    let after: Document[];
    try {
      await c1.db("rr").collection<{ _id: number }>("c").insertMany(SEED as { _id: number }[]);
      for (const [i, w] of WRITES.entries()) first.push(await runWithLsid(c1, sessions[i], w));
      after = await c1.db("rr").collection("c").find().sort({ _id: 1 }).toArray();
    } finally {
      await c1.close();
    }
    // what each write answered (the retry must get exactly this)
    assert.deepEqual(first[0], { n: 1, nModified: 1, ok: 1 });
    assert.equal(first[1]!.upserted.length, 1);
    assert.equal(first[2]!.n, 1);
    assert.equal(first[2]!.writeErrors[0].index, 0);
    assert.deepEqual(first[3], { n: 1, ok: 1 });
    assert.deepEqual(first[4], { n: 0, ok: 1 });
    assert.deepEqual(first[5]!.value, { _id: 3, k: "c", n: 1 });
    assert.deepEqual(first[6]!.value, { _id: 7, k: "f", n: 0 });
    assert.deepEqual(first[7]!.value, { _id: 4, k: "d" });
    assert.equal(first[8]!.lastErrorObject.upserted !== undefined, true);
    await s1.stop("SIGKILL", { keepData: true });

    const s2 = await spawnServer({ dataDir: s1.dataDir, ownDataDir: true });
    const c2 = new MongoClient(s2.uri);
    try {
      for (const [i, w] of WRITES.entries()) {
        assert.deepEqual(await runWithLsid(c2, sessions[i], w), first[i], `retry of write ${i}`);
      }
      // nothing ran twice
      assert.deepEqual(await c2.db("rr").collection("c").find().sort({ _id: 1 }).toArray(), after);
    } finally {
      await c2.close();
      await s2.stop();
    }
  },
});

/** WiredTiger's count of committed transactions (serverStatus.wiredTiger). */
async function commits(client: MongoClient): Promise<number> {
  const s = await client.db("admin").command({ serverStatus: 1 });
  return Number(s.wiredTiger.transaction["transactions committed"]);
}

serverTest("a retryable update, delete or findAndModify commits once, its reply with it", async (client) => {
  const coll = client.db("rr").collection<{ _id: number; k: number; n: number }>("c");
  await coll.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, k: i, n: 0 })));
  const lsid = newLsid();
  let txnNumber = 10;
  const run = async (cmd: Document) => {
    const r = await runWithLsid(client, lsid, { ...cmd, txnNumber: Long.fromNumber(txnNumber++) });
    assert.equal(r.ok, 1);
  };
  const N = 10;
  for (const kind of ["update", "delete", "findAndModify"]) {
    const before = await commits(client);
    for (let i = 0; i < N; i++) {
      const k = kind === "delete" ? i : 20 + i;
      await run(
        kind === "update"
          ? { update: "c", updates: [{ q: { k }, u: { $inc: { n: 1 } } }] }
          : kind === "delete"
          ? { delete: "c", deletes: [{ q: { k }, limit: 1 }] }
          : { findAndModify: "c", query: { k }, update: { $inc: { n: 1 } }, new: true },
      );
    }
    // one commit per write (two when the reply was recorded after the write); a few reads of
    // serverStatus and background work may add some
    const n = (await commits(client)) - before;
    assert.ok(n < N * 1.5, `${kind}: ${n} commits for ${N} retryable writes`);
  }
});
