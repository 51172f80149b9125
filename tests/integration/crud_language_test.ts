/**
 * The query/update language through the real Node driver: findAndModify in all its forms, distinct,
 * positional updates ($, $[], $[id] with arrayFilters), $bit, update/delete replies and the 8.0
 * bulkWrite admin command sent directly.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Long, MongoClient, MongoServerError } from "mongodb";
import { type ServerProcess, spawnServer } from "./helpers/server_process.ts";

async function rejects(p: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MongoServerError, `expected a server error, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return;
  }
  assert.fail(`expected error ${code}`);
}

Deno.test({
  name: "query and update language through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server: ServerProcess = await spawnServer();
    const client = new MongoClient(server.uri);
    await client.connect();
    const db = client.db("crudlang");
    try {
      await t.step("findAndModify: update/replace/remove, new, fields, sort, upsert", async () => {
        const c = db.collection<AnyDoc>("fam");
        await c.insertMany([{ _id: 1, x: 1 }, { _id: 2, x: 2 }, { _id: 3, x: 3 }]);
        const before = await c.findOneAndUpdate({ x: { $gt: 1 } }, { $inc: { x: 10 } }, {
          sort: { x: -1 },
          includeResultMetadata: true,
        });
        assert.deepEqual(before.value, { _id: 3, x: 3 });
        assert.deepEqual(before.lastErrorObject, { n: 1, updatedExisting: true });
        const after = await c.findOneAndUpdate({ _id: 2 }, { $set: { y: 1 } }, {
          returnDocument: "after",
          projection: { _id: 0, y: 1 },
        });
        assert.deepEqual(after, { y: 1 });
        const replaced = await c.findOneAndReplace({ _id: 1 }, { z: 5 }, { returnDocument: "after" });
        assert.deepEqual(replaced, { _id: 1, z: 5 });
        const ups = await c.findOneAndUpdate({ _id: 9 }, { $set: { u: 1 } }, {
          upsert: true,
          includeResultMetadata: true,
        });
        assert.equal(ups.value, null);
        assert.deepEqual(ups.lastErrorObject, { n: 1, updatedExisting: false, upserted: 9 });
        const none = await c.findOneAndDelete({ _id: 42 }, { includeResultMetadata: true });
        assert.deepEqual(none.lastErrorObject, { n: 0 });
        assert.deepEqual(await c.findOneAndDelete({ _id: 9 }), { _id: 9, u: 1 });
        await rejects(db.command({ findAndModify: "fam", query: {}, remove: true, update: { x: 1 } }), 9);
        await rejects(db.command({ findAndModify: "fam", query: {} }), 9, /Either an update or remove/);
        await rejects(db.command({ findAndModify: "fam", remove: true, new: true }), 9);
      });

      await t.step("distinct: unwinds arrays, BSON order, collation", async () => {
        const c = db.collection<AnyDoc>("dist");
        await c.insertMany([
          { a: [3, 1, [9]] },
          { a: "B" },
          { a: "b" },
          { a: { b: 1 } },
          { a: null },
          { x: 1 },
          { a: 1 },
        ]);
        assert.deepEqual(await c.distinct("a"), [null, 1, 3, "B", "b", { b: 1 }, [9]]);
        assert.deepEqual(await c.distinct("a", { a: { $type: "string" } }), ["B", "b"]);
        const ci = await c.distinct("a", { a: { $type: "string" } }, {
          collation: { locale: "en", strength: 2 },
        });
        assert.equal(ci.length, 1);
      });

      await t.step("positional $, $[], $[id] with arrayFilters, $bit", async () => {
        const c = db.collection<AnyDoc>("pos");
        await c.insertOne({ _id: 1, a: [{ b: 1 }, { b: 2 }, { b: 3 }], n: [1, 5, 9], f: 5 });
        await c.updateOne({ "a.b": 2 }, { $set: { "a.$.c": true } });
        await c.updateOne({ _id: 1 }, { $inc: { "n.$[]": 1 } });
        await c.updateOne({ _id: 1 }, { $set: { "a.$[el].b": 0 } }, {
          arrayFilters: [{ "el.b": { $gte: 3 } }],
        });
        await c.updateOne({ _id: 1 }, { $bit: { f: { and: 4, or: 2 } } });
        assert.deepEqual(await c.findOne({ _id: 1 }), {
          _id: 1,
          a: [{ b: 1 }, { b: 2, c: true }, { b: 0 }],
          n: [2, 6, 10],
          f: 6,
        });
        await rejects(c.updateOne({ _id: 1 }, { $set: { "a.$": 1 } }), 2, /positional operator did not find/);
        await rejects(c.updateOne({ _id: 1 }, { $set: { "a.$[i]": 1 } }), 2, /No array filter found/);
        await rejects(c.updateOne({ _id: 1 }, { $set: { x: 1 } }, { arrayFilters: [{ i: 1 }] }), 9);
      });

      await t.step("update/delete replies: upserted, nModified, writeErrors indexes", async () => {
        const c = db.collection<AnyDoc>("replies");
        await c.insertMany([{ _id: 1, v: 1 }, { _id: 2, v: 1 }]);
        const r = await db.command({
          update: "replies",
          updates: [
            { q: { v: 1 }, u: { $set: { v: 2 } }, multi: true },
            { q: { _id: 7 }, u: { $setOnInsert: { s: 1 } }, upsert: true },
            { q: { _id: 1 }, u: { $inc: { v: "x" } } },
            { q: { _id: 2 }, u: { $set: { w: 1 } } },
          ],
          ordered: false,
        });
        assert.equal(r.n, 4);
        assert.equal(r.nModified, 3);
        assert.deepEqual(r.upserted, [{ index: 1, _id: 7 }]);
        assert.equal(r.writeErrors.length, 1);
        assert.equal(r.writeErrors[0].index, 2);
        assert.deepEqual(await c.findOne({ _id: 7 }), { _id: 7, s: 1 });
        const d = await db.command({ delete: "replies", deletes: [{ q: { v: 2 }, limit: 1 }] });
        assert.equal(d.n, 1);
        await rejects(db.command({ delete: "replies", deletes: [{ q: {}, limit: 2 }] }), 9);
      });

      await t.step(
        "bulkWrite admin command: multi-namespace, results cursor, ordered/errorsOnly",
        async () => {
          const admin = client.db("admin");
          const r = await admin.command({
            bulkWrite: 1,
            ops: [
              { insert: 0, document: { _id: 1, x: 1 } },
              { insert: 1, document: { _id: 1, y: 1 } },
              { update: 0, filter: { _id: 1 }, updateMods: { $inc: { x: 1 } } },
              { update: 1, filter: { _id: 5 }, updateMods: { $set: { y: 5 } }, upsert: true },
              { insert: 0, document: { _id: 1 } },
              { delete: 1, filter: { _id: 1 }, multi: false },
            ],
            nsInfo: [{ ns: "crudlang.bw1" }, { ns: "crudlang.bw2" }],
            ordered: false,
          });
          assert.equal(r.ok, 1);
          assert.equal(r.nErrors, 1);
          assert.equal(r.nInserted, 2);
          assert.equal(r.nMatched, 1);
          assert.equal(r.nModified, 1);
          assert.equal(r.nUpserted, 1);
          assert.equal(r.nDeleted, 1);
          assert.equal(r.cursor.ns, "admin.$cmd.bulkWrite");
          const batch = r.cursor.firstBatch as AnyDoc[];
          assert.equal(batch.length, 6);
          assert.deepEqual(batch[3], { ok: 1, idx: 3, n: 1, nModified: 0, upserted: { _id: 5 } });
          assert.equal(batch[4].ok, 0);
          assert.equal(batch[4].idx, 4);
          assert.equal(batch[4].code, 11000);
          assert.deepEqual(await db.collection<AnyDoc>("bw1").findOne({ _id: 1 }), { _id: 1, x: 2 });
          const ordered = await admin.command({
            bulkWrite: 1,
            ops: [{ insert: 0, document: { _id: 1 } }, { insert: 0, document: { _id: 2 } }],
            nsInfo: [{ ns: "crudlang.bw1" }],
            errorsOnly: true,
          });
          assert.equal(ordered.nErrors, 1);
          assert.equal(ordered.nInserted, 0);
          assert.equal(ordered.cursor.firstBatch.length, 1);
          assert.ok(ordered.cursor.id instanceof Long || ordered.cursor.id === 0);
          await rejects(
            admin.command({
              bulkWrite: 1,
              ops: [{ insert: 3, document: {} }],
              nsInfo: [{ ns: "crudlang.x" }],
            }),
            2,
            /invalid nsInfo index/,
          );
        },
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
