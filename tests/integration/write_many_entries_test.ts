/**
 * Through the real Node driver: deleteMany and updateMany over collections with every kind of secondary
 * index keep the indexes exact (issue 18: a removal now crosses into the shim once per document with
 * all its entries, and the keys of a removed or updated document are computed from a partial decode of
 * the fields the indexes read). After each write `validate` finds no entry missing or extra; the oplog
 * holds one entry per document and a change stream with pre-images sees one event per document with
 * the document before; a unique key taken part way fails with 11000 after the documents before it; a
 * deleteMany inside an aborted transaction leaves everything as it was.
 */
import assert from "node:assert/strict";
import { type Collection, type Db, MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";

type D = Record<string, unknown>;

const WORDS = ["apple", "banana", "cherry", "delta", "running", "quickly", "maison", "chien"];

function makeDoc(i: number): D {
  const d: D = {
    _id: i,
    a: i % 10,
    b: i % 37,
    d: new Date(1.7e12 + i * 1000),
    items: i % 4 === 0 ? [{ k: i % 5, v: 1 }, { k: (i + 1) % 5, v: 2 }] : { k: i % 5, v: 3 },
    txt: `${WORDS[i % 8]} ${WORDS[(i * 3) % 8]} ${i % 2 ? "runs" : "ran"} quickly`,
    loc: { type: "Point", coordinates: [(i % 360) - 180, ((i * 7) % 170) - 85] },
    c: "s" + (i % 50),
    h: i % 11,
    cs: i % 3 ? "Mixed" : "mixed",
    pad: "x".repeat(100 + (i % 200)),
    nested: { deep: { x: i } },
  };
  if (i % 5 === 0) d["lang"] = "french";
  if (i % 3 === 0) d["s"] = i;
  if (i % 7 === 0) d["u"] = i;
  if (i % 9 === 0) d["t2"] = { title: `title ${WORDS[i % 8]}` };
  if (i % 13 === 0) delete d["txt"];
  return d;
}

async function indexes(c: Collection, wildcard: boolean): Promise<void> {
  await c.createIndex({ a: 1 });
  await c.createIndex({ b: 1, d: -1 });
  await c.createIndex({ "items.k": 1 });
  await c.createIndex({ txt: "text", "t2.title": "text" }, {
    weights: { txt: 2 },
    language_override: "lang",
  });
  await c.createIndex({ loc: "2dsphere" });
  await c.createIndex({ c: 1 }, { partialFilterExpression: { a: { $gt: 3 } } });
  await c.createIndex({ s: 1 }, { sparse: true });
  await c.createIndex({ h: "hashed" });
  await c.createIndex({ u: 1 }, { unique: true, sparse: true });
  await c.createIndex({ cs: 1 }, { collation: { locale: "en", strength: 2 } });
  if (wildcard) await c.createIndex({ "nested.$**": 1 });
}

async function assertValid(db: Db, name: string, why: string): Promise<void> {
  const v = await db.command({ validate: name, full: true });
  assert.equal(v["valid"], true, `${why}: ${JSON.stringify(v)}`);
  assert.deepEqual(v["errors"], [], why);
}

async function oplogCount(client: MongoClient, ns: string, op: string, since: unknown): Promise<number> {
  return await client.db("local").collection("oplog.rs").countDocuments({ ns, op, ts: { $gt: since } });
}

Deno.test({
  name:
    "deleteMany / updateMany keep every kind of index exact, one oplog entry and change event per document",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await spawnServer({ args: ["--no-warm-up"] });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("wm");
      for (const wildcard of [false, true]) {
        const name = wildcard ? "wild" : "plain";
        const c = db.collection(name);
        await db.createCollection(name, { changeStreamPreAndPostImages: { enabled: true } });
        await indexes(c, wildcard);
        await c.insertMany(Array.from({ length: 3000 }, (_, i) => makeDoc(i)));
        await assertValid(db, name, `${name} loaded`);

        const stream = c.watch([], { fullDocumentBeforeChange: "required" });
        const events: D[] = [];
        const reading = (async () => {
          for await (const e of stream) events.push(e as unknown as D);
        })().catch(() => {});
        await new Promise((r) => setTimeout(r, 300));
        const start = (await db.command({ hello: 1 }))["operationTime"];

        // deletes: by a plain index, by the text index's field, by a collection scan
        const del1 = await c.deleteMany({ a: { $lt: 2 } });
        assert.equal(del1.deletedCount, 600);
        await assertValid(db, name, `${name} after deleteMany a<2`);
        const del2 = await c.deleteMany({ "nested.deep.x": { $mod: [17, 3] } });
        const del3 = await c.deleteMany({ $text: { $search: "cherry" } });
        assert.ok(del2.deletedCount > 0 && del3.deletedCount > 0);
        await assertValid(db, name, `${name} after more deletes`);
        const deleted = 600 + del2.deletedCount + del3.deletedCount;
        assert.equal(await c.countDocuments({}), 3000 - deleted);

        // updates of indexed fields: plain, compound, multikey, text, geo, the partial filter's, unique
        const up1 = await c.updateMany({ a: { $gte: 5 } }, { $inc: { b: 1, a: -2 } });
        const up2 = await c.updateMany({ b: { $lt: 10 }, "items.1": { $exists: true } }, {
          $set: { "items.$[e].k": 9, txt: "maison chien", loc: { type: "Point", coordinates: [1, 2] } },
        }, { arrayFilters: [{ "e.v": { $gte: 2 } }] });
        const up3 = await c.updateMany({ u: { $exists: true } }, { $mul: { u: -1 }, $unset: { s: "" } });
        const up4 = await c.updateMany({ h: 3 }, [{ $set: { cs: { $toUpper: "$cs" }, lang: "english" } }]);
        for (const u of [up1, up2, up3, up4]) assert.ok(u.modifiedCount > 0, JSON.stringify(u));
        await assertValid(db, name, `${name} after updateMany`);
        // a unique key taken part way: 11000 naming the index, the documents before it updated (as mongod)
        const uBefore = await c.countDocuments({ u: 5 });
        await assert.rejects(
          c.updateMany({ u: { $exists: true } }, { $set: { u: 5 } }),
          (e: { code?: number; message?: string }) => e.code === 11000 && /u_1/.test(e.message ?? ""),
        );
        assert.equal(await c.countDocuments({ u: 5 }), uBefore === 0 ? 1 : uBefore);
        await assertValid(db, name, `${name} after a duplicate key`);
        const up5 = uBefore === 0 ? 1 : 0;
        const updated = up1.modifiedCount + up2.modifiedCount + up3.modifiedCount + up4.modifiedCount + up5;

        const ns = `wm.${name}`;
        assert.equal(await oplogCount(client, ns, "d", start), deleted);
        assert.equal(await oplogCount(client, ns, "u", start), updated);
        const want = deleted + updated;
        for (let t = 0; t < 200 && events.length < want; t++) await new Promise((r) => setTimeout(r, 50));
        await stream.close();
        await reading;
        assert.equal(events.length, want);
        const deletes = events.filter((e) => e["operationType"] === "delete");
        assert.equal(deletes.length, deleted);
        for (const e of deletes) {
          const before = e["fullDocumentBeforeChange"] as D;
          const id = (e["documentKey"] as D)["_id"] as number;
          assert.equal(before["_id"], id);
          assert.equal(before["pad"], "x".repeat(100 + (id % 200)));
        }

        // inside a transaction: aborted, nothing changes; committed, all of it
        const session = client.startSession();
        try {
          session.startTransaction();
          const r = await c.deleteMany({ a: { $in: [2, 3] } }, { session });
          assert.ok(r.deletedCount > 0);
          await c.updateMany({ a: 4 }, { $inc: { b: 5 } }, { session });
          await session.abortTransaction();
          assert.equal(await c.countDocuments({}), 3000 - deleted);
          await assertValid(db, name, `${name} after an aborted transaction`);
          session.startTransaction();
          const r2 = await c.deleteMany({ a: { $in: [2, 3] } }, { session });
          await session.commitTransaction();
          assert.equal(r2.deletedCount, r.deletedCount);
          assert.equal(await c.countDocuments({ a: { $in: [2, 3] } }), 0);
          await assertValid(db, name, `${name} after a committed transaction`);
        } finally {
          await session.endSession();
        }
      }
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
