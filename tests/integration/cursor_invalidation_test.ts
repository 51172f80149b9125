/**
 * A cursor whose collection or index goes away between its batches, through npm:mongodb, as mongod 8.0
 * answers: the next getMore is 175 QueryPlanKilled — "collection dropped" after drop or dropDatabase,
 * "collection renamed" after renameCollection, and for an index the plan was scanning once it is
 * dropped; a cursor not using a dropped index reads on; killCursors still gives 43 CursorNotFound.
 * (Before: 43 for the drops and renames, 1 InternalError for the index.)
 */
import assert from "node:assert/strict";
import type { Db, FindCursor, MongoClient, MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

async function setup(client: MongoClient): Promise<Db> {
  const db = client.db("inval");
  const coll = db.collection<{ _id: number; x: number }>("test");
  await coll.drop().catch(() => {});
  await coll.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i, x: i })));
  await coll.createIndex({ x: 1 });
  return db;
}

async function afterFirst(
  cursor: FindCursor,
  act: () => Promise<unknown>,
): Promise<MongoServerError | undefined> {
  await cursor.next();
  await act();
  try {
    await cursor.toArray();
    return undefined;
  } catch (e) {
    return e as MongoServerError;
  }
}

serverTest(
  "getMore after drop, dropDatabase or rename: 175 QueryPlanKilled with the reason",
  async (client) => {
    let db = await setup(client);
    let e = await afterFirst(db.collection("test").find().batchSize(99), () => db.dropDatabase());
    assert.equal(e?.code, 175);
    assert.equal(e?.codeName, "QueryPlanKilled");
    assert.match(e!.message, /collection dropped/);

    db = await setup(client);
    e = await afterFirst(db.collection("test").find().batchSize(99), () => db.collection("test").drop());
    assert.equal(e?.code, 175);
    assert.match(e!.message, /collection dropped/);

    db = await setup(client);
    e = await afterFirst(
      db.collection("test").find().batchSize(99),
      () => client.db("admin").command({ renameCollection: "inval.test", to: "inval.renamed" }),
    );
    assert.equal(e?.code, 175);
    assert.match(e!.message, /collection renamed/);
  },
);

serverTest(
  "dropping an index: a cursor scanning it is killed (175), one not using it reads on",
  async (client) => {
    let db = await setup(client);
    let e = await afterFirst(
      db.collection("test").find().batchSize(99),
      () => db.command({ dropIndexes: "test", index: { x: 1 } }),
    );
    assert.equal(e, undefined);

    db = await setup(client);
    e = await afterFirst(
      db.collection("test").find({ x: { $gte: 0 } }).hint({ x: 1 }).batchSize(50),
      () => db.command({ dropIndexes: "test", index: { x: 1 } }),
    );
    assert.equal(e?.code, 175);
    assert.equal(e?.codeName, "QueryPlanKilled");
  },
);

serverTest("killCursors then getMore is still 43 CursorNotFound", async (client) => {
  const db = await setup(client);
  const r = await db.command({ find: "test", filter: {}, batchSize: 10 });
  const id = r["cursor"]["id"];
  await db.command({ killCursors: "test", cursors: [id] });
  await assert.rejects(
    db.command({ getMore: id, collection: "test" }),
    (err: MongoServerError) => err.code === 43,
  );
});
