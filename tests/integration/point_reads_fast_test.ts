/**
 * The frame I/O thread's own answers (ffi/wiredtiger/shim/io_fast.c, src/commands/point_reads.ts): a
 * find by `_id` after the first on a collection, and ping on admin, are answered there
 * (serverStatus `secantus.ioThread` counts them) with the bytes the command layer sends; its `_id_`
 * keys match the JS encoder's for every value kind it takes (a wrong key would be a miss); DDL racing
 * with reads neither crashes nor serves a dropped or renamed collection, nor (finds over a single-field
 * index) a wrong document while indexes come and go and one turns multikey; a connection answered only
 * there is not idle. id_point_reads_test.ts pins everything else a client sees of such a find.
 */
import assert from "node:assert/strict";
import { Double, Long, MongoClient, ObjectId } from "mongodb";
import { BSON } from "bson";
import { serverTest } from "./helpers/embedded_server.ts";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { body, FrameStream, msg, writeAll } from "./helpers/raw_wire.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

async function ioThread(client: MongoClient): Promise<{ finds: number; pings: number }> {
  const s = await client.db("admin").command({ serverStatus: 1 });
  const t = s["secantus"]["ioThread"];
  return { finds: Number(t.finds), pings: Number(t.pings) };
}

serverTest(
  "finds by _id after the first and pings on admin are answered by the I/O thread",
  async (client) => {
    const coll = client.db("f").collection<AnyDoc>("c");
    await coll.insertMany([{ _id: 1, a: "x" }, { _id: 2, a: "y" }]);
    assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, a: "x" }); // registers the collection
    const before = await ioThread(client);
    for (let i = 0; i < 10; i++) assert.deepEqual(await coll.findOne({ _id: 2 }), { _id: 2, a: "y" });
    assert.equal(await coll.findOne({ _id: 3 }), null);
    await client.db("admin").command({ ping: 1 });
    const after = await ioThread(client);
    assert.equal(after.finds - before.finds, 11);
    assert.equal(after.pings - before.pings, 1);
    // a projection, a sort or another filter stays with the command layer
    assert.deepEqual(await coll.findOne({ _id: 2 }, { projection: { a: 0 } }), { _id: 2 });
    assert.deepEqual(await coll.findOne({ a: "y" }), { _id: 2, a: "y" });
    assert.equal((await ioThread(client)).finds, after.finds);
  },
);

serverTest("the _id_ key of every value kind the I/O thread takes matches the stored one", async (client) => {
  const coll = client.db("k").collection<AnyDoc>("c");
  const ints: number[] = [0, 1, -1, 9, 10, 11, 99, 100, 101, 1000, 12345, -12345, 2 ** 31 - 1, -(2 ** 31)];
  for (let p = 1; p < 1e15; p *= 10) ints.push(p - 1, p, p + 1, -p + 1, -p, -p - 1);
  const uniq = [...new Set(ints.filter((v) => Math.abs(v) < 1e15))];
  const strings = [
    "",
    "a",
    "héllo",
    "日本語",
    "emoji 😀",
    "a\u0000b",
    "x".repeat(600),
    "\u007f",
    "🀄".repeat(10),
  ];
  const docs: AnyDoc[] = [
    ...uniq.map((v, i) => ({ _id: Math.abs(v) <= 2 ** 31 - 1 ? v : Long.fromNumber(v), i })),
    ...strings.map((s, i) => ({ _id: s, s: i })),
    { _id: new ObjectId("65a1b2c3d4e5f60718293a4b"), o: 1 },
  ];
  await coll.insertMany(docs);
  await coll.findOne({ _id: 0 }); // registers
  const before = await ioThread(client);
  let asked = 0;
  for (const v of uniq) {
    // every numeric type with the value finds the one document
    const forms: unknown[] = [new Double(v), Long.fromNumber(v)];
    if (Math.abs(v) <= 2 ** 31 - 1) forms.push(v);
    for (const f of forms) {
      const d = await coll.findOne({ _id: f });
      asked++;
      assert.ok(d, `_id ${String(f)} (${v}) not found`);
      assert.equal(Number(d._id), v);
    }
    assert.equal(await coll.findOne({ _id: new Double(v + 0.5) }), null); // fractions: the JS path
  }
  for (const s of strings) {
    const d = await coll.findOne({ _id: s });
    if (s.length <= 512) asked++; // (longer strings: the command layer)
    assert.ok(d, `_id ${JSON.stringify(s).slice(0, 40)} not found`);
    assert.equal(d._id, s);
  }
  assert.equal(await coll.findOne({ _id: "é" }), null);
  asked++;
  assert.deepEqual(await coll.findOne({ _id: new ObjectId("65a1b2c3d4e5f60718293a4b") }), {
    _id: new ObjectId("65a1b2c3d4e5f60718293a4b"),
    o: 1,
  });
  asked++;
  const after = await ioThread(client);
  assert.ok(
    after.finds - before.finds >= asked,
    `${after.finds - before.finds} of ${asked} on the I/O thread`,
  );
});

