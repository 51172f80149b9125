/**
 * Updates by `_id` of a field an ascending single-field index reads, answered by the frame I/O thread
 * (ffi/wiredtiger/shim/io_fast_update.c: the stored value's entry removed, the new one's inserted in the
 * same transaction; updatable_collection.ts `updateIndexes`), and `$set`s of dates: random sequences of
 * `$set`/`$inc` of indexed and unindexed fields (strings, numbers of each type, fractions, booleans, null,
 * dates, arrays, the field missing or present, the same value again: nModified 0) sent to a server with the
 * I/O thread's writes and one with `SECANTUS_FAST_WRITES=0` (the command layer). After each batch: every
 * document is what a reference model computes here (byte for byte) and the same on both servers,
 * `validate` finds every index consistent, finds through each index (hint) return the model's documents;
 * at the end the oplog's update entries are the command layer's, byte for byte (but for times and UUIDs).
 * Collections beside it: a unique index on another field (its field the command layer's, the ascending
 * one's the I/O thread's), a compound index (the command layer's). Also through the Node driver
 * (retryable updates, as drivers send them), and from 16 connections over two I/O loops at once (every
 * increment once, the index entries their documents' keys).
 */
import assert from "node:assert/strict";
import { BSON, Double, Int32, Long } from "bson";
import { MongoClient } from "mongodb";
import {
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

const FIELDS = ["status", "score", "at", "plain"] as const;
const N = 24;

/** A value `$set` writes (most of the kinds the I/O thread takes, some it leaves to the command layer). */
function value(r: () => number): unknown {
  return pick(r, [
    () => pick(r, ["new", "paid", "shipped", "done", ""]),
    () => pick(r, ["new", "paid"]),
    () => new Int32(Math.floor(r() * 5)),
    () => Long.fromInt(Math.floor(r() * 5)),
    () => new Double(Math.floor(r() * 5)),
    () => new Double(-0),
    () => new Double(2.5),
    () => null,
    () => r() < 0.5,
    () => new Date(1.7e12 + Math.floor(r() * 4) * 1000),
    () => new Date(1.7e12 + Math.floor(r() * 4) * 1000),
    () => [1, 2],
  ])();
}

/** An `$inc` amount of a number type. */
function amount(r: () => number): unknown {
  return pick(r, [() => new Int32(1), () => new Int32(-2), () => Long.fromInt(3), () => new Double(1)])();
}

/** A number stored (Int32, Long, Double) as its kind and value; undefined for anything else. */
function num(v: unknown): { kind: "int" | "long" | "double"; n: number } | undefined {
  if (v instanceof Int32) return { kind: "int", n: v.value };
  if (v instanceof Long) return { kind: "long", n: v.toNumber() };
  if (v instanceof Double) return { kind: "double", n: v.value };
  return undefined;
}

/** Strict BSON identity of two values of the kinds used here (0 and -0 the same double). */
function same(a: unknown, b: unknown): boolean {
  const x = num(a), y = num(b);
  if (x !== undefined || y !== undefined) return x?.kind === y?.kind && x?.n === y?.n;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/**
 * The model's update of `doc` (its fields in order): each field of `set`/`inc` in path order, a present
 * one replaced in place, a missing one appended; whether anything changed, or undefined when the update
 * fails (an `$inc` of a non-number).
 */
function applyModel(stored: Doc, set: Doc, inc: Doc): boolean | undefined {
  const doc = { ...stored }; // (an update that fails changes nothing)
  const names = [...Object.keys(set), ...Object.keys(inc)].sort();
  let changed = false;
  for (const f of names) {
    let now: unknown;
    if (f in set) now = set[f];
    else {
      const by = num(inc[f])!;
      if (!(f in doc)) now = inc[f];
      else {
        const old = num(doc[f]);
        if (old === undefined) return undefined;
        const sum = old.n + by.n;
        const kind = old.kind === "double" || by.kind === "double"
          ? "double"
          : old.kind === "long" || by.kind === "long"
          ? "long"
          : "int";
        now = kind === "double" ? new Double(sum) : kind === "long" ? Long.fromNumber(sum) : new Int32(sum);
      }
    }
    if (f in doc && same(doc[f], now)) continue;
    doc[f] = now;
    changed = true;
  }
  Object.assign(stored, doc);
  return changed;
}

/** The index scans compared: each index of "u" by hint, every entry's document in index order. */
const HINTS = ["status_1", "score_1", "at_1"];

pairTest(
  writeSide,
  "indexed updates by _id: documents, index entries and oplog entries are the command layer's and the model's",
  async (sides, fast) => {
    const r = rng(44);
    const model = new Map<number, Doc>();
    const docs: Doc[] = [];
    for (let i = 0; i < N; i++) {
      const d: Doc = { _id: i };
      for (const f of FIELDS) if (r() < 0.7) d[f] = f === "score" ? new Int32(i % 5) : value(r);
      docs.push(d);
      model.set(i, { ...d });
    }
    for (const s of sides) {
      await s.ask({
        createIndexes: "u",
        indexes: HINTS.map((name) => ({ key: { [name.slice(0, -2)]: 1 }, name })),
        $db: "x",
      });
      await s.ask({
        createIndexes: "q",
        indexes: [{ key: { email: 1 }, name: "email_1", unique: true }, {
          key: { status: 1 },
          name: "status_1",
        }],
        $db: "x",
      });
      await s.ask({ createIndexes: "m", indexes: [{ key: { status: 1, score: 1 }, name: "ss" }], $db: "x" });
      await s.ask({ insert: "u", documents: docs, $db: "x" });
      for (const c of ["q", "m"]) {
        await s.ask({ insert: c, documents: docs.map((d) => ({ ...d, email: `e${d["_id"]}` })), $db: "x" });
      }
    }
    for (let i = 0; i < 1600; i++) {
      const coll = r() < 0.8 ? "u" : pick(r, ["q", "m"]);
      const id = Math.floor(r() * N);
      const set: Doc = {};
      const inc: Doc = {};
      const n = r() < 0.7 ? 1 : 2;
      for (let k = 0; k < n; k++) {
        const f = pick(r, FIELDS);
        if (f in set || f in inc) continue;
        if (f === "score" && r() < 0.4) inc[f] = amount(r);
        else set[f] = value(r);
      }
      if (coll === "q" && r() < 0.1) set["email"] = `e${id}`; // (a unique index's field: the command layer's)
      const u: Doc = {};
      if (Object.keys(set).length > 0) u["$set"] = set;
      if (Object.keys(inc).length > 0) u["$inc"] = inc;
      const q = { update: coll, updates: [{ q: { _id: id }, u }], $db: "x" };
      const [reply] = await sameReplies(sides, q, `request ${i}`);
      if (coll === "u") {
        const doc = model.get(id)!;
        const changed = applyModel(doc, set, inc);
        if (changed === undefined) assert.ok(reply!["writeErrors"] !== undefined, `request ${i}: an error`);
        else assert.equal(Number(reply!["nModified"]), changed ? 1 : 0, `request ${i}: nModified`);
      }
      if (i % 200 === 199) await check(sides, fast, model, i);
    }
    await check(sides, fast, model, -1);
    const entries = await Promise.all(sides.map((s) =>
      found(s, {
        find: "oplog.rs",
        filter: { op: "u", ns: { $regex: "^x\\." } },
        projection: { ts: 0, wall: 0, ui: 0 },
        $db: "local",
      })
    ));
    assert.equal(entries[0]!.length, entries[1]!.length);
    assert.deepEqual(entries[0], entries[1], "oplog update entries");
    const [sa, sb] = await Promise.all(sides.map((s) => s.ask({ serverStatus: 1, $db: "admin" })));
    const io = (st: Doc) => Number(((st["secantus"] as Doc)["ioThread"] as Doc)["updates"]);
    assert.equal(io(sb!), 0);
    assert.ok(io(sa!) > 500, `the I/O thread answered ${io(sa!)} updates`);
    assert.deepEqual((sa!["metrics"] as Doc)["document"], (sb!["metrics"] as Doc)["document"]);
  },
);

/** Documents as the model has them, on both sides; indexes valid; every index scan the same on both. */
async function check(sides: Side[], fast: Side, model: Map<number, Doc>, at: number): Promise<void> {
  const want = [...model.keys()].sort((a, b) => a - b).map((id) =>
    new Uint8Array(BSON.serialize(model.get(id)!))
  );
  for (const c of ["u", "q", "m"]) {
    const [a, b] = await Promise.all(sides.map((s) => found(s, { find: c, sort: { _id: 1 }, $db: "x" })));
    assert.deepEqual(a, b, `documents of ${c} at ${at}`);
    if (c === "u") {
      assert.deepEqual(
        a!.map((x) => BSON.deserialize(x)),
        want.map((x) => BSON.deserialize(x)),
        `model at ${at}`,
      );
      assert.deepEqual(a, want, `model bytes at ${at}`);
    }
    for (const s of sides) {
      const v = await s.ask({ validate: c, full: true, $db: "x" });
      assert.equal(v["valid"], true, `${c} at ${at}: ${JSON.stringify(BSON.EJSON.serialize(v))}`);
    }
    const [va, vb] = await Promise.all(sides.map((s) => s.ask({ validate: c, full: true, $db: "x" })));
    assert.deepEqual(va!["keysPerIndex"], vb!["keysPerIndex"], `keys per index of ${c} at ${at}`);
  }
  for (const hint of HINTS) {
    const [a, b] = await Promise.all(sides.map((s) => found(s, { find: "u", hint, $db: "x" })));
    assert.deepEqual(a, b, `u by ${hint} at ${at}`);
    assert.equal(a!.length, model.size, `every document once in ${hint} at ${at}`);
  }
  // equality finds through the index: the model's documents of each status string
  for (const v of ["new", "paid", "shipped", "done", ""]) {
    const wantIds = [...model.entries()].filter(([, d]) => d["status"] === v).map(([id]) => id);
    for (const s of sides) { // (both: the counters compared at the end count the documents returned)
      const got = await found(s, { find: "u", filter: { status: v }, hint: "status_1", $db: "x" });
      const ids = got.map((x) => BSON.deserialize(x)["_id"] as number).sort((p, q) => p - q);
      assert.deepEqual(
        ids,
        wantIds,
        `status ${JSON.stringify(v)} at ${at}${s === fast ? "" : " (command layer)"}`,
      );
    }
  }
}

Deno.test({
  name: "indexed updates by _id through the Node driver (retryable): on the I/O thread, the index follows",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true);
    const client = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true`);
    try {
      const coll = client.db("x").collection<AnyDoc>("orders");
      await coll.createIndex({ status: 1 });
      await coll.createIndex({ updatedAt: 1 });
      await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, status: "new" })));
      const before = await s.ask({ serverStatus: 1, $db: "admin" });
      const io = (st: Doc) => Number(((st["secantus"] as Doc)["ioThread"] as Doc)["updates"]);
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 20; i++) {
          const r = await coll.updateOne({ _id: i }, {
            $set: {
              status: ["paid", "shipped", "done"][round]!,
              updatedAt: new Date(1.7e12 + round * 1000 + i),
            },
          });
          assert.equal(r.modifiedCount, 1);
        }
      }
      const after = await s.ask({ serverStatus: 1, $db: "admin" });
      // (the first is the command layer's, which registers the collection; a slow write there hands the
      // namespace's writes back for 100 ms)
      assert.ok(io(after) - io(before) >= 30, `the I/O thread answered ${io(after) - io(before)} of 60`);
      assert.equal(await coll.countDocuments({ status: "done" }, { hint: "status_1" }), 20);
      assert.equal(await coll.countDocuments({ status: "new" }, { hint: "status_1" }), 0);
      const late = await coll.find({ updatedAt: { $gte: new Date(1.7e12 + 2000) } }).hint("updatedAt_1")
        .toArray();
      assert.deepEqual(late.map((d) => d["_id"]), Array.from({ length: 20 }, (_, i) => i));
      assert.equal(late[3]!["updatedAt"].getTime(), 1.7e12 + 2003);
      const v = await client.db("x").command({ validate: "orders", full: true });
      assert.equal(v["valid"], true);
      // the same value again: nothing modified
      assert.equal((await coll.updateOne({ _id: 1 }, { $set: { status: "done" } })).modifiedCount, 0);
    } finally {
      await client.close();
      await s.close();
    }
  },
});

Deno.test({
  name: "indexed updates by _id from 16 connections over two I/O loops: the index stays its documents' keys",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true, 2);
    const client = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true`, {
      maxPoolSize: 16,
    });
    try {
      const coll = client.db("x").collection<AnyDoc>("busy");
      await coll.createIndex({ status: 1 });
      await coll.createIndex({ n: 1 });
      await coll.insertMany(Array.from({ length: 8 }, (_, i) => ({ _id: i, status: "s0", n: 0 })));
      // (few documents: the loops' transactions conflict often, each conflict the command layer's)
      await Promise.all(Array.from({ length: 16 }, async (_, w) => {
        for (let k = 0; k < 150; k++) {
          const id = (w * 7 + k) % 8;
          await coll.updateOne({ _id: id }, { $set: { status: `s${(w + k) % 5}` }, $inc: { n: 1 } });
        }
      }));
      const docs = await coll.find({}).sort({ _id: 1 }).toArray();
      assert.equal(docs.reduce((t, d) => t + d["n"], 0), 16 * 150, "every increment once");
      const byStatus = await coll.find({}).hint("status_1").toArray();
      const byN = await coll.find({}).hint("n_1").toArray();
      assert.equal(byStatus.length, 8);
      assert.equal(byN.length, 8);
      for (let v = 0; v < 5; v++) {
        const want = docs.filter((d) => d["status"] === `s${v}`).map((d) => d["_id"]);
        const got = (await coll.find({ status: `s${v}` }).hint("status_1").toArray()).map((d) => d["_id"]);
        assert.deepEqual(got.sort(), want.sort(), `status s${v}`);
      }
      const v = await client.db("x").command({ validate: "busy", full: true });
      assert.equal(v["valid"], true, JSON.stringify(v));
      const st = await s.ask({ serverStatus: 1, $db: "admin" });
      const io = Number(((st["secantus"] as Doc)["ioThread"] as Doc)["updates"]);
      assert.ok(io > 100, `the I/O threads answered ${io} updates`);
    } finally {
      await client.close();
      await s.close();
    }
  },
});
