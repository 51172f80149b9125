/**
 * Duplicate keys of inserts made on the frame I/O thread (ffi/wiredtiger/shim/io_fast_dup.c): an insert
 * whose `_id` is there already gets, from a server with the I/O thread's writes and from one with
 * `SECANTUS_FAST_WRITES=0`, the same E11000 reply byte for byte (values not promoted, so types compare;
 * but for the cluster times) for every `_id` type the I/O thread renders — numbers, ObjectIds, strings with
 * characters JSON escapes — and leaves the same counters; a retryable insert's refusal stays the command
 * layer's; the Node driver sees mongod's error.
 */
import assert from "node:assert/strict";
import { Binary, BSON, Double, Long, ObjectId } from "bson";
import { MongoClient, MongoServerError } from "mongodb";
import { type WriteSide, writeSide } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

const RAW = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;
const ioInserts = (status: Doc) => Number(((status["secantus"] as Doc)["ioThread"] as Doc)["inserts"]);
const status = (s: WriteSide) => s.ask({ serverStatus: 1, $db: "admin" });

/** A reply's bytes without its cluster and operation times, values as sent. */
async function timelessRaw(s: WriteSide, q: Doc): Promise<Uint8Array> {
  const { $clusterTime: _c, operationTime: _o, ...rest } = BSON.deserialize(await s.raw(q), RAW);
  return BSON.serialize(rest);
}

const IDS: unknown[] = [
  7,
  -2147483648,
  new Long(2 ** 40),
  new Long(-3),
  new Double(12),
  new Double(-4),
  new ObjectId("65a1b2c3d4e5f60718293a4b"),
  "plain",
  'quo"te',
  "back\\slash",
  "new\nline\r\t\b\f",
  "\u0001ctl\u001f",
  "del\u007f",
  "é ü 日本 😀",
  "",
  "x".repeat(512),
  "nul\u0000inside", // a NUL inside: the command layer's (io_fast_canonical.c leaves such strings to it)
  "y".repeat(600), // over the I/O thread's string key limit: the command layer's insert and error
  new Double(2.5), // a fraction: the same
  { a: 1 }, // a document: the same
];

Deno.test({
  name: "duplicate keys of inserts on the I/O thread: the command layer's E11000 reply and counters",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sides = [await writeSide(true), await writeSide(false)];
    try {
      // registered for inserts by the command layer's first one
      for (const s of sides) await s.ask({ insert: "d", documents: [{ _id: "first" }], $db: "x" });
      const before = ioInserts(await status(sides[0]!));
      for (const [i, id] of IDS.entries()) {
        const q = { insert: "d", documents: [{ _id: id, n: i }], $db: "x" };
        const dup = { insert: "d", documents: [{ _id: id, n: -i }], $db: "x" };
        for (const s of sides) assert.equal(Number((await s.ask(q))["n"]), 1, `insert ${i}`);
        const [a, b] = await Promise.all(sides.map((s) => timelessRaw(s, dup)));
        const show = (x: Uint8Array) => JSON.stringify(BSON.EJSON.serialize(BSON.deserialize(x, RAW)));
        assert.deepEqual(a, b, `duplicate ${i}: ${show(a!)} vs ${show(b!)}`);
        const reply = BSON.deserialize(a!);
        assert.equal(reply["n"], 0);
        assert.equal((reply["writeErrors"] as Doc[])[0]!["code"], 11000);
      }
      const [sa, sb] = await Promise.all(sides.map(status));
      // each of the first 16 was inserted and refused there; the last four are the command layer's
      assert.equal(ioInserts(sa!) - before, 2 * 16);
      assert.equal(ioInserts(sb!), 0);
      assert.deepEqual((sa!["opcounters"] as Doc)["insert"], (sb!["opcounters"] as Doc)["insert"]);
      assert.deepEqual((sa!["metrics"] as Doc)["document"], (sb!["metrics"] as Doc)["document"]);
      const tops = await Promise.all(sides.map((s) => s.ask({ top: 1, $db: "admin" })));
      const inserts = tops.map((t) =>
        Number((((t["totals"] as Doc)["x.d"] as Doc)["insert"] as Doc)["count"])
      );
      assert.equal(inserts[0], inserts[1]);
      assert.equal(inserts[0], 1 + 2 * IDS.length);
      for (const s of sides) {
        assert.equal(Number((await s.ask({ count: "d", $db: "x" }))["n"]), 1 + IDS.length);
      }
    } finally {
      for (const s of sides) await s.close();
    }
  },
});

Deno.test({
  name: "duplicate keys of inserts on the I/O thread: a retryable insert's refusal is the command layer's; " +
    "the Node driver's insertOne gets mongod's error",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true);
    try {
      await s.ask({ insert: "r", documents: [{ _id: 1 }], $db: "x" });
      await s.ask({ insert: "r", documents: [{ _id: 2 }], $db: "x" });
      const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
      const ins = (id: number, txnNumber?: number) => ({
        insert: "r",
        documents: [{ _id: id }],
        lsid,
        ...(txnNumber === undefined ? {} : { txnNumber: Long.fromInt(txnNumber) }),
        $db: "x",
      });
      // the session's first retryable write is the command layer's (it lets the I/O thread make the next)
      assert.equal(Number((await s.ask(ins(3, 1)))["n"]), 1);
      const before = ioInserts(await status(s));
      const retryable = await s.ask(ins(2, 2));
      assert.equal(Number((retryable["writeErrors"] as Doc[])[0]!["code"]), 11000, JSON.stringify(retryable));
      assert.equal(ioInserts(await status(s)), before, "the command layer answered it");
      // the session's state knows txnNumber 2: 1 is too old now
      assert.equal(Number((await s.ask(ins(4, 1)))["code"]), 225);
      // with an implicit session only (no txnNumber): answered there
      const plain = await s.ask(ins(2));
      assert.equal(Number((plain["writeErrors"] as Doc[])[0]!["code"]), 11000, JSON.stringify(plain));
      assert.equal(ioInserts(await status(s)), before + 1, "the I/O thread answered it");

      const client = new MongoClient(
        `mongodb://127.0.0.1:${s.port}/?directConnection=true&retryWrites=false`,
      );
      try {
        const coll = client.db("x").collection<Doc>("drv");
        const oid = new ObjectId();
        for (const id of [11, oid, "k"]) await coll.insertOne({ _id: id, v: 1 } as Doc);
        const mid = ioInserts(await status(s));
        for (
          const [id, shown] of [[11, "11"], [oid, `ObjectId('${oid.toHexString()}')`], ["k", '"k"']] as const
        ) {
          const e = await coll.insertOne({ _id: id, v: 2 } as Doc).catch((x) => x);
          assert.ok(e instanceof MongoServerError, String(e));
          assert.equal(e.code, 11000);
          assert.equal(
            e.message,
            `E11000 duplicate key error collection: x.drv index: _id_ dup key: { _id: ${shown} }`,
          );
          assert.deepEqual(e.keyPattern, { _id: 1 });
          assert.equal(JSON.stringify(e.keyValue), JSON.stringify({ _id: id })); // (the driver's own bson classes)
        }
        assert.ok(ioInserts(await status(s)) - mid === 3, "the driver's duplicates were answered there");
        assert.equal(await coll.countDocuments({ v: 1 }), 3);
        assert.equal(await coll.countDocuments({ v: 2 }), 0);
      } finally {
        await client.close();
      }
    } finally {
      await s.close();
    }
  },
});
