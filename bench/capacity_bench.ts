/**
 * Server capacity (issue 18, target 1): the server's own cost with near-zero-cost clients.
 *
 * Default: starts `deno run -A main.ts` on a fresh data directory (default durability) and runs the
 * shared harness `../shared/bench/capacity/run.sh` against it — raw OP_MSG C client (`wireload.c`) vs
 * `pgbench -M prepared` on PostgreSQL (`synchronous_commit=off`) vs the Deno floor (`deno-floor.ts`, a
 * Deno wire server that does no work), ping / find by _id / update $inc / insert at 1 and 16
 * connections, all in one run. PostgreSQL comes from `../shared/bench/start-postgres.sh` (idempotent).
 *
 * `--cpu`: no PostgreSQL; for each op, our server and the Deno floor back to back, with the CPU time
 * each server process used per operation (all threads, from /proc), which moves far less than
 * ops/s when other work shares the machine's cores. Used for before/after figures in commits.
 *
 * `--io-compare`: two servers of this checkout, `--io deno` and `--io shim` (frame I/O in the shim,
 * src/server/shim_transport.ts), each on its own fresh data directory, and PostgreSQL (pgbench, the same
 * statements and tables as run.sh) — per op and concurrency in turn, alternating: PostgreSQL, deno,
 * shim, then again in the other order (`--rounds`, default 2), ops/s and server CPU µs/op of ours.
 *
 *   deno run -A bench/capacity_bench.ts [--secs 4]
 *   deno run -A bench/capacity_bench.ts --cpu [--secs 4] [--ops ping,find] [--conns 1,16]
 *   deno run -A bench/capacity_bench.ts --io-compare [--secs 4] [--rounds 2] [--ops …] [--conns …]
 * Extra server flags after `--` (e.g. `-- --sync-on-commit`); `--root DIR` measures another checkout's
 * main.ts (before/after pairs).
 */
import { benchArgs } from "./lib/cli_option.ts";
import { exists } from "./lib/exists.ts";
import {
  buildWireload,
  capacityDir,
  cpuMs,
  loadAverage as load,
  pgbenchTps,
  pgSetup,
  run,
  type ServerProcess,
  startOurs,
  startProcess as startIn,
  wireloadBin,
  wireloadOps,
} from "./lib/capacity_servers.ts";

const { own, serverFlags, opt } = benchArgs(Deno.args);
const SECS = Number(opt("--secs", "4"));
/** The checkout whose main.ts is measured (`--root DIR`: e.g. main's, for a before/after pair). */
const root = opt("--root", new URL("..", import.meta.url).pathname);

if (!exists(`${capacityDir}run.sh`)) {
  console.log(`capacity: skipped (${capacityDir}run.sh not found: the shared bench checkout is missing)`);
  Deno.exit(0);
}

/** Start a server process of the measured checkout on a free port and wait until it answers a ping. */
const startProcess = (argsFor: (port: number) => string[]): Promise<ServerProcess> => startIn(root, argsFor);