serverTest("a reply from the I/O thread has the bytes of the command layer's", async (_client, server) => {
  const seed = new MongoClient(server.uri);
  await seed.db("r").collection<AnyDoc>("c").insertOne({ _id: 7, v: [1, { w: "z" }] });
  await seed.close();
  const port = Number(new URL(server.uri).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const frames = new FrameStream(conn);
    const ask = async (doc: Record<string, unknown>, id: number) => {
      await writeAll(conn, msg(doc, id));
      const r = await frames.next();
      assert.ok(r && r !== "timeout");
      return r;
    };
    const find = { find: "c", filter: { _id: 7 }, limit: 1, singleBatch: true, $db: "r" };
    const first = await ask(find, 1); // the command layer (and the registration)
    const second = await ask(find, 2); // the I/O thread
    const miss = await ask({ ...find, filter: { _id: 8 } }, 3);
    const ping1 = await ask({ ping: 1, $db: "admin" }, 4);
    assert.equal(second.responseTo, 2);
    assert.deepEqual(second.frame.subarray(16), first.frame.subarray(16));
    // a causally consistent read of the same: the same bytes, from the I/O thread
    const opTime = BSON.deserialize(first.frame.subarray(21), { promoteValues: false })["operationTime"];
    const causal = await ask({ ...find, readConcern: { afterClusterTime: opTime } }, 5);
    assert.deepEqual(causal.frame.subarray(16), first.frame.subarray(16));
    assert.deepEqual((body(miss)["cursor"] as AnyDoc).firstBatch, []);
    const ping2 = BSON.deserialize(ping1.frame.subarray(21), { promoteValues: false });
    assert.equal(ping2["ok"].constructor.name, "Int32");
    assert.ok(ping2["$clusterTime"] && ping2["operationTime"]);
  } finally {
    conn.close();
  }
});

serverTest("reads by _id racing with drops, renames and re-creates", async (client, server) => {
  const db = client.db("race");
  const stop = { now: false };
  const readers = Array.from({ length: 4 }, async (_, r) => {
    const c = new MongoClient(server.uri);
    try {
      let n = 0;
      while (!stop.now) {
        const name = r % 2 === 0 ? "a" : "b";
        const d = await c.db("race").collection<AnyDoc>(name).findOne({ _id: n % 5 });
        if (d !== null) assert.equal(d._id, n % 5);
        if (d !== null) assert.ok(d.from === name || d.from === "a", `${name} served ${d.from}`);
        n++;
      }
      return n;
    } finally {
      await c.close();
    }
  });
  for (let round = 0; round < 25; round++) {
    const a = db.collection<AnyDoc>("a");
    await a.insertMany([0, 1, 2, 3, 4].map((i) => ({ _id: i, from: "a" })));
    await new Promise((r) => setTimeout(r, 5));
    await a.rename("b", { dropTarget: true });
    await new Promise((r) => setTimeout(r, 5));
    await db.collection("b").drop();
  }
  stop.now = true;
  const counts = await Promise.all(readers);
  assert.ok(counts.every((n) => n > 0));
  const t = await ioThread(client);
  assert.ok(t.finds > 0);
});

serverTest(
  "finds over a single-field index racing with index DDL, multikey flips and drops",
  async (client, server) => {
    const db = client.db("irace");
    const stop = { now: false };
    const wrong: string[] = [];
    const before = await ioThread(client);
    const readers = Array.from({ length: 4 }, async (_, r) => {
      const c = new MongoClient(server.uri);
      try {
        let n = 0;
        const coll = c.db("irace").collection<AnyDoc>("c");
        while (!stop.now) {
          const v = n % 10;
          const docs = r % 2 === 0
            ? await coll.find({ a: v }).toArray()
            : await coll.find({ a: { $gte: v, $lt: v + 3 } }).sort({ a: 1 }).limit(20).toArray();
          for (const d of docs) {
            // (an array matches a range when some element is ≥ its low end and some < its high end)
            const vals: number[] = Array.isArray(d.a) ? d.a : [d.a];
            const ok = r % 2 === 0
              ? vals.includes(v)
              : vals.some((x) => x >= v) && vals.some((x) => x < v + 3);
            if (!ok) wrong.push(`${JSON.stringify(d)} for ${v}`);
          }
          n++;
        }
        return n;
      } finally {
        await c.close();
      }
    });
    for (let round = 0; round < 15; round++) {
      const coll = db.collection<AnyDoc>("c");
      await coll.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, a: i % 10 })));
      await coll.createIndex({ a: 1 });
      await new Promise((r) => setTimeout(r, 5));
      await coll.createIndex({ a: 1, b: 1 });
      await new Promise((r) => setTimeout(r, 5));
      await coll.dropIndex("a_1_b_1");
      await coll.insertOne({ _id: 100, a: [1, 8] }); // a_1 becomes multikey
      await new Promise((r) => setTimeout(r, 5));
      await coll.dropIndex("a_1");
      await coll.drop();
    }
    stop.now = true;
    const counts = await Promise.all(readers);
    assert.ok(counts.every((n) => n > 0));
    assert.deepEqual(wrong.slice(0, 5), []);
    assert.ok((await ioThread(client)).finds > before.finds, "the I/O thread answered some of them");
  },
);

