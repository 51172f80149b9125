/**
 * Inserts of one document answered by the frame I/O thread (ffi/wiredtiger/shim/io_fast_insert.c): the
 * same random inserts (mixed with finds, updates and deletes) sent to a server with the I/O thread's
 * writes and one with `SECANTUS_FAST_WRITES=0` get the same replies (but for the cluster times), leave
 * the same documents byte for byte in the same natural order, the same secondary index entries (a
 * hinted scan of each), oplog insert entries (but for their times and UUIDs), counts and counters — on a
 * collection with only `_id_`, one with two single-field indexes (kept there) and one with a unique
 * index (the command layer's). Also: concurrent inserts there and in the command layer share record
 * ids; a dropped and re-created collection starts its ids again; retryable inserts; the Node driver.
 */
import assert from "node:assert/strict";
import { Binary, BSON, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from "bson";
import { MongoClient } from "mongodb";
import { found, rng, sameReplies, type WriteSide, writeSide } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

const ioInserts = (status: Doc) => Number(((status["secantus"] as Doc)["ioThread"] as Doc)["inserts"]);

/** A value of an indexed field: mostly ones the I/O thread keys, some it leaves to the command layer. */
function indexedValue(r: () => number, i: number): unknown {
  const k = r();
  if (k < 0.3) return Math.floor(r() * 50);
  if (k < 0.5) return `v${Math.floor(r() * 30)}`;
  if (k < 0.55) return null;
  if (k < 0.6) return new Long(Math.floor(r() * 9) - 4);
  if (k < 0.65) return new Double(Math.floor(r() * 5));
  if (k < 0.68) return new ObjectId(`65a1b2c3d4e5f60718293a${(i % 200).toString(16).padStart(2, "0")}`);
  if (k < 0.71) return 2.5 + i; // a fraction: the command layer's
  if (k < 0.74) return [1, 2]; // an array: the command layer's (multikey)
  if (k < 0.76) return { x: 1 };
  if (k < 0.78) return "l".repeat(600); // over the I/O thread's string key limit
  if (k < 0.8) return new Int32(-7);
  return undefined; // missing: the null key
}

/** Other values a document holds (each type the canonical check takes, and some it does not). */
function otherValue(r: () => number, i: number): unknown {
  const k = Math.floor(r() * 16);
  switch (k) {
    case 0:
      return { n: i, s: "x", d: { e: [1, "a", null] } };
    case 1:
      return [i, [i + 1], { a: 1 }];
    case 2:
      return new Date(1_700_000_000_000 + i);
    case 3:
      return Decimal128.fromString(`${i}.25`);
    case 4:
      return new Timestamp({ t: i, i: 1 });
    case 5:
      return new Binary(new Uint8Array([1, 2, i & 255]), 0);
    case 6:
      return new Double(Number.NaN); // not stored as sent: the command layer's
    case 7:
      return /re/i; // the same
    case 8:
      return true;
    case 9:
      return "é ü 日本";
    case 10:
      return -0.0;
    case 11:
      return new Long(2 ** 40 + i);
    default:
      return `s${i}`;
  }
}

const IDS = (i: number, r: () => number): unknown => {
  const k = r();
  if (k < 0.5) return i; // new
  if (k < 0.6) return Math.floor(r() * i); // maybe a duplicate
  if (k < 0.7) return `id${i}`;
  if (k < 0.78) return new ObjectId();
  if (k < 0.82) return new Double(i + 100_000);
  if (k < 0.85) return 0.5 + i; // a fraction: the command layer's key
  if (k < 0.88) return { a: i };
  return new Long(i + 200_000);
};

function insertOf(coll: string, i: number, r: () => number): Doc {
  const doc: Doc = {};
  // (`_id` after other fields — as the Node driver appends the one it makes — is stored first by both)
  const idFirst = r() > 0.3;
  if (!idFirst) doc["z"] = 1;
  if (!idFirst && r() < 0.5) doc["y"] = { z: [1, "two"] };
  const id = IDS(i, r);
  doc["_id"] = id;
  const a = indexedValue(r, i);
  if (a !== undefined) doc["a"] = a;
  const n = Math.floor(r() * 5);
  for (let k = 0; k < n; k++) {
    const name = r() < 0.05 ? `${k}d` : r() < 0.03 ? `$x${k}` : `f${k}`;
    doc[name] = otherValue(r, i);
  }
  const s = indexedValue(r, i + 1);
  if (s !== undefined) doc["s"] = s;
  const q: Doc = { insert: coll, documents: [doc], $db: "x" };
  if (r() < 0.05) (q["documents"] as Doc[]).push({ _id: `pair${i}` }); // two: the command layer's
  if (r() < 0.3) q["ordered"] = r() < 0.8;
  if (r() < 0.1) q["writeConcern"] = [{ w: 1 }, { w: "majority" }, { w: 1, j: true }][Math.floor(r() * 3)];
  if (r() < 0.05) q["bypassDocumentValidation"] = true;
  return q;
}

const COLLS = ["p", "q", "u"] as const;

async function setUp(s: WriteSide): Promise<void> {
  await s.ask({
    createIndexes: "q",
    indexes: [{ key: { a: 1 }, name: "a_1" }, { key: { s: 1 }, name: "s_1" }],
    $db: "x",
  });
  await s.ask({ createIndexes: "u", indexes: [{ key: { a: 1 }, name: "a_1", unique: true }], $db: "x" });
}

Deno.test({
  name:
    "inserts of one document: the I/O thread's replies, documents, index entries, oplog entries, counts and " +
    "counters are the command layer's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sides = [await writeSide(true), await writeSide(false)];
    try {
      for (const s of sides) await setUp(s);
      const r = rng(23);
      for (let i = 0; i < 3000; i++) {
        const coll = COLLS[Math.floor(r() * COLLS.length)]!;
        const k = r();
        let q: Doc;
        if (k < 0.8) q = insertOf(coll, i, r);
        else if (k < 0.87) q = { find: coll, filter: { _id: Math.floor(r() * i) }, $db: "x" };
        else if (k < 0.94) {
          q = {
            update: coll,
            updates: [{ q: { _id: Math.floor(r() * i) }, u: { $inc: { n: 1 } } }],
            $db: "x",
          };
        } else q = { delete: coll, deletes: [{ q: { _id: Math.floor(r() * i) }, limit: 1 }], $db: "x" };
        // (a write's statements as a document sequence, as PyMongo sends them, now and then)
        await sameReplies(sides, q, `request ${i}`, r() < 0.3);
        if (i % 150 === 0) {
          for (const c of COLLS) {
            const [x, y] = await Promise.all(sides.map((s) => s.ask({ count: c, $db: "x" })));
            assert.equal(Number(x!["n"]), Number(y!["n"]), `count of ${c} at ${i}`);
          }
        }
      }
      for (const c of COLLS) {
        // natural order (record ids), then each index's order: the same documents, byte for byte
        const scans: Doc[] = [{}, { hint: { _id: 1 } }];
        if (c !== "p") scans.push({ hint: { a: 1 } });
        if (c === "q") scans.push({ hint: { s: 1 } });
        for (const scan of scans) {
          const docs = await Promise.all(sides.map((s) => found(s, { find: c, ...scan, $db: "x" })));
          assert.deepEqual(
            docs[0],
            docs[1],
            `${c} ${JSON.stringify(scan)}`,
          );
        }
        const counts = await Promise.all(sides.map((s) => s.ask({ count: c, $db: "x" })));
        assert.equal(Number(counts[0]!["n"]), Number(counts[1]!["n"]));
        const stats = await Promise.all(sides.map((s) => s.ask({ collStats: c, $db: "x" })));
        assert.equal(Number(stats[0]!["count"]), Number(stats[1]!["count"]));
        assert.equal(Number(stats[0]!["count"]), Number(counts[0]!["n"]));
        for (const s of sides) {
          const v = await s.ask({ validate: c, full: true, $db: "x" });
          assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
        }
      }
      const entries = await Promise.all(sides.map((s) =>
        found(s, {
          find: "oplog.rs",
          filter: { op: "i", ns: { $regex: "^x\\." } },
          projection: { ts: 0, wall: 0, ui: 0 },
          $db: "local",
        })
      ));
      assert.equal(entries[0]!.length, entries[1]!.length);
      assert.deepEqual(entries[0], entries[1]);
      const [sa, sb] = await Promise.all(sides.map((s) => s.ask({ serverStatus: 1, $db: "admin" })));
      const { command: _c1, query: _q1, ...oa } = sa!["opcounters"] as Doc;
      const { command: _c2, query: _q2, ...ob } = sb!["opcounters"] as Doc;
      assert.deepEqual(oa, ob);
      assert.deepEqual((sa!["metrics"] as Doc)["document"], (sb!["metrics"] as Doc)["document"]);
      assert.equal(ioInserts(sb!), 0);
      const served = ioInserts(sa!);
      assert.ok(served > 600, `the I/O thread answered ${served} inserts`);
    } finally {
      for (const s of sides) await s.close();
    }
  },
});