const dataDir = Deno.makeTempDirSync({ prefix: "secantus-capacity-" });
/** wireload against one server: ops/s and that server's CPU µs per op (all its threads). */
async function measure(server: { port: number; pid: number }, op: string, c: string) {
  const cpu0 = cpuMs(server.pid);
  const out = await run(wireloadBin, ["127.0.0.1", String(server.port), op, c, String(SECS)]);
  const cpu = cpuMs(server.pid) - cpu0;
  const opsS = wireloadOps(out);
  return { opsS, usPerOp: (cpu * 1000) / (opsS * SECS) };
}
if (own.includes("--io-compare")) {
  await ioCompare();
  Deno.removeSync(dataDir, { recursive: true });
  Deno.exit(0);
}
const ours = await startOurs(root, `${dataDir}/data`, serverFlags);
try {
  if (!own.includes("--cpu")) {
    await run("bash", [`${capacityDir}../start-postgres.sh`]);
    console.log(`load average before: ${load()}`);
    const p = new Deno.Command("bash", {
      args: [`${capacityDir}run.sh`, String(ours.port), String(SECS)],
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    await p.status;
    console.log(`load average after: ${load()}`);
  } else {
    const wireload = await buildWireload();
    const floor = await startProcess((p) => ["run", "-A", `${capacityDir}deno-floor.ts`, String(p)]);
    try {
      await run(wireload, ["127.0.0.1", String(ours.port), "load", "1", "0"]);
      const ops = opt("--ops", "ping,find,update,insert").split(",");
      const conns = opt("--conns", "1,16").split(",");
      console.log(`load average before: ${load()}`);
      console.log(
        "| op | c | ours ops/s | ours CPU µs/op | floor ops/s | floor CPU µs/op | ops/s vs floor |",
      );
      console.log("|---|---:|---:|---:|---:|---:|---:|");
      for (const op of ops) {
        for (const c of conns) {
          const a = await measure(ours, op, c);
          const b = await measure(floor, op, c);
          console.log(
            `| ${op} | ${c} | ${a.opsS.toFixed(0)} | ${a.usPerOp.toFixed(1)} | ${b.opsS.toFixed(0)} | ${
              b.usPerOp.toFixed(1)
            } | ${(a.opsS / b.opsS).toFixed(2)}x |`,
          );
        }
      }
      console.log(`load average after: ${load()}`);
    } finally {
      await floor.stop();
    }
  }
} finally {
  await ours.stop();
  Deno.removeSync(dataDir, { recursive: true });
}

/** `--io-compare`: PostgreSQL, our server with io=deno and with io=shim, alternating per cell. */
async function ioCompare(): Promise<void> {
  await buildWireload();
  const bench = await pgSetup();
  const pg = async (op: string, c: string) =>
    pgbenchTps(new TextDecoder().decode((await bench(op, c, SECS).output()).stdout));
  const servers: Record<string, Awaited<ReturnType<typeof startProcess>>> = {};
  for (const io of ["deno", "shim"]) {
    servers[io] = await startProcess((p) => [
      "run",
      "-A",
      "main.ts",
      "--port",
      String(p),
      "--storage-path",
      `${dataDir}/${io}`,
      "--io",
      io,
      ...serverFlags,
    ]);
    await run(wireloadBin, ["127.0.0.1", String(servers[io]!.port), "load", "1", "0"]);
  }
  try {
    const ops = opt("--ops", "ping,find,update,insert").split(",");
    const conns = opt("--conns", "1,16").split(",");
    const rounds = Number(opt("--rounds", "2"));
    console.log(`load average before: ${load()}`);
    console.log(
      "| op | c | PostgreSQL ops/s | io=deno ops/s | CPU µs/op | io=shim ops/s | CPU µs/op | shim/deno | shim/PG |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const op of ops) {
      for (const c of conns) {
        const pgs: number[] = [], d: { opsS: number; usPerOp: number }[] = [], sh: typeof d = [];
        for (let r = 0; r < rounds; r++) {
          pgs.push(await pg(op, c));
          if (r % 2 === 0) {
            d.push(await measure(servers.deno!, op, c));
            sh.push(await measure(servers.shim!, op, c));
          } else {
            sh.push(await measure(servers.shim!, op, c));
            d.push(await measure(servers.deno!, op, c));
          }
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const p = mean(pgs), dOps = mean(d.map((x) => x.opsS)), sOps = mean(sh.map((x) => x.opsS));
        console.log(
          `| ${op} | ${c} | ${p.toFixed(0)} | ${dOps.toFixed(0)} | ${
            mean(d.map((x) => x.usPerOp)).toFixed(1)
          } | ${sOps.toFixed(0)} | ${mean(sh.map((x) => x.usPerOp)).toFixed(1)} | ${
            (sOps / dOps).toFixed(2)
          }x | ${(sOps / p).toFixed(2)}x |`,
        );
      }
    }
    console.log(`load average after: ${load()}`);
  } finally {
    for (const s of Object.values(servers)) await s.stop();
  }
}
