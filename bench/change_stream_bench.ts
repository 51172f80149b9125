/**
 * Oplog and change-stream benchmark (issue 10), through the Node driver against `deno run main.ts`
 * child processes on fresh on-disk data directories:
 *  - insert throughput (insertOne, c=1, and insertMany of 1,000) with the oplog (replica-set persona)
 *    vs `--standalone` (no oplog): the oplog's cost;
 *  - draining 5,000 insert events through one stream (events/s);
 *  - 100 concurrent streams, each waiting on a getMore: time until each sees one new insert (p50/p99).
 * Sizes: CS_EVENTS (5000), CS_STREAMS (100), CS_INSERTS (2000 per insertOne figure; insertMany
 * sends CS_INSERTS * 10 documents). The oplog and standalone servers run side by side and take turns
 * in small chunks (100 insertOnes, one insertMany), so a load change on a shared machine hits both
 * alike. Each insert line also gives the server's CPU time per document (user + system, all
 * threads, from /proc) and its ratio: the throughput ratio of a server-bound workload, steadier
 * under load than the rates (which include the client's time). The insertOne line with
 * retryWrites=false separates the oplog from retryable writes (a driver retries writes only against
 * a replica set, so with the oplog each insertOne also records its txnNumber; standalone it does
 * not). CS_INSERTS_ONLY=1 stops after the insert figures.
 */
import { MongoClient } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";

const EVENTS = Number(Deno.env.get("CS_EVENTS") ?? 5_000);
const STREAMS = Number(Deno.env.get("CS_STREAMS") ?? 100);
const INSERTS = Number(Deno.env.get("CS_INSERTS") ?? 2_000);
const INSERTS_ONLY = Deno.env.get("CS_INSERTS_ONLY") === "1";

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

/** CPU time (user + system, ms) a process has used so far (Linux /proc; 10 ms resolution). */
function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime (fields 14, 15), in 1/100 s
}

interface Side {
  readonly server: Awaited<ReturnType<typeof spawnServer>>;
  readonly client: MongoClient;
  readonly noRetry: MongoClient;
  /** Per figure: documents, wall ms, server CPU ms. */
  readonly tally: Map<string, { n: number; ms: number; cpu: number }>;
}

async function side(args: string[]): Promise<Side> {
  const server = await spawnServer({ args });
  const side = {
    server,
    client: new MongoClient(server.uri),
    noRetry: new MongoClient(server.uri, { retryWrites: false }),
    tally: new Map(),
  };
  for (const [i, c] of [side.client, side.noRetry].entries()) {
    const coll = c.db("bench").collection<{ _id: number }>(`warm${i}`);
    for (let i = 0; i < 200; i++) await coll.insertOne(doc(i) as never); // warm up
  }
  return side;
}

/** Runs one chunk of a figure on one side and adds its documents, wall time and server CPU. */
async function chunk(s: Side, figure: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  const pid = s.server.child.pid;
  const cpu = cpuMs(pid);
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const sum = s.tally.get(figure) ?? { n: 0, ms: 0, cpu: 0 };
  s.tally.set(figure, { n: sum.n + n, ms: sum.ms + ms, cpu: sum.cpu + cpuMs(pid) - cpu });
}

const oplogSide = await side([]);
const standaloneSide = await side(["--standalone"]);
try {
  let next = 1_000;
  const figures: [string, number, (s: Side) => () => Promise<unknown>][] = [
    ["insertOne c=1     ", 100, (s) => async () => {
      const c = s.client.db("bench").collection<{ _id: number }>("one");
      for (let i = 0; i < 100; i++) await c.insertOne(doc(next++) as never);
    }],
    ["insertOne c=1 noRW", 100, (s) => async () => {
      const c = s.noRetry.db("bench").collection<{ _id: number }>("one2");
      for (let i = 0; i < 100; i++) await c.insertOne(doc(next++) as never);
    }],
    ["insertMany x1000  ", 1000, (s) => () => {
      const c = s.client.db("bench").collection<{ _id: number }>("many");
      return c.insertMany(Array.from({ length: 1000 }, () => doc(next++) as never));
    }],
  ];
  for (const [figure, per, work] of figures) {
    const turns = Math.max(1, Math.round((per === 1000 ? INSERTS * 10 : INSERTS) / per));
    for (let k = 0; k < turns; k++) {
      // alternate which side goes first
      const order = k % 2 === 0 ? [oplogSide, standaloneSide] : [standaloneSide, oplogSide];
      for (const s of order) await chunk(s, figure, per, work(s));
    }
    const o = oplogSide.tally.get(figure)!;
    const a = standaloneSide.tally.get(figure)!;
    const rate = (t: { n: number; ms: number }) => t.n / (t.ms / 1000);
    const cpuPer = (t: { n: number; cpu: number }) => t.cpu * 1000 / t.n;
    console.log(
      `${figure} oplog ${rate(o).toFixed(0)}/s   standalone ${rate(a).toFixed(0)}/s   ratio ${
        (rate(o) / rate(a)).toFixed(2)
      }   server CPU/doc ${cpuPer(o).toFixed(0)} vs ${cpuPer(a).toFixed(0)} µs, ratio ${
        (cpuPer(a) / cpuPer(o)).toFixed(2)
      }`,
    );
  }
} finally {
  for (const s of [oplogSide, standaloneSide]) {
    await s.noRetry.close();
    await s.client.close();
    await s.server.stop();
  }
}
if (INSERTS_ONLY) Deno.exit(0);

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
