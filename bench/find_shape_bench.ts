/**
 * Where a driver find's server time goes (issue 18, target 2's find_eq and find_range): the server's CPU
 * per operation from /proc (its JS thread, its other threads) for the same queries sent three ways, against
 * one server process loaded with bench.mjs's 20,000 documents:
 *
 * - `driver`: the Node driver itself (`bench/lib/driver_workloads.mjs` under Node, one connection), as
 *   bench.mjs sends them; a run that only connects and closes is measured too and subtracted;
 * - `wire_driver`: a raw OP_MSG client (bench/lib/wire_client.ts) sending the driver's request bodies
 *   byte for byte in shape (`lsid`, `$clusterTime`, `$readPreference`, `$db`, field order as the driver's);
 * - `wire_bare`: the same queries without the driver's generic fields.
 *
 * `--think US` makes the raw client wait that long (spinning) between a reply and its next request, as the
 * Node driver's own ~300 µs per round trip does (`--thrash`: walking a 4 MiB buffer meanwhile, as a busy
 * client evicts the caches the server's next request would find warm). With `--root DIR` (repeatable) other checkouts' servers
 * are loaded alike and the rounds alternate between them (which one goes first flips every round);
 * `--variant 'NAME=TOKENS'` (repeatable) adds this checkout's server once more with extra flags and
 * environment (`--variant 'deno=--io deno'`, `--variant 'nolone=SECANTUS_IO_LONE_US=0'`).
 *
 *   deno run -A bench/find_shape_bench.ts [--ops 3000] [--rounds 2] [--workloads find_eq,find_range]
 *     [--modes driver,wire_driver,wire_bare] [--think 0 [--thrash]] [--root DIR]… [--variant NAME=TOKENS]…
 */
import { Binary, Long, Timestamp } from "bson";
import { exists } from "./lib/exists.ts";
import { freePort, waitForPing } from "./lib/wire_ping.ts";
import { procCpu } from "./lib/proc_cpu.ts";
import { WireClient } from "./lib/wire_client.ts";
import { cliOption } from "./lib/cli_option.ts";

const args = Deno.args;
const opt = cliOption(args);
const OPS = Number(opt("--ops", "3000"));
const ROUNDS = Number(opt("--rounds", "2"));
const WORKLOADS = opt("--workloads", "find_eq,find_range").split(",");
const MODES = opt("--modes", "driver,wire_driver,wire_bare").split(",");
const THINK_US = Number(opt("--think", "0"));
/** FIND_SHAPE_CPU_PROF=1: each server is restarted after the load with `--cpu-prof` (kept in its temp dir). */
const PROF = Deno.env.get("FIND_SHAPE_CPU_PROF") !== undefined;
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
interface Spec {
  name: string;
  root: string;
  flags: string[];
  env: Record<string, string>;
}
const specs: Spec[] = [
  { name: here, root: here, flags: [], env: {} },
  ...args.flatMap((
    a,
    i,
  ) => (a === "--root" ? [{ name: args[i + 1]!, root: args[i + 1]!, flags: [], env: {} }] : [])),
  ...args.flatMap((a, i) => {
    if (a !== "--variant") return [];
    const v = args[i + 1]!;
    const eq = v.indexOf("=");
    const tokens = v.slice(eq + 1).split(" ").filter((t) => t !== "");
    const env: Record<string, string> = {};
    const flags: string[] = [];
    for (const t of tokens) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(t);
      if (m) env[m[1]!] = m[2]!;
      else flags.push(t);
    }
    return [{ name: v.slice(0, eq), root: here, flags, env }];
  }),
];
const copy = `${Deno.env.get("TMPDIR") ?? "/tmp"}/secantus-shared-bench`;
const workloadsScript = new URL("./lib/driver_workloads.mjs", import.meta.url).pathname;
if (!exists(`${copy}/node_modules/mongodb`)) {
  console.log(`find_shape: run bench/driver_ceiling_bench.ts once first (it prepares ${copy})`);
  Deno.exit(0);
}
const { DocFactory, SCORE_MAX, pick } = await import(`${copy}/lib/common.mjs`);
const SEED = 42;
const N = 20_000;
const factory = new DocFactory({ seed: SEED, n: N, payloadBytes: 700 });
const width = Math.ceil((SCORE_MAX * 200) / N);

