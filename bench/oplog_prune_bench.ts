/**
 * Oplog pruning under load (issue 10/11): a server on disk takes PRUNE_DOCS inserts (default 300,000;
 * the oplog keeps `max_entries` = 100,000 by default), then `secantusAdmin.pruneOplog` removes the
 * surplus while a second client runs `findOne({_id})` in a loop. Prints the prune's duration and the
 * point reads' p50/p99/max during it. Before the pruner yielded between batches the reads waited for
 * the whole prune (200,000 entries: one read, 8.3 s, at load ~8).
 */
import { MongoClient } from "mongodb";
import { startServer } from "../mod.ts";

const N = Number(Deno.env.get("PRUNE_DOCS") ?? 300_000);
const dir = await Deno.makeTempDir({ prefix: "secantus-prune-" });
const server = await startServer({ port: 0, storagePath: `${dir}/data`, logLevel: "WARNING" });
const a = new MongoClient(server.uri);
const b = new MongoClient(server.uri);
try {
  const coll = a.db("bench").collection<{ _id: number; v: number }>("prune");
  for (let i = 0; i < N; i += 10_000) {
    await coll.insertMany(
      Array.from({ length: Math.min(10_000, N - i) }, (_, j) => ({ _id: i + j, v: i + j })),
    );
  }
  let stop = false;
  const lat: number[] = [];
  const reader = (async () => {
    const c = b.db("bench").collection<{ _id: number; v: number }>("prune");
    while (!stop) {
      const t = performance.now();
      await c.findOne({ _id: 5 });
      lat.push(performance.now() - t);
    }
  })();
  const t0 = performance.now();
  const r = await a.db("admin").command({ "secantusAdmin.pruneOplog": 1 });
  const ms = performance.now() - t0;
  stop = true;
  await reader;
  lat.sort((x, y) => x - y);
  const q = (p: number) => (lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0).toFixed(2);
  console.log(`oplog prune: removed ${r.removed} entries in ${ms.toFixed(0)} ms after ${N} inserts`);
  console.log(
    `findOne during the prune: n=${lat.length} p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  max ${q(1)} ms`,
  );
} finally {
  await a.close();
  await b.close();
  await server.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
