/**
 * Hostile and unlucky clients against both transports (`[server] io = "shim"`, the default, and `io =
 * "deno"`), each server in a child process so a crash is seen: a client that pipelines requests for
 * 16 MB replies and never reads (memory stays bounded, the connection is back-pressured, other clients
 * keep their latency, a reset mid-reply is survived); half-closes after whole requests (the replies
 * are still delivered, as mongod does) and mid-frame, part of a frame sent with the FIN (the connection
 * ends at once, not at the message timeout); impossible frame lengths; slowloris senders
 * announcing 48,000,000 bytes; a storm of 1,200 connects, resets and half-sent frames (no descriptor
 * or connection leaks). Where the transports are compared, both must behave alike.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";
import { alive, freshPing, memoryOf, pinger, resetPeak } from "../chaos/probes.ts";
import {
  body,
  closedWithin,
  closeQuietly,
  FrameStream,
  header,
  msg,
  openFds,
  sleep,
  writeAll,
} from "./helpers/raw_wire.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
type Io = "shim" | "deno";

function start(io: Io, extra: string[] = []) {
  return spawnServer({ args: ["--storage-path", ":memory:", "--io", io, "--log-level", "INFO", ...extra] });
}

/** 16 documents of 1 MB: one `find` answers all of them in a ~16 MB reply. */
async function seedBig(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const pad = "b".repeat(1_000_000);
    await client.db("h").collection<{ _id: number; pad: string }>("big").insertMany(
      Array.from({ length: 16 }, (_, i) => ({ _id: i, pad })),
    );
  } finally {
    await client.close();
  }
}

const bigFind = (id: number) =>
  msg({ find: "big", filter: {}, batchSize: 100, singleBatch: true, $db: "h" }, id);
const ping = (id: number) => msg({ ping: 1, $db: "admin" }, id);

/** connections.current and opcounters.query, asked on a connection of its own. */
async function status(port: number): Promise<{ current: number; queries: number }> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await writeAll(c, msg({ serverStatus: 1, $db: "admin" }, 1));
    const r = await new FrameStream(c).next(10_000);
    assert.ok(r !== null && r !== "timeout", "serverStatus not answered");
    const b = body(r) as { connections: { current: number }; opcounters: { query: number } };
    return { current: b.connections.current, queries: b.opcounters.query };
  } finally {
    c.close();
  }
}

/** Waits (bounded) until connections.current is at most `n` (this probe's own connection included). */
async function settles(port: number, n: number, ms = 10_000): Promise<number> {
  const deadline = Date.now() + ms;
  let cur = Infinity;
  while (Date.now() < deadline) {
    cur = (await status(port)).current;
    if (cur <= n) return cur;
    await sleep(50);
  }
  return cur;
}

