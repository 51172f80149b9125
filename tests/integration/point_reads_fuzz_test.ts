/**
 * Hostile bytes at the frame I/O thread's request walk (ffi/wiredtiger/shim/io_fast.c parses every
 * whole request before JS sees it): finds by `_id`, finds over a single-field index (io_fast_index.c)
 * and pings with random bytes changed, dropped or
 * added inside the body (the frame length kept right), a seeded few thousand of them. Every one gets a
 * reply or a closed connection, never a crash or a stall, and the server answers correctly afterwards.
 */
import assert from "node:assert/strict";
import { BSON, Long, ObjectId } from "bson";
import { encodeOpMsg } from "../../src/wire/mod.ts";
import { serverTest } from "./helpers/embedded_server.ts";
import { FrameStream, writeAll } from "./helpers/raw_wire.ts";

/** A small deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const BASES: Record<string, unknown>[] = [
  { find: "c", filter: { _id: 1 }, limit: 1, singleBatch: true, batchSize: 1, $db: "z" },
  { find: "c", filter: { _id: "k\u0000é" }, $db: "z", lsid: { id: new BSON.UUID() }, $clusterTime: { a: 1 } },
  { find: "c", filter: { _id: new ObjectId() }, comment: { x: [1, "y"] }, maxTimeMS: 5, $db: "z" },
  { find: "c", filter: { _id: Long.fromNumber(2 ** 40) }, $readPreference: { mode: "primary" }, $db: "z" },
  { ping: 1, $db: "admin", lsid: { id: new BSON.UUID() } },
  // finds over a single-field index (io_fast_index.c)
  { find: "c", filter: { v: 1 }, $db: "z" },
  { find: "c", filter: { v: { $gte: 0, $lt: 5 } }, sort: { v: 1 }, limit: 3, batchSize: 2, $db: "z" },
  { find: "c", filter: { s: "ab\u0000" }, singleBatch: true, $db: "z" },
  { find: "c", filter: { _id: { $in: [3, 1, "x", new ObjectId()] } }, limit: 3, $db: "z" },
  { find: "c", filter: { v: { $in: [4, 2, 2] } }, sort: { v: 1 }, $db: "z" },
  {
    find: "c",
    filter: { _id: 1 },
    readConcern: { level: "local", afterClusterTime: new BSON.Timestamp({ t: 1, i: 1 }) },
    $db: "z",
  },
];

function mutated(r: () => number): Uint8Array {
  const base = BSON.serialize(BASES[Math.floor(r() * BASES.length)]!);
  let b = new Uint8Array(base);
  const edits = 1 + Math.floor(r() * 4);
  for (let k = 0; k < edits; k++) {
    const at = 4 + Math.floor(r() * Math.max(1, b.length - 4));
    const kind = r();
    if (kind < 0.6) b[at] = Math.floor(r() * 256);
    else if (kind < 0.8) b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1)]);
    else b = new Uint8Array([...b.subarray(0, at), Math.floor(r() * 256), ...b.subarray(at)]);
  }
  if (r() < 0.5) new DataView(b.buffer).setInt32(0, b.length, true); // often a consistent length
  return b;
}

serverTest("mutated finds and pings never crash or stall the server", async (client, server) => {
  const coll = client.db("z").collection<{ _id: number; v: number; s?: string }>("c");
  await coll.createIndexes([{ key: { v: 1 } }, { key: { s: 1 } }]);
  await coll.insertOne({ _id: 1, v: 1 });
  await coll.insertMany([2, 3, 4, 5].map((i) => ({ _id: i, v: i, s: i % 2 ? "ab\u0000" : "x" })));
  // the I/O thread answers this collection's finds from here on
  await coll.findOne({ _id: 1 });
  await coll.find({ v: 1 }).toArray();
  await coll.find({ v: { $gte: 0, $lt: 5 } }).sort({ v: 1 }).toArray();
  await coll.find({ s: "x" }).toArray();
  await coll.find({ _id: { $in: [1, 2] } }).toArray();
  await coll.find({ v: { $in: [1, 2] } }).sort({ v: 1 }).toArray();
  const port = Number(new URL(server.uri).port);
  const r = rng(20261205);
  let conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let frames = new FrameStream(conn);
  let replies = 0;
  let closes = 0;
  for (let i = 0; i < 3000; i++) {
    const body = mutated(r);
    const frame = encodeOpMsg({ body, requestId: i + 1, flagBits: r() < 0.05 ? 1 << 16 : 0 });
    try {
      await writeAll(conn, frame);
      const reply = await frames.next(5000);
      assert.notEqual(reply, "timeout", `request ${i}: no reply within 5 s`);
      if (reply === null) throw new Error("closed");
      replies++;
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      closes++;
      try {
        conn.close();
      } catch { /* already closed */ }
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
      frames = new FrameStream(conn);
    }
  }
  conn.close();
  assert.ok(replies > 2000, `${replies} replies, ${closes} closes`);
  assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, v: 1 });
  assert.equal((await client.db("admin").command({ ping: 1 }))["ok"], 1);
});
