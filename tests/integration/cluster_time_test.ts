/**
 * The cluster time on replies, through npm:mongodb (issue 10): reads return the last applied
 * operation's time as `operationTime` and do not advance `$clusterTime`; a write's `operationTime`
 * is the time of its oplog entry, as on mongod 8.0 (local reads and writes: the last applied optime).
 */
import assert from "node:assert/strict";
import type { Timestamp } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest(
  "reads do not tick the cluster clock; a write's operationTime is its oplog entry's ts",
  async (client) => {
    const db = client.db("ct");
    const w = await db.command({ insert: "c", documents: [{ _id: 1 }] });
    const wTime = w.operationTime as Timestamp;
    const entry = await client.db("local").collection("oplog.rs").find({ ns: "ct.c", op: "i" }).sort({
      $natural: -1,
    })
      .limit(1).next();
    assert.ok(entry, "the insert's oplog entry");
    assert.ok(wTime.equals(entry["ts"] as Timestamp), "operationTime of a write = ts of its entry");

    for (const cmd of [{ ping: 1 }, { find: "c", filter: { _id: 1 } }, { count: "c" }, { ping: 1 }]) {
      const r = await db.command(cmd);
      assert.ok(
        (r.operationTime as Timestamp).equals(wTime),
        `${Object.keys(cmd)[0]}: operationTime unchanged`,
      );
      const ct = (r["$clusterTime"] as { clusterTime: Timestamp }).clusterTime;
      assert.ok(ct.equals(wTime), `${Object.keys(cmd)[0]}: $clusterTime not advanced`);
    }

    const w2 = await db.command({ update: "c", updates: [{ q: { _id: 1 }, u: { $set: { a: 1 } } }] });
    assert.ok((w2.operationTime as Timestamp).greaterThan(wTime), "the next write moves it on");
  },
);
