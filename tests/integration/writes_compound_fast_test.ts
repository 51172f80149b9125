/**
 * Inserts, updates and deletes by `_id` on a collection whose secondary indexes are descending and
 * compound indexes of scalar top-level fields (`{c: 1, at: -1}`, `{s: 1, at: -1}`, `{at: -1}`, `{n: 1}`),
 * answered by the frame I/O thread (ffi/wiredtiger/shim/io_fast_keys.c: each index's key of the document,
 * a descending field's bytes inverted; an update changing a field of one moves its entry in the same
 * transaction): random sequences of them — values of several types (strings, numbers of each type,
 * fractions, booleans, null, dates, ObjectIds, arrays: the command layer's), fields missing, the same
 * value again (nModified 0), deletes of missing documents — sent to a server with the I/O thread's writes
 * and one with `SECANTUS_FAST_WRITES=0` (the command layer). After each batch: the documents, `validate`'s
 * keysPerIndex, finds through each index by hint in both directions and sorts by each compound key
 * pattern are the same on both; at the end the oplog's entries are too (but for times and UUIDs), and the
 * I/O thread answered most of the writes. Also through the Node driver (retryable writes, as drivers send
 * them), on the orders schema of /work/meas/survey44.mjs without its multikey and dotted indexes.
 */
import assert from "node:assert/strict";
import { BSON, Double, Int32, Long, ObjectId } from "bson";
import {
  driverTest,
  found,
  pairTest,
  rng,
  sameReplies,
  type WriteSide as Side,
  writeSide,
} from "./helpers/pair_servers.ts";
import { pick } from "../../src/testing/seeded_random.ts";

type Doc = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type AnyDoc = any; // the driver's Filter typing would refuse numeric _ids

const INDEXES: { name: string; key: Doc }[] = [
  { name: "c_at", key: { c: 1, at: -1 } },
  { name: "s_at", key: { s: 1, at: -1 } },
  { name: "at_-1", key: { at: -1 } },
  { name: "n_1", key: { n: 1 } },
];
const FIELDS = ["c", "s", "at", "n", "plain"] as const;
const IDS = 40;

/** A value of a field: mostly kinds the I/O thread keys, some it leaves to the command layer. */
function value(r: () => number): unknown {
  return pick(r, [
    () => pick(r, ["a", "b", "c", ""]),
    () => pick(r, ["a", "b"]),
    () => new Int32(Math.floor(r() * 4) - 1),
    () => Long.fromInt(Math.floor(r() * 4)),
    () => new Double(Math.floor(r() * 4)),
    () => new Double(-0),
    () => new Double(2.5),
    () => null,
    () => r() < 0.5,
    () => new Date(1.7e12 + Math.floor(r() * 4) * 1000),
    () => new Date(-1000 * Math.floor(r() * 3)),
    () => new ObjectId(`6500000000000000000000${Math.floor(r() * 3)}0`),
    () => new Date(1.7e12 + Math.floor(r() * 4) * 1000),
    () => (r() < 0.1 ? [1, 2] : "a"),
  ])();
}

/** A document of `_id` id: each field present or not. */
function document(r: () => number, id: number): Doc {
  const d: Doc = { _id: id };
  for (const f of FIELDS) if (r() < 0.75) d[f] = value(r);
  return d;
}

/** A random write by `_id` (one of IDS): an insert (one there: E11000), an update (`$set`, `$inc`), a delete. */
function write(r: () => number): Doc {
  const x = r();
  const id = Math.floor(r() * IDS);
  if (x < 0.3) return { insert: "o", documents: [document(r, id)], $db: "x" };
  if (x < 0.5) return { delete: "o", deletes: [{ q: { _id: id }, limit: 1 }], $db: "x" };
  const set: Doc = {};
  const n = r() < 0.6 ? 1 : 2;
  for (let k = 0; k < n; k++) set[pick(r, FIELDS)] = value(r);
  const u: Doc = r() < 0.15 ? { $inc: { n: new Int32(1) } } : { $set: set };
  return { update: "o", updates: [{ q: { _id: id }, u }], $db: "x" };
}

pairTest(
  writeSide,
  "writes by _id on compound and descending indexes: documents, index entries and oplog are the command layer's",
  async (sides) => {
    const r = rng(45);
    for (const s of sides) {
      await s.ask({ createIndexes: "o", indexes: INDEXES, $db: "x" });
      // (the first write of each kind is the command layer's: it registers the namespace)
      for (let i = 0; i < IDS / 2; i++) {
        await s.ask({ insert: "o", documents: [document(rng(i), i)], $db: "x" });
      }
    }
    for (let i = 0; i < 1500; i++) {
      const q = write(r);
      await sameReplies(sides, q, `request ${i}`);
      if (i % 150 === 149) await check(sides, i);
    }
    await check(sides, -1);
    const entries = await Promise.all(sides.map((s) =>
      found(s, {
        find: "oplog.rs",
        filter: { ns: "x.o" },
        projection: { ts: 0, wall: 0, ui: 0 },
        $db: "local",
      })
    ));
    assert.equal(entries[0]!.length, entries[1]!.length);
    assert.deepEqual(entries[0], entries[1], "oplog entries");
    const [sa, sb] = await Promise.all(sides.map((s) => s.ask({ serverStatus: 1, $db: "admin" })));
    const io = (st: Doc, k: string) => Number(((st["secantus"] as Doc)["ioThread"] as Doc)[k]);
    for (const k of ["inserts", "updates", "deletes"]) {
      assert.equal(io(sb!, k), 0);
      assert.ok(io(sa!, k) > 100, `the I/O thread answered ${io(sa!, k)} ${k}`);
    }
    assert.deepEqual((sa!["metrics"] as Doc)["document"], (sb!["metrics"] as Doc)["document"]);
  },
);

