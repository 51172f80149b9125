/**
 * Cold start (issue 18, target 3): time from spawning a fresh process to its first answered ping, for
 *
 * - the Deno floor: `../shared/bench/capacity/deno-floor.ts` (a Deno wire server that does no work), the
 *   least any `deno run` server can take on this machine, measured in the same run;
 * - `deno run -A main.ts` on a fresh on-disk data directory and on `:memory:`, and what `deno task start`
 *   runs (its environment and flags, read from the measured checkout's deno.json) on `:memory:` — through
 *   scripts/start.ts, from the start bundle when it is current (the table says which);
 * - in-process `startServer({port: 0, storagePath: ":memory:"})` → first ping (the embedding API): the
 *   first call (module graph already imported) and the median of the next ones.
 *
 * Rounds are interleaved (floor, disk, memory per round) so machine load hits them alike; the ping is a
 * raw OP_MSG (bench/lib/wire_ping.ts), retried every millisecond until the port answers.
 *   deno run -A bench/cold_start_bench.ts [--reps N] [--root DIR]     (default 7; DIR: another checkout)
 *
 * `--ab DIR [--reps N]` measures only `deno task start` (`:memory:`), this checkout and DIR alternating
 * start by start (N each, default 15), for before/after figures at a load too noisy for whole rounds.
 */
import { freePort, waitForPing } from "./lib/wire_ping.ts";

const repsAt = Deno.args.indexOf("--reps");
const REPS = repsAt >= 0 ? Number(Deno.args[repsAt + 1]) : 7;
/** The checkout whose main.ts is measured (`--root DIR`, for before/after pairs). */
const rootAt = Deno.args.indexOf("--root");
const root = rootAt >= 0 ? Deno.args[rootAt + 1]! : new URL("..", import.meta.url).pathname;
const floorScript = new URL("../../shared/bench/capacity/deno-floor.ts", import.meta.url).pathname;
const haveFloor = (() => {
  try {
    return Deno.statSync(floorScript).isFile;
  } catch {
    return false;
  }
})();

/** CPU time (ms, all threads, user + system) a live process has used so far; NaN where /proc is missing. */
function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
    }
    return ns / 1e6;
  } catch {
    return NaN;
  }
}

/** CPU ms of the last `coldStart` process at its first ping. */
let lastCpu = NaN;

/**
 * `deno task start` of the measured checkout as environment + `deno` arguments: its deno.json task
 * `[NAME=VALUE …] deno ARGS…` (no shell features), so old and new checkouts each run their own flags.
 */
function startTask(dir = root): { env: Record<string, string>; args: string[] } {
  const json = JSON.parse(Deno.readTextFileSync(`${dir}/deno.json`)) as { tasks?: Record<string, string> };
  const words = (json.tasks?.["start"] ?? "deno run -A main.ts").trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
    const w = words.shift()!;
    env[w.slice(0, w.indexOf("="))] = w.slice(w.indexOf("=") + 1);
  }
  if (words.shift() !== "deno") {
    throw new Error(`deno task start: not a deno command: ${json.tasks?.["start"]}`);
  }
  return { env, args: words };
}
const task = startTask();

/**
 * Where the checkout's `deno task start` runs from: its start bundle (scripts/start.ts) when current. The
 * bench's own checkout is brought up to date first (`scripts/build_start.ts`, untimed); another checkout
 * (`--root`) is left as it is and the table says when its start runs the sources.
 */
async function startBundleState(checkout = root, build = rootAt < 0): Promise<string> {
  const launcher = `${checkout}/scripts/start.ts`;
  try {
    Deno.statSync(launcher);
  } catch {
    return "no launcher: main.ts";
  }
  if (build) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/build_start.ts"],
      cwd: checkout,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) return `start bundle not built: ${new TextDecoder().decode(out.stderr).trim()}`;
  }
  const { staleReason, BUNDLE_DIR } = await import(launcher);
  const dir = checkout.replace(/\/$/, "");
  const stale = staleReason(dir, `${dir}/${BUNDLE_DIR}`);
  return stale === undefined ? "start bundle" : `sources (${stale})`;
}
const startRunsFrom = await startBundleState();