for (const io of ["shim", "deno"] as const) {
  Deno.test({
    ...opts,
    name:
      `hostile (${io}): a client pipelining 30 finds of 16 MB that never reads is back-pressured, memory stays bounded, pings flow`,
    async fn() {
      const server = await start(io);
      const pid = server.child.pid;
      const pings = pinger(server.port);
      const stalled: Deno.Conn[] = [];
      try {
        await seedBig(server.uri);
        await pings.ready;
        const before = await status(server.port);
        await sleep(200);
        resetPeak(pid);
        const base = memoryOf(pid).rssMiB;
        await pings.take();
        // two stalled clients, 30 requests each (~480 MB of replies each if they were all produced)
        for (let k = 0; k < 2; k++) {
          const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
          const reqs = Array.from({ length: 30 }, (_, i) => bigFind(i + 1));
          await writeAll(c, new Uint8Array(reqs.flatMap((r) => [...r])));
          stalled.push(c);
        }
        // a driver beside them: a cursor over the same 16 MB, read in batches of 2
        const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
        const t0 = performance.now();
        const docs = await client.db("h").collection("big").find({}, { batchSize: 2 }).toArray();
        const driverMs = performance.now() - t0;
        await client.close();
        assert.equal(docs.length, 16);
        await sleep(Math.max(0, 2000 - driverMs));
        const lat = await pings.take();
        const mem = memoryOf(pid);
        const after = await status(server.port);
        const served = after.queries - before.queries;
        console.log(
          `${io}: ${served} of 60 finds served while unread; RSS ${base} -> peak ${mem.peakMiB} MiB; pings p50 ${lat.p50} p99 ${lat.p99} ms (n=${lat.n}); the driver's 16 MB in ${
            driverMs.toFixed(0)
          } ms`,
        );
        // each stalled connection: the reply in the kernel's buffers, one waiting, the next request read
        assert.ok(driverMs < 5000, `the driver's cursor took ${driverMs.toFixed(0)} ms`);
        assert.ok(served <= 20, `${served} finds answered to clients that read nothing: not back-pressured`);
        assert.ok(mem.peakMiB - base < 250, `RSS grew ${mem.peakMiB - base} MiB for two non-reading clients`);
        assert.ok(lat.n >= 20 && lat.p99 < 2000, `pings beside them: p99 ${lat.p99} ms, n ${lat.n}`);
        // the first stalled client reads two replies (whole and in order), then resets mid-reply
        const frames = new FrameStream(stalled[0]!);
        for (const id of [1, 2]) {
          const r = await frames.next(20_000);
          assert.ok(r !== null && r !== "timeout", `reply ${id} not delivered`);
          assert.equal(r.responseTo, id);
          const b = body(r) as { ok: number; cursor: { firstBatch: unknown[] } };
          assert.equal(b.ok, 1);
          assert.equal(b.cursor.firstBatch.length, 16);
        }
        await frames.next(50); // part of the third
        for (const c of stalled.splice(0)) c.close(); // unread bytes: the kernel sends a reset
        assert.ok(alive(pid), `server died:\n${server.output().slice(-2000)}`);
        assert.ok(await freshPing(server.port));
        assert.ok(await settles(server.port, before.current), "the stalled connections were not let go");
        await sleep(300);
        assert.ok(memoryOf(pid).rssMiB - base < 250);
      } finally {
        pings.close();
        for (const c of stalled) closeQuietly(c);
        assert.equal(await server.stop(), 0);
      }
    },
  });
}

/** What one transport does with half-closes and impossible lengths (compared across transports). */
async function edgeCases(io: Io): Promise<Record<string, unknown>> {
  const server = await start(io);
  const out: Record<string, unknown> = {};
  try {
    await seedBig(server.uri);
    // the driver's monitoring connection stays until its awaitable hello's next reply (≤ 10 s)
    const baseline = (await status(server.port)).current;
    const conn = () => Deno.connect({ hostname: "127.0.0.1", port: server.port });

    // a ping, then shutdown(SHUT_WR): the reply, then the server's close
    let c = await conn();
    await writeAll(c, ping(1));
    await c.closeWrite();
    let s = new FrameStream(c);
    let r = await s.next();
    out["ping, half-close"] = [r && r !== "timeout" ? body(r)["ok"] : r, await s.next(5000)];
    c.close();

    // two pipelined pings, then a half-close: both replies
    c = await conn();
    await writeAll(c, new Uint8Array([...ping(1), ...ping(2)]));
    await c.closeWrite();
    s = new FrameStream(c);
    const two = [];
    for (let i = 0; i < 2; i++) {
      r = await s.next();
      two.push(r && r !== "timeout" ? r.responseTo : r);
    }
    out["two pings, half-close"] = [...two, await s.next(5000)];
    c.close();

    // a ping and part of another, then a half-close: the first is answered, then the server closes
    c = await conn();
    await writeAll(c, new Uint8Array([...ping(1), ...ping(2).subarray(0, 12)]));
    await c.closeWrite();
    s = new FrameStream(c);
    r = await s.next();
    out["ping and a part, half-close"] = [r && r !== "timeout" ? r.responseTo : r, await s.next(5000)];
    c.close();

    // part of a frame, then close at once (bytes and FIN in one go): the connection ends now
    for (let i = 0; i < 20; i++) {
      c = await conn();
      await writeAll(c, ping(3).subarray(0, 12));
      c.close();
    }

    // a 16 MB reply the client reads only after its half-close: delivered whole
    c = await conn();
    await writeAll(c, bigFind(7));
    await c.closeWrite();
    await sleep(300); // the reply is queued before the client reads anything
    s = new FrameStream(c);
    r = await s.next(20_000);
    out["16 MB find, half-close"] = [
      r && r !== "timeout" ? (body(r)["cursor"] as { firstBatch: unknown[] }).firstBatch.length : r,
      await s.next(5000),
    ];
    c.close();

    // half a ping, then a half-close: closed, no reply
    c = await conn();
    await writeAll(c, ping(3).subarray(0, 10));
    await c.closeWrite();
    out["half a frame, half-close"] = await new FrameStream(c).next(5000);
    c.close();

    // impossible lengths: the connection closes, others are served
    for (const len of [15, 0, -1, -2147483648, 48_000_001, 2147483647]) {
      c = await conn();
      await writeAll(c, header(len));
      out[`length ${len}`] = await closedWithin(c, 5000);
      c.close();
      assert.ok(await freshPing(server.port), `not served after a frame of length ${len}`);
    }
    // exactly maxMessageSizeBytes is legal: the server waits for the rest (no close)
    c = await conn();
    await writeAll(c, header(48_000_000));
    out["length 48000000"] = await closedWithin(c, 300);
    c.close();
    await sleep(200);
    // nothing more is left open (the cut frames above ended at once)
    out["connections left"] = Math.max(0, (await settles(server.port, baseline, 3000)) - baseline);
    // the log names each refused length (same text on both transports)
    out["log"] = [...server.output().matchAll(/closing connection: (.*)$/gm)].map((m) => m[1]).sort();
    assert.ok(alive(server.child.pid));
  } finally {
    assert.equal(await server.stop(), 0);
  }
  return out;
}