serverTest(
  "a causally consistent session's reads (readConcern afterClusterTime) are answered there too",
  async (client, server) => {
    const coll = client.db("cc").collection<AnyDoc>("c");
    await coll.createIndex({ k: 1 });
    await coll.insertMany([{ _id: 1, k: "a" }, { _id: 2, k: "a" }, { _id: 3, k: "b" }]);
    const session = client.startSession({ causalConsistency: true });
    try {
      // the first reads go through the command layer (and register the shapes)
      await coll.findOne({ _id: 1 }, { session });
      await coll.find({ k: "a" }, { session }).toArray();
      const before = await ioThread(client);
      for (let i = 0; i < 5; i++) {
        await coll.updateOne({ _id: 3 }, { $set: { n: i } }, { session }); // moves the session's time on
        assert.deepEqual(await coll.findOne({ _id: 3 }, { session }), { _id: 3, k: "b", n: i });
        assert.deepEqual(await coll.find({ k: "a" }, { session }).toArray(), [{ _id: 1, k: "a" }, {
          _id: 2,
          k: "a",
        }]);
      }
      assert.ok((await ioThread(client)).finds - before.finds >= 8, "answered by the I/O thread");
    } finally {
      await session.endSession();
    }
    // a time past the server's is the command layer's refusal, as before
    const port = Number(new URL(server.uri).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const frames = new FrameStream(conn);
      const later = new BSON.Timestamp({ t: 2 ** 31, i: 1 });
      await writeAll(
        conn,
        msg({ find: "c", filter: { _id: 1 }, readConcern: { afterClusterTime: later }, $db: "cc" }, 1),
      );
      const r = await frames.next(3000);
      assert.ok(r && r !== "timeout");
      assert.equal(body(r)["codeName"], "InvalidOptions");
      await writeAll(
        conn,
        msg({
          find: "c",
          filter: { _id: 1 },
          readConcern: { level: "majority", afterClusterTime: later },
          $db: "cc",
        }, 2),
      );
      const r2 = await frames.next(3000);
      assert.ok(r2 && r2 !== "timeout");
      assert.equal(body(r2)["ok"], 0);
    } finally {
      conn.close();
    }
  },
);

/** A raw connection to an in-process server with `server` settings changed; `ask` sends one request. */
function rawTest(
  name: string,
  settings: Record<string, unknown>,
  fn: (ask: (doc: Record<string, unknown>) => Promise<Uint8Array>) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const d = defaultConfig();
      const server = await startServer({
        config: {
          ...d,
          server: { ...d.server, port: 0, storagePath: ":memory:", logLevel: "ERROR" as const, ...settings },
        },
      });
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      const frames = new FrameStream(conn);
      let id = 0;
      try {
        await fn(async (doc) => {
          await writeAll(conn, msg(doc, ++id));
          const r = await frames.next(3000);
          assert.ok(r && r !== "timeout", `request ${id}: no reply`);
          return r.frame;
        });
      } finally {
        conn.close();
        await server.stop();
      }
    },
  });
}

rawTest(
  "a connection the I/O thread alone answers is not closed as idle",
  { idleTimeoutSeconds: 0.5 },
  async (ask) => {
    await ask({ insert: "c", documents: [{ _id: 1 }], $db: "i" });
    await ask({ find: "c", filter: { _id: 1 }, $db: "i" });
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      await ask({ find: "c", filter: { _id: 1 }, $db: "i" });
      await new Promise((r) => setTimeout(r, 100));
    }
    await ask({ ping: 1, $db: "admin" });
  },
);

rawTest(
  "standalone: the I/O thread's replies have the command layer's bytes (no cluster time)",
  { standalone: true },
  async (ask) => {
    const payload = (f: Uint8Array) => f.subarray(16);
    await ask({ insert: "c", documents: [{ _id: "k", v: 1 }], $db: "s" });
    const find = { find: "c", filter: { _id: "k" }, $db: "s" };
    assert.deepEqual(payload(await ask(find)), payload(await ask(find)));
    const ping = await ask({ ping: 1, $db: "admin" });
    assert.deepEqual(BSON.deserialize(ping.subarray(21)), { ok: 1 });
    const status = BSON.deserialize((await ask({ serverStatus: 1, $db: "admin" })).subarray(21));
    const t = (status["secantus"] as AnyDoc).ioThread;
    assert.equal(Number(t.finds), 1);
    assert.equal(Number(t.pings), 1);
  },
);
