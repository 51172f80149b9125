/**
 * The Node driver's writes (issue 18, target 2's insert_one, update_inc and delete_one rows), before
 * and after: this checkout's server and another checkout's (`--compare DIR`, e.g. /work/main), each as
 * its own `deno run main.ts` process, plus the driver's ceiling (`../shared/bench/capacity/
 * fake-server.mjs`, canned replies), in alternating rounds. The requests are bench.mjs's own (the
 * driver sends every write as a retryable write: lsid, txnNumber, `$clusterTime`), run by
 * `bench/lib/driver_workloads.mjs` with one Node process per cell (workload × connections).
 *
 * Per cell: ops/s, and µs of server CPU per operation from /proc (`schedstat` of every thread of the
 * server process — the JS thread and WiredTiger's and Deno's others — around the Node process, divided
 * by its operations, its 200 warm-up ones included): CPU per op moves much less than ops/s when other
 * work shares the cores. The median of the rounds is printed.
 * Node modules: the copy of `../shared/bench` in `$TMPDIR/secantus-shared-bench` that
 * `driver_ceiling_bench.ts` makes (run that once first).
 *
 *   deno run -A bench/driver_write_bench.ts [--compare DIR] [--ops 2000] [--rounds 3]
 *     [--workloads insert_one,update_inc,delete_one] [--conns 1,16]
 */
import { exists } from "./lib/exists.ts";
import { procCpu } from "./lib/proc_cpu.ts";
import { freePort, waitForPing } from "./lib/wire_ping.ts";
import { cliOption } from "./lib/cli_option.ts";

const args = Deno.args;
const opt = cliOption(args);
const OPS = Number(opt("--ops", "2000"));
const ROUNDS = Number(opt("--rounds", "3"));
const WORKLOADS = opt("--workloads", "insert_one,update_inc,delete_one").split(",");
const CONNS = opt("--conns", "1,16").split(",").map(Number);
const compareDir = opt("--compare", "");
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const copy = `${Deno.env.get("TMPDIR") ?? "/tmp"}/secantus-shared-bench`;
const workloadsScript = new URL("./lib/driver_workloads.mjs", import.meta.url).pathname;
if (!exists(`${copy}/node_modules/mongodb`)) {
  console.log(`driver writes: skipped (${copy} has no node_modules: run driver_ceiling_bench.ts once)`);
  Deno.exit(0);
}

interface Server {
  readonly name: string;
  readonly port: number;
  readonly pid?: number;
  readonly stop: () => Promise<void>;
}

const dirs: string[] = [];
function startOurs(name: string, root: string): Server {
  const port = freePort();
  const dir = Deno.makeTempDirSync({ prefix: "secantus-drvwrite-" });
  dirs.push(dir);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-semi-space-size=8",
      "--node-modules-dir=manual",
      `${root}/main.ts`,
      "--port",
      String(port),
      "--storage-path",
      `${dir}/data`,
      "--log-level",
      "WARNING",
    ],
    cwd: root,
    env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=2" },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  return {
    name,
    port,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

function startFake(): Server {
  const port = freePort();
  const child = new Deno.Command("node", {
    args: [`${copy}/capacity/fake-server.mjs`, String(port)],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  return {
    name: "ceiling",
    port,
    stop: async () => {
      child.kill();
      await child.status;
    },
  };
}

/** One Node process: `workload` at `c` connections (load: the 20,000 documents first, nothing timed). */
async function node(
  port: number,
  workload: string,
  c: number,
  load: boolean,
  round: number,
): Promise<number> {
  const out = await new Deno.Command("node", {
    args: [
      workloadsScript,
      copy,
      `mongodb://127.0.0.1:${port}/?directConnection=true`,
      String(OPS),
      String(c),
      load ? "1" : "0",
      String(round),
    ],
    env: { WORKLOADS: workload },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`driver_workloads.mjs ${workload} c=${c} exited with ${out.code}`);
  const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith("{"));
  return line ? (JSON.parse(line) as { ops_s: number }).ops_s : NaN;
}

const cpuNs = (pid: number) => {
  const c = procCpu(pid);
  return { all: c.main + c.others, main: c.main };
};

const servers: Server[] = [startOurs("this", here)];
if (compareDir) servers.push(startOurs(compareDir, compareDir));
servers.push(startFake());
type Cell = { opsS: number[]; cpuUs: number[]; mainUs: number[] };
const cells = new Map<string, Cell>();
const cell = (s: string, w: string, c: number) => {
  const k = `${s}|${w}|${c}`;
  let v = cells.get(k);
  if (!v) cells.set(k, v = { opsS: [], cpuUs: [], mainUs: [] });
  return v;
};
try {
  for (const s of servers) await waitForPing(s.port, 30_000);
  for (const s of servers) if (s.pid) await node(s.port, "none", 1, true, 0);
  const load0 = Deno.loadavg();
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      for (const w of WORKLOADS) {
        for (const [k, c] of CONNS.entries()) {
          // (insert_one and delete_one of a round and connection count share their ids: see the script)
          const round = 1 + r * 10 + k;
          const before = s.pid ? cpuNs(s.pid) : undefined;
          const opsS = await node(s.port, w, c, false, round);
          const x = cell(s.name, w, c);
          x.opsS.push(opsS);
          if (before && s.pid) {
            const after = cpuNs(s.pid);
            const n = OPS + Math.min(200, OPS);
            x.cpuUs.push((after.all - before.all) / 1000 / n);
            x.mainUs.push((after.main - before.main) / 1000 / n);
          }
        }
      }
    }
  }
  const load1 = Deno.loadavg();
  const median = (xs: number[]) => {
    if (xs.length === 0) return NaN;
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  console.log(
    `Node driver writes, ${OPS} ops per cell, median of ${ROUNDS} rounds, load ` +
      `${load0.map((x) => x.toFixed(1)).join(" ")} → ${load1.map((x) => x.toFixed(1)).join(" ")}:`,
  );
  const real = servers.filter((s) => s.pid);
  console.log(
    `| workload | c | ceiling ops/s | ${
      real.map((s) => `${s.name} ops/s | ×ceiling | CPU µs/op (main)`).join(" | ")
    } |`,
  );
  console.log(`|---|---:|---:|${real.map(() => "---:|---:|---:").join("|")}|`);
  for (const w of WORKLOADS) {
    for (const c of CONNS) {
      const f = median(cell("ceiling", w, c).opsS);
      const cols = real.map((s) => {
        const x = cell(s.name, w, c);
        const o = median(x.opsS);
        return `${o.toFixed(0)} | ${(o / f).toFixed(2)}× | ${median(x.cpuUs).toFixed(0)} (${
          median(x.mainUs).toFixed(0)
        })`;
      });
      console.log(`| ${w} | ${c} | ${f.toFixed(0)} | ${cols.join(" | ")} |`);
    }
  }
} finally {
  for (const s of servers) await s.stop().catch(() => {});
  for (const d of dirs) Deno.removeSync(d, { recursive: true });
}
