/**
 * External sort and spilling `$group` (issue 15): loads SPILL_MB megabytes of ~1 KB documents (default
 * 300; the figure is 2048) into an on-disk server in this process, then times
 * - `$sort` on an unindexed random key over the whole collection (allowDiskUse default), and
 * - `$group` of SPILL_GROUP_DOCS documents (default 1,000,000) into as many groups as half of them,
 * sampling the process's peak RSS (server and client together) every 50 ms. Prints one line per run.
 */
import { MongoClient } from "mongodb";
import { startServer } from "../mod.ts";
import { defaultConfig } from "../src/config/mod.ts";

const MB = Number(Deno.env.get("SPILL_MB") ?? 300);
const GROUP_DOCS = Number(Deno.env.get("SPILL_GROUP_DOCS") ?? 1_000_000);
const dir = await Deno.makeTempDir({ prefix: "secantus-spill-bench-" });
const d = defaultConfig();
const server = await startServer({
  config: {
    ...d,
    server: { ...d.server, port: 0, storagePath: dir, logLevel: "ERROR" },
    storage: { ...d.storage, cacheSizeBytes: 128 * 1024 * 1024 }, // RSS then shows the query, not the cache
  },
});
const client = new MongoClient(server.uri);

function peakRss(): { stop: () => number } {
  let peak = Deno.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 50);
  return {
    stop: () => {
      clearInterval(t);
      return Math.max(peak, Deno.memoryUsage().rss);
    },
  };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

try {
  const db = client.db("bench");
  const c = db.collection<{ _id: number; k: number; g: number; pad: string }>("spill");
  const n = Math.round((MB * 1024 * 1024) / 1024);
  const pad = "x".repeat(980);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 5000); j++) {
      batch.push({ _id: j, k: Math.random(), g: j % (n >> 1 || 1), pad });
    }
    await c.insertMany(batch, { ordered: false });
  }
  console.log(`loaded ${n} documents (${MB} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  let probe = peakRss();
  let t = performance.now();
  let count = 0;
  for await (const _ of c.aggregate([{ $sort: { k: 1 } }], { batchSize: 10_000 })) count++;
  console.log(
    `$sort ${count} docs (${MB} MB) with allowDiskUse: ${((performance.now() - t) / 1000).toFixed(1)} s, ` +
      `peak RSS ${mib(probe.stop())}`,
  );

  const g = Math.min(GROUP_DOCS, n);
  probe = peakRss();
  t = performance.now();
  count = 0;
  for await (
    const _ of c.aggregate([
      { $limit: g },
      { $group: { _id: "$_id", n: { $sum: 1 }, k: { $max: "$k" } } },
    ], { batchSize: 10_000 })
  ) count++;
  console.log(
    `$group of ${g} docs into ${count} groups: ${((performance.now() - t) / 1000).toFixed(1)} s, ` +
      `peak RSS ${mib(probe.stop())}`,
  );
} finally {
  await client.close();
  await server.stop();
  await Deno.remove(dir, { recursive: true });
}
