/**
 * Reads by an `_id` point (`findOne({_id: v})`, `{find, filter: {_id: v}}`) through npm:mongodb, pinned as
 * the server answers them today: which stored `_id` each kind of point value finds (numbers of other types
 * with the same value, -0, NaN, strings with NUL or non-ASCII, binary subtypes, embedded documents) and
 * which it does not; the reply's exact shape and BSON types; the cluster time it carries; the counters, top,
 * `$indexStats`, latency and profiler figures one such read moves; sessions, causal consistency,
 * transactions, fail points, DDL between reads, collations, views, capped and timeseries collections,
 * argument errors, a large document, and `ping`. A find by `_id` answered by the JS command path or by the
 * shim's fast path must look identical to a client: every assertion here has to hold for both.
 */
import assert from "node:assert/strict";
import {
  Binary,
  Decimal128,
  Double,
  Long,
  type MongoClient,
  MongoServerError,
  ObjectId,
  Timestamp,
} from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any; // documents of every shape; the driver's Filter typing would refuse numeric _ids

const RAW = { promoteValues: false, promoteLongs: false } as const;
const OID = new ObjectId("65a1b2c3d4e5f60718293a4b");
const BIG_LONG = Long.fromString("1234567890123456789");
const LONG_2_53_PLUS_1 = Long.fromString("9007199254740993");

/** The BSON type the driver hands back under `promoteValues: false` (strings, booleans stay native). */
function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Date) return "date";
  const t = (v as { _bsontype?: string } | undefined)?._bsontype;
  return t ?? typeof v;
}

/** The server error a promise rejects with, as `[code, codeName]`. */
async function errorOf(p: Promise<unknown>): Promise<[number | undefined, string | undefined]> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MongoServerError, String(e));
    return [e.code as number | undefined, e.codeName];
  }
  assert.fail("expected a server error");
}

interface Kind {
  label: string;
  id: unknown;
  type: string; // the stored _id's BSON type, as the read gives it back
  hits: unknown[]; // other point values that find it
  misses: unknown[]; // point values that find nothing
}

const KINDS: Kind[] = [
  { label: "oid", id: OID, type: "ObjectId", hits: [], misses: [new ObjectId("65a1b2c3d4e5f60718293a4c")] },
  { label: "ascii", id: "abc", type: "string", hits: [], misses: ["ABC", "ab", "abc "] },
  { label: "empty", id: "", type: "string", hits: [], misses: [" "] },
  { label: "accent", id: "héllo", type: "string", hits: [], misses: ["hello", "HÉLLO"] },
  { label: "cjk", id: "日本", type: "string", hits: [], misses: ["日"] },
  { label: "nul", id: "a\u0000b", type: "string", hits: [], misses: ["a", "a\u0000", "a\u0000c"] },
  {
    label: "int32",
    id: 1,
    type: "Int32",
    hits: [Long.fromNumber(1), new Double(1), Decimal128.fromString("1.0"), Decimal128.fromString("1")],
    misses: ["1", 1.5, 2],
  },
  {
    label: "negzero",
    id: -0,
    type: "Double",
    hits: [0, new Double(0), Long.fromNumber(0), Decimal128.fromString("0"), Decimal128.fromString("-0")],
    misses: [false, "0", -1],
  },
  { label: "frac", id: 2.5, type: "Double", hits: [Decimal128.fromString("2.50")], misses: [2, 3, "2.5"] },
  {
    label: "bigLong",
    id: BIG_LONG,
    type: "Long",
    hits: [Decimal128.fromString("1234567890123456789")],
    misses: [1234567890123456789, Long.fromString("1234567890123456788")],
  },
  {
    label: "long2^53+1",
    id: LONG_2_53_PLUS_1,
    type: "Long",
    hits: [Decimal128.fromString("9007199254740993")],
    misses: [9007199254740992, Long.fromString("9007199254740992")],
  },
  { label: "d1e15", id: 1e15, type: "Double", hits: [Long.fromNumber(1e15)], misses: [1e15 + 1] },
  { label: "d1e16", id: 1e16, type: "Double", hits: [Long.fromNumber(1e16)], misses: [1e16 + 2] },
  {
    label: "dneg",
    id: -999999999999999,
    type: "Double",
    hits: [Long.fromNumber(-999999999999999)],
    misses: [999999999999999, -999999999999998],
  },
  { label: "nan", id: NaN, type: "Double", hits: [Decimal128.fromString("NaN")], misses: [Infinity] },
  { label: "date", id: new Date(5), type: "date", hits: [], misses: [new Date(6), 5, Long.fromNumber(5)] },
  { label: "bool", id: true, type: "boolean", hits: [], misses: [false, "true"] },
  { label: "null", id: null, type: "null", hits: [], misses: ["null"] },
  {
    label: "bin",
    id: new Binary(new Uint8Array([1, 2, 3]), 0),
    type: "Binary",
    hits: [],
    misses: [new Binary(new Uint8Array([1, 2, 3]), 5), new Binary(new Uint8Array([1, 2]), 0)],
  },
  {
    label: "embedded",
    id: { a: 1, b: "x" },
    type: "object",
    hits: [{ a: new Double(1), b: "x" }, { a: Long.fromNumber(1), b: "x" }],
    misses: [{ b: "x", a: 1 }, { a: 1 }, { a: 1, b: "x", c: 1 }],
  },
];

