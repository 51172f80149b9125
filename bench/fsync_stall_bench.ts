/**
 * Does an fsync stall the server? One client commits with `j: true` in a loop (every commit waits for a
 * group-commit log flush, ~6 ms on this machine's disk) while another measures `ping` round trips. With
 * the flush on Deno's blocking thread pool the pings do not wait for it; with a flush on the JS thread
 * they would (docs/transactions.md, "Durability and group commit").
 *   deno run -A bench/fsync_stall_bench.ts [--pings N] [--compare DIR]   (DIR: another checkout, same run)
 */
import { MongoClient } from "mongodb";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : fallback;
};
const PINGS = Number(arg("--pings", "600"));
const compare = arg("--compare", "");
type Spawn = (o: Record<string, unknown>) => Promise<{ uri: string; stop(): Promise<void> }>;

async function run(dir: string): Promise<string> {
  const { spawnServer } = await import(`${dir}/tests/integration/helpers/server_process.ts`) as {
    spawnServer: Spawn;
  };
  const server = await spawnServer({});
  const writer = new MongoClient(server.uri);
  const pinger = new MongoClient(server.uri);
  try {
    await writer.connect();
    await pinger.connect();
    let stop = false;
    const writes = (async () => {
      let i = 0;
      const c = writer.db("stall").collection("c");
      while (!stop) await c.insertOne({ i: i++ }, { writeConcern: { w: 1, j: true } });
      return i;
    })();
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < PINGS; i++) {
      const t = performance.now();
      await pinger.db("admin").command({ ping: 1 });
      lat.push(performance.now() - t);
    }
    const secs = (performance.now() - t0) / 1000;
    stop = true;
    const n = await writes;
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
    return `| ${dir} | ${q(0.5)} | ${q(0.9)} | ${q(0.99)} | ${Math.round(n / secs)} |`;
  } finally {
    await writer.close();
    await pinger.close();
    await server.stop();
  }
}

const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const rows: string[] = [];
for (const dir of compare ? [here, compare, here, compare] : [here]) rows.push(await run(dir));
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
console.log(`ping while a j:true writer commits, ${PINGS} pings, load ${load}`);
console.log("| checkout | ping p50 ms | p90 ms | p99 ms | j:true inserts/s meanwhile |");
console.log("|---|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
