/**
 * Connection hygiene (issue 11, item 3), through the real driver and raw sockets: idle clients and
 * half-sent messages are dropped after their configured deadlines, max_connections refuses the
 * N+1th socket and serves a fresh client once others leave (both checked on each transport, `io =
 * "shim"` and `io = "deno"`), and thousands of idle connections are
 * cheap enough that a new client is still served (the RSS they cost is printed).
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { type Config, defaultConfig } from "../../src/config/mod.ts";

function config(server: Partial<Config["server"]>): Config {
  const d = defaultConfig();
  return { ...d, server: { ...d.server, port: 0, storagePath: ":memory:", logLevel: "ERROR", ...server } };
}

function pingFrame(): Uint8Array {
  const body = BSON.serialize({ ping: 1, $db: "admin" });
  const f = new Uint8Array(21 + body.length);
  const dv = new DataView(f.buffer);
  dv.setInt32(0, f.length, true);
  dv.setInt32(4, 1, true);
  dv.setInt32(12, 2013, true);
  f.set(body, 21);
  return f;
}

/** Resolves with null when the server closes the socket, or the bytes read (bounded wait). */
async function readOrClosed(conn: Deno.Conn, ms: number): Promise<"closed" | "data" | "timeout"> {
  const buf = new Uint8Array(4096);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms));
  const read = conn.read(buf).then(
    (n) => n === null ? "closed" as const : "data" as const,
    () => "closed" as const,
  );
  const r = await Promise.race([read, t]);
  clearTimeout(timer);
  return r;
}

const opts = { sanitizeResources: false, sanitizeOps: false };

// Both transports (`[server] io`: the shim's frame I/O thread, the default, and Deno's sockets) enforce
// the deadlines and max_connections alike: the same checks run against each.
for (const io of ["shim", "deno"] as const) {
  Deno.test({
    ...opts,
    name: `connections (${io}): idle clients and half-sent messages are dropped; the driver carries on`,
    async fn() {
      const server = await startServer({
        config: config({ io, idleTimeoutSeconds: 0.3, messageTimeoutSeconds: 0.3 }),
      });
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
      try {
        const idle = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        const half = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        const f = pingFrame();
        await half.write(f.subarray(0, 20)); // the header and a little more, then stall
        const t0 = performance.now();
        assert.equal(await readOrClosed(idle, 5000), "closed");
        assert.equal(await readOrClosed(half, 5000), "closed");
        const waited = performance.now() - t0;
        assert.ok(waited >= 250 && waited < 3000, `dropped after ${waited.toFixed(0)} ms`);
        idle.close();
        half.close();
        // a driver whose pooled connection was dropped while idle reconnects transparently
        assert.equal((await client.db("a").command({ ping: 1 })).ok, 1);
        await new Promise((r) => setTimeout(r, 700));
        assert.equal(await client.db("a").collection("c").countDocuments({}), 0);
      } finally {
        await client.close();
        await server.stop();
      }
    },
  });

  Deno.test({
    ...opts,
    name:
      `connections (${io}): max_connections refuses the N+1th socket and serves a fresh client after others leave`,
    async fn() {
      const server = await startServer({ config: config({ io, maxConnections: 3 }) });
      const socks: Deno.TcpConn[] = [];
      try {
        for (let i = 0; i < 3; i++) {
          const s = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
          await s.write(pingFrame());
          assert.equal(await readOrClosed(s, 3000), "data");
          socks.push(s);
        }
        const extra = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        assert.equal(await readOrClosed(extra, 3000), "closed");
        extra.close();
        for (const s of socks.splice(0)) s.close();
        await new Promise((r) => setTimeout(r, 100));
        const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000, maxPoolSize: 1 });
        try {
          assert.equal((await client.db("a").command({ ping: 1 })).ok, 1);
        } finally {
          await client.close();
        }
      } finally {
        for (const s of socks) s.close();
        await server.stop();
      }
    },
  });
}

Deno.test({
  ...opts,
  name:
    "connections: max_connections_per_address refuses one address's extra sockets; the driver is served once they leave",
  async fn() {
    const server = await startServer({
      config: config({ maxConnections: 100, maxConnectionsPerAddress: 2 }),
    });
    const socks: Deno.TcpConn[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        await s.write(pingFrame());
        assert.equal(await readOrClosed(s, 3000), "data");
        socks.push(s);
      }
      const extra = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      assert.equal(await readOrClosed(extra, 3000), "closed"); // 127.0.0.1 holds 2 of the 100
      extra.close();
      for (const s of socks.splice(0)) s.close();
      await new Promise((r) => setTimeout(r, 100));
      // a driver needs 2 from one address here: its monitoring connection and one pooled connection
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000, maxPoolSize: 1 });
      try {
        assert.equal((await client.db("a").command({ ping: 1 })).ok, 1);
      } finally {
        await client.close();
      }
    } finally {
      for (const s of socks) s.close();
      await server.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "connections: 2,000 idle connections are held while a new client is served",
  async fn() {
    const server = await startServer({ config: config({ maxConnections: 5000 }) });
    const rss = () => Deno.memoryUsage().rss / 2 ** 20;
    const socks: Deno.TcpConn[] = [];
    try {
      const before = rss();
      for (let i = 0; i < 2000; i++) {
        const s = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        socks.push(s);
      }
      const f = pingFrame();
      for (const s of socks) {
        await s.write(f);
        assert.equal(await readOrClosed(s, 5000), "data");
      }
      const t0 = performance.now();
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
      try {
        assert.equal((await client.db("a").command({ ping: 1 })).ok, 1);
      } finally {
        await client.close();
      }
      const ms = performance.now() - t0;
      // client and server share this process: the figure includes both sockets' ends
      console.log(
        `2,000 idle connections: RSS +${(rss() - before).toFixed(1)} MiB; new client served in ${
          ms.toFixed(0)
        } ms`,
      );
      assert.ok(ms < 5000);
      // 64 KiB read buffers per connection alone (the old default) would cost 125 MiB here
      assert.ok(rss() - before < 80, `idle connections cost ${(rss() - before).toFixed(1)} MiB`);
    } finally {
      for (const s of socks) s.close();
      await server.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "connections: trickling senders announcing 47 MB each cannot hold other clients' large messages back",
  async fn() {
    // 8 × 47 MB announced > the 256 MiB budget for large incoming messages. Before, the first 5 held
    // reservations until the message timeout and a driver's 2 MB insert waited behind them.
    const server = await startServer({ config: config({ messageTimeoutSeconds: 60 }) });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    const hogs: Deno.Conn[] = [];
    try {
      await client.db("a").command({ ping: 1 });
      for (let i = 0; i < 8; i++) {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        const head = new Uint8Array(16);
        new DataView(head.buffer).setInt32(0, 47_000_000, true);
        new DataView(head.buffer).setInt32(12, 2013, true);
        await c.write(head);
        hogs.push(c);
      }
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      await client.db("a").collection("c").insertOne({ pad: "p".repeat(2_000_000) });
      const ms = performance.now() - t0;
      assert.ok(ms < 20_000, `a 2 MB insert waited ${ms.toFixed(0)} ms behind trickling senders`);
      // the hogs were dropped
      assert.equal(await readOrClosed(hogs[0]!, 5000), "closed");
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
