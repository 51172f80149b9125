/**
 * `[server] io = "shim"` through the Node driver: the shim's frame I/O thread accepts, assembles whole
 * messages and sends replies (src/server/shim_transport.ts, ffi/wiredtiger/shim/io_loop.c). CRUD, a
 * cursor with getMores, a batch larger than 16 MB, zlib compression, a client leaving mid-request,
 * 100 connections opened and closed, a garbage frame that closes only its own connection, and a stop
 * with connections open.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { encodeOpMsg } from "../../src/wire/mod.ts";

function shimConfig() {
  const d = defaultConfig();
  return { ...d, server: { ...d.server, io: "shim" as const, logLevel: "WARNING" as const } };
}

async function readFrame(conn: Deno.Conn): Promise<Uint8Array | null> {
  const head = new Uint8Array(4);
  let got = 0;
  while (got < 4) {
    const n = await conn.read(head.subarray(got));
    if (n === null) return null;
    got += n;
  }
  const len = new DataView(head.buffer).getInt32(0, true);
  const frame = new Uint8Array(len);
  frame.set(head);
  while (got < len) {
    const n = await conn.read(frame.subarray(got));
    if (n === null) return null;
    got += n;
  }
  return frame;
}

async function closedByServer(conn: Deno.Conn): Promise<boolean> {
  const deadline = setTimeout(() => conn.close(), 5000);
  try {
    const b = new Uint8Array(256);
    for (;;) {
      const n = await conn.read(b);
      if (n === null) return true;
    }
  } catch {
    return true;
  } finally {
    clearTimeout(deadline);
  }
}

const ping = (id: number) => encodeOpMsg({ body: BSON.serialize({ ping: 1, $db: "admin" }), requestId: id });

Deno.test({
  name: "shim I/O: the driver's CRUD, cursors, large batches, compression and connection edge cases",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "shim-io-" });
    const server = await startServer({ config: shimConfig(), port: 0, storagePath: `${tmp}/data` });
    const client = new MongoClient(server.uri);
    const zclient = new MongoClient(server.uri, { compressors: ["zlib"] });
    try {
      const db = client.db("shimio");
      await t.step("CRUD and a cursor with getMores", async () => {
        const c = db.collection<{ _id: number; v: number; s?: string }>("c");
        await c.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: i, v: i % 10 })));
        assert.equal((await c.findOne({ _id: 7 }))?.v, 7);
        assert.equal((await c.updateMany({ v: 3 }, { $set: { s: "x" } })).modifiedCount, 100);
        assert.equal(await c.countDocuments({ s: "x" }), 100);
        const all = await c.find({}, { batchSize: 37 }).sort({ _id: 1 }).toArray();
        assert.equal(all.length, 1000);
        assert.equal(all[999]?._id, 999);
        assert.equal((await c.deleteMany({ v: { $gte: 5 } })).deletedCount, 500);
      });

      await t.step("a batch of more than 16 MB in, and back out", async () => {
        const c = db.collection<{ _id: number; blob: string }>("big");
        const blob = "x".repeat(600_000);
        const docs = Array.from({ length: 40 }, (_, i) => ({ _id: i, blob })); // ~24 MB
        assert.equal((await c.insertMany(docs)).insertedCount, 40);
        const back = await c.find({}).toArray();
        assert.equal(back.length, 40);
        assert.equal(back[39]?.blob.length, 600_000);
      });

      await t.step("zlib compression both ways", async () => {
        const c = zclient.db("shimio").collection<{ _id: number; t: string }>("z");
        await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, t: "abc".repeat(200) })));
        const got = await c.find({}).toArray();
        assert.equal(got.length, 200);
        const status = await db.admin().command({ serverStatus: 1 });
        assert.ok(status.network.compression.zlib.decompressor.bytesIn > 0);
        assert.ok(status.network.compression.zlib.compressor.bytesOut > 0);
      });

      await t.step(
        "a client that leaves mid-request; a garbage frame closes only its connection",
        async () => {
          const leaver = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
          const agg = encodeOpMsg({
            body: BSON.serialize({
              aggregate: "c",
              pipeline: [{ $group: { _id: "$v", n: { $sum: 1 } } }],
              cursor: {},
              $db: "shimio",
            }),
            requestId: 1,
          });
          await leaver.write(agg);
          leaver.close();
          const bad = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
          await bad.write(new Uint8Array([3, 0, 0, 0, 1, 2, 3, 4]));
          assert.ok(await closedByServer(bad));
          bad.close();
          const half = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
          await half.write(ping(5).subarray(0, 10)); // cut mid-message
          half.close();
          assert.equal((await db.command({ ping: 1 })).ok, 1);
        },
      );

      await t.step("100 connections opened, used and closed", async () => {
        const conns = await Promise.all(
          Array.from({ length: 100 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
        );
        await Promise.all(conns.map(async (c, i) => {
          await c.write(ping(i + 1));
          const reply = await readFrame(c);
          assert.ok(reply !== null && reply.length > 21);
        }));
        for (const c of conns) c.close();
        let current = Infinity;
        for (let i = 0; i < 100 && current > 10; i++) {
          await new Promise((r) => setTimeout(r, 20));
          current = (await db.admin().command({ serverStatus: 1 })).connections.current;
        }
        assert.ok(current <= 10, `connections.current ${current} after closing 100`);
      });

      await t.step("stop with connections open closes them", async () => {
        const open = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        await open.write(ping(9));
        assert.ok((await readFrame(open)) !== null);
        await server.stop();
        assert.ok(await closedByServer(open));
        open.close();
      });
    } finally {
      await client.close().catch(() => {});
      await zclient.close().catch(() => {});
      await server.stop().catch(() => {});
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "shim I/O: trickling senders holding the byte budget are dropped; a fast 20 MB sender does not starve pings",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const d = defaultConfig();
    const config = {
      ...d,
      server: { ...d.server, io: "shim" as const, logLevel: "ERROR" as const, messageTimeoutSeconds: 60 },
    };
    const server = await startServer({ config, port: 0, storagePath: ":memory:" });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    const hogs: Deno.Conn[] = [];
    try {
      await client.db("a").command({ ping: 1 });
      // 8 × 47 MB announced > the 256 MiB budget: the ones holding reservations trickle nothing
      for (let i = 0; i < 8; i++) {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        const head = new Uint8Array(16);
        new DataView(head.buffer).setInt32(0, 47_000_000, true);
        new DataView(head.buffer).setInt32(12, 2013, true);
        await c.write(head);
        hogs.push(c);
      }
      await new Promise((r) => setTimeout(r, 300));
      // a 2 MB insert needs a reservation too: it gets one once the slow holders are dropped
      const inserted = await client.db("a").collection("c").insertOne({ pad: "p".repeat(2_000_000) });
      assert.ok(inserted.acknowledged);
      assert.ok(await closedByServer(hogs[0]!), "a trickling sender holding a reservation was not dropped");
      // one connection sends 20 MB as fast as it can while another pings: the pings are answered
      const fast = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      const big = encodeOpMsg({
        body: BSON.serialize({ insert: "big", documents: [{ pad: "q".repeat(15_000_000) }], $db: "a" }),
        requestId: 7,
      });
      const sending = (async () => {
        let off = 0;
        while (off < big.length) off += await fast.write(big.subarray(off));
        return await readFrame(fast);
      })();
      const pinger = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      for (let i = 0; i < 20; i++) {
        await pinger.write(ping(100 + i));
        assert.ok((await readFrame(pinger)) !== null);
      }
      assert.ok((await sending) !== null);
      fast.close();
      pinger.close();
    } finally {
      for (const c of hogs) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await client.close();
      await server.stop();
    }
  },
});