serverTest("each kind of _id point finds its document, by {_id: v} and {_id: {$eq: v}}", async (client) => {
  const db = client.db("idr");
  const c = db.collection<AnyDoc>("k");
  // through the command: insertOne would replace a null _id with an ObjectId
  await db.command({ insert: "k", documents: KINDS.map((k) => ({ _id: k.id, n: k.label })) });
  for (const k of KINDS) {
    for (const probe of [k.id, ...k.hits]) {
      for (const filter of [{ _id: probe }, { _id: { $eq: probe } }]) {
        const doc = await c.findOne(filter, RAW);
        assert.equal(doc?.n, k.label, `${k.label} by ${String(probe)}`);
        assert.equal(typeOf(doc?._id), k.type, `${k.label}: stored type kept`);
        assert.deepEqual(Object.keys(doc), ["_id", "n"]);
      }
    }
    for (const probe of k.misses) {
      assert.equal(await c.findOne({ _id: probe }), null, `${k.label} missed by ${String(probe)}`);
      assert.equal(
        await c.findOne({ _id: { $eq: probe } }),
        null,
        `${k.label} $eq-missed by ${String(probe)}`,
      );
    }
  }
  // values the driver promotes back
  assert.ok(Object.is((await c.findOne({ _id: 0 }))?._id, -0));
  assert.ok(Number.isNaN((await c.findOne({ _id: NaN }))?._id));
  assert.equal((await c.findOne({ _id: 1 }, RAW))?._id.value, 1);
  assert.equal(String((await c.findOne({ _id: BIG_LONG }, RAW))?._id), "1234567890123456789");
  assert.equal(String((await c.findOne({ _id: LONG_2_53_PLUS_1 }, RAW))?._id), "9007199254740993");
  assert.deepEqual((await c.findOne({ _id: "a\u0000b" }))?._id, "a\u0000b");
  assert.deepEqual((await c.findOne({ _id: new Date(5) }))?._id, new Date(5));
  const bin = (await c.findOne({ _id: new Binary(new Uint8Array([1, 2, 3]), 0) }))?._id;
  assert.deepEqual([bin.sub_type, [...bin.buffer]], [0, [1, 2, 3]]);
  assert.deepEqual((await c.findOne({ _id: { a: 1, b: "x" } }))?._id, { a: 1, b: "x" });
  // 0 and -0 are the same _id
  assert.deepEqual(await errorOf(c.insertOne({ _id: 0 })), [11000, undefined]); // a write error: no codeName
  // a missing _id value, another collection, another database
  assert.equal(await c.findOne({ _id: 42 }), null);
  assert.equal(await db.collection<AnyDoc>("nope").findOne({ _id: 1 }), null);
  assert.equal(await client.db("idr_nodb").collection<AnyDoc>("nope").findOne({ _id: 1 }), null);
});

