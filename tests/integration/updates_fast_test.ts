/**
 * Updates by `_id` answered by the frame I/O thread (ffi/wiredtiger/shim/io_fast_write.c,
 * src/commands/updatable_collection.ts): the same requests sent to two servers holding the same
 * documents — one with the I/O thread's updates, one with `SECANTUS_FAST_WRITES=0` (every update
 * through the command layer) — get the same replies (but for the cluster times), leave the same
 * documents and the same oplog entries, byte for byte (but for their times and collection UUIDs), and
 * the same counters, over random `$inc`s of every stored and operand type and `$set`s of every stored
 * type to values of every kind (the same value, the same number in another type, strings longer and
 * shorter, ±0, NaN, documents, ...), indexed and unindexed fields, names the command layer's byte patch
 * leaves to its whole update (all digits), collections with a validator or a text index, missing
 * documents, and requests the I/O thread does not take. Also: many connections updating while the
 * command layer writes elsewhere (every increment applied once, the oplog's times unique and in commit
 * order); a transaction holding the document; a change stream seeing every update.
 */
import assert from "node:assert/strict";
import { Binary, BSON, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { rawConnection } from "./helpers/raw_wire.ts";
import { pick } from "../../src/testing/seeded_random.ts";
import {
  found,
  pairTest,
  rng,
  sameReplies,
  type WriteSide as Side,
  writeSide as side,
} from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

/** Oplog update entries of db `x` in order, without their times and collection UUIDs. */
async function updateEntries(s: Side): Promise<Uint8Array[]> {
  return await found(s, {
    find: "oplog.rs",
    filter: { op: "u", ns: { $regex: "^x\\." } },
    projection: { ts: 0, wall: 0, ui: 0 },
    $db: "local",
  });
}

async function allDocs(s: Side, coll: string): Promise<Uint8Array[]> {
  return await found(s, { find: coll, sort: { _id: 1 }, $db: "x" });
}

async function status(s: Side): Promise<Doc> {
  return await s.ask({ serverStatus: 1, $db: "admin" });
}

function ioUpdates(st: Doc): number {
  return Number(((st["secantus"] as Doc)["ioThread"] as Doc)["updates"]);
}

const IDS: unknown[] = [
  ...Array.from({ length: 12 }, (_, i) => i),
  new Long(40),
  new Double(41),
  "s1",
  "s2",
  new ObjectId("65a1b2c3d4e5f60718293a40"),
];

/** A stored value of one of the kinds a counter may hold. */
function stored(r: () => number): unknown {
  if (r() < 0.6) {
    return pick(r, [
      () => new Int32(Math.floor(r() * 200) - 100),
      () => Long.fromInt(Math.floor(r() * 200)),
      () => new Double(r() * 100),
    ])();
  }
  return pick(r, [
    () => new Int32(2147483647 - Math.floor(r() * 3)),
    () => new Int32(-2147483648 + Math.floor(r() * 3)),
    () => Long.fromBigInt(BigInt(Math.floor(r() * 1e6))),
    () => Long.fromBigInt(9223372036854775807n - BigInt(Math.floor(r() * 3))),
    () => new Double(r() * 100),
    () => new Double(-0),
    () => new Double(Number.NaN),
    () => new Double(1e300),
    () => Decimal128.fromString("1.5"),
    () => "text",
    () => null,
    () => [1, 2],
    () => ({ n: 1 }),
    () => true,
  ])();
}

/** An `$inc` operand of any kind (most numeric). */
function operand(r: () => number): unknown {
  return pick(r, [
    () => new Int32(1),
    () => new Int32(1),
    () => new Int32(Math.floor(r() * 7) - 3),
    () => new Double(2.5),
    () => new Int32(2147483647),
    () => Long.fromInt(5),
    () => Long.fromBigInt(9223372036854775807n),
    () => new Double(0.25),
    () => new Double(0),
    () => new Double(Number.NaN),
    () => new Double(1),
    () => Decimal128.fromString("2"),
    () => "x",
  ])();
}

/**
 * A `$set` value: most of the kinds the I/O thread takes (int32, int64, double, string, boolean, null —
 * the same value as one stored, the same number in another type, strings of the stored one's length and
 * of others, short and long, non-ASCII), and kinds it leaves to the command layer (NaN, a string with a
 * NUL or a leading byte-order mark, documents, arrays, decimals, dates, ObjectIds, ...).
 */
function setValue(r: () => number, taken = 0.75): unknown {
  if (r() < taken) {
    return pick(r, [
      () => new Int32(Math.floor(r() * 3)),
      () => new Int32(Math.floor(r() * 200) - 100),
      () => new Int32(2147483647),
      () => Long.fromInt(Math.floor(r() * 3)),
      () => Long.fromBigInt(-9223372036854775808n),
      () => new Double(Math.floor(r() * 3)),
      () => new Double(0.5),
      () => new Double(r() * 100),
      () => new Double(0),
      () => new Double(-0),
      () => new Double(1e300),
      () => new Double(-Infinity),
      () => new Double(5e-324),
      () => new Double(2 ** 53 + 2),
      () => "text",
      () => "txet",
      () => "tex",
      () => "texts",
      () => "",
      () => "né",
      () => "日本語のテキスト",
      () => "😀",
      () => "y".repeat(255),
      () => "y".repeat(256),
      () => "y".repeat(Math.floor(r() * 4000)),
      () => "é".repeat(200),
      () => true,
      () => false,
      () => null,
    ])();
  }
  return pick(r, [
    () => new Double(Number.NaN),
    () => "a\u0000b",
    () => "\uFEFFbom",
    () => [1, 2],
    () => [],
    () => ({ n: 1 }),
    () => ({}),
    () => Decimal128.fromString("1"),
    () => new Date(1700000000000),
    () => new ObjectId("65a1b2c3d4e5f60718293a41"),
    () => new Timestamp({ t: 1, i: 2 }),
    () => new Binary(new Uint8Array([1, 2, 3])),
    () => /re/i,
    () => stored(r),
  ])();
}

const FIELDS = [
  "n",
  "m",
  "d",
  "n",
  "m",
  "d",
  "a",
  "b",
  "p",
  "absent",
  "né",
  "_id",
  "x.y",
  "$bad",
  "",
  "7",
  "01",
  "pad",
];

function doc(r: () => number, id: unknown): Doc {
  const d: Doc = { _id: id };
  for (const f of ["n", "m", "d", "a", "b", "p"]) if (r() < 0.85) d[f] = stored(r);
  if (r() < 0.1) d["pad"] = "z".repeat(Math.floor(r() * 3000));
  if (r() < 0.5) d["s"] = pick(r, ["text", "y".repeat(300), "né", ""]);
  return d;
}

/**
 * An update of `coll`; `plain`: by `_id`, `$inc` or `$set` of a field no index reads, nothing else. About
 * half are `$set`s.
 */
/**
 * `$set` and/or `$inc` of two to five fields (io_fast_update.c: path order, changed ones in place, new ones
 * appended), now and then a name twice, an empty operator, an unchanged value or a non-ASCII name (JS's).
 */
function severalFields(r: () => number, plain: boolean): Doc {
  const names = ["n", "m", "d", "absent", "s", "pad", "b2", "zz", "aa", "n2", "m_"];
  if (!plain) names.push("né", "a", "1", "");
  const set: Doc = {};
  const inc: Doc = {};
  const k = 2 + Math.floor(r() * 4);
  for (let i = 0; i < k; i++) {
    const f = pick(r, names);
    if (r() < 0.5) {
      inc[f] = r() < 0.7
        ? pick(r, [new Int32(1), new Int32(-2), Long.fromInt(3), new Double(1.5)])
        : operand(r);
    } else set[f] = setValue(r, plain ? 0.9 : 0.75);
  }
  if (r() < 0.05 && Object.keys(set).length > 0) inc[Object.keys(set)[0]!] = new Int32(1); // (a name twice)
  const u: Doc = {};
  const incFirst = r() < 0.5;
  if (incFirst && (Object.keys(inc).length > 0 || r() < 0.03)) u["$inc"] = inc;
  if (Object.keys(set).length > 0 || r() < 0.03) u["$set"] = set;
  if (!incFirst && (Object.keys(inc).length > 0 || r() < 0.03)) u["$inc"] = inc;
  return Object.keys(u).length > 0 ? u : { $set: { n: new Int32(1) } };
}

function updateRequest(r: () => number, coll: string, plain = false): Doc {
  const field = plain ? pick(r, ["n", "m", "d", "absent", "né", "s", "pad"]) : pick(r, FIELDS);
  let u: Doc;
  if (r() < 0.5) {
    const amount = plain && r() < 0.8
      ? pick(r, [new Int32(1), new Int32(-3), new Int32(2147483647), Long.fromInt(7), new Double(0.5)])
      : operand(r);
    u = { $inc: { [field]: amount } };
  } else {
    u = { $set: { [field]: setValue(r, plain ? 0.9 : 0.75) } };
    // (now and then a second field, or `$inc` too: the command layer's)
    const more = plain ? 1 : r();
    if (more < 0.06) (u["$set"] as Doc)[pick(r, ["n", "other"])] = new Int32(1);
    else if (more < 0.12) u = { $inc: { other: new Int32(1) }, ...u };
  }
  if (r() < 0.3) u = severalFields(r, plain);
  const st: Doc = { q: { _id: pick(r, IDS) }, u };
  const shape = plain ? 1 : r();
  if (shape < 0.05) (st["u"] as Doc)["$set"] = { ...(st["u"] as Doc)["$set"] as Doc, other: 1 };
  else if (shape < 0.1) st["upsert"] = true;
  else if (shape < 0.15) st["multi"] = false;
  else if (shape < 0.18) st["upsert"] = false;
  else if (shape < 0.2) st["q"] = { _id: pick(r, IDS), n: 1 };
  const q: Doc = { update: coll, updates: [st] };
  if (r() < 0.5) q["ordered"] = r() < 0.9;
  if (r() < 0.1) {
    q["writeConcern"] = pick(r, [
      { w: 1 },
      { w: "majority" },
      { w: "majority", wtimeout: 1000 },
      { w: 1, j: false },
      { w: 1, j: true },
      { w: 0 },
      { w: 2, wtimeout: 10 },
      { w: "majority", fsync: false },
      {},
    ]);
  }
  if (r() < 0.05) q["bypassDocumentValidation"] = true;
  if (r() < 0.05) q["comment"] = "c";
  q["$db"] = "x";
  return q;
}

pairTest(
  side,
  "updates by _id: the I/O thread's replies, documents, oplog entries and counters are the command layer's",
  async (sides, fast) => {
    const r = rng(7);
    const colls = ["c", "c", "c", "v", "w"];
    const docs = IDS.slice(0, 14).map((id) => doc(r, id));
    for (const s of sides) {
      await s.ask({ create: "v", validator: { n: { $exists: true } }, validationAction: "warn", $db: "x" });
      await s.ask({
        createIndexes: "c",
        indexes: [
          { key: { a: 1 }, name: "a_1" },
          { key: { "b.c": 1 }, name: "bc_1", partialFilterExpression: { p: { $gt: 0 } } },
        ],
        $db: "x",
      });
      await s.ask({ createIndexes: "w", indexes: [{ key: { t: "text" }, name: "t_text" }], $db: "x" });
      for (const c of ["c", "v", "w"]) await s.ask({ insert: c, documents: docs, $db: "x" });
    }
    let last: Doc | undefined;
    for (let i = 0; i < 3000; i++) {
      if (i === 1500) {
        // documents of numbers again (the first half left many a decimal, a NaN or a string)
        const fresh = IDS.slice(0, 14).map((id) => ({
          _id: id,
          n: new Int32(i),
          m: Long.fromInt(i),
          d: new Double(0.5),
          s: "text",
        }));
        for (const s of sides) {
          await s.ask({ delete: "c", deletes: [{ q: {}, limit: 0 }], $db: "x" });
          await s.ask({ insert: "c", documents: fresh, $db: "x" });
        }
      }
      // (the second half: mostly the shape the I/O thread takes, so its edges — overflows, type changes,
      // new fields — are reached often)
      // (now and then the last request again: the same value set twice, the second changing nothing)
      const q = last !== undefined && r() < 0.08
        ? last
        : i < 1500
        ? updateRequest(r, pick(r, colls))
        : updateRequest(r, "c", r() < 0.8);
      last = q;
      // (its statements as a document sequence, as PyMongo sends them, now and then)
      await sameReplies(sides, q, `request ${i}`, r() < 0.3);
      if (i % 300 === 299) {
        // a catalog change now and then (registrations dropped, made again)
        for (const s of sides) {
          await s.ask({ createIndexes: "c", indexes: [{ key: { z: 1 }, name: `z${i}` }], $db: "x" });
        }
      }
    }
    // `$set`'s edges in a row, each changing nothing or something by strict BSON identity: 0 and -0 are
    // the same double; an int32, an int64 and a double of one value are not the same; equal strings are
    const edges: unknown[] = [
      new Int32(1),
      new Double(0),
      new Double(-0),
      new Double(0),
      new Int32(0),
      new Int32(0),
      new Double(-0),
      new Double(0),
      new Double(-0),
      Long.fromInt(0),
      Long.fromInt(0),
      "abc",
      "abd",
      "abd",
      "abcd",
      "",
      "",
      null,
      null,
      false,
      true,
      true,
      new Double(3),
      new Int32(3),
      Long.fromInt(3),
      new Double(3.5),
      new Double(3.5),
    ];
    for (const [k, value] of edges.entries()) {
      const q = { update: "c", updates: [{ q: { _id: 0 }, u: { $set: { e: value } } }], $db: "x" };
      await sameReplies(sides, q, `edge ${k}`);
    }
    for (const c of ["c", "v", "w"]) {
      const [a, b] = await Promise.all(sides.map((s) => allDocs(s, c)));
      assert.deepEqual(a, b, `documents of ${c}`);
      // every index entry is the key its record makes (a_1's moved by the I/O thread too)
      const v = await fast.ask({ validate: c, full: true, $db: "x" });
      assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
    }
    const [ea, eb] = await Promise.all(sides.map(updateEntries));
    assert.equal(ea!.length, eb!.length);
    assert.deepEqual(ea, eb, "oplog update entries");
    const [sa, sb] = await Promise.all(sides.map(status));
    for (const k of ["opcounters", "metrics"] as const) {
      const pickOf = (st: Doc) => {
        if (k === "opcounters") {
          const { command: _c, query: _q, ...o } = st[k] as Doc;
          return o;
        }
        const m = st[k] as Doc;
        return { document: m["document"], queryExecutor: m["queryExecutor"] };
      };
      assert.deepEqual(pickOf(sa!), pickOf(sb!), k);
    }
    const served = ioUpdates(sa!);
    assert.equal(ioUpdates(sb!), 0);
    assert.ok(served > 400, `the I/O thread answered ${served} updates`);
    const idx = async (s: Side) => {
      const x = await s.ask({ aggregate: "c", pipeline: [{ $indexStats: {} }], cursor: {}, $db: "x" });
      const rows = (x["cursor"] as Doc)["firstBatch"] as Doc[];
      return Number(((rows.find((d) => d["name"] === "_id_")!)["accesses"] as Doc)["ops"]);
    };
    assert.deepEqual(await idx(fast), await idx(sides[1]!), "_id_ index uses");
  },
);

pairTest(
  side,
  "updates by _id on the I/O thread: many connections, the command layer writing meanwhile — every increment once, oplog times in order",
  async (_sides, fast) => {
    const N = 200;
    for (let i = 0; i < 8; i++) {
      await fast.ask({
        insert: "k",
        documents: [{ _id: i, n: 0, d: new Double(0.5), l: Long.fromInt(0) }],
        $db: "x",
      });
    }
    await fast.ask({ update: "k", updates: [{ q: { _id: 0 }, u: { $inc: { n: 0 } } }], $db: "x" });
    await fast.ask({ update: "k", updates: [{ q: { _id: 0 }, u: { $inc: { n: 1 } } }], $db: "x" });
    const before = ioUpdates(await status(fast));
    const conns = await Promise.all(Array.from({ length: 8 }, () => fast.connect()));
    const other = await fast.connect();
    let stop = false;
    const js = (async () => {
      let k = 0;
      while (!stop) {
        await other.ask({ insert: "other", documents: [{ _id: k++ }], $db: "x" });
        await other.ask({ update: "k", updates: [{ q: { _id: 7 }, u: { $set: { s: k } } }], $db: "x" });
      }
      return k;
    })();
    const times: bigint[] = [];
    await Promise.all(conns.map(async (c, ci) => {
      for (let i = 0; i < N; i++) {
        const field = ["n", "d", "l"][i % 3]!;
        const reply = BSON.deserialize(
          (await c.ask({
            update: "k",
            updates: [{
              q: { _id: (ci + i) % 7 },
              u: { $inc: { [field]: field === "d" ? new Double(1) : 1 } },
            }],
            $db: "x",
          })).subarray(5),
        );
        assert.equal(reply["nModified"], 1);
        times.push((reply["operationTime"] as Timestamp).toBigInt());
      }
    }));
    stop = true;
    const inserted = await js;
    for (const c of conns) c.close();
    other.close();
    const st = await status(fast);
    assert.ok(ioUpdates(st) - before > N, `the I/O thread answered ${ioUpdates(st) - before}`);
    assert.equal(new Set(times).size, times.length, "every update's time is its own");
    const docs = (await fast.ask({ find: "k", filter: { _id: { $lt: 7 } }, $db: "x" }))["cursor"] as Doc;
    let total = 0;
    for (const d of docs["firstBatch"] as Doc[]) {
      total += Number(d["n"]) + Number((d["d"] as Double).valueOf()) - 0.5 + Number(d["l"]);
    }
    assert.equal(total, 8 * N + 1);
    // the oplog: times strictly increasing in key order and one entry per write
    const log = await fast.ask({
      find: "oplog.rs",
      filter: { ns: { $in: ["x.k", "x.other"] } },
      batchSize: 100000,
      $db: "local",
    });
    const entries = (log["cursor"] as Doc)["firstBatch"] as Doc[];
    const ts = entries.map((e) => (e["ts"] as Timestamp).toBigInt());
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! > ts[i - 1]!, `oplog entry ${i} after ${i - 1}`);
    const incs = entries.filter((e) =>
      e["ns"] === "x.k" && e["op"] === "u" && Number((e["o2"] as Doc)["_id"]) !== 7
    );
    assert.equal(incs.length, 8 * N + 1);
    assert.equal(entries.filter((e) => e["ns"] === "x.other").length, inserted);
  },
);