/** Documents, index entries and index-order scans the same on both sides. */
async function check(sides: Side[], at: number): Promise<void> {
  const [a, b] = await Promise.all(sides.map((s) => found(s, { find: "o", sort: { _id: 1 }, $db: "x" })));
  assert.deepEqual(a, b, `documents at ${at}`);
  const vs = await Promise.all(sides.map((s) => s.ask({ validate: "o", full: true, $db: "x" })));
  for (const v of vs) assert.equal(v["valid"], true, `at ${at}: ${JSON.stringify(BSON.EJSON.serialize(v))}`);
  assert.deepEqual(vs[0]!["keysPerIndex"], vs[1]!["keysPerIndex"], `keys per index at ${at}`);
  for (const ix of INDEXES) {
    const inverse = Object.fromEntries(Object.entries(ix.key).map(([k, d]) => [k, -(d as number)]));
    for (const sort of [ix.key, inverse]) {
      const q = { find: "o", hint: ix.name, sort, projection: { _id: 1 }, $db: "x" };
      const [x, y] = await Promise.all(sides.map((s) => found(s, q)));
      assert.deepEqual(x, y, `o by ${ix.name} sorted ${JSON.stringify(sort)} at ${at}`);
      assert.equal(x!.length, a!.length, `every document once in ${ix.name} at ${at}`);
    }
    // a walk of the index alone (no sort): its entries' order
    const q = { find: "o", hint: ix.name, projection: { _id: 1 }, $db: "x" };
    const [x, y] = await Promise.all(sides.map((s) => found(s, q)));
    assert.deepEqual(x, y, `o by ${ix.name} at ${at}`);
  }
  // equality prefixes through the compound indexes, newest first
  for (const v of ["a", "b", ""]) {
    for (const [f, hint] of [["c", "c_at"], ["s", "s_at"]] as const) {
      const q = { find: "o", filter: { [f]: v }, sort: { at: -1 }, hint, projection: { _id: 1 }, $db: "x" };
      const [x, y] = await Promise.all(sides.map((s) => found(s, q)));
      assert.deepEqual(x, y, `${f} = ${v} by ${hint} at ${at}`);
    }
  }
}

driverTest(
  "orders with compound and descending indexes through the Node driver: writes on the I/O thread",
  async (client, s) => {
    const orders = client.db("x").collection<AnyDoc>("orders");
    await orders.createIndex({ customerId: 1, createdAt: -1 });
    await orders.createIndex({ status: 1, createdAt: -1 });
    await orders.createIndex({ createdAt: 1 });
    const cid = (i: number) => new ObjectId((0x10000000 + i).toString(16).padStart(24, "0"));
    const order = (i: number) => ({
      _id: i,
      customerId: cid(i % 7),
      status: "pending",
      total: i * 3,
      items: [{ sku: "a", qty: 1 }],
      createdAt: new Date(1.7e12 + i * 60000),
      address: { city: "Oslo" },
    });
    const st0 = await s.ask({ serverStatus: 1, $db: "admin" });
    for (let i = 0; i < 60; i++) await orders.insertOne(order(i));
    for (let i = 0; i < 60; i += 2) {
      const r = await orders.updateOne({ _id: i }, {
        $set: { status: "paid", updatedAt: new Date(1.8e12 + i) },
      });
      assert.equal(r.modifiedCount, 1);
    }
    for (let i = 0; i < 60; i += 3) assert.equal((await orders.deleteOne({ _id: i })).deletedCount, 1);
    const st1 = await s.ask({ serverStatus: 1, $db: "admin" });
    const io = (st: Doc, k: string) => Number(((st["secantus"] as Doc)["ioThread"] as Doc)[k]);
    for (const k of ["inserts", "updates", "deletes"]) {
      assert.ok(io(st1, k) - io(st0, k) >= 15, `the I/O thread answered ${io(st1, k) - io(st0, k)} ${k}`);
    }
    const want = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 3 !== 0);
    // newest first through {status: 1, createdAt: -1}
    const paid = await orders.find({ status: "paid" }).sort({ createdAt: -1 }).hint("status_1_createdAt_-1")
      .toArray();
    assert.deepEqual(paid.map((d) => d["_id"]), want.filter((i) => i % 2 === 0).reverse());
    const c3 = await orders.find({ customerId: cid(3) }).sort({ createdAt: -1 }).hint(
      "customerId_1_createdAt_-1",
    ).toArray();
    assert.deepEqual(c3.map((d) => d["_id"]), want.filter((i) => i % 7 === 3).reverse());
    const byDate = await orders.find({}).hint("createdAt_1").toArray();
    assert.deepEqual(byDate.map((d) => d["_id"]), want);
    const v = await client.db("x").command({ validate: "orders", full: true });
    assert.equal(v["valid"], true, JSON.stringify(v));
    for (const n of Object.values(v["keysPerIndex"] as Record<string, number>)) {
      assert.equal(n, want.length);
    }
    // the same value again: nothing modified
    assert.equal((await orders.updateOne({ _id: 2 }, { $set: { status: "paid" } })).modifiedCount, 0);
  },
);