serverTest("the raw find reply: shape, BSON types, cursor, cluster time", async (client) => {
  const db = client.db("d");
  const ins = await db.command({ insert: "c", documents: [{ _id: 1, v: "one" }, { _id: 2, v: "two" }] });
  const one = { find: "c", filter: { _id: 1 }, limit: 1, singleBatch: true, batchSize: 1 };
  const r = await db.command(one, RAW);
  assert.deepEqual(Object.keys(r), ["cursor", "ok", "$clusterTime", "operationTime"]);
  assert.deepEqual(Object.keys(r.cursor), ["firstBatch", "id", "ns"]);
  assert.equal(typeOf(r.cursor.id), "Long");
  assert.equal(String(r.cursor.id), "0");
  assert.equal(r.cursor.ns, "d.c");
  assert.equal(typeOf(r.ok), "Double");
  assert.equal(r.ok.value, 1);
  assert.equal(r.cursor.firstBatch.length, 1);
  assert.equal(typeOf(r.cursor.firstBatch[0]._id), "Int32");
  assert.equal(r.cursor.firstBatch[0].v, "one");
  assert.deepEqual(Object.keys(r.$clusterTime), ["clusterTime", "signature"]);
  assert.deepEqual(Object.keys(r.$clusterTime.signature), ["hash", "keyId"]);
  assert.equal(typeOf(r.$clusterTime.signature.keyId), "Long");
  assert.deepEqual([...r.$clusterTime.signature.hash.buffer], new Array(20).fill(0));
  assert.ok(r.operationTime instanceof Timestamp);
  // a read right after a write reports the write's operation time and cluster time
  assert.ok(ins.operationTime instanceof Timestamp);
  assert.ok(r.operationTime.equals(ins.operationTime));
  assert.ok(r.$clusterTime.clusterTime.equals(ins.$clusterTime.clusterTime));

  const p = await db.command(one); // promoted
  assert.equal(p.ok, 1);
  assert.equal(p.cursor.id, 0);
  assert.deepEqual(p.cursor.firstBatch, [{ _id: 1, v: "one" }]);
  // no limit, batchSize 1, a sort on _id: the cursor is exhausted with the one document
  for (const extra of [{}, { batchSize: 1 }, { sort: { _id: 1 } }, { limit: 1 }, { singleBatch: true }]) {
    const q = await db.command({ find: "c", filter: { _id: 2 }, ...extra });
    assert.deepEqual(
      q.cursor,
      { firstBatch: [{ _id: 2, v: "two" }], id: 0, ns: "d.c" },
      JSON.stringify(extra),
    );
  }
  const miss = await db.command({ find: "c", filter: { _id: 3 }, limit: 1, singleBatch: true, batchSize: 1 });
  assert.deepEqual(miss.cursor, { firstBatch: [], id: 0, ns: "d.c" });
  const projected = await db.command({ find: "c", filter: { _id: 1 }, projection: { _id: 0 } });
  assert.deepEqual(projected.cursor.firstBatch, [{ v: "one" }]);
  const skipped = await db.command({ find: "c", filter: { _id: 1 }, skip: 1 });
  assert.deepEqual(skipped.cursor, { firstBatch: [], id: 0, ns: "d.c" });
  // batchSize 0: an empty first batch and an open cursor; getMore returns the document and closes it
  const zero = await db.command({ find: "c", filter: { _id: 2 }, batchSize: 0 }, RAW);
  assert.deepEqual(zero.cursor.firstBatch, []);
  assert.equal(typeOf(zero.cursor.id), "Long");
  assert.notEqual(String(zero.cursor.id), "0");
  const more = await db.command({ getMore: zero.cursor.id, collection: "c" });
  assert.deepEqual(more.cursor, { nextBatch: [{ _id: 2, v: "two" }], id: 0, ns: "d.c" });
  // the empty reply of a collection and a database that do not exist
  const none = await client.db("nodb").command({ find: "nope", filter: { _id: 5 } });
  assert.deepEqual(none.cursor, { firstBatch: [], id: 0, ns: "nodb.nope" });
});

