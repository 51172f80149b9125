/**
 * What the capacity benches (capacity_bench.ts, capacity_split_bench.ts) share: starting a server process
 * and waiting for its first ping, the shared harness's C wire client (`wireload.c`, built on demand),
 * PostgreSQL's tables and pgbench scripts exactly as `../shared/bench/capacity/run.sh` makes them, and
 * the CPU time of processes from /proc.
 */
import { exists } from "./exists.ts";
import { freePort, waitForPing } from "./wire_ping.ts";

/** The shared harness's folder (`../shared/bench/capacity/`, beside this checkout). */
export const capacityDir = new URL("../../../shared/bench/capacity/", import.meta.url).pathname;

/** Where the C wire client is built. */
export const wireloadBin = `${Deno.env.get("TMPDIR") ?? "/tmp"}/secantus-wireload`;

/** The machine's load average (1, 5, 15 minutes). */
export const loadAverage = (): string =>
  Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

/** Run a command to its end; its stdout (throws when it fails). */
export async function run(cmd: string, args: string[], opts: { quiet?: boolean } = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: opts.quiet ? "null" : "inherit" })
    .output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} exited with ${out.code}`);
  return new TextDecoder().decode(out.stdout);
}

/** CPU ms (user + system, all threads) live process `pid` has used so far (0 once it is gone). */
export function cpuMs(pid: number): number {
  let ns = 0;
  try {
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
      } catch { /* thread ended */ }
    }
  } catch { /* process ended */ }
  return ns / 1e6;
}

/** Pids of the processes whose command name is `name` (e.g. every PostgreSQL backend: "postgres"). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/comm`).trim() === name) pids.push(Number(e.name));
    } catch { /* ended */ }
  }
  return pids;
}

/** A server process started by `startProcess`. */
export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Start `deno <args>` in `cwd` on a free port and wait until it answers a ping. */
export async function startProcess(cwd: string, argsFor: (port: number) => string[]): Promise<ServerProcess> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: argsFor(port),
    cwd,
    stdout: "null",
    stderr: "null",
  })
    .spawn();
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

/** Start checkout `root`'s server (`deno run -A main.ts`) on data directory `storagePath`, extra `flags`. */
export function startOurs(
  root: string,
  storagePath: string,
  flags: readonly string[],
): Promise<ServerProcess> {
  return startProcess(
    root,
    (p) => ["run", "-A", "main.ts", "--port", String(p), "--storage-path", storagePath, ...flags],
  );
}

/** Build the C wire client when it is missing or older than its source; its path. */
export async function buildWireload(): Promise<string> {
  if (
    !exists(wireloadBin) ||
    Deno.statSync(wireloadBin).mtime! < Deno.statSync(`${capacityDir}wireload.c`).mtime!
  ) {
    await run("gcc", ["-O2", "-pthread", "-o", wireloadBin, `${capacityDir}wireload.c`]);
  }
  return wireloadBin;
}

/** The environment pgbench and psql need for the shared PostgreSQL (`../start-postgres.sh`). */
export const pgEnv: Record<string, string> = {
  PGHOST: "127.0.0.1",
  PGPORT: Deno.env.get("PGBENCH_PORT") ?? "54329",
  PGUSER: "bench",
  PGDATABASE: "bench",
};

/** The pgbench command for one op at c connections for `secs` seconds (as run.sh runs it). */
export type PgBench = (op: string, c: string, secs: number) => Deno.Command;

/**
 * Start the shared PostgreSQL and make run.sh's tables (20,000 rows in `c`, an empty `c2`) and the
 * pgbench scripts of its four operations; returns the pgbench command for each.
 */
export async function pgSetup(): Promise<PgBench> {
  await run("bash", [`${capacityDir}../start-postgres.sh`]);
  const sql = `SET client_min_messages = warning;
DROP TABLE IF EXISTS c; CREATE TABLE c (id bigint primary key, doc jsonb);
INSERT INTO c SELECT g, jsonb_build_object('seq', g, 'payload', repeat('x', 700)) FROM generate_series(0, 19999) g;
DROP TABLE IF EXISTS c2; CREATE TABLE c2 (id bigserial primary key, doc jsonb); ANALYZE c;`;
  const psql = new Deno.Command("psql", {
    args: ["-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
    env: pgEnv,
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
  return (op, c, secs) =>
    new Deno.Command("pgbench", {
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
        `${secs}`,
      ],
      env: { ...pgEnv, PGOPTIONS: "-c synchronous_commit=off" },
      stdout: "piped",
      stderr: "null",
    });
}

/** pgbench's throughput from its output (NaN when missing). */
export const pgbenchTps = (stdout: string): number => Number(/tps = ([0-9.]+)/.exec(stdout)?.[1] ?? NaN);

/** wireload's throughput from its output (NaN when missing). */
export const wireloadOps = (stdout: string): number => Number(/"ops_s":([0-9.]+)/.exec(stdout)?.[1] ?? NaN);