/** Spawn `args` under `deno`, time spawn → first ping reply in ms, then kill it. */
async function coldStart(
  args: (port: number) => string[],
  env: Record<string, string> = {},
  cwd = root,
  attempts = 3,
): Promise<number> {
  const port = freePort();
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: args(port),
    cwd,
    env,
    stdout: "null",
    stderr: "null",
  }).spawn();
  // it never served when it exited first: its port was taken (another process answered), or it failed
  let exited = false;
  void child.status.then(() => exited = true);
  let wall = NaN;
  try {
    await waitForPing(port, 30_000, 1, () => exited);
    wall = performance.now() - t0;
    lastCpu = cpuMs(child.pid);
  } catch (e) {
    if (!exited) throw e;
  } finally {
    try {
      if (!exited) child.kill("SIGKILL");
    } catch {
      exited = true; // between the check and the kill
    }
  }
  const served = !exited; // read before the kill's own exit is seen
  const { code } = await child.status;
  if (served) return wall;
  if (attempts <= 1) {
    throw new Error(`deno ${args(port).join(" ")} (in ${cwd}) exited (${code}) before its first ping`);
  }
  return coldStart(args, env, cwd, attempts - 1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const abAt = Deno.args.indexOf("--ab");
if (abAt >= 0) {
  // `deno task start` of this checkout (A) and of another (B), alternating start by start
  const other = Deno.args[abAt + 1]!.replace(/\/$/, "");
  const sides = [
    { name: root, task, from: startRunsFrom, cpu: [] as number[], wall: [] as number[] },
    { name: other, task: startTask(other), from: await startBundleState(other, false), cpu: [], wall: [] },
  ];
  const n = repsAt >= 0 ? REPS : 15;
  for (const s of sides) { // untimed: page cache and code cache
    await coldStart(
      (p) => [...s.task.args, "--port", String(p), "--storage-path", ":memory:"],
      s.task.env,
      s.name,
    );
  }
  for (let i = 0; i < n; i++) {
    for (const s of i % 2 === 0 ? sides : [...sides].reverse()) {
      s.wall.push(
        await coldStart(
          (p) => [...s.task.args, "--port", String(p), "--storage-path", ":memory:"],
          s.task.env,
          s.name,
        ),
      );
      s.cpu.push(lastCpu);
    }
  }
  const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  console.log(`deno task start, :memory:, ${n} alternating starts each, load average ${load}:`);
  console.log("| checkout | runs from | CPU median | CPU min | wall median |");
  console.log("|---|---|---:|---:|---:|");
  for (const s of sides) {
    console.log(
      `| ${s.name} | ${s.from} | ${ms(median(s.cpu))} | ${ms(Math.min(...s.cpu))} | ${ms(median(s.wall))} |`,
    );
  }
  for (const s of sides) {
    console.log(
      `${s.name} CPU ms, sorted: ${[...s.cpu].sort((a, b) => a - b).map((x) => x.toFixed(1)).join(" ")}`,
    );
  }
  Deno.exit(0);
}

const floor: number[] = [];
const disk: number[] = [];
const memory: number[] = [];
const manual: number[] = [];
const cpu = { floor: [] as number[], disk: [] as number[], memory: [] as number[], manual: [] as number[] };
// One untimed start warms the OS page cache for deno, the npm modules and libwiredtiger.
await coldStart((p) => ["run", "-A", "main.ts", "--port", String(p), "--storage-path", ":memory:"]);
for (let i = 0; i < REPS; i++) {
  if (haveFloor) {
    floor.push(await coldStart((p) => ["run", "-A", floorScript, String(p)]));
    cpu.floor.push(lastCpu);
  }
  const dir = Deno.makeTempDirSync({ prefix: "secantus-coldstart-" });
  try {
    disk.push(
      await coldStart((p) => ["run", "-A", "main.ts", "--port", String(p), "--storage-path", `${dir}/data`]),
    );
    cpu.disk.push(lastCpu);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  memory.push(
    await coldStart((p) => ["run", "-A", "main.ts", "--port", String(p), "--storage-path", ":memory:"]),
  );
  cpu.memory.push(lastCpu);
  manual.push(
    await coldStart((p) => [...task.args, "--port", String(p), "--storage-path", ":memory:"], task.env),
  );
  cpu.manual.push(lastCpu);
}

// In-process: the embedding API (module graph imported first, outside the timing).
const { startServer } = await import(rootAt >= 0 ? `${root}/mod.ts` : "../mod.ts");
const inProcess: number[] = [];
for (let i = 0; i < REPS + 1; i++) {
  const t0 = performance.now();
  const s = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
  await waitForPing(s.port);
  inProcess.push(performance.now() - t0);
  await s.stop();
}

const load = (() => {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
})();
console.log(`cold start to first ping, median of ${REPS} (min), load average ${load}:`);
console.log("| process | wall median | wall min | CPU median (all threads) | target |");
console.log("|---|---:|---:|---:|---|");
if (haveFloor) {
  console.log(
    `| Deno floor (deno-floor.ts) | ${ms(median(floor))} | ${ms(Math.min(...floor))} | ${
      ms(median(cpu.floor))
    } | — |`,
  );
}
const target = haveFloor ? `≤ floor + 30 ms = ${ms(median(floor) + 30)}` : "≤ Deno floor + 30 ms";
console.log(
  `| deno run main.ts, fresh data dir | ${ms(median(disk))} | ${ms(Math.min(...disk))} | ${
    ms(median(cpu.disk))
  } | ${target} |`,
);
console.log(
  `| deno run main.ts, :memory: | ${ms(median(memory))} | ${ms(Math.min(...memory))} | ${
    ms(median(cpu.memory))
  } | ${target} |`,
);
console.log(
  `| deno task start (deno ${task.args.join(" ")}; ${startRunsFrom}), :memory: | ${ms(median(manual))} | ${
    ms(Math.min(...manual))
  } | ${ms(median(cpu.manual))} | ${target} |`,
);
console.log(`| in-process startServer(:memory:), first call | ${ms(inProcess[0]!)} | — | — | < 10 ms |`);
console.log(
  `| in-process startServer(:memory:), later calls | ${ms(median(inProcess.slice(1)))} | ${
    ms(Math.min(...inProcess.slice(1)))
  } | — | < 10 ms |`,
);
if (haveFloor) {
  console.log(
    `deno run over the floor: disk +${ms(median(disk) - median(floor))}, memory +${
      ms(median(memory) - median(floor))
    }`,
  );
}
