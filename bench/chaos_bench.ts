/**
 * The chaos probes of issue 11 at full size, with figures (tests/integration/chaos_test.ts runs them
 * small in CI): a 1,000,000-frame seeded wire/BSON fuzz (CHAOS_FRAMES), ReDoS, a `$group` `$push` of
 * 1,000 × 100k-int arrays, 2,000 idle aggregate cursors, 100 concurrent 48 MB messages, 10,000 idle
 * connections, 1,000 slowloris connections, deep documents. One server in a child process; per probe:
 * peak and current RSS (/proc), another client's ping p50/p99/max, and the outcome. A probe that
 * kills the server ends the run with the server's last output.
 *
 *   deno run -A bench/chaos_bench.ts              # everything (the fuzz takes minutes)
 *   CHAOS_FRAMES=20000 deno run -A bench/chaos_bench.ts
 *   deno run -A bench/chaos_bench.ts redos push   # only probes whose name contains a word
 */
import { MongoClient, MongoServerError } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";
import {
  alive,
  closeAll,
  concurrentBigFrames,
  freshPing,
  holdConnections,
  memoryOf,
  paddedPing,
  pinger,
  readReply,
  replyBody,
  resetPeak,
  sendFuzz,
  slowloris,
  writeAll,
} from "../tests/chaos/probes.ts";
import { opMsg } from "../tests/chaos/frames.ts";
import { BSON } from "bson";

const FRAMES = Number(Deno.env.get("CHAOS_FRAMES") ?? 1_000_000);
const only = Deno.args;
const SEED = Number(Deno.env.get("CHAOS_SEED") ?? 20261202);

const server = await spawnServer({
  args: ["--storage-path", ":memory:", "--message-timeout-seconds", "30", "--max-connections", "12000"],
});
const pid = server.child.pid;
const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000, maxPoolSize: 4 });
const db = client.db("chaos");
const ping = pinger(server.port);
await ping.ready;
const rows: string[] = [];
const errText = (e: unknown) =>
  e instanceof MongoServerError ? `${e.code} ${e.codeName}` : String(e).slice(0, 120);

async function probe(name: string, body: () => Promise<string>): Promise<void> {
  if (only.length && !only.some((w) => name.toLowerCase().includes(w.toLowerCase()))) return;
  resetPeak(pid);
  await ping.take();
  const t0 = performance.now();
  let detail: string;
  try {
    detail = await body();
  } catch (e) {
    detail = `probe error: ${errText(e)}`;
  }
  const ms = Math.round(performance.now() - t0);
  const lat = await ping.take();
  const up = alive(pid);
  const fresh = up && await freshPing(server.port, 10_000);
  const mem = up ? memoryOf(pid) : { peakMiB: NaN, rssMiB: NaN };
  const row =
    `| ${name} | ${mem.peakMiB} | ${mem.rssMiB} | ${lat.p50} / ${lat.p99} / ${lat.max} (${lat.n}) | ${
      up ? (fresh ? "up, answers" : "up, NOT answering") : "DIED"
    } | ${detail} (${ms} ms) |`;
  rows.push(row);
  console.log(row);
  if (!up) {
    console.log(server.output().slice(-4000));
    throw new Error(`server died during ${name}`);
  }
}

