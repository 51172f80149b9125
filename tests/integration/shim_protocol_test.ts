/**
 * The wire protocol's streaming and framing options through both transports (`[server] io = "shim"`,
 * the default, and `io = "deno"`), servers in child processes: exhaust cursors (`exhaustAllowed` →
 * replies with `moreToCome` until the cursor ends), a client's `moreToCome` (no reply), OP_COMPRESSED
 * with snappy, zlib and zstd (the reply uses the request's compressor) — the same frames from both
 * transports; then an exhaust stream of 4 MB batches to a client that never reads (back-pressured,
 * memory bounded) and a SIGTERM while it and another client sit stalled mid-reply: the server exits
 * cleanly within its bounded shutdown time (a reply not taken 1 s into the drain ends its connection:
 * connection.ts DRAIN_WRITE_GRACE_MS).
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";
import { alive, memoryOf, resetPeak } from "../chaos/probes.ts";
import { body, FrameStream, msg, type Reply, sleep, writeAll } from "./helpers/raw_wire.ts";
import { compressMessage, decompressMessage, loadCompressionCodecs } from "../../src/wire/mod.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
type Io = "shim" | "deno";
const EXHAUST_ALLOWED = 1 << 16;
const MORE_TO_COME = 2;

function start(io: Io) {
  return spawnServer({ args: ["--storage-path", ":memory:", "--io", io, "--log-level", "INFO"] });
}

async function seed(uri: string, docs: number, padBytes: number): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const pad = "p".repeat(padBytes);
    const c = client.db("p").collection<{ _id: number; pad: string }>("c");
    for (let i = 0; i < docs; i += 8) {
      await c.insertMany(Array.from({ length: Math.min(8, docs - i) }, (_, j) => ({ _id: i + j, pad })));
    }
  } finally {
    await client.close();
  }
}

function reply(r: Reply | null | "timeout", what: string): Reply {
  assert.ok(r !== null && r !== "timeout", `${what}: ${r}`);
  return r;
}

/** What one transport answers to exhaust, moreToCome and compressed requests (compared across them). */
async function streaming(io: Io): Promise<Record<string, unknown>> {
  const server = await start(io);
  const out: Record<string, unknown> = {};
  try {
    await seed(server.uri, 10, 10);
    const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const s = new FrameStream(c);
    try {
      // exhaust: find 2, then one getMore with exhaustAllowed streams the rest, 2 per reply
      await writeAll(c, msg({ find: "c", filter: {}, sort: { _id: 1 }, batchSize: 2, $db: "p" }, 1));
      const first = body(reply(await s.next(), "find")) as { cursor: { id: number } };
      await writeAll(
        c,
        msg({ getMore: first.cursor.id, collection: "c", batchSize: 2, $db: "p" }, 2, EXHAUST_ALLOWED),
      );
      const stream: unknown[] = [];
      let responseTo = 2;
      for (let i = 0; i < 10; i++) {
        const r = reply(await s.next(), `exhaust reply ${i}`);
        assert.equal(r.responseTo, responseTo, "each exhaust reply answers the previous one");
        responseTo = new DataView(r.frame.buffer).getInt32(4, true);
        const b = body(r) as { cursor: { id: number; nextBatch: { _id: number }[] } };
        stream.push([
          r.flags & MORE_TO_COME,
          b.cursor.nextBatch.map((d) => d._id),
          Number(b.cursor.id) === 0,
        ]);
        if (!(r.flags & MORE_TO_COME)) break;
      }
      out["exhaust"] = stream;

      // moreToCome from the client: no reply; the next request's reply is the next frame
      await writeAll(c, msg({ insert: "c", documents: [{ _id: 100 }], $db: "p" }, 3, MORE_TO_COME));
      await writeAll(c, msg({ count: "c", $db: "p" }, 4));
      const counted = reply(await s.next(), "count after a moreToCome insert");
      out["moreToCome"] = [counted.responseTo, body(counted)["n"]];

      // OP_COMPRESSED both ways, with each compressor
      await loadCompressionCodecs();
      for (const [name, id] of [["snappy", 1], ["zlib", 2], ["zstd", 3]] as const) {
        await writeAll(
          c,
          compressMessage(msg({ find: "c", filter: { _id: { $lt: 3 } }, $db: "p" }, 10 + id), id),
        );
        const r = reply(await s.next(), `${name} reply`);
        const d = decompressMessage(r.frame);
        const b = body({ ...r, frame: d.frame }) as { cursor: { firstBatch: { _id: number }[] } };
        out[name] = [r.opCode, d.compressorId, r.responseTo, b.cursor.firstBatch.map((x) => x._id)];
      }
      // a garbage OP_COMPRESSED body: an error reply or a close, never a crash
      const bad = compressMessage(msg({ ping: 1, $db: "admin" }, 20), 2);
      bad.fill(0x55, 25);
      await writeAll(c, bad);
      const r = await s.next(5000);
      out["garbage zlib"] = r === null ? "closed" : r === "timeout" ? "timeout" : "reply";
      assert.ok(alive(server.child.pid));
    } finally {
      c.close();
    }
  } finally {
    assert.equal(await server.stop(), 0);
  }
  return out;
}