Deno.test({
  name:
    "updates by _id on the I/O thread: a transaction holding the document, and a change stream seeing every update",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await side(true);
    const client = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true&retryWrites=false`);
    try {
      const coll = client.db("x").collection<{ _id: number; n: number }>("t");
      await coll.insertMany([{ _id: 1, n: 0 }, { _id: 2, n: 0 }]);
      for (let i = 0; i < 3; i++) await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      const raws = [await s.connect(), await s.connect()];
      const inc = async (id: number, via = 0) =>
        BSON.deserialize(
          (await raws[via]!.ask({
            update: "t",
            updates: [{ q: { _id: id }, u: { $inc: { n: 1 } } }],
            $db: "x",
          }))
            .subarray(5),
        );
      // a transaction's write to document 1: the I/O thread's update of it conflicts and goes to the
      // command layer, which waits for the transaction (mongod blocks the same write likewise)
      const session = client.startSession();
      session.startTransaction();
      await coll.updateOne({ _id: 1 }, { $inc: { n: 100 } }, { session });
      const blocked = inc(1, 1);
      assert.equal((await inc(2))["nModified"], 1);
      await new Promise((res) => setTimeout(res, 50));
      await session.commitTransaction();
      await session.endSession();
      const b = await blocked;
      assert.equal(b["ok"], 1, JSON.stringify(b));
      assert.deepEqual(await coll.find().sort({ _id: 1 }).toArray(), [{ _id: 1, n: 104 }, { _id: 2, n: 1 }]);
      // a change stream sees every update, in order, at once: while it waits, updates go to the command
      // layer (the I/O thread's would reach it only at the next drain, up to a second later)
      const stream = coll.watch([], { maxAwaitTimeMS: 5000 });
      const next = async () => {
        for (;;) {
          const ev = await stream.next();
          if (ev.operationType === "update") return ev.updateDescription.updatedFields!["n"] as number;
        }
      };
      const first = next();
      await new Promise((res) => setTimeout(res, 200)); // (the stream's getMore waits)
      await inc(2);
      assert.equal(await first, 2);
      const t0 = Date.now();
      for (let i = 3; i < 9; i++) {
        const ev = next();
        await new Promise((res) => setTimeout(res, 20));
        await inc(2);
        assert.equal(await ev, i);
      }
      const took = Date.now() - t0;
      await stream.close();
      assert.ok(took < 1500, `the stream saw six updates one by one in ${took} ms`);
      // updates answered there again once nobody waits
      const served = ioUpdates(await s.ask({ serverStatus: 1, $db: "admin" }));
      await inc(2);
      await inc(2);
      assert.ok(ioUpdates(await s.ask({ serverStatus: 1, $db: "admin" })) > served);
      // fsyncLock holds them too, until fsyncUnlock
      await client.db("admin").command({ fsync: 1, lock: true });
      let applied = false;
      const held = inc(2).then((r) => (applied = true, r));
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(applied, false, "an update while fsyncLock holds writes");
      await client.db("admin").command({ fsyncUnlock: 1 });
      assert.equal((await held)["nModified"], 1);
      for (const r of raws) r.close();
    } finally {
      await client.close();
      await s.close();
    }
  },
});

Deno.test({
  name:
    "retryable updates on the I/O thread: a retry gets the reply once applied, an older txnNumber 225, across a restart",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const d = defaultConfig();
    const config = { ...d, server: { ...d.server, port: 0, storagePath: dir, logLevel: "ERROR" as const } };
    const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
    const upd = (txnNumber: number, id = 1) => ({
      update: "r",
      updates: [{ q: { _id: id }, u: { $inc: { n: 1 } } }],
      ordered: true,
      lsid,
      txnNumber: Long.fromInt(txnNumber),
      $db: "x",
    });
    let server = await startServer({ config });
    try {
      let c = await rawConnection(server.port);
      const ask = async (doc: Doc) => BSON.deserialize((await c.ask(doc)).subarray(5));
      await ask({ insert: "r", documents: [{ _id: 1, n: 0 }, { _id: 2, n: 0 }], $db: "x" });
      const io = async () => ioUpdates(await ask({ serverStatus: 1, $db: "admin" }));
      // (until three were made by the I/O thread: a loaded machine can leave one to the command layer)
      let t = 0;
      for (let made = 0; made < 3 && t < 40;) {
        const before = await io();
        assert.equal((await ask(upd(++t)))["nModified"], 1);
        if (await io() > before) made++;
      }
      assert.ok(t < 40, "the I/O thread made three of them");
      // a retry of the last (the I/O thread's): its reply, not applied again; an older one: 225
      const again = await ask(upd(t));
      assert.equal(again["ok"], 1);
      assert.equal(again["nModified"], 1);
      assert.equal((await ask(upd(t - 2)))["code"], 225);
      // the session's transactions know of them too: a transaction with an older number is refused
      const older = await ask({
        find: "r",
        lsid,
        txnNumber: Long.fromInt(t - 1),
        startTransaction: true,
        autocommit: false,
        $db: "x",
      });
      assert.equal(older["code"], 225, JSON.stringify(older));
      const n = async (id = 1) =>
        Number(
          (((await ask({ find: "r", filter: { _id: id }, $db: "x" }))["cursor"] as Doc)[
            "firstBatch"
          ] as Doc[])[0]![
            "n"
          ],
        );
      assert.equal(await n(), t);
      // after the retry (the command layer's), the session's next ones are the I/O thread's again
      let last = t;
      for (let made = 0; made < 2 && last < t + 40;) {
        const before = await io();
        assert.equal((await ask(upd(++last, 2)))["nModified"], 1);
        if (await io() > before) made++;
      }
      assert.ok(last < t + 40, "the I/O thread made the session's next ones");
      // across a restart: the row the I/O thread wrote with the data answers the retry
      c.close();
      await server.stop();
      server = await startServer({ config });
      c = await rawConnection(server.port);
      const retried = await ask(upd(last, 2));
      assert.equal(retried["ok"], 1, JSON.stringify(retried));
      assert.equal(retried["nModified"], 1);
      assert.equal(await n(2), last - t);
      assert.equal((await ask(upd(last - 1, 2)))["code"], 225);
      c.close();
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
