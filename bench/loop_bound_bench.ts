/**
 * The upper bound of a second frame I/O loop (issue 18, target 1's rows at 16 connections): for each operation,
 * one fresh server under 16 `wireload` connections against two fresh servers under 8 connections each at
 * once — two I/O threads, two JS threads, two WiredTiger instances, nothing shared —, alternating, `--rounds`
 * times. A second loop in one process shares the oplog clock, the log and the registry, so what two
 * processes reach is the most it could give.
 *
 *   deno run -A bench/loop_bound_bench.ts [--ops insert,update,ping] [--secs 4] [--rounds 3]
 * `--root DIR` measures another checkout's main.ts; extra server flags after `--`.
 */
import { benchArgs } from "./lib/cli_option.ts";
import {
  buildWireload,
  loadAverage,
  run,
  type ServerProcess,
  startOurs,
  wireloadOps,
} from "./lib/capacity_servers.ts";

const { serverFlags, opt } = benchArgs(Deno.args);
const SECS = Math.max(2, Number(opt("--secs", "4")));
const ROUNDS = Math.max(1, Number(opt("--rounds", "3")));
const OPS = opt("--ops", "insert,update,ping").split(",").filter(Boolean);
const root = opt("--root", new URL("..", import.meta.url).pathname);

const wireload = await buildWireload();

/** Fresh servers, each loaded (`wireload load`: the find/update collection, the insert collection dropped). */
async function servers(n: number): Promise<{ list: ServerProcess[]; dirs: string[] }> {
  const dirs = Array.from({ length: n }, () => Deno.makeTempDirSync({ prefix: "secantus-loop-bound-" }));
  const list = await Promise.all(dirs.map((d) => startOurs(root, `${d}/data`, serverFlags)));
  for (const s of list) await run(wireload, ["127.0.0.1", String(s.port), "load", "1", "0"]);
  return { list, dirs };
}

async function stop(set: { list: ServerProcess[]; dirs: string[] }): Promise<void> {
  await Promise.all(set.list.map((s) => s.stop()));
  for (const d of set.dirs) Deno.removeSync(d, { recursive: true });
}

/** ops/s of `op` at `conns` connections against each server at once, summed. */
async function drive(list: ServerProcess[], op: string, conns: number): Promise<number> {
  const outs = await Promise.all(list.map((s) =>
    new Deno.Command(wireload, {
      args: ["127.0.0.1", String(s.port), op, String(conns), String(SECS)],
      stdout: "piped",
      stderr: "null",
    }).output()
  ));
  return outs.reduce((sum, o) => sum + wireloadOps(new TextDecoder().decode(o.stdout)), 0);
}

console.log(`load average before: ${loadAverage()}; ${SECS} s runs, ${ROUNDS} rounds`);
console.log("| op | one server × 16 (ops/s) | two servers × 8, summed | two / one |");
console.log("|---|---:|---:|---:|");
for (const op of OPS) {
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = await servers(1);
    try {
      one.push(await drive(a.list, op, 16));
    } finally {
      await stop(a);
    }
    const b = await servers(2);
    try {
      two.push(await drive(b.list, op, 8));
    } finally {
      await stop(b);
    }
  }
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  console.log(
    `| ${op} | ${one.map((x) => x.toFixed(0)).join(" / ")} | ${two.map((x) => x.toFixed(0)).join(" / ")} | ${
      (mean(two) / mean(one)).toFixed(2)
    }x |`,
  );
}
console.log(`load average after: ${loadAverage()}`);