Deno.test({
  ...opts,
  name: "protocol: exhaust cursors, moreToCome and OP_COMPRESSED — io=shim answers as io=deno does",
  async fn() {
    const shim = await streaming("shim");
    const deno = await streaming("deno");
    console.log(shim);
    assert.deepEqual(shim["exhaust"], [
      [MORE_TO_COME, [2, 3], false],
      [MORE_TO_COME, [4, 5], false],
      [MORE_TO_COME, [6, 7], false],
      [MORE_TO_COME, [8, 9], false],
      [0, [], true],
    ]);
    assert.deepEqual(shim["moreToCome"], [4, 11]);
    assert.deepEqual(shim["zlib"], [2012, 2, 12, [0, 1, 2]]);
    assert.deepEqual(shim, deno);
  },
});

for (const io of ["shim", "deno"] as const) {
  Deno.test({
    ...opts,
    name:
      `protocol (${io}): an exhaust stream to a client that never reads is back-pressured; SIGTERM with clients stalled mid-reply exits in bounded time`,
    async fn() {
      const server = await start(io);
      const pid = server.child.pid;
      const conns: Deno.Conn[] = [];
      let code: number | undefined;
      try {
        await seed(server.uri, 64, 1_000_000); // 64 MB: 16 batches of 4 MB
        await sleep(200);
        resetPeak(pid);
        const base = memoryOf(pid).rssMiB;
        // one client starts an exhaust stream of 4 MB batches and stops reading after the first
        const ex = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        conns.push(ex);
        const s = new FrameStream(ex);
        await writeAll(ex, msg({ find: "c", filter: {}, batchSize: 4, $db: "p" }, 1));
        const first = body(reply(await s.next(20_000), "find")) as { cursor: { id: number } };
        await writeAll(
          ex,
          msg({ getMore: first.cursor.id, collection: "c", batchSize: 4, $db: "p" }, 2, EXHAUST_ALLOWED),
        );
        assert.equal(reply(await s.next(20_000), "first exhaust batch").flags & MORE_TO_COME, MORE_TO_COME);
        // another pipelines 20 finds of 16 MB and reads nothing
        const st = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        conns.push(st);
        const f = msg({ find: "c", filter: {}, batchSize: 16, singleBatch: true, $db: "p" }, 3);
        await writeAll(st, new Uint8Array(Array.from({ length: 20 }, () => [...f]).flat()));
        await sleep(1500);
        const mem = memoryOf(pid);
        console.log(`${io}: RSS ${base} -> peak ${mem.peakMiB} MiB with two clients stalled mid-reply`);
        assert.ok(mem.peakMiB - base < 120, `RSS grew ${mem.peakMiB - base} MiB`);
        // the stream is paused, not over: the client reads on and gets further batches
        for (let i = 0; i < 3; i++) assert.ok(reply(await s.next(20_000), `batch ${i}`).length > 3_000_000);
        const t0 = Date.now();
        server.child.kill("SIGTERM");
        const timer = setTimeout(() => server.child.kill("SIGKILL"), 30_000);
        code = (await server.child.status).code;
        clearTimeout(timer);
        const ms = Date.now() - t0;
        console.log(`${io}: SIGTERM -> exit ${code} in ${ms} ms`);
        assert.equal(code, 0);
        assert.ok(ms < 6000, `exit took ${ms} ms (the drain's 1 s grace for unread replies, then close)`);
      } finally {
        for (const c of conns) {
          try {
            c.close();
          } catch { /* closed */ }
        }
        await server.stop();
      }
    },
  });
}
