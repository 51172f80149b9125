/**
 * currentOp / $currentOp / killOp through the Node driver and mongosh: a long aggregate shows up in
 * the list with its opid, command and client, and killOp stops it with 11601 Interrupted while the
 * server keeps serving. Open cursors are listed by `$currentOp {idleCursors: true}`; an unfiltered count
 * of local.oplog.rs is its number of entries.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";
import { serverTest } from "./helpers/embedded_server.ts";

Deno.test({
  name: "a long aggregate is listed by currentOp and $currentOp, and killOp interrupts it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const a = new MongoClient(server.uri, { appName: "long-runner" });
    const b = new MongoClient(server.uri);
    try {
      const coll = a.db("ops").collection<AnyDoc>("docs");
      const arr = Array.from({ length: 20 }, (_, i) => i);
      for (let i = 0; i < 60_000; i += 10_000) {
        await coll.insertMany(Array.from({ length: 10_000 }, (_, j) => ({ _id: i + j, g: j % 100, arr })));
      }
      const admin = b.db("admin");
      await admin.command({ ping: 1 });
      // 1.2M unwound documents through $group: seconds of work, yielding all along.
      const pipeline = [{ $unwind: "$arr" }, { $group: { _id: "$arr", n: { $sum: 1 } } }];
      const long = coll.aggregate(pipeline).toArray().then(() => undefined, (e: unknown) => e);

      let op: AnyDoc | undefined;
      for (let i = 0; i < 200 && !op; i++) {
        const res = await admin.command({ currentOp: 1, "command.aggregate": "docs" });
        op = res["inprog"][0];
        if (!op) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(op, "the aggregate is listed while it runs");
      assert.equal(op.op, "command");
      assert.equal(op.ns, "ops.docs");
      assert.equal(op.appName, "long-runner");
      assert.equal(op.active, true);
      assert.equal(typeof op.opid, "number");

      const viaStage = await admin.aggregate([{ $currentOp: { allUsers: true } }, {
        $match: { opid: op.opid },
      }]).toArray();
      assert.equal(viaStage.length, 1);
      assert.deepEqual(viaStage[0]!.command.pipeline, pipeline);

      const killed = await admin.command({ killOp: 1, op: op.opid });
      assert.equal(killed["ok"], 1);
      const err = await long;
      assert.ok(err instanceof MongoServerError, `expected a server error, got ${err}`);
      assert.equal(err.code, 11601);
      assert.equal(err.codeName, "Interrupted");

      // The server keeps serving, and currentOp outside admin is refused as on mongod.
      assert.equal(await coll.countDocuments({ g: 1 }), 600);
      await assert.rejects(a.db("ops").command({ currentOp: 1 }), (e: MongoServerError) => e.code === 13);
      await assert.rejects(
        a.db("ops").aggregate([{ $currentOp: {} }]).toArray(),
        (e: MongoServerError) => e.code === 73,
      );
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  },
});

serverTest(
  "$currentOp {idleCursors: true} lists open cursors in mongod's shape; killCursors takes the id",
  async (client) => {
    const coll = client.db("test").collection<AnyDoc>("c");
    await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })));
    const cursor = coll.find({}, { batchSize: 2 });
    await cursor.next();
    await cursor.next();
    await cursor.next(); // a getMore: two batches returned
    const admin = client.db("admin");
    const idle = await admin.aggregate([{ $currentOp: { idleCursors: true } }, {
      $match: { type: "idleCursor" },
    }])
      .toArray();
    assert.equal(idle.length, 1);
    const c = idle[0]!.cursor;
    assert.equal(idle[0]!.ns, "test.c");
    assert.equal(c.cursorId.toString(), cursor.id!.toString());
    assert.equal(Number(c.nDocsReturned), 4);
    assert.equal(Number(c.nBatchesReturned), 2);
    assert.ok(c.createdDate instanceof Date && c.lastAccessDate >= c.createdDate);
    assert.equal(c.tailable, false);
    assert.equal(c.noCursorTimeout, false);
    // a find with noCursorTimeout opens a cursor the idle reaper leaves (registry_test.ts), shown as such
    const kept = coll.find({}, { batchSize: 2, noCursorTimeout: true });
    await kept.next();
    const both = await admin.aggregate([{ $currentOp: { idleCursors: true } }, {
      $match: { type: "idleCursor" },
    }])
      .toArray();
    const keptOp = both.find((o) => o.cursor.cursorId.toString() === kept.id!.toString());
    assert.equal(keptOp?.cursor.noCursorTimeout, true);
    await kept.close();
    // Without the option (mongod's default), no idle cursors.
    const ops = await admin.aggregate([{ $currentOp: {} }, { $match: { type: "idleCursor" } }]).toArray();
    assert.equal(ops.length, 0);
    const killed = await client.db("test").command({ killCursors: "c", cursors: [c.cursorId] });
    assert.equal(killed["cursorsKilled"][0].toString(), cursor.id!.toString());
    await assert.rejects(cursor.toArray(), (e: MongoServerError) => e.codeName === "CursorNotFound");
  },
);

serverTest(
  "count of local.oplog.rs is its number of entries; aggregates read its entries",
  async (client) => {
    const oplog = client.db("local").collection("oplog.rs");
    await client.db("test").createCollection("o"); // its own entry, before counting
    const before = await oplog.estimatedDocumentCount();
    await client.db("test").collection("o").insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    assert.equal(await oplog.estimatedDocumentCount(), before + 3);
    assert.equal((await client.db("local").command({ count: "oplog.rs", skip: 1, limit: 2 }))["n"], 2);
    // an aggregate reads it too: countDocuments with a filter, a $group over the entries
    assert.equal(await oplog.countDocuments({ op: "i", ns: "test.o" }), 3);
    const ops = await oplog.aggregate([
      { $match: { ns: "test.o" } },
      { $group: { _id: "$op", n: { $sum: 1 } } },
    ]).toArray();
    assert.deepEqual(ops, [{ _id: "i", n: 3 }]);
  },
);