serverTest("command monitoring sees one find with a cursor reply", async (client) => {
  const c = client.db("d").collection<AnyDoc>("c");
  await c.insertOne({ _id: 1, v: 1 });
  // deno-lint-ignore no-explicit-any
  const seen: any[] = [];
  client.on("commandSucceeded", (e) => seen.push(e));
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: 1 });
  client.removeAllListeners("commandSucceeded");
  assert.deepEqual(seen.map((e) => [e.commandName, e.databaseName]), [["find", "d"]]);
  assert.deepEqual(seen[0].reply.cursor, { firstBatch: [{ _id: 1, v: 1 }], id: 0, ns: "d.c" });
  assert.equal(seen[0].reply.ok, 1);
}, { monitorCommands: true });

async function figures(client: MongoClient): Promise<AnyDoc> {
  const db = client.db("d");
  const idx = await db.collection("c").aggregate([{ $indexStats: {} }]).toArray();
  const top = (await db.admin().command({ top: 1 })).totals["d.c"];
  const ss = await db.admin().command({ serverStatus: 1 }); // last: nothing else runs before the finds
  return { idx: Object.fromEntries(idx.map((i) => [i.name, Number(i.accesses.ops)])), top, ss };
}

serverTest("counters, top, $indexStats and latencies after five reads by _id; ping", async (client) => {
  const db = client.db("d");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  const a = await figures(client);
  for (const id of [1, 4, 2, 5, 3]) await c.findOne({ _id: id }); // 3 hits, 2 misses
  const ss = await db.admin().command({ serverStatus: 1 });
  const top = (await db.admin().command({ top: 1 })).totals["d.c"];
  const idx = await c.aggregate([{ $indexStats: {} }]).toArray();
  const d = (f: (x: AnyDoc) => unknown, after: AnyDoc, before: AnyDoc) =>
    Number(f(after)) - Number(f(before));
  const oc = (k: string) => d((s) => s.opcounters[k], ss, a.ss);
  assert.deepEqual(
    ["query", "command", "getmore", "insert", "update", "delete"].map(oc),
    [5, 1, 0, 0, 0, 0], // command: one of the two serverStatus
  );
  assert.equal(d((s) => s.metrics.document.returned, ss, a.ss), 3);
  assert.equal(d((s) => s.metrics.queryExecutor.scannedObjects, ss, a.ss), 3);
  assert.equal(d((s) => s.metrics.queryExecutor.scanned, ss, a.ss), 0);
  assert.equal(d((s) => s.metrics.cursor.totalOpened, ss, a.ss), 0);
  assert.equal(d((s) => s.opLatencies.reads.ops, ss, a.ss), 5);
  assert.equal(d((s) => s.opLatencies.writes.ops, ss, a.ss), 0);
  assert.equal(d((s) => s.opLatencies.commands.ops, ss, a.ss), 1); // the first serverStatus
  for (const k of ["queries", "total", "readLock"]) assert.equal(top[k].count - a.top[k].count, 5, k);
  for (const k of ["getmore", "commands", "writeLock", "insert"]) {
    assert.equal(top[k].count - a.top[k].count, 0, k);
  }
  assert.equal(idx.length, 1);
  assert.equal(Number(idx[0]?.accesses.ops) - a.idx["_id_"], 5);

  // ping: ok as an int32, the cluster time; one command on the counters (plus one serverStatus)
  const s0 = await db.admin().command({ serverStatus: 1 });
  const ping = await db.admin().command({ ping: 1 }, RAW);
  const s1 = await db.admin().command({ serverStatus: 1 });
  assert.deepEqual(Object.keys(ping), ["ok", "$clusterTime", "operationTime"]);
  assert.equal(typeOf(ping.ok), "Int32");
  assert.equal(ping.ok.value, 1);
  assert.ok(ping.operationTime instanceof Timestamp);
  assert.ok(ping.$clusterTime.clusterTime.equals(ping.operationTime));
  assert.equal(s1.opcounters.command - s0.opcounters.command, 2);
  assert.equal(s1.opcounters.query - s0.opcounters.query, 0);
  assert.equal(Number(s1.opLatencies.commands.ops) - Number(s0.opLatencies.commands.ops), 2);
  assert.equal(Number(s1.opLatencies.reads.ops) - Number(s0.opLatencies.reads.ops), 0);
}, { heartbeatFrequencyMS: 60_000, serverMonitoringMode: "poll" });