Deno.test({
  ...opts,
  name: "hostile: half-closes and impossible frame lengths — io=shim does what io=deno does",
  async fn() {
    const shim = await edgeCases("shim");
    const deno = await edgeCases("deno");
    console.log(shim);
    assert.deepEqual(shim["ping, half-close"], [1, null]);
    assert.deepEqual(shim["two pings, half-close"], [1, 2, null]);
    assert.deepEqual(shim["ping and a part, half-close"], [1, null]);
    assert.equal(shim["connections left"], 0);
    assert.deepEqual(shim["16 MB find, half-close"], [16, null]);
    assert.equal(shim["half a frame, half-close"], null);
    for (const len of [15, 0, -1, -2147483648, 48_000_001, 2147483647]) {
      assert.equal(shim[`length ${len}`], true);
    }
    assert.equal(shim["length 48000000"], false);
    assert.equal((shim["log"] as string[]).length, 6);
    assert.deepEqual(shim, deno);
  },
});

Deno.test({
  ...opts,
  name:
    "hostile (shim): 30 slowloris senders announcing 48,000,000 bytes cost no memory, are dropped, and pings flow",
  async fn() {
    const server = await start("shim", ["--message-timeout-seconds", "1"]);
    const pid = server.child.pid;
    const pings = pinger(server.port);
    const conns: Deno.Conn[] = [];
    try {
      await pings.ready;
      await pings.take();
      resetPeak(pid);
      const base = memoryOf(pid).rssMiB;
      for (let i = 0; i < 30; i++) {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        await writeAll(c, header(48_000_000));
        conns.push(c);
      }
      const gone = new Set<number>();
      conns.forEach((c, i) => closedWithin(c, 8000).then((closed) => closed && gone.add(i)));
      const t0 = Date.now();
      while (Date.now() - t0 < 4000) {
        await sleep(200);
        await Promise.allSettled(
          conns.map((c, i) => gone.has(i) ? undefined : c.write(new Uint8Array([0x61]))),
        );
      }
      // a driver's 2 MB insert fits what the budget holders left: the shim admits it ahead of the
      // waiting announcers (Deno's ByteBudget is first-come first-served: ~12 s behind 30 of them)
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
      const t1 = performance.now();
      await client.db("a").collection("c").insertOne({ pad: "p".repeat(2_000_000) });
      const insertMs = performance.now() - t1;
      await client.close();
      const lat = await pings.take();
      const mem = memoryOf(pid);
      console.log(
        `slowloris: ${gone.size}/30 dropped in 4 s; RSS ${base} -> peak ${mem.peakMiB} MiB; pings p99 ${lat.p99} ms; a 2 MB insert ${
          insertMs.toFixed(0)
        } ms`,
      );
      assert.ok(insertMs < 3000, `a 2 MB insert waited ${insertMs.toFixed(0)} ms behind the announcers`);
      // the five holding the 256 MiB budget trickle too slowly: dropped after the 2 s grace
      assert.ok(gone.size >= 5, `${gone.size} dropped`);
      assert.ok(mem.peakMiB - base < 100, `RSS grew ${mem.peakMiB - base} MiB for 1.4 GB announced`);
      assert.ok(lat.n >= 20 && lat.p99 < 2000, `pings p99 ${lat.p99} ms`);
      for (const c of conns) closeQuietly(c);
      assert.ok(await freshPing(server.port));
      assert.ok(alive(pid));
    } finally {
      pings.close();
      for (const c of conns) closeQuietly(c);
      assert.equal(await server.stop(), 0);
    }
  },
});

