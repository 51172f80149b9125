/**
 * Idle malloc_trim (issue 15, src/observability/malloc_trim.ts): does the server give the C heap's
 * freed memory back once idle? Each run starts an on-disk server in a child process (WiredTiger cache
 * `TRIM_CACHE`, default 128M), loads `TRIM_MB` megabytes of ~1 KB documents (default 200), runs a
 * `$sort` on an unindexed key over all of them and a `$group` by `_id` (allowDiskUse: true), then stays
 * idle (only the driver's monitoring `hello`s) and samples the server's RSS each second for
 * `TRIM_IDLE_S` seconds (default 20; the trimmer fires after 10 s of idleness). Runs alternate
 * `--no-idle-malloc-trim` (before) and the default (after), `TRIM_RUNS` pairs (default 1), so both
 * see the same machine; V8's own idle GC lowers RSS in both.
 */
import { MongoClient } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";
import { memoryOf } from "../tests/chaos/probes.ts";

const MB = Number(Deno.env.get("TRIM_MB") ?? 200);
const CACHE = Deno.env.get("TRIM_CACHE") ?? "128M";
const IDLE_S = Number(Deno.env.get("TRIM_IDLE_S") ?? 20);
const RUNS = Number(Deno.env.get("TRIM_RUNS") ?? 1);

/** One server: load, sort, group, idle; returns the RSS after the load and the last idle sample. */
async function run(trim: boolean): Promise<{ loaded: number; peak: number; idle: number[] }> {
  const server = await spawnServer({
    args: ["--cache-size", CACHE, ...(trim ? [] : ["--no-idle-malloc-trim"])],
    timeoutMs: 60_000,
  });
  const pid = server.child.pid;
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 60_000, socketTimeoutMS: 0 });
  try {
    const c = client.db("bench").collection<{ _id: number; k: number; pad: string }>("trim");
    const n = Math.round((MB * 1024 * 1024) / 1024);
    const pad = "x".repeat(990);
    for (let i = 0; i < n; i += 5000) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 5000); j++) batch.push({ _id: j, k: Math.random(), pad });
      await c.insertMany(batch, { ordered: false });
    }
    const loaded = memoryOf(pid).rssMiB;
    for await (const _ of c.aggregate([{ $sort: { k: 1 } }], { allowDiskUse: true })) { /* read all */ }
    await c.aggregate([{ $group: { _id: "$_id", n: { $sum: 1 }, p: { $max: "$pad" } } }, { $count: "n" }], {
      allowDiskUse: true,
    }).toArray();
    const peak = memoryOf(pid).peakMiB;
    const idle: number[] = [];
    for (let s = 1; s <= IDLE_S; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      idle.push(memoryOf(pid).rssMiB);
    }
    return { loaded, peak, idle };
  } finally {
    await client.close();
    await server.stop();
  }
}

const load = () => Deno.loadavg().map((x) => x.toFixed(1)).join(" ");
for (let r = 0; r < RUNS; r++) {
  for (const trim of [false, true]) {
    const started = load();
    const { loaded, peak, idle } = await run(trim);
    console.log(
      `${trim ? "trim on " : "trim off"}: RSS after loading ${MB} MB ${loaded} MiB, peak ${peak} MiB; ` +
        `idle RSS per second: ${idle.join(" ")}; after ${IDLE_S} s idle: ${idle[idle.length - 1]} MiB ` +
        `(load ${started} → ${load()})`,
    );
  }
}
