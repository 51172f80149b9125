/**
 * mongod 8.0's smaller diagnostic and administrative commands, through the Node driver: dataSize (a
 * collection's bytes and count, whole or in an index key range), appendOplogNote (a no-op oplog entry).
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { BSON, MinKey, Timestamp } from "bson";
import { serverTest, standaloneServerTest } from "./helpers/embedded_server.ts";

const fail = (p: Promise<unknown>) => p.then(() => assert.fail("expected an error"), (e: AnyDoc) => e);

serverTest("dataSize: whole collection, estimate, index ranges, limits and errors", async (client) => {
  const db = client.db("ds");
  // a missing collection: zero, without `estimate`
  const none: AnyDoc = await db.command({ dataSize: "ds.c" });
  assert.equal(none.size, 0);
  assert.equal(none.numObjects, 0);
  assert.equal(none.estimate, undefined);
  const docs = Array.from({ length: 100 }, (_, i) => ({ _id: i, a: i % 10, s: "x".repeat(i) }));
  await db.collection("c").insertMany(docs as AnyDoc[]);
  await db.collection("c").createIndex({ a: 1, _id: 1 });
  await db.collection("c").createIndex({ s: 1 }, { sparse: true });
  const bytes = (ds: AnyDoc[]) => ds.reduce((n, d) => n + BSON.calculateObjectSize(d), 0);

  const all: AnyDoc = await client.db("admin").command({ dataSize: "ds.c" }); // the namespace names the database
  assert.equal(all.estimate, false);
  assert.equal(all.numObjects, 100);
  assert.equal(all.size, bytes(docs));

  const est: AnyDoc = await db.command({ dataSize: "ds.c", estimate: true });
  assert.equal(est.estimate, true);
  assert.equal(est.numObjects, 100);

  // keyPattern prefixes the {a: 1, _id: 1} index; max is extended with MinKey: [a 2, a 4)
  const r: AnyDoc = await db.command({
    dataSize: "ds.c",
    keyPattern: { a: 1 },
    min: { a: 2 },
    max: { a: 4 },
  });
  assert.equal(r.numObjects, 20);
  assert.equal(r.size, bytes(docs.filter((d) => d.a >= 2 && d.a < 4)));
  // without keyPattern, min's fields name it: the _id index, max exclusive
  const ids: AnyDoc = await db.command({ dataSize: "ds.c", min: { _id: 10 }, max: { _id: 20 } });
  assert.equal(ids.numObjects, 10);
  assert.equal(ids.size, bytes(docs.slice(10, 20)));
  const compound: AnyDoc = await db.command({
    dataSize: "ds.c",
    keyPattern: { a: 1, _id: 1 },
    min: { a: 2, _id: 25 },
    max: { a: 3, _id: new MinKey() },
  });
  assert.equal(compound.numObjects, 7);
  const capped: AnyDoc = await db.command({
    dataSize: "ds.c",
    min: { _id: 10 },
    max: { _id: 20 },
    maxObjects: 3,
  });
  assert.equal(capped.maxReached, true);
  assert.equal(capped.numObjects, 4);

  // a sparse index cannot serve a range (mongod's shard-key-prefixed index rules)
  assert.match(
    (await fail(db.command({ dataSize: "ds.c", min: { s: "" }, max: { s: "xx" } }))).message,
    /couldn't find valid index containing key pattern/,
  );
  const noMax = await fail(db.command({ dataSize: "ds.c", min: { _id: 1 } }));
  assert.equal(noMax.code, 2);
  assert.match(noMax.message, /max must be set if min is set/);
  assert.equal((await fail(db.command({ dataSize: "ds.c", min: 1, max: 2 }))).code, 2);
  assert.equal((await fail(db.command({ dataSize: "dsc" }))).code, 73);
  assert.equal((await fail(db.command({ dataSize: 5 }))).code, 2);
});

serverTest(
  "appendOplogNote writes a no-op entry; maxClusterTime, data and database are checked",
  async (client) => {
    const admin = client.db("admin");
    const r: AnyDoc = await admin.command({ appendOplogNote: 1, data: { note: "drill", n: 7 } });
    assert.equal(r.ok, 1);
    const last: AnyDoc = await client.db("local").collection("oplog.rs").find().sort({ $natural: -1 }).limit(
      1,
    ).next();
    assert.equal(last.op, "n");
    assert.equal(last.ns, "");
    assert.deepEqual(last.o, { note: "drill", n: 7 });
    assert.equal(last.ts.toString(), r.operationTime.toString());
    // a maxClusterTime in the future writes; one at or before the last entry is 209
    const future = new Timestamp({ t: last.ts.high + 3600, i: 1 });
    assert.equal((await admin.command({ appendOplogNote: 1, data: {}, maxClusterTime: future })).ok, 1);
    const stale = await fail(admin.command({ appendOplogNote: 1, data: {}, maxClusterTime: last.ts }));
    assert.equal(stale.code, 209);
    assert.equal(stale.codeName, "StaleClusterTime");
    assert.equal((await fail(admin.command({ appendOplogNote: 1 }))).code, 4);
    assert.equal((await fail(admin.command({ appendOplogNote: 1, data: 5 }))).code, 14);
    assert.equal((await fail(admin.command({ appendOplogNote: 1, data: {}, maxClusterTime: 5 }))).code, 14);
    assert.equal((await fail(client.db("x").command({ appendOplogNote: 1, data: {} }))).code, 13);
  },
);

standaloneServerTest("appendOplogNote on a standalone server is 76 NoReplicationEnabled", async (client) => {
  const e = await fail(client.db("admin").command({ appendOplogNote: 1, data: {} }));
  assert.equal(e.code, 76);
});
