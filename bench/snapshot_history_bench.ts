/**
 * What keeping snapshot history costs (issue 9: reads at an earlier atClusterTime). Every commit that
 * logs to the oplog carries a storage commit timestamp, and WiredTiger keeps the versions a reader at
 * any time within `minSnapshotHistoryWindowInSeconds` (default 5 s; this bench compares 0 and 300). The worst case is update
 * churn on few documents: every version of them stays for the window.
 *
 * One server (`deno run main.ts`, fresh on-disk data directory, default config), phases alternated in
 * one run: window 0 (history goes at once) and window 300, each HB_OPS `$inc` updates over HB_DOCS
 * documents at HB_CLIENTS clients; reported: updates/s, WiredTiger cache bytes and resident MB after the
 * phase, and a snapshot read at the phase's start time (works with the window, 239 without).
 *   deno run -A bench/snapshot_history_bench.ts
 */
import { MongoClient, type Timestamp } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";

const OPS = Number(Deno.env.get("HB_OPS") ?? 40_000);
const DOCS = Number(Deno.env.get("HB_DOCS") ?? 100);
const CLIENTS = Number(Deno.env.get("HB_CLIENTS") ?? 8);

const server = await spawnServer({});
const client = new MongoClient(server.uri, { maxPoolSize: CLIENTS * 2 });
try {
  const db = client.db("hb");
  const admin = client.db("admin");
  const c = db.collection<{ _id: number; n: number; pad: string }>("c");
  await c.insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: i, n: 0, pad: "x".repeat(200) })));
  const rows: string[] = [];
  for (const window of [0, 300, 0, 300]) {
    await admin.command({ setParameter: 1, minSnapshotHistoryWindowInSeconds: window });
    const start = (await db.command({ ping: 1 })).operationTime as Timestamp;
    let next = 0;
    const t = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < OPS; i = next++) await c.updateOne({ _id: i % DOCS }, { $inc: { n: 1 } });
    }));
    const rate = OPS / ((performance.now() - t) / 1000);
    const status = await admin.command({ serverStatus: 1 });
    const cache = Number(status.wiredTiger?.cache?.["bytes currently in the cache"] ?? NaN);
    const rss = Number(status.mem?.resident ?? NaN);
    let old = "ok";
    if (window === 0) await admin.command({ setParameter: 1, minSnapshotHistoryWindowInSeconds: 0 });
    try {
      await db.command({ find: "c", limit: 1, readConcern: { level: "snapshot", atClusterTime: start } });
    } catch (e) {
      old = String((e as { code?: number }).code);
    }
    rows.push(
      `| ${window} s | ${Math.round(rate)} | ${(cache / 2 ** 20).toFixed(1)} | ${rss} | ${old} |`,
    );
  }
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.log(
    `snapshot history: ${OPS} $inc updates over ${DOCS} documents at ${CLIENTS} clients, load ${load}`,
  );
  console.log("| history window | updates/s | WT cache MiB after | resident MiB | read at phase start |");
  console.log("|---|---:|---:|---:|---|");
  for (const r of rows) console.log(r);
} finally {
  await client.close();
  await server.stop();
}