console.log(`load: ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log("| probe | peak RSS MiB | RSS after MiB | ping p50 / p99 / max ms (n) | server | outcome |");
console.log("| --- | --- | --- | --- | --- | --- |");
try {
  await db.collection("c").insertMany(Array.from({ length: 50 }, (_, i) => ({ a: i % 10, s: "x" })));

  await probe(`fuzz ${FRAMES.toLocaleString("en")} frames`, async () => {
    // serverStatus connections.current during the fuzz (the client holds 4 at a time) and after it,
    // asked on one raw connection (a driver may open another pooled connection meanwhile)
    const raw = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const status = opMsg(BSON.serialize({ serverStatus: 1, $db: "admin" }));
    const current = async () => {
      await writeAll(raw, status);
      const reply = await readReply(raw, 30_000);
      if (!reply) throw new Error("serverStatus: no reply");
      return (replyBody(reply).connections as { current: number }).current;
    };
    const baseline = await current();
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await current().catch(() => peak));
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const r = await sendFuzz(server.port, SEED, 0, FRAMES, 4, () => !alive(pid));
    sampling = false;
    await sampler;
    const atEnd = await current();
    const t = performance.now();
    let now = atEnd;
    while (now > baseline && performance.now() - t < 60_000) {
      await new Promise((r) => setTimeout(r, 250));
      now = await current();
    }
    raw.close();
    return `${r.frames} frames survived, ${r.connections} connections, ${
      Math.round(r.frames / (r.ms / 1000))
    } frames/s, ${r.pingTimeouts} pacing-ping timeouts; connections.current ${baseline} before, peak ${peak} during, ${atEnd} at the end, ${now} after ${
      Math.round(performance.now() - t)
    } ms`;
  });

  await probe("ReDoS ^(a+)+$ over 31 chars, 3 counts over 2 docs, maxTimeMS 2000", async () => {
    const c = db.collection("redos");
    await c.insertMany(Array.from({ length: 2 }, () => ({ s: "a".repeat(31) + "!" })));
    const out: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      let r: string;
      try {
        r = String(await c.countDocuments({ s: { $regex: "^(a+)+$" } }, { maxTimeMS: 2000 }));
      } catch (e) {
        r = errText(e);
      }
      out.push(`${r} in ${Math.round(performance.now() - t)} ms`);
    }
    return out.join("; ");
  });

  await probe("$group $push of 1,000 × 100k-int arrays", async () => {
    const c = db.collection("push");
    await c.insertMany(Array.from({ length: 1_000 }, (_, i) => ({ i })));
    try {
      await c.aggregate([{ $group: { _id: null, a: { $push: { $range: [0, 100_000] } } } }]).toArray();
      return "succeeded";
    } catch (e) {
      return errText(e);
    }
  });

  await probe("2,000 idle aggregate cursors over 1 KB documents", async () => {
    const c = db.collection("cur");
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ i, pad: "p".repeat(1000) })));
    const ids: unknown[] = [];
    const before = memoryOf(pid).rssMiB;
    for (let i = 0; i < 2_000; i++) {
      const r = await db.command({ aggregate: "cur", pipeline: [{ $match: {} }], cursor: { batchSize: 1 } });
      ids.push((r.cursor as { id: unknown }).id);
    }
    const withThem = memoryOf(pid).rssMiB;
    await db.command({ killCursors: "cur", cursors: ids });
    return `${ids.length} open: +${withThem - before} MiB`;
  });

  await probe("100 concurrent 48 MB messages", async () => {
    const answered = await concurrentBigFrames(server.port, 100, paddedPing(47_900_000));
    return `${answered}/100 answered`;
  });

  await probe("10,000 idle connections (2,000 used once)", async () => {
    const before = memoryOf(pid).rssMiB;
    const { conns, held } = await holdConnections(server.port, 10_000, 2_000);
    const mem = memoryOf(pid).rssMiB;
    const t = performance.now();
    const fresh = await freshPing(server.port);
    const freshMs = Math.round(performance.now() - t);
    closeAll(conns);
    return `${held} held, +${mem - before} MiB, fresh client ${
      fresh ? "served" : "NOT served"
    } in ${freshMs} ms`;
  });

  await probe("slowloris: 1,000 connections, 1 byte / s (message timeout 30 s)", async () => {
    const r = await slowloris(server.port, 1_000, 1_000, 60_000);
    return `${r.dropped}/1000 dropped, the last after ${r.lastDropMs} ms`;
  });

  await probe("deep document: 5,000 levels through the driver", async () => {
    let deep: Record<string, unknown> = { x: 1 };
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    try {
      await db.collection("deep").insertOne(deep);
      return "stored";
    } catch (e) {
      return errText(e);
    }
  });
} finally {
  ping.close();
  await client.close();
  await server.stop();
}