serverTest("sessions: listed after a read, causal consistency, afterClusterTime ahead", async (client) => {
  const db = client.db("d");
  const c = db.collection<AnyDoc>("c");
  await c.insertOne({ _id: 1, v: 1 });
  const hex = (b: { buffer: Uint8Array }) =>
    [...b.buffer].map((x) => x.toString(16).padStart(2, "0")).join("");
  const s = client.startSession();
  try {
    assert.deepEqual(await c.findOne({ _id: 1 }, { session: s }), { _id: 1, v: 1 });
    for (const stage of [{ $listLocalSessions: {} }, { $listLocalSessions: { allUsers: true } }]) {
      const listed = await client.db("admin").aggregate([stage]).toArray();
      assert.ok(listed.some((x) => hex(x._id.id) === hex(s.id!.id)), JSON.stringify(stage));
    }
  } finally {
    await s.endSession();
  }
  const cs = client.startSession({ causalConsistency: true });
  try {
    await c.insertOne({ _id: 2, v: 2 }, { session: cs });
    assert.deepEqual(await c.findOne({ _id: 2 }, { session: cs }), { _id: 2, v: 2 });
    const future = new Timestamp({ t: 4_000_000_000, i: 1 });
    const ahead = { find: "c", filter: { _id: 1 }, lsid: cs.id, readConcern: { afterClusterTime: future } };
    assert.deepEqual(await errorOf(db.command(ahead)), [72, "InvalidOptions"]);
    const past = {
      find: "c",
      filter: { _id: 1 },
      lsid: cs.id,
      readConcern: { afterClusterTime: cs.operationTime },
    };
    assert.deepEqual((await db.command(past)).cursor.firstBatch, [{ _id: 1, v: 1 }]);
  } finally {
    await cs.endSession();
  }
});

serverTest("transactions: a read by _id sees the transaction's own write, others do not", async (client) => {
  const c = client.db("d").collection<AnyDoc>("c");
  await c.insertOne({ _id: 1 });
  const s = client.startSession();
  try {
    s.startTransaction();
    await c.insertOne({ _id: 77, v: 1 }, { session: s });
    assert.deepEqual(await c.findOne({ _id: 77 }, { session: s }), { _id: 77, v: 1 });
    assert.deepEqual(await c.findOne({ _id: 1 }, { session: s }), { _id: 1 });
    assert.equal(await c.findOne({ _id: 77 }), null);
    await s.commitTransaction();
    assert.deepEqual(await c.findOne({ _id: 77 }), { _id: 77, v: 1 });

    s.startTransaction();
    await c.insertOne({ _id: 78 }, { session: s });
    assert.deepEqual(await c.findOne({ _id: 78 }, { session: s }), { _id: 78 });
    await c.insertOne({ _id: 79 }); // outside: not seen by the transaction's snapshot
    assert.equal(await c.findOne({ _id: 79 }, { session: s }), null);
    await s.abortTransaction();
    assert.equal(await c.findOne({ _id: 78 }), null);
    assert.equal(await c.findOne({ _id: 78 }, { session: s }), null);
    assert.deepEqual(await c.findOne({ _id: 79 }, { session: s }), { _id: 79 });
  } finally {
    await s.endSession();
  }
});

