/**
 * notablescan (mongod's parameter, `[server] notablescan` / `--notablescan`) through the Node driver: a
 * query no index can answer is refused with 291 instead of scanning; mongod's exemptions hold.
 */
import assert from "node:assert/strict";
import { MongoServerError } from "mongodb";
import { serverTest, withServerSettings } from "./helpers/embedded_server.ts";

const NO_INDEX = "No indexed plans available, and running with 'notablescan'";

async function refused(p: Promise<unknown>, message = NO_INDEX): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MongoServerError, String(e));
    assert.equal(e.code, 291);
    if (e.codeName !== undefined) assert.equal(e.codeName, "NoQueryExecutionPlans"); // (a write error has none)
    assert.ok(e.message.includes(message), e.message);
    return true;
  });
}

serverTest("notablescan: unindexed queries refused with 291, indexed and exempt ones run", async (client) => {
  const admin = client.db("admin");
  const db = client.db("nts");
  // deno-lint-ignore no-explicit-any
  const c = db.collection<any>("c");
  await c.insertMany([{ _id: 1, a: 1, b: 1 }, { _id: 2, a: 2, b: 2 }]);
  await db.createCollection("capped", { capped: true, size: 4096 });
  assert.equal((await admin.command({ getParameter: 1, notablescan: 1 }))["notablescan"], false);
  assert.equal((await admin.command({ setParameter: 1, notablescan: true }))["was"], false);
  try {
    assert.equal((await admin.command({ getParameter: 1, notablescan: 1 }))["notablescan"], true);
    await refused(c.find({ a: 1 }).toArray());
    await refused(c.countDocuments({ a: 1 })); // (an aggregate with a $match)
    await refused(db.command({ count: "c", query: { a: 1 } }));
    await refused(c.distinct("a", { b: 1 }));
    await refused(
      c.find({ a: 1 }).hint({ $natural: 1 }).toArray(),
      "hint $natural is not allowed, because 'notablescan' is enabled",
    );
    await refused(c.updateOne({ b: 1 }, { $set: { x: 1 } }));
    await refused(c.deleteMany({ b: 1 }));
    await refused(c.find({ a: 1 }).explain());
    await refused(
      db.collection("capped").find({}, { tailable: true }).next(),
      "Running with 'notablescan', so tailable cursors (which always do a table scan) are not allowed",
    );
    // no filter, by _id, a missing collection, the internal databases: not refused
    assert.equal((await c.find({}).toArray()).length, 2);
    assert.equal(await c.countDocuments(), 2);
    assert.equal((await c.findOne({ _id: 2 }))?.["a"], 2);
    assert.deepEqual(await db.collection("missing").find({ a: 1 }).toArray(), []);
    assert.ok(
      (await client.db("local").collection("oplog.rs").find({ op: "i" }).limit(1).toArray()).length > 0,
    );
    await admin.collection("system.version").findOne({ _id: "featureCompatibilityVersion" as never });
    // nothing was changed by the refused writes
    assert.deepEqual((await c.find({}).toArray()).map((d) => d.x), [undefined, undefined]);
    // with an index the same queries run
    await c.createIndex({ a: 1 });
    assert.equal((await c.find({ a: 1, b: 1 }).toArray()).length, 1);
    assert.equal((await c.find({ a: 1, b: null }).toArray()).length, 0);
    assert.equal((await c.find({ a: { $in: [] }, b: 0 }).toArray()).length, 0);
    assert.equal((await c.updateOne({ a: 2 }, { $set: { x: 1 } })).modifiedCount, 1);
  } finally {
    assert.equal((await admin.command({ setParameter: 1, notablescan: false }))["was"], true);
  }
  assert.equal((await c.find({ b: 1 }).toArray()).length, 1);
});

Deno.test({
  name: "notablescan from the configuration ([server] notablescan)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withServerSettings({ noTableScan: true }, async (client) => {
      assert.equal(
        (await client.db("admin").command({ getParameter: 1, notablescan: 1 }))["notablescan"],
        true,
      );
      await client.db("x").collection("c").insertOne({ a: 1 });
      await refused(client.db("x").collection("c").findOne({ a: 1 }));
    }),
});