Deno.test({
  name: "inserts on the I/O thread and the command layer at once share record ids; a re-created collection " +
    "starts again",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true);
    try {
      await setUp(s);
      const conns = await Promise.all(Array.from({ length: 8 }, () => s.connect()));
      for (let round = 0; round < 2; round++) {
        // one insert registers the collection; then 8 connections of single inserts and batches of two
        await s.ask({ insert: "q", documents: [{ _id: "first", a: 1 }], $db: "x" });
        const before = ioInserts(await s.ask({ serverStatus: 1, $db: "admin" }));
        await Promise.all(conns.map(async (c, k) => {
          for (let i = 0; i < 150; i++) {
            const id = k * 1000 + i;
            const docs = i % 10 === 9 ? [{ _id: id, a: i, s: `b${k}` }, { _id: -id - 1, a: [i] }] : [{
              _id: id,
              a: i,
              s: `c${k}`,
            }];
            const reply = BSON.deserialize(
              (await c.ask({ insert: "q", documents: docs, $db: "x" })).subarray(5),
            );
            assert.equal(reply["n"], docs.length, JSON.stringify(reply));
          }
        }));
        const after = ioInserts(await s.ask({ serverStatus: 1, $db: "admin" }));
        assert.ok(after - before > 300, `the I/O thread made ${after - before} of them`);
        const count = await s.ask({ count: "q", $db: "x" });
        assert.equal(Number(count["n"]), 1 + 8 * 150 + 8 * 15);
        const v = await s.ask({ validate: "q", full: true, $db: "x" });
        assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
        // natural order is the order each connection's inserts were made in
        const all = await s.ask({ find: "q", batchSize: 100000, $db: "x" });
        const seen = new Map<number, number>();
        for (const d of ((all["cursor"] as Doc)["firstBatch"] as Doc[]).slice(1)) {
          const id = Number(d["_id"]);
          if (id < 0) continue;
          const k = Math.floor(id / 1000);
          assert.ok((seen.get(k) ?? -1) < id, `natural order of connection ${k}: ${id}`);
          seen.set(k, id);
        }
        await s.ask({ drop: "q", $db: "x" });
        await setUp(s);
      }
      for (const c of conns) c.close();
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name: "retryable inserts on the I/O thread: a retry gets the reply it had and stores nothing, an older " +
    "txnNumber 225; the Node driver's insertOne",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true);
    try {
      const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
      await s.ask({ insert: "t", documents: [{ _id: -1 }], $db: "x" });
      const ins = (txnNumber: number, id: number) => ({
        insert: "t",
        documents: [{ _id: id, v: txnNumber }],
        lsid,
        txnNumber: Long.fromInt(txnNumber),
        $db: "x",
      });
      const io = async () => ioInserts(await s.ask({ serverStatus: 1, $db: "admin" }));
      let t = 0;
      for (let made = 0; made < 3 && t < 40;) {
        const before = await io();
        assert.equal(Number((await s.ask(ins(++t, t)))["n"]), 1);
        if (await io() > before) made++;
      }
      assert.ok(t < 40, "the I/O thread made three of them");
      const again = await s.ask(ins(t, t));
      assert.equal(Number(again["ok"]), 1, JSON.stringify(again));
      assert.equal(Number(again["n"]), 1);
      assert.equal(again["writeErrors"], undefined, "a retry is not a duplicate key");
      assert.equal(Number((await s.ask(ins(t - 1, t - 1)))["code"]), 225);
      assert.equal(Number((await s.ask({ count: "t", $db: "x" }))["n"]), 1 + t);

      const client = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true`);
      try {
        const coll = client.db("x").collection("drv");
        await coll.createIndex({ k: 1 });
        const before = await io();
        for (let i = 0; i < 200; i++) {
          const r = await coll.insertOne({ _id: i, k: i % 7, name: `n${i}`, nested: { a: [i] } } as Doc);
          assert.equal(r.insertedId, i);
        }
        assert.ok(await io() - before > 150, "the driver's inserts were made there");
        assert.equal(await coll.countDocuments({ k: 3 }), 29);
        assert.equal((await coll.find({ k: 3 }).hint({ k: 1 }).toArray()).length, 29);
        const dup = await coll.insertOne({ _id: 5 } as Doc).catch((e) => e);
        assert.equal(dup.code, 11000);
        assert.equal(await coll.estimatedDocumentCount(), 200);
      } finally {
        await client.close();
      }
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name:
    "writes on the I/O thread while an index is being built keep its entries (the registration is dropped " +
    "when the build starts)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true);
    try {
      const batch = (from: number) =>
        Array.from({ length: 1000 }, (_, i) => ({ _id: from + i, a: (from + i) % 97, pad: "p".repeat(200) }));
      for (let k = 0; k < 40; k++) await s.ask({ insert: "b", documents: batch(k * 1000), $db: "x" });
      // registered for inserts and updates by the command layer's own first ones
      await s.ask({ insert: "b", documents: [{ _id: -1, a: 1 }], $db: "x" });
      await s.ask({ update: "b", updates: [{ q: { _id: 0 }, u: { $set: { a: 1000 } } }], $db: "x" });
      const other = await s.connect();
      const build = other.ask({ createIndexes: "b", indexes: [{ key: { a: 1 }, name: "a_1" }], $db: "x" });
      for (let i = 0; i < 400; i++) {
        await s.ask({ insert: "b", documents: [{ _id: 100_000 + i, a: 5000 + i }], $db: "x" });
        await s.ask({
          update: "b",
          updates: [{ q: { _id: i * 50 }, u: { $set: { a: 7000 + i } } }],
          $db: "x",
        });
      }
      const built = BSON.deserialize((await build).subarray(5));
      assert.equal(built["ok"], 1, JSON.stringify(built));
      other.close();
      const v = await s.ask({ validate: "b", full: true, $db: "x" });
      assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)).slice(0, 2000));
      const hinted = await s.ask({ count: "b", query: { a: { $gte: 5000 } }, hint: "a_1", $db: "x" });
      assert.equal(Number(hinted["n"]), 800);
    } finally {
      await s.close();
    }
  },
});