serverTest("DDL between reads by _id", async (client) => {
  const db = client.db("d");
  const c = db.collection<AnyDoc>("c");
  await c.insertOne({ _id: 1, v: "first" });
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: "first" });
  await c.drop();
  assert.equal(await c.findOne({ _id: 1 }), null);
  await c.insertOne({ _id: 1, v: "second" });
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: "second" });

  await db.admin().command({ renameCollection: "d.c", to: "d.b" });
  assert.equal(await c.findOne({ _id: 1 }), null);
  assert.deepEqual(await db.collection<AnyDoc>("b").findOne({ _id: 1 }), { _id: 1, v: "second" });
  await db.dropDatabase();
  assert.equal(await db.collection<AnyDoc>("b").findOne({ _id: 1 }), null);
  assert.equal(await c.findOne({ _id: 1 }), null);

  await c.insertOne({ _id: 1, v: "capped", x: 1 });
  await db.command({ convertToCapped: "c", size: 100000 });
  assert.equal(await c.isCapped(), true);
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: "capped", x: 1 });
  assert.equal(await c.createIndex({ x: 1 }), "x_1");
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: "capped", x: 1 });
  await c.dropIndex("x_1");
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: "capped", x: 1 });

  await c.drop();
  await db.collection<AnyDoc>("src").insertMany([{ _id: 1, v: "view" }, { _id: 2, v: "other" }]);
  await db.createCollection("c", { viewOn: "src", pipeline: [] });
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: "view" });
  const viewFind = (extra: AnyDoc) => db.command({ find: "c", filter: { _id: 1 }, ...extra });
  for (const extra of [{}, { limit: 1 }, { limit: 1, singleBatch: true }]) {
    const r = await viewFind(extra);
    assert.deepEqual([r.cursor.firstBatch, String(r.cursor.id), r.cursor.ns], [
      [{ _id: 1, v: "view" }],
      "0",
      "d.c",
    ]);
  }
  // as on mongod, a find over a view becomes an aggregate: singleBatch only with limit 1
  assert.deepEqual(await errorOf(viewFind({ singleBatch: true })), [168, "InvalidPipelineOperator"]);
  // today a batchSize of 1 over a view leaves a cursor open, even with singleBatch (a collection does not)
  const open = await viewFind({ limit: 1, singleBatch: true, batchSize: 1 });
  assert.deepEqual(open.cursor.firstBatch, [{ _id: 1, v: "view" }]);
  assert.notEqual(String(open.cursor.id), "0");
  const killed = await db.command({ killCursors: "c", cursors: [open.cursor.id] });
  assert.equal(killed.cursorsKilled.length, 1);
  await db.command({ collMod: "c", viewOn: "src", pipeline: [{ $set: { w: 1 } }] });
  assert.deepEqual(await c.findOne({ _id: 2 }), { _id: 2, v: "other", w: 1 });
  await c.drop();
  assert.equal(await c.findOne({ _id: 1 }), null);
});

