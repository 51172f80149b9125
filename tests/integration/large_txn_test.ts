/**
 * Transactions past 16 MiB through npm:mongodb: they commit, are logged as mongod logs them (a chain
 * of applyOps entries: every one but the last `partialTxn: true`, each naming the previous in
 * `prevOpTime`, the last with `count`), and a change stream reads every op of the chain as events of
 * one transaction, in order, with its lsid and txnNumber; resuming inside it works.
 */
import assert from "node:assert/strict";
import type { Document } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

const MIB = "t".repeat(1024 * 1024);

serverTest(
  "a 20 MiB transaction commits as a chain of applyOps entries; change streams read it whole",
  async (client) => {
    const coll = client.db("bigtxn").collection<{ _id: number; mib?: string; n?: number }>("c");
    await coll.insertOne({ _id: 100, n: 0 });
    const stream = coll.watch([{ $project: { "fullDocument.mib": 0 } }]);
    await stream.tryNext();
    const session = client.startSession();
    await session.withTransaction(async () => {
      for (let i = 0; i < 20; i++) await coll.insertOne({ _id: i, mib: MIB }, { session });
      await coll.updateOne({ _id: 100 }, { $inc: { n: 1 } }, { session });
    });
    await session.endSession();
    assert.equal(await coll.countDocuments({}), 21);

    const entries = await client.db("local").collection("oplog.rs")
      .find({ op: "c", "o.applyOps.ns": "bigtxn.c" }, { projection: { "o.applyOps.o.mib": 0 } })
      .sort({ $natural: 1 }).toArray();
    assert.equal(entries.length, 2);
    const [first, last] = entries as Document[];
    assert.equal(first!["o"]["partialTxn"], true);
    assert.equal(first!["prevOpTime"]["t"].toString(), "-1");
    assert.equal(last!["o"]["partialTxn"], undefined);
    assert.equal(Number(last!["o"]["count"]), 21);
    assert.deepEqual(last!["prevOpTime"]["ts"], first!["ts"]);
    assert.equal(first!["o"]["applyOps"].length + last!["o"]["applyOps"].length, 21);
    assert.deepEqual(first!["lsid"], last!["lsid"]);

    const events: Document[] = [];
    while (events.length < 21) events.push((await stream.next()) as Document);
    assert.deepEqual(events.map((e) => e["documentKey"]["_id"]), [...Array(20).keys(), 100]);
    assert.ok(events.every((e) => e["txnNumber"] !== undefined && e["lsid"] !== undefined));
    assert.equal(events[20]!["operationType"], "update");
    // as mongod's transaction unwinding: every event carries the committing (last) entry's ts and wall,
    // also those staged in the first entry
    for (const e of events) {
      assert.equal(e["clusterTime"].toString(), last!["ts"].toString());
      assert.equal(e["wallTime"].getTime(), last!["wall"].getTime());
    }
    await stream.close();

    // resume after the 10th event (inside the first entry's ops): the rest follow
    const resumed = coll.watch([{ $project: { "fullDocument.mib": 0 } }], { resumeAfter: events[9]!["_id"] });
    const next = (await resumed.next()) as Document;
    assert.equal(next["documentKey"]["_id"], 10);
    await resumed.close();
  },
);