Deno.test({
  ...opts,
  name:
    "hostile (shim): 1,200 connects — closed at once, after a ping, with a reset or mid-frame — leak no socket or connection",
  async fn() {
    const server = await start("shim", ["--max-connections", "5000"]);
    const pid = server.child.pid;
    try {
      await seedBig(server.uri);
      await sleep(200);
      const fds0 = openFds(pid);
      const cur0 = (await status(server.port)).current;
      const t0 = performance.now();
      let answered = 0;
      for (let batch = 0; batch < 12; batch++) {
        await Promise.all(Array.from({ length: 100 }, async (_, j) => {
          const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
          try {
            switch ((batch * 100 + j) % 5) {
              case 0: // connect and leave
                break;
              case 1: { // one ping, read, leave
                await writeAll(c, ping(1));
                const r = await new FrameStream(c).next(10_000);
                if (r && r !== "timeout") answered++;
                break;
              }
              case 2: // a request, then leave before the reply (the reply meets a closed socket)
                await writeAll(c, ping(2));
                break;
              case 3: // half a frame, then leave
                await writeAll(c, ping(3).subarray(0, 12));
                break;
              case 4: { // a 16 MB reply, 64 KiB of it read, then a reset (unread bytes)
                if (batch >= 3 || j % 25 !== 4) break; // 12 of them: they are expensive
                await writeAll(c, bigFind(4));
                await c.read(new Uint8Array(65536));
                break;
              }
            }
          } finally {
            c.close();
          }
        }));
      }
      const ms = performance.now() - t0;
      assert.equal(answered, 240);
      assert.ok(await freshPing(server.port), "a fresh client was not served after the storm");
      const cur = await settles(server.port, cur0);
      let fds = openFds(pid);
      for (let i = 0; i < 50 && fds > fds0 + 2; i++) {
        await sleep(100);
        fds = openFds(pid);
      }
      console.log(
        `storm: 1,200 connections in ${ms.toFixed(0)} ms; fds ${fds0} -> ${fds}; current ${cur0} -> ${cur}`,
      );
      assert.ok(cur <= cur0, `connections.current ${cur} after the storm (before ${cur0})`);
      assert.ok(fds <= fds0 + 2, `open descriptors ${fds0} -> ${fds}`);
      assert.ok(alive(pid));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  },
});

for (const io of ["shim", "deno"] as const) {
  Deno.test({
    ...opts,
    name:
      `hostile (${io}): 300 simultaneous connects past max_connections 20 are refused; the server serves once they leave`,
    async fn() {
      const server = await start(io, ["--max-connections", "20"]);
      try {
        const results = await Promise.all(Array.from({ length: 300 }, async (_, i) => {
          let c: Deno.Conn | undefined;
          try {
            c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
            await writeAll(c, ping(i + 1));
            const r = await new FrameStream(c).next(5000);
            return r === null ? "refused" : r === "timeout" ? "timeout" : "served";
          } catch {
            return "refused"; // reset before or while writing
          } finally {
            if (c) closeQuietly(c);
          }
        }));
        const served = results.filter((r) => r === "served").length;
        console.log(
          `${io}: ${served} served, ${results.filter((r) => r === "refused").length} refused of 300`,
        );
        assert.equal(
          results.filter((r) => r === "timeout").length,
          0,
          "a connection neither served nor refused",
        );
        assert.ok(served >= 20 && served < 300, `${served} served`);
        // the server notices the others left (their closes) within a bounded time, then serves
        const t0 = performance.now();
        let ok = false;
        while (!ok && performance.now() - t0 < 5000) {
          ok = await freshPing(server.port, 1000);
          if (!ok) await sleep(50);
        }
        console.log(
          `${io}: a fresh client served ${(performance.now() - t0).toFixed(0)} ms after the others left`,
        );
        assert.ok(ok, "not served after the others left");
        const refusals = server.output().match(/connection refused because too many open connections/g) ?? [];
        assert.ok(
          refusals.length >= 1 && refusals.length <= 2,
          `${refusals.length} refusal lines (once per 10 s)`,
        );
        assert.ok(alive(server.child.pid));
      } finally {
        assert.equal(await server.stop(), 0);
      }
    },
  });
}
