/**
 * Where the machine's CPU goes under the capacity harness's load (issue 18, target 1): for each operation
 * and concurrency of `../shared/bench/capacity/run.sh`, PostgreSQL driven by `pgbench` and our server
 * driven by `wireload` in turn (alternating which goes first, `--rounds`, default 2), with throughput, the
 * **server's own CPU per operation** (all our threads; every `postgres` process), the **client's** (pgbench;
 * wireload) and the machine's idle and softirq shares, all over the same window of each run (from 1 s in to
 * 0.5 s before its end; schedstat, /proc/stat).
 *
 * The harness runs client and server on the same two cores, so at 16 connections a client's own cost caps
 * the throughput ratio: this shows by how much, next to the ratio of what each server spends per operation.
 *
 *   deno run -A bench/capacity_split_bench.ts [--secs 6] [--rounds 2] [--ops ping,find] [--conns 1,16]
 * `--root DIR` measures another checkout's main.ts; extra server flags after `--`.
 */
import { benchArgs } from "./lib/cli_option.ts";
import { exists } from "./lib/exists.ts";
import {
  buildWireload,
  capacityDir,
  cpuMs,
  loadAverage,
  pgbenchTps,
  pgSetup,
  pidsNamed,
  run,
  startOurs,
  wireloadOps,
} from "./lib/capacity_servers.ts";

const { serverFlags, opt } = benchArgs(Deno.args);
const SECS = Math.max(4, Number(opt("--secs", "6")));
const ROUNDS = Number(opt("--rounds", "2"));
const root = opt("--root", new URL("..", import.meta.url).pathname);

if (!exists(`${capacityDir}run.sh`)) {
  console.log(
    `capacity split: skipped (${capacityDir}run.sh not found: the shared bench checkout is missing)`,
  );
  Deno.exit(0);
}

/** The machine's jiffies from /proc/stat's first line: total, idle, softirq. */
function machine(): { total: number; idle: number; softirq: number } {
  const f = Deno.readTextFileSync("/proc/stat").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), idle: f[3]!, softirq: f[6]! };
}

/** One measured run: ops/s, server and client CPU µs per op, idle and softirq % of both cores. */
interface Split {
  opsS: number;
  serverUs: number;
  clientUs: number;
  idle: number;
  softirq: number;
}

/**
 * Run `client` to its end; over its window, the CPU of the server's processes (`serverPids()`, read at
 * both ends: backends that live through the window) and of the client, and the machine's shares.
 */
async function measure(
  client: Deno.Command,
  serverPids: () => number[],
  ops: (stdout: string) => number,
): Promise<Split> {
  const child = client.spawn();
  await new Promise((r) => setTimeout(r, 1000));
  const pids0 = serverPids();
  const s0 = new Map(pids0.map((p) => [p, cpuMs(p)]));
  const c0 = cpuMs(child.pid);
  const m0 = machine();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, (SECS - 1.5) * 1000));
  let server = 0;
  for (const p of serverPids()) if (s0.has(p)) server += cpuMs(p) - s0.get(p)!;
  const client1 = cpuMs(child.pid) - c0;
  const m1 = machine();
  const window = (performance.now() - t0) / 1000;
  const out = await child.output();
  const opsS = ops(new TextDecoder().decode(out.stdout));
  const n = opsS * window;
  const total = m1.total - m0.total;
  return {
    opsS,
    serverUs: (server * 1000) / n,
    clientUs: (client1 * 1000) / n,
    idle: (100 * (m1.idle - m0.idle)) / total,
    softirq: (100 * (m1.softirq - m0.softirq)) / total,
  };
}

const wireload = await buildWireload();
const pgbench = await pgSetup();
const dataDir = Deno.makeTempDirSync({ prefix: "secantus-capacity-split-" });
const ours = await startOurs(root, `${dataDir}/data`, serverFlags);
/** Our run of op at c connections (insert: after a reload, as wireload's ids start again each run). */
async function oursRun(op: string, c: string): Promise<Split> {
  if (op === "insert") await run(wireload, ["127.0.0.1", String(ours.port), "load", "1", "0"]);
  const cmd = new Deno.Command(wireload, {
    args: ["127.0.0.1", String(ours.port), op, c, String(SECS)],
    stdout: "piped",
    stderr: "null",
  });
  return await measure(cmd, () => [ours.pid], wireloadOps);
}
const pgRun = (op: string, c: string) =>
  measure(pgbench(op, c, SECS), () => pidsNamed("postgres"), pgbenchTps);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
try {
  await run(wireload, ["127.0.0.1", String(ours.port), "load", "1", "0"]);
  console.log(`load average before: ${loadAverage()}; ${SECS} s runs, ${ROUNDS} rounds, means`);
  console.log(
    "| op | c | PG ops/s | ours ops/s | ours/PG | PG server µs/op | ours server µs/op | PG/ours server CPU | " +
      "pgbench µs/op | wireload µs/op | idle % PG / ours | softirq % PG / ours |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const op of opt("--ops", "ping,find,update,insert").split(",")) {
    for (const c of opt("--conns", "1,16").split(",")) {
      const pg: Split[] = [], us: Split[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        if (r % 2 === 0) {
          pg.push(await pgRun(op, c));
          us.push(await oursRun(op, c));
        } else {
          us.push(await oursRun(op, c));
          pg.push(await pgRun(op, c));
        }
      }
      const m = (xs: Split[], k: keyof Split) => mean(xs.map((x) => x[k]));
      console.log(
        `| ${op} | ${c} | ${f0(m(pg, "opsS"))} | ${f0(m(us, "opsS"))} | ${
          (m(us, "opsS") / m(pg, "opsS")).toFixed(2)
        }x | ` +
          `${f1(m(pg, "serverUs"))} | ${f1(m(us, "serverUs"))} | ${
            (m(pg, "serverUs") / m(us, "serverUs")).toFixed(2)
          }x | ` +
          `${f1(m(pg, "clientUs"))} | ${f1(m(us, "clientUs"))} | ${f0(m(pg, "idle"))} / ${
            f0(m(us, "idle"))
          } | ` +
          `${f0(m(pg, "softirq"))} / ${f0(m(us, "softirq"))} |`,
      );
    }
  }
  console.log(`load average after: ${loadAverage()}`);
} finally {
  await ours.stop();
  Deno.removeSync(dataDir, { recursive: true });
}
