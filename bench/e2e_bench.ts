/**
 * End-to-end benchmark through the real Node driver against a `deno run main.ts` child process on a
 * fresh on-disk data directory: bulk insert (batches of 1000), insert_one, find by _id. Prints
 * ops/s (docs/s for bulk) and p50/p99 latency per op. Sizes: BENCH_N (default 20000) documents of
 * ~1 KB, BENCH_OPS (default 2000) single-document operations.
 */
import { MongoClient } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";

const N = Number(Deno.env.get("BENCH_N") ?? 20_000);
const OPS = Number(Deno.env.get("BENCH_OPS") ?? 2_000);

function doc(i: number) {
  return {
    _id: i,
    seq: i,
    category: `cat-${i % 50}`,
    region: ["north", "south", "east", "west"][i % 4],
    score: (i * 7919) % 1_000_000,
    counter: 0,
    active: i % 2 === 0,
    createdAt: 1700000000000 + i,
    user: { name: `user${i}`, email: `user${i}@example.com`, age: 18 + (i % 60) },
    tags: [`tag${i % 7}`, `tag${i % 11}`, `tag${i % 13}`],
    address: { street: `${i % 999} Main Street`, city: "Ghent", zip: String(10000 + (i % 89999)) },
    payload: "p".repeat(700),
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function report(name: string, count: number, totalMs: number, lat: number[], unit = "ops/s") {
  lat.sort((a, b) => a - b);
  const rate = Math.round(count / (totalMs / 1000));
  console.log(
    `${name.padEnd(14)} ${String(rate).padStart(8)} ${unit}   p50 ${pct(lat, 0.5).toFixed(3)} ms   p99 ${
      pct(lat, 0.99).toFixed(3)
    } ms`,
  );
}

const server = await spawnServer();
const client = new MongoClient(server.uri);
try {
  // deno-lint-ignore no-explicit-any
  const c = client.db("bench").collection<any>("docs");
  // bulk insert
  let lat: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) batch.push(doc(j));
    const s = performance.now();
    await c.insertMany(batch, { ordered: true });
    lat.push(performance.now() - s);
  }
  report("bulk_insert", N, performance.now() - t0, lat, "docs/s");

  // insert_one
  lat = [];
  t0 = performance.now();
  for (let i = 0; i < OPS; i++) {
    const d = doc(N + i);
    const s = performance.now();
    await c.insertOne(d);
    lat.push(performance.now() - s);
  }
  report("insert_one", OPS, performance.now() - t0, lat);

  // find by _id
  lat = [];
  t0 = performance.now();
  for (let i = 0; i < OPS; i++) {
    const id = (i * 7919) % N;
    const s = performance.now();
    const got = await c.findOne({ _id: id });
    lat.push(performance.now() - s);
    if (!got) throw new Error(`missing ${id}`);
  }
  report("find_by_id", OPS, performance.now() - t0, lat);
} finally {
  await client.close();
  await server.stop();
}
