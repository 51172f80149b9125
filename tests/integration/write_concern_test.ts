/**
 * Write concerns (and the Stable API declaration) a one-member replica set cannot satisfy: the write is applied and the reply carries
 * a writeConcernError (w > 1 → 100 UnsatisfiableWriteConcern, unknown tag → 79), as on mongod, which
 * the Node driver raises as MongoWriteConcernError; a bad write concern is still a command error.
 */
import assert from "node:assert/strict";
import { MongoServerError, MongoWriteConcernError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest("w: 2 and an unknown tag apply the write and report a writeConcernError", async (client) => {
  const coll = client.db("wc").collection<{ _id: number }>("c");
  await assert.rejects(
    coll.insertOne({ _id: 1 }, { writeConcern: { w: 2 } }),
    (e: unknown) => e instanceof MongoWriteConcernError && e.code === 100,
  );
  await assert.rejects(
    coll.insertOne({ _id: 2 }, { writeConcern: { w: "dc2" as "majority" } }),
    (e: unknown) => e instanceof MongoWriteConcernError && e.code === 79,
  );
  assert.equal(await coll.countDocuments({}), 2); // both writes were applied
  await assert.rejects(
    coll.insertOne({ _id: 3 }, { writeConcern: { w: -1 } }),
    (e: unknown) => e instanceof MongoServerError && !(e instanceof MongoWriteConcernError),
  );
  // In a transaction: the commit applies, and the error says the commit result is unknown.
  const session = client.startSession();
  session.startTransaction({ writeConcern: { w: 3 } });
  await coll.insertOne({ _id: 4 }, { session });
  const err = await session.commitTransaction().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof MongoServerError, `expected a write concern error, got ${err}`);
  assert.equal(err.code, 100);
  await session.endSession();
  assert.equal(await coll.countDocuments({ _id: 4 }), 1);
});

serverTest(
  "a client declaring Stable API version 1 strict: V1 commands work, others are 323 APIStrictError",
  async (client) => {
    const coll = client.db("api").collection<{ _id: number }>("c");
    await coll.insertOne({ _id: 1 });
    assert.equal((await coll.find({}).toArray()).length, 1);
    await assert.rejects(
      coll.distinct("_id"),
      (e: unknown) => e instanceof MongoServerError && e.code === 323 && e.codeName === "APIStrictError",
    );
  },
  { serverApi: { version: "1", strict: true } },
);

serverTest(
  "getDefaultRWConcern reports the implicit defaults; setDefaultRWConcern changes and validates them",
  async (client) => {
    const admin = client.db("admin");
    const before = await admin.command({ getDefaultRWConcern: 1 });
    assert.deepEqual(before["defaultReadConcern"], { level: "local" });
    assert.deepEqual(before["defaultWriteConcern"], { w: "majority", wtimeout: 0 });
    assert.equal(before["defaultWriteConcernSource"], "implicit");
    const set = await admin.command({
      setDefaultRWConcern: 1,
      defaultReadConcern: { level: "majority" },
      defaultWriteConcern: { w: 1, j: true },
    });
    assert.deepEqual(set["defaultReadConcern"], { level: "majority" });
    assert.equal(set["defaultWriteConcernSource"], "global");
    assert.ok(set["updateOpTime"]);
    const after = await admin.command({ getDefaultRWConcern: 1 });
    assert.deepEqual(after["defaultWriteConcern"], { wtimeout: 0, w: 1, j: true });
    await client.db("d").collection("c").insertOne({ a: 1 }); // runs under the default {j: true}
    await assert.rejects(admin.command({ setDefaultRWConcern: 1 }), (e: MongoServerError) => e.code === 2);
    await assert.rejects(
      admin.command({ setDefaultRWConcern: 1, defaultReadConcern: { level: "snapshot" } }),
      (e: MongoServerError) => e.code === 2,
    );
    await assert.rejects(
      admin.command({ setDefaultRWConcern: 1, defaultWriteConcern: { w: 0 } }),
      (e: MongoServerError) => e.code === 2,
    );
    await assert.rejects(
      client.db("d").command({ getDefaultRWConcern: 1 }),
      (e: MongoServerError) => e.code === 13,
    );
  },
);
