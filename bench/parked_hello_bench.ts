/**
 * One connection's requests while another connection holds an awaitable hello open (issue 18, target
 * 2): every Node driver keeps its monitor's `hello {topologyVersion, maxAwaitTimeMS}` waiting on a
 * connection of its own, so this is how a driver's requests always meet the server. Per checkout (this
 * one and `--compare DIR`, each its own `deno run main.ts` process, rounds alternating): a raw client
 * (bench/lib/wire_client.ts) sends `--ops` pings, finds by `_id` and `$inc` updates by `_id` one at a
 * time, with and without the parked hello beside it, and the table gives round trips per second and
 * the server's CPU µs per operation (all threads, /proc), median of the rounds.
 *
 *   deno run -A bench/parked_hello_bench.ts [--compare DIR] [--ops 5000] [--rounds 3]
 */
import { procCpu } from "./lib/proc_cpu.ts";
import { WireClient } from "./lib/wire_client.ts";
import { freePort, waitForPing } from "./lib/wire_ping.ts";
import { cliOption } from "./lib/cli_option.ts";

const args = Deno.args;
const opt = cliOption(args);
const OPS = Number(opt("--ops", "5000"));
const ROUNDS = Number(opt("--rounds", "3"));
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const compare = opt("--compare", "");
const roots = compare ? [here, compare.replace(/\/$/, "")] : [here];

type Op = "ping" | "find" | "update";
const OPS_LIST: Op[] = ["ping", "find", "update"];

function body(op: Op, i: number): Record<string, unknown> {
  const _id = i % 1000;
  if (op === "ping") return { ping: 1, $db: "admin" };
  if (op === "find") return { find: "c", filter: { _id }, limit: 1, singleBatch: true, $db: "b" };
  return { update: "c", updates: [{ q: { _id }, u: { $inc: { n: 1 } } }], $db: "b" };
}

async function serve(root: string): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "secantus-parked-hello-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}/main.ts`,
      "--port",
      String(port),
      "--storage-path",
      dir,
      "--log-level",
      "WARNING",
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await waitForPing(port, 60_000);
  return {
    port,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGINT");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Sends an awaitable hello on its own connection and leaves it waiting (the reply is never read). */
async function parkHello(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const { BSON } = await import("bson");
  const doc = BSON.serialize({
    hello: 1,
    topologyVersion: { processId: new BSON.ObjectId(), counter: new BSON.Long(0) },
    maxAwaitTimeMS: 60_000,
    $db: "admin",
  });
  const frame = new Uint8Array(21 + doc.length);
  const v = new DataView(frame.buffer);
  v.setInt32(0, frame.length, true);
  v.setInt32(4, 1, true);
  v.setInt32(12, 2013, true);
  frame.set(doc, 21);
  await conn.write(frame);
  await new Promise((r) => setTimeout(r, 50)); // the hello reaches its wait
  return conn;
}

type Cell = { opsPerS: number; cpuUs: number };
const results = new Map<string, Cell[]>();

for (let round = 0; round < ROUNDS; round++) {
  for (const root of round % 2 ? [...roots].reverse() : roots) {
    const server = await serve(root);
    const client = await WireClient.connect(server.port);
    const docs = Array.from({ length: 1000 }, (_, _id) => ({ _id, n: 0, pad: "x".repeat(700) }));
    await client.send({ insert: "c", documents: docs, $db: "b" });
    for (const parked of [false, true]) {
      const hello = parked ? await parkHello(server.port) : undefined;
      for (const op of OPS_LIST) {
        for (let i = 0; i < 300; i++) await client.send(body(op, i)); // warm-up
        const c0 = procCpu(server.pid);
        const t0 = performance.now();
        for (let i = 0; i < OPS; i++) await client.send(body(op, i));
        const ms = performance.now() - t0;
        const c1 = procCpu(server.pid);
        const cpuNs = c1.main - c0.main + c1.others - c0.others;
        const key = `${root}\t${op}\t${parked ? "hello parked" : "alone"}`;
        const cells = results.get(key) ?? [];
        cells.push({ opsPerS: OPS / (ms / 1000), cpuUs: cpuNs / 1000 / OPS });
        results.set(key, cells);
      }
      hello?.close();
    }
    client.close();
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.log(
  `one connection's round trips beside a parked awaitable hello, median of ${ROUNDS}, load ${load}:`,
);
console.log("| checkout | op | beside | round trips/s | server CPU µs/op |");
console.log("|---|---|---|---:|---:|");
for (const [key, cells] of results) {
  const [root, op, beside] = key.split("\t");
  const ops = median(cells.map((c) => c.opsPerS)).toFixed(0);
  const cpu = median(cells.map((c) => c.cpuUs)).toFixed(1);
  console.log(`| ${root} | ${op} | ${beside} | ${ops} | ${cpu} |`);
}