async function node(uri: string, ops: number, load: boolean, workloads: string): Promise<string> {
  const out = await new Deno.Command("node", {
    args: [workloadsScript, copy, uri, String(ops), "1", load ? "1" : "0", "0"],
    env: { WORKLOADS: workloads },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`node driver_workloads.mjs exited with ${out.code}`);
  return new TextDecoder().decode(out.stdout);
}

interface Server {
  name: string;
  port: number;
  pid: number;
  child: Deno.ChildProcess;
  dir: string;
}

async function start(spec: Spec, reuse?: string, prof = false): Promise<Server> {
  const root = spec.root;
  const port = freePort();
  const dir = reuse ?? Deno.makeTempDirSync({ prefix: "secantus-findshape-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-semi-space-size=8",
      "--node-modules-dir=manual",
      ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${dir}/prof`] : []),
      `${root}/main.ts`,
      "--port",
      String(port),
      "--storage-path",
      `${dir}/data`,
      "--log-level",
      "WARNING",
      ...spec.flags,
    ],
    cwd: root,
    env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=2", ...spec.env },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await waitForPing(port, 30_000);
  return { name: spec.name, port, pid: child.pid, child, dir };
}

const uri = (p: number) => `mongodb://127.0.0.1:${p}/?directConnection=true`;

/** The query of workload `w` for operation i, as driver_workloads.mjs picks its values. */
function query(w: string, i: number): Record<string, unknown> {
  if (w === "find_eq") return { filter: { category: `cat-${pick(SEED, 200, i, factory.nCategories)}` } };
  const lo = pick(SEED, 300, i, SCORE_MAX - width);
  return { filter: { score: { $gte: lo, $lt: lo + width } }, sort: { score: 1 }, limit: 20 };
}

/** `--thrash`: the think time walks a 4 MiB buffer (as a busy client evicts the caches) instead of spinning. */
const THRASH = args.includes("--thrash");
const junk = new Uint8Array(THRASH ? 4 << 20 : 0);
let junkAt = 0;

function spin(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    if (!THRASH) continue;
    for (let k = 0; k < 4096; k++) {
      junk[junkAt] = (junk[junkAt]! + 1) & 0xff;
      junkAt = (junkAt + 64) % junk.length;
    }
  }
}

interface Cell {
  opsS: number;
  mainUs: number;
  otherUs: number;
}

async function wire(s: Server, w: string, withDriverFields: boolean): Promise<Cell> {
  const c = await WireClient.connect(s.port);
  try {
    const hello = await c.command({ hello: 1, $db: "admin" });
    const clusterTime = hello["$clusterTime"] ?? {
      clusterTime: new Timestamp({ t: 1, i: 1 }),
      signature: { hash: new Binary(new Uint8Array(20)), keyId: Long.fromNumber(0) },
    };
    const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), Binary.SUBTYPE_UUID) };
    const body = (i: number) =>
      withDriverFields
        ? {
          find: "docs",
          ...query(w, i),
          lsid,
          $clusterTime: clusterTime,
          $readPreference: { mode: "primaryPreferred" },
          $db: "secantus_ceiling",
        }
        : { find: "docs", ...query(w, i), $db: "secantus_ceiling" };
    for (let i = 0; i < 200; i++) await c.send(body(i));
    const c0 = procCpu(s.pid);
    const t0 = performance.now();
    for (let i = 0; i < OPS; i++) {
      await c.send(body(i));
      if (THINK_US > 0) spin(THINK_US);
    }
    const ms = performance.now() - t0;
    const c1 = procCpu(s.pid);
    return {
      opsS: OPS / (ms / 1000),
      mainUs: (c1.main - c0.main) / 1000 / OPS,
      otherUs: (c1.others - c0.others) / 1000 / OPS,
    };
  } finally {
    c.close();
  }
}

async function driver(s: Server, w: string): Promise<Cell> {
  // the connect, pool warm-up and close alone, to subtract
  const e0 = procCpu(s.pid);
  await node(uri(s.port), 1, false, "none");
  const e1 = procCpu(s.pid);
  const out = await node(uri(s.port), OPS, false, w);
  const e2 = procCpu(s.pid);
  const row = out.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))[0];
  const n = OPS + Math.min(200, OPS); // driver_workloads.mjs warms up with 200
  return {
    opsS: row?.ops_s ?? NaN,
    mainUs: ((e2.main - e1.main) - (e1.main - e0.main)) / 1000 / n,
    otherUs: ((e2.others - e1.others) - (e1.others - e0.others)) / 1000 / n,
  };
}

const servers: Server[] = [];
try {
  for (const spec of specs) {
    let s = await start(spec);
    await node(uri(s.port), 1, true, "none");
    if (PROF) {
      // the profile covers the measured requests only: restart on the loaded data with --cpu-prof
      s.child.kill("SIGINT");
      await s.child.status;
      s = await start(spec, s.dir, true);
    }
    servers.push(s);
  }
  const results = new Map<string, Cell[]>();
  const loads: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    loads.push(Deno.loadavg().map((x) => x.toFixed(1)).join(" "));
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const w of WORKLOADS) {
      for (const m of MODES) {
        for (const s of order) {
          const cell = m === "driver" ? await driver(s, w) : await wire(s, w, m === "wire_driver");
          const key = `${s.name}|${w}|${m}`;
          results.set(key, [...(results.get(key) ?? []), cell]);
        }
      }
    }
  }
  loads.push(Deno.loadavg().map((x) => x.toFixed(1)).join(" "));
  console.log(
    `find shapes, ${OPS} ops per cell, c=1, ${ROUNDS} rounds (each cell: per round), think ${THINK_US} µs, ` +
      `load ${loads.join(" → ")}`,
  );
  console.log("| server | workload | mode | ops/s | server JS µs/op | other threads µs/op |");
  console.log("|---|---|---|---:|---:|---:|");
  for (const w of WORKLOADS) {
    for (const m of MODES) {
      for (const s of servers) {
        const cells = results.get(`${s.name}|${w}|${m}`) ?? [];
        const f = (k: keyof Cell, d: number) => cells.map((c) => c[k].toFixed(d)).join(" / ");
        console.log(`| ${s.name} | ${w} | ${m} | ${f("opsS", 0)} | ${f("mainUs", 1)} | ${f("otherUs", 1)} |`);
      }
    }
  }
} finally {
  for (const s of servers) {
    s.child.kill("SIGINT");
    await s.child.status;
    if (!PROF) Deno.removeSync(s.dir, { recursive: true });
    else console.log(`profile of ${s.name}: ${s.dir}/prof`);
  }
}
