/**
 * What a `--standalone` server refuses, as a standalone mongod does, through the Node driver and mongosh:
 * transactions and any command carrying a txnNumber (20 IllegalOperation "Transaction numbers are only
 * allowed on a replica set member or mongos" — the message applications test for to fall back), snapshot
 * reads (123 NotAReplicaSet) and change streams (40573). Nothing a refused transaction sent is written.
 */
import assert from "node:assert/strict";
import { UUID } from "mongodb";
import { standaloneServerTest } from "./helpers/embedded_server.ts";
import { runMongosh } from "./helpers/mongosh.ts";

standaloneServerTest(
  "a --standalone server refuses transactions, txnNumber, snapshot reads and change streams",
  async (client, server) => {
    const col = client.db("t").collection("c");
    // a transaction: the first statement fails, nothing is written
    const session = client.startSession();
    session.startTransaction();
    const e = await col.insertOne({ a: 1 }, { session }).catch((e) => e);
    // (the Node driver turns mongod's 20 "Transaction numbers are only allowed…" into this message)
    assert.match(e.message, /This MongoDB deployment does not support retryable writes/);
    await session.abortTransaction().catch(() => {});
    await session.endSession();
    const w = await client.withSession((s) =>
      s.withTransaction(() => col.insertOne({ a: 2 }, { session: s }))
    )
      .catch((e) => e);
    assert.match(w.message, /does not support retryable writes/);
    assert.equal(await col.countDocuments(), 0);
    // a retryable write by hand (drivers send none to a standalone)
    const r = await client.db("t").command({
      insert: "c",
      documents: [{ a: 3 }],
      lsid: { id: new UUID() },
      txnNumber: 1n,
    }).catch((e) => e);
    assert.equal(r.code, 20);
    assert.equal(r.codeName, "IllegalOperation");
    assert.equal(r.message, "Transaction numbers are only allowed on a replica set member or mongos");
    // (the driver's implicit session gives any command an lsid: a find with a txnNumber is 20 too)
    assert.equal((await client.db("t").command({ find: "c", txnNumber: 1n }).catch((e) => e)).code, 20);
    // ordinary writes and sessions still work
    await col.insertOne({ a: 4 });
    await client.withSession((s) => col.findOne({}, { session: s }));
    assert.equal(await col.countDocuments(), 1);
    // snapshot reads
    const snap = client.startSession({ snapshot: true });
    const se = await col.findOne({}, { session: snap }).catch((e) => e);
    assert.equal(se.code, 123);
    assert.equal(se.message, "node needs to be a replica set member to use readConcern: snapshot");
    await snap.endSession();
    assert.equal(
      (await client.db("t").command({ insert: "c", documents: [{}], readConcern: { level: "snapshot" } })
        .catch((e) => e)).code,
      72,
    );
    // change streams
    const cs = await col.aggregate([{ $changeStream: {} }]).toArray().catch((e) => e);
    assert.equal(cs.code, 40573);
    // mongosh's transaction API sees the same refusal
    const out = await runMongosh(
      server.uri,
      `const s = db.getMongo().startSession(); s.startTransaction();
     try { s.getDatabase("t").c.insertOne({ a: 5 }); print("inserted") } catch (e) { print(e.message) }
     print(db.getSiblingDB("t").c.countDocuments({}))`,
    );
    assert.match(out, /^IllegalOperation$|does not support retryable writes/m);
    assert.match(out, /^1$/m);
  },
);
