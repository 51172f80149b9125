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
import { exists } from "./lib/exists.ts";
import { freePort, waitForPing } from "./lib/wire_ping.ts";
import { cliOption } from "./lib/cli_option.ts";

const args = Deno.args;
const dash = args.indexOf("--");
const own = dash >= 0 ? args.slice(0, dash) : args;
const serverFlags = dash >= 0 ? args.slice(dash + 1) : [];
const opt = cliOption(own);
const SECS = Number(opt("--secs", "4"));
/** The checkout whose main.ts is measured (`--root DIR`: e.g. main's, for a before/after pair). */
const root = opt("--root", new URL("..", import.meta.url).pathname);
const capacityDir = new URL("../../shared/bench/capacity/", import.meta.url).pathname;

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
const wireloadBin = `${Deno.env.get("TMPDIR") ?? "/tmp"}/secantus-wireload`;
async function buildWireload(): Promise<string> {
  if (
    !exists(wireloadBin) ||
    Deno.statSync(wireloadBin).mtime! < Deno.statSync(`${capacityDir}wireload.c`).mtime!
  ) {
    await run("gcc", ["-O2", "-pthread", "-o", wireloadBin, `${capacityDir}wireload.c`]);
  }
  return wireloadBin;
}
/** wireload against one server: ops/s and that server's CPU µs per op (all its threads). */
async function measure(server: { port: number; pid: number }, op: string, c: string) {
  const cpu0 = cpuMs(server.pid);
  const out = await run(wireloadBin, ["127.0.0.1", String(server.port), op, c, String(SECS)]);
  const cpu = cpuMs(server.pid) - cpu0;
  const opsS = Number(/"ops_s":([0-9.]+)/.exec(out)?.[1]);
  return { opsS, usPerOp: (cpu * 1000) / (opsS * SECS) };
}
if (own.includes("--io-compare")) {
  await ioCompare();
  Deno.removeSync(dataDir, { recursive: true });
  Deno.exit(0);
}
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

/** PostgreSQL's tables and pgbench scripts as in capacity/run.sh; returns ops/s for one op and c. */
async function pgSetup(): Promise<(op: string, c: string) => Promise<number>> {
  await run("bash", [`${capacityDir}../start-postgres.sh`]);
  const env = {
    PGHOST: "127.0.0.1",
    PGPORT: Deno.env.get("PGBENCH_PORT") ?? "54329",
    PGUSER: "bench",
    PGDATABASE: "bench",
  };
  const sql = `SET client_min_messages = warning;
DROP TABLE IF EXISTS c; CREATE TABLE c (id bigint primary key, doc jsonb);
INSERT INTO c SELECT g, jsonb_build_object('seq', g, 'payload', repeat('x', 700)) FROM generate_series(0, 19999) g;
DROP TABLE IF EXISTS c2; CREATE TABLE c2 (id bigserial primary key, doc jsonb); ANALYZE c;`;
  const psql = new Deno.Command("psql", {
    args: ["-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
    env,
    stdout: "null",
  });
  if (!(await psql.output()).success) throw new Error("psql setup failed");
  const dir = Deno.makeTempDirSync({ prefix: "secantus-pgbench-" });
  const scripts: Record<string, string> = {
    ping: "SELECT 1;\n",
    find: "\\set id random(0, 19999)\nSELECT doc FROM c WHERE id = :id;\n",
    update: "\\set id random(0, 19999)\nUPDATE c SET doc = jsonb_set(doc, '{counter}', " +
      "to_jsonb(coalesce((doc->>'counter')::bigint, 0) + 1)) WHERE id = :id;\n",
    insert: "INSERT INTO c2 (doc) VALUES (jsonb_build_object('seq', 1, 'payload', repeat('x', 700)));\n",
  };
  for (const [op, text] of Object.entries(scripts)) Deno.writeTextFileSync(`${dir}/${op}.sql`, text);
  return async (op, c) => {
    const out = await new Deno.Command("pgbench", {
      args: [
        "-n",
        "-M",
        "prepared",
        "-f",
        `${dir}/${op}.sql`,
        "-c",
        c,
        "-j",
        c === "1" ? "1" : "2",
        "-T",
        String(SECS),
      ],
      env: { ...env, PGOPTIONS: "-c synchronous_commit=off" },
      stdout: "piped",
      stderr: "null",
    }).output();
    return Number(/tps = ([0-9.]+)/.exec(new TextDecoder().decode(out.stdout))?.[1] ?? NaN);
  };
}

/** `--io-compare`: PostgreSQL, our server with io=deno and with io=shim, alternating per cell. */
async function ioCompare(): Promise<void> {
  await buildWireload();
  const pg = await pgSetup();
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
