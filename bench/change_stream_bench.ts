/**
 * Oplog and change-stream benchmark (issue 10), through the Node driver against `deno run main.ts`
 * child processes on fresh on-disk data directories:
 *  - insert throughput (insertOne, c=1, and insertMany of 1,000) with the oplog (replica-set persona)
 *    vs `--standalone` (no oplog): the oplog's cost;
 *  - draining 5,000 insert events through one stream (events/s);
 *  - 100 concurrent streams, each waiting on a getMore: time until each sees one new insert (p50/p99).
 * Sizes: CS_EVENTS (5000), CS_STREAMS (100), CS_INSERTS (2000).
 */
import { MongoClient } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";

const EVENTS = Number(Deno.env.get("CS_EVENTS") ?? 5_000);
const STREAMS = Number(Deno.env.get("CS_STREAMS") ?? 100);
const INSERTS = Number(Deno.env.get("CS_INSERTS") ?? 2_000);

function doc(i: number) {
  return {
    _id: i,
    seq: i,
    user: { name: `user${i}`, age: i % 60 },
    tags: ["a", "b"],
    payload: "p".repeat(700),
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function insertRates(args: string[]): Promise<{ one: number; many: number }> {
  const server = await spawnServer({ args });
  const client = new MongoClient(server.uri);
  try {
    // deno-lint-ignore no-explicit-any
    const c = client.db("bench").collection<any>("ins");
    for (let i = 0; i < 200; i++) await c.insertOne(doc(-1 - i)); // warm up
    let t = performance.now();
    for (let i = 0; i < INSERTS; i++) await c.insertOne(doc(i));
    const one = INSERTS / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let b = 0; b < 20; b++) {
      await c.insertMany(Array.from({ length: 1000 }, (_, i) => doc(1_000_000 + b * 1000 + i)));
    }
    const many = 20_000 / ((performance.now() - t) / 1000);
    return { one, many };
  } finally {
    await client.close();
    await server.stop();
  }
}

const withOplog = await insertRates([]);
const standalone = await insertRates(["--standalone"]);
console.log(
  `insertOne c=1      oplog ${withOplog.one.toFixed(0)}/s   standalone ${
    standalone.one.toFixed(0)
  }/s   ratio ${(withOplog.one / standalone.one).toFixed(2)}`,
);
console.log(
  `insertMany x1000   oplog ${withOplog.many.toFixed(0)} docs/s   standalone ${
    standalone.many.toFixed(0)
  } docs/s   ratio ${(withOplog.many / standalone.many).toFixed(2)}`,
);

const server = await spawnServer();
const client = new MongoClient(server.uri, { maxPoolSize: STREAMS + 10 });
try {
  // deno-lint-ignore no-explicit-any
  const c = client.db("bench").collection<any>("cs");
  const stream = c.watch([], { batchSize: 1000 });
  await stream.tryNext();
  for (let b = 0; b < EVENTS / 1000; b++) {
    await c.insertMany(Array.from({ length: 1000 }, (_, i) => doc(b * 1000 + i)));
  }
  const t = performance.now();
  for (let n = 0; n < EVENTS; n++) await stream.next();
  const ms = performance.now() - t;
  console.log(`drain ${EVENTS} events   ${(EVENTS / (ms / 1000)).toFixed(0)} events/s`);
  await stream.close();

  // N streams parked in awaitData getMores; one insert; time until each sees it.
  // deno-lint-ignore no-explicit-any
  const w = client.db("bench").collection<any>("fan");
  const streams = Array.from({ length: STREAMS }, () => w.watch([], { maxAwaitTimeMS: 5000 }));
  await Promise.all(streams.map((s) => s.tryNext()));
  const waits = streams.map((s) => s.next());
  await new Promise((r) => setTimeout(r, 2000)); // let every getMore park (the driver opens connections two at a time)
  // The insert goes through a second, already connected client (the first one's pool is busy).
  const writer = new MongoClient(server.uri);
  await writer.db("admin").command({ ping: 1 });
  const t0 = performance.now();
  const seen: number[] = [];
  const done = waits.map((p) => p.then(() => seen.push(performance.now() - t0)));
  await writer.db("bench").collection("fan").insertOne({ _id: "ping" } as never);
  await writer.close();
  await Promise.all(done);
  seen.sort((a, b) => a - b);
  console.log(
    `${STREAMS} streams see an insert   p50 ${pct(seen, 0.5).toFixed(1)} ms   p99 ${
      pct(seen, 0.99).toFixed(1)
    } ms`,
  );
  await Promise.all(streams.map((s) => s.close()));
} finally {
  await client.close();
  await server.stop();
}
