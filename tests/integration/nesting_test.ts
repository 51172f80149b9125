/**
 * Nesting limits (issue 11, item 2): documents deeper than mongod stores are refused with 15 Overflow,
 * requests deeper than mongod parses are refused before any recursive decode, and values nested as
 * deep as storage allows still sort, index, compare and group. The server keeps serving throughout.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

/** `{a: {a: … 1}}` with `levels` documents. */
function nested(levels: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

async function refused(p: Promise<unknown>, code: number, msg: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MongoServerError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, msg);
    return true;
  });
}

Deno.test({
  name: "nesting: too-deep documents are refused with 15 Overflow; legal depth sorts and indexes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ logLevel: "ERROR" });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    try {
      const c = client.db("nest").collection<{ _id: number; d?: unknown }>("c");
      // 5,000 levels: over the request limit, refused before decoding
      await refused(c.insertOne({ _id: 0, d: nested(5000) }), 15, /maximum nested object depth/);
      await refused(c.find({ d: nested(5000) }).toArray(), 15, /maximum nested object depth/);
      // over the storage limit (root + 180 levels) but a legal request: mongod's insert/update wording
      await refused(c.insertOne({ _id: 0, d: nested(180) }), 15, /exceeds 180 levels of nesting/);
      await c.insertOne({ _id: 1, d: nested(170, 1) });
      await refused(
        c.updateOne({ _id: 1 }, { $set: { "d.a.a": nested(178) } }),
        15,
        /Document exceeds maximum nesting depth of 180/,
      );
      await refused(
        c.updateOne({ _id: 9 }, { $set: { d: nested(180) } }, { upsert: true }),
        15,
        /maximum nesting depth of 180/,
      );
      await refused(c.replaceOne({ _id: 1 }, { d: nested(180) }), 15, /maximum nesting depth of 180/);
      // a run-time value deeper than storage allows, written by $merge
      const deepByReduce = {
        $reduce: { input: { $range: [0, 500] }, initialValue: {}, in: { a: "$$value" } },
      };
      await refused(
        c.aggregate([{ $project: { x: deepByReduce } }, { $merge: { into: "out" } }]).toArray(),
        15,
        /levels of nesting/,
      );
      // deep but legal (root + 179 levels): sort, index, equality and group work
      await c.insertMany([{ _id: 2, d: nested(178, 2) }, { _id: 3, d: nested(178, 0) }]);
      const sorted = await c.find({ _id: { $in: [2, 3] } }).sort({ d: 1 }).project({ _id: 1 }).toArray();
      assert.deepEqual(sorted.map((d) => d._id), [3, 2]);
      await c.createIndex({ d: 1 });
      assert.deepEqual(
        (await c.find({ d: nested(178, 2) }).hint({ d: 1 }).project({ _id: 1 }).toArray()).map((d) => d._id),
        [2],
      );
      const groups = await c.aggregate([{ $group: { _id: "$d", n: { $sum: 1 } } }]).toArray();
      assert.equal(groups.length, 3);
      assert.equal((await client.db("nest").command({ ping: 1 })).ok, 1);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "nesting: a million-level raw frame gets 15 Overflow and the connection keeps serving",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ logLevel: "ERROR" });
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      const { BSON } = await import("bson");
      const levels = 1_000_000;
      const total = 5 + 7 * levels;
      const deep = new Uint8Array(total);
      const dv = new DataView(deep.buffer);
      for (let k = 0; k < levels; k++) {
        dv.setInt32(6 * k, total - 7 * k, true);
        deep[6 * k + 4] = 0x03;
      }
      dv.setInt32(6 * levels, 5, true);
      const send = async (body: Uint8Array, seq?: Uint8Array) => {
        const seqLen = seq ? 1 + 4 + 2 + seq.length : 0;
        const frame = new Uint8Array(21 + body.length + seqLen);
        const f = new DataView(frame.buffer);
        f.setInt32(0, frame.length, true);
        f.setInt32(12, 2013, true);
        frame.set(body, 21);
        if (seq) {
          let p = 21 + body.length;
          frame[p++] = 1;
          f.setInt32(p, 4 + 2 + seq.length, true);
          frame.set([0x64, 0], p + 4);
          frame.set(seq, p + 6);
        }
        for (let o = 0; o < frame.length;) o += await conn.write(frame.subarray(o));
        const head = new Uint8Array(4);
        let got = 0;
        while (got < 4) got += (await conn.read(head.subarray(got))) ?? 0;
        const len = new DataView(head.buffer).getInt32(0, true);
        const rest = new Uint8Array(len - 4);
        got = 0;
        while (got < rest.length) got += (await conn.read(rest.subarray(got))) ?? 0;
        return BSON.deserialize(rest.subarray(17));
      };
      const reply = await send(BSON.serialize({ insert: "c", $db: "nest" }), deep);
      assert.deepEqual([reply.ok, reply.code, reply.codeName], [0, 15, "Overflow"]);
      const ping = await send(BSON.serialize({ ping: 1, $db: "admin" }));
      assert.equal(ping.ok, 1);
    } finally {
      conn.close();
      await server.stop();
    }
  },
});
