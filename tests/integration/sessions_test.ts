/** Logical sessions: commands with an lsid register it; $listLocalSessions lists it; endSessions forgets it. */
import assert from "node:assert/strict";
import { type Binary, MongoClient, MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";

const hex = (b: Binary) => Buffer.from(b.buffer).toString("hex");

serverTest("sessions are listed and ended", async (client) => {
  const db = client.db("s");
  const session = client.startSession();
  await db.collection("c").findOne({}, { session });
  const id = session.id!.id as Binary;
  const listed = async () =>
    (await client.db("admin").aggregate([{ $listLocalSessions: {} }]).toArray()).map((d) =>
      hex(d._id.id as Binary)
    );
  assert.ok((await listed()).includes(hex(id)));
  await client.db("admin").command({ endSessions: [{ id }] });
  assert.ok(!(await listed()).includes(hex(id)));
  await session.endSession();
});

serverTest(
  "endSessions aborts the session's open transaction; killAllSessions aborts every one",
  async (client) => {
    const coll = client.db("s").collection<{ _id: number }>("t");
    const session = client.startSession();
    session.startTransaction();
    await coll.insertOne({ _id: 1 }, { session });
    await client.db("admin").command({ endSessions: [session.id] });
    await assert.rejects(
      coll.insertOne({ _id: 2 }, { session }),
      (e: { code?: number }) => e.code === 251,
    );
    await session.abortTransaction().catch(() => {});
    const other = client.startSession();
    other.startTransaction();
    await coll.insertOne({ _id: 3 }, { session: other });
    await client.db("admin").command({ killAllSessions: [] });
    await assert.rejects(other.commitTransaction(), (e: { code?: number }) => e.code === 251);
    await session.endSession();
    await other.endSession();
    assert.equal(await coll.countDocuments({}), 0);
  },
);

serverTest(
  "$listSessions on config.system.sessions lists sessions; killAllSessionsByPattern kills by lsid or all",
  async (client) => {
    const db = client.db("s");
    const a = client.startSession();
    const b = client.startSession();
    await db.collection("c").findOne({}, { session: a });
    await db.collection("c").findOne({}, { session: b });
    const sessions = client.db("config").collection("system.sessions");
    const listed = async () =>
      (await sessions.aggregate([{ $listSessions: { allUsers: true } }]).toArray()).map((d) =>
        hex(d._id.id as Binary)
      );
    const aId = hex(a.id!.id as Binary);
    const bId = hex(b.id!.id as Binary);
    assert.ok((await listed()).includes(aId) && (await listed()).includes(bId));
    await client.db("admin").command({ killAllSessionsByPattern: [{ lsid: { id: a.id!.id } }] });
    assert.ok(!(await listed()).includes(aId));
    assert.ok((await listed()).includes(bId));
    await client.db("admin").command({ killAllSessionsByPattern: [] });
    assert.ok(!(await listed()).includes(bId));
    await assert.rejects(
      db.collection("c").aggregate([{ $listSessions: {} }]).toArray(),
      (e: { code?: number }) => e.code === 73,
    );
    await a.endSession();
    await b.endSession();
  },
);

serverTest(
  "a snapshot session reads one point in time across commands, with atClusterTime in its replies",
  async (client) => {
    const coll = client.db("s").collection<{ _id: number; x: number }>("snap");
    await coll.insertMany([{ _id: 1, x: 11 }, { _id: 2, x: 22 }]);
    const session = client.startSession({ snapshot: true });
    assert.deepEqual(await coll.find({ _id: 1 }, { session }).toArray(), [{ _id: 1, x: 11 }]);
    await coll.updateOne({ _id: 1 }, { $inc: { x: 1 } });
    await coll.insertOne({ _id: 3, x: 33 });
    assert.deepEqual(await coll.find({ _id: 1 }, { session }).toArray(), [{ _id: 1, x: 11 }]);
    assert.equal(await coll.countDocuments({}, { session }), 2);
    assert.deepEqual((await coll.distinct("x", {}, { session })).sort(), [11, 22]);
    assert.deepEqual(await coll.find({ _id: 1 }).toArray(), [{ _id: 1, x: 12 }]); // outside: now
    await assert.rejects(
      coll.insertOne({ _id: 4, x: 44 }, { session }),
      (e: { code?: number }) => e.code === 72,
    );
    await session.endSession();
  },
);

Deno.test({
  name: "max_sessions: a new session past the bound gets 261 TooManyLogicalSessions; ended ones make room",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const d = defaultConfig();
    const server = await startServer({
      config: {
        ...d,
        server: { ...d.server, port: 0, storagePath: ":memory:", logLevel: "ERROR", maxSessions: 2 },
      },
    });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    try {
      const coll = client.db("s").collection("c");
      const [a, b, c] = [client.startSession(), client.startSession(), client.startSession()];
      await coll.findOne({}, { session: a });
      await coll.findOne({}, { session: b });
      await assert.rejects(
        coll.findOne({}, { session: c }),
        (e: unknown) =>
          e instanceof MongoServerError && e.code === 261 && e.codeName === "TooManyLogicalSessions",
      );
      await coll.findOne({}, { session: a }); // a known session still works
      await client.db("admin").command({ endSessions: [a.id] });
      await coll.findOne({}, { session: c }); // room again
      for (const s of [a, b, c]) await s.endSession();
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