serverTest("collation, timeseries and capped collections", async (client) => {
  const db = client.db("d");
  await db.createCollection("ci", { collation: { locale: "en", strength: 2 } });
  const ci = db.collection<AnyDoc>("ci");
  await ci.insertOne({ _id: "ABC", v: 1 });
  assert.deepEqual(await ci.findOne({ _id: "abc" }), { _id: "ABC", v: 1 });
  assert.deepEqual(await ci.findOne({ _id: { $eq: "aBc" } }), { _id: "ABC", v: 1 });
  assert.equal(await ci.findOne({ _id: "abd" }), null);
  assert.equal(await ci.findOne({ _id: "abc" }, { collation: { locale: "simple" } }), null);
  assert.deepEqual(await ci.findOne({ _id: "ABC" }, { collation: { locale: "simple" } }), {
    _id: "ABC",
    v: 1,
  });

  await db.createCollection("ts", { timeseries: { timeField: "t" } });
  const ts = db.collection<AnyDoc>("ts");
  const { insertedId } = await ts.insertOne({ t: new Date(1000), m: 1 });
  assert.ok(insertedId instanceof ObjectId);
  assert.deepEqual(await ts.findOne({ _id: insertedId }), { _id: insertedId, t: new Date(1000), m: 1 });
  assert.equal(await ts.findOne({ _id: new ObjectId() }), null);

  await db.createCollection("cap", { capped: true, size: 10000 });
  const cap = db.collection<AnyDoc>("cap");
  await cap.insertOne({ _id: 5, v: 1 });
  assert.deepEqual(await cap.findOne({ _id: 5 }), { _id: 5, v: 1 });
  assert.equal(await cap.findOne({ _id: 6 }), null);
});

serverTest(
  "failCommand on find, the profiler, argument errors, options, a large document",
  async (client) => {
    const db = client.db("d");
    const c = db.collection<AnyDoc>("c");
    await c.insertOne({ _id: 1, v: 1 });
    await db.admin().command({
      configureFailPoint: "failCommand",
      mode: { times: 1 },
      data: { failCommands: ["find"], errorCode: 2 },
    });
    assert.deepEqual(await errorOf(c.findOne({ _id: 1 })), [2, "BadValue"]);
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: 1 });

    assert.equal((await db.command({ profile: 2 })).was, 0);
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: 1 });
    assert.equal((await db.command({ profile: 0 })).was, 2);
    const entries = await db.collection<AnyDoc>("system.profile").find({ op: "query" }).toArray();
    assert.equal(entries.length, 1);
    const e = entries[0];
    assert.deepEqual(
      [e.op, e.ns, e.planSummary, e.keysExamined, e.docsExamined, e.nreturned],
      ["query", "d.c", "IDHACK", 0, 1, 1],
    );
    assert.deepEqual([e.command.find, e.command.filter, e.command.limit, e.command.singleBatch], [
      "c",
      { _id: 1 },
      1,
      true,
    ]);

    assert.deepEqual(await errorOf(db.command({ find: "c", filter: { _id: 1 }, unknownField: 1 })), [
      40415,
      "IDLUnknownField",
    ]);
    assert.deepEqual(await errorOf(db.command({ find: "c", filter: { _id: 1 }, limit: -1 })), [
      51024,
      "Location51024",
    ]);
    assert.deepEqual(await errorOf(db.command({ find: 5, filter: { _id: 1 } })), [73, "InvalidNamespace"]);
    const bad = await db.command({ find: "c", filter: { _id: 1 }, unknownField: 1 }, RAW).catch((x) => x);
    assert.deepEqual(Object.keys(bad.errorResponse), [
      "ok",
      "errmsg",
      "code",
      "codeName",
      "$clusterTime",
      "operationTime",
    ]);
    assert.equal(bad.errorResponse.errmsg, "BSON field 'find.unknownField' is an unknown field.");
    assert.equal(typeOf(bad.errorResponse.ok), "Int32");

    assert.deepEqual(await c.findOne({ _id: 1 }, { maxTimeMS: 1000, comment: "x" }), { _id: 1, v: 1 });
    const r = await db.command({ find: "c", filter: { _id: 1 }, maxTimeMS: 1000, comment: "x", limit: 1 });
    assert.deepEqual(r.cursor.firstBatch, [{ _id: 1, v: 1 }]);

    const big = "x".repeat(5 * 1024 * 1024);
    await c.insertOne({ _id: "big", s: big, tail: 1 });
    const doc = await c.findOne({ _id: "big" });
    assert.deepEqual(Object.keys(doc), ["_id", "s", "tail"]);
    assert.equal(doc.s.length, big.length);
    assert.ok(doc.s === big);
    assert.equal(doc.tail, 1);
  },
);
