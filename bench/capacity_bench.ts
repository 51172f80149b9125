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
 *   deno run -A bench/capacity_bench.ts [--secs 4]
 *   deno run -A bench/capacity_bench.ts --cpu [--secs 4] [--ops ping,find] [--conns 1,16]
 * Extra server flags after `--` (e.g. `-- --sync-on-commit`); `--root DIR` measures another checkout's
 * main.ts (before/after pairs).
 */
import { freePort, waitForPing } from "./lib/wire_ping.ts";

const args = Deno.args;
const dash = args.indexOf("--");
const own = dash >= 0 ? args.slice(0, dash) : args;
const serverFlags = dash >= 0 ? args.slice(dash + 1) : [];
const opt = (name: string, fallback: string) => {
  const i = own.indexOf(name);
  return i >= 0 ? own[i + 1]! : fallback;
};
const SECS = Number(opt("--secs", "4"));
/** The checkout whose main.ts is measured (`--root DIR`: e.g. main's, for a before/after pair). */
const root = opt("--root", new URL("..", import.meta.url).pathname);
const capacityDir = new URL("../../shared/bench/capacity/", import.meta.url).pathname;

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

if (!exists(`${capacityDir}run.sh`)) {
  console.log(`capacity: skipped (${capacityDir}run.sh not found: the shared bench checkout is missing)`);
  Deno.exit(0);
}

/** CPU ms (user + system, all threads) a live process has used so far. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
    } catch { /* thread ended */ }
  }
  return ns / 1e6;
}

async function run(cmd: string, cmdArgs: string[], opts: { quiet?: boolean } = {}): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args: cmdArgs,
    stdout: "piped",
    stderr: opts.quiet ? "null" : "inherit",
  }).output();
  if (!out.success) throw new Error(`${cmd} ${cmdArgs.join(" ")} exited with ${out.code}`);
  return new TextDecoder().decode(out.stdout);
}

/** Start a server process on a free port and wait until it answers a ping. */
async function startProcess(argsFor: (port: number) => string[]) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: argsFor(port),
    cwd: root,
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPing(port, 60_000, 10);
  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

const dataDir = Deno.makeTempDirSync({ prefix: "secantus-capacity-" });
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const ours = await startProcess((p) => [
  "run",
  "-A",
  "main.ts",
  "--port",
  String(p),
  "--storage-path",
  `${dataDir}/data`,
  ...serverFlags,
]);
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
    const wireload = `${Deno.env.get("TMPDIR") ?? "/tmp"}/secantus-wireload`;
    if (
      !exists(wireload) || Deno.statSync(wireload).mtime! < Deno.statSync(`${capacityDir}wireload.c`).mtime!
    ) {
      await run("gcc", ["-O2", "-pthread", "-o", wireload, `${capacityDir}wireload.c`]);
    }
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
          const measure = async (server: { port: number; pid: number }) => {
            const cpu0 = cpuMs(server.pid);
            const out = await run(wireload, ["127.0.0.1", String(server.port), op, c, String(SECS)]);
            const cpu = cpuMs(server.pid) - cpu0;
            const opsS = Number(/"ops_s":([0-9.]+)/.exec(out)?.[1]);
            return { opsS, usPerOp: (cpu * 1000) / (opsS * SECS) };
          };
          const a = await measure(ours);
          const b = await measure(floor);
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
