/**
 * Restart of an on-disk database (issue 18): `scripts/start.ts` (what `deno task start` runs) on a data
 * directory a previous run of the same checkout left, from spawn to its first answered ping (a raw OP_MSG,
 * bench/lib/wire_ping.ts, retried every millisecond), the server's own part of it (its first log line, the
 * configuration file, to "listening on": storage open, catalog, oplog, listener — without Deno's start),
 * and the first `estimatedDocumentCount` after the restart (Node driver, connected after the ping).
 *
 *   deno run -A bench/restart_bench.ts [--docs N] [--rounds R] [--kill] [--ab DIR] [--port P]
 *
 * `--docs N` (default 1): documents of ~400 bytes loaded into `bench.d` once per checkout, on its own data
 * directory (a temporary one, removed at the end). `--ab DIR`: this checkout and DIR alternating restart by
 * restart (R each, default 5), for before/after figures on a loaded machine. `--kill`: each run before a
 * measured restart ends with kill -9 instead of SIGINT (counts are walked, the log replayed).
 */
import { MongoClient } from "mongodb";
import { freePort, waitForPing } from "./lib/wire_ping.ts";

function opt(name: string, dflt: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : dflt;
}
const DOCS = Number(opt("--docs", "1"));
const ROUNDS = Number(opt("--rounds", "5"));
const KILL = Deno.args.includes("--kill");
const PORT = Number(opt("--port", String(freePort())));
const here = new URL("..", import.meta.url).pathname;
const other = opt("--ab", "");
const trees = other ? [here, other] : [here];

interface Run {
  child: Deno.ChildProcess;
  log: () => string;
}

function start(tree: string, dir: string): Run {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--node-modules-dir=manual",
      "scripts/start.ts",
      "--port",
      String(PORT),
      "--storage-path",
      dir,
    ],
    cwd: tree,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const dec = new TextDecoder();
  (async () => {
    for await (const chunk of child.stderr) text += dec.decode(chunk, { stream: true });
  })();
  return { child, log: () => text };
}

async function stop(run: Run, kill: boolean): Promise<void> {
  run.child.kill(kill ? "SIGKILL" : "SIGINT");
  await run.child.status;
}

/** ms between the first log line matching `a` and the first matching `b` (ISO timestamps), NaN if absent. */
function between(log: string, a: RegExp, b: RegExp): number {
  const at = (re: RegExp) => {
    const line = log.split("\n").find((l) => re.test(l));
    return line === undefined ? NaN : Date.parse(line.slice(0, 24));
  };
  return at(b) - at(a);
}

const uri = `mongodb://127.0.0.1:${PORT}/?directConnection=true`;
const base = await Deno.makeTempDir({ prefix: "restart-bench-" });
const dirs = trees.map((_, i) => `${base}/d${i}`);
const results: { ping: number[]; server: number[]; count: number[] }[] = trees.map(() => ({
  ping: [],
  server: [],
  count: [],
}));

try {
  for (const [i, tree] of trees.entries()) {
    const run = start(tree, dirs[i]!);
    await waitForPing(PORT, 60_000);
    const client = new MongoClient(uri);
    const coll = client.db("bench").collection<{ _id: number; pad: string }>("d");
    const pad = "x".repeat(400);
    for (let b = 0; b < DOCS; b += 5000) {
      await coll.insertMany(
        Array.from({ length: Math.min(5000, DOCS - b) }, (_, k) => ({ _id: b + k, pad })),
      );
    }
    await client.close();
    await stop(run, KILL);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, tree] of trees.entries()) {
      const t0 = performance.now();
      const run = start(tree, dirs[i]!);
      await waitForPing(PORT, 60_000);
      const t1 = performance.now();
      const client = new MongoClient(uri);
      await client.connect();
      const t2 = performance.now();
      const n = await client.db("bench").collection("d").estimatedDocumentCount();
      const t3 = performance.now();
      await client.close();
      if (n !== DOCS) throw new Error(`${tree}: ${n} documents, expected ${DOCS}`);
      await stop(run, KILL);
      results[i]!.ping.push(t1 - t0);
      results[i]!.server.push(between(run.log(), /configuration file/, /listening on/));
      results[i]!.count.push(t3 - t2);
    }
  }
} finally {
  await Deno.remove(base, { recursive: true }).catch(() => {});
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
console.log(`restart of ${DOCS} document(s), ${ROUNDS} rounds${KILL ? ", each run ended by kill -9" : ""}:`);
console.log(
  "| checkout | spawn → first ping ms | start line → listening ms | first estimatedDocumentCount ms |",
);
console.log("|---|---:|---:|---:|");
for (const [i, tree] of trees.entries()) {
  const x = results[i]!;
  console.log(`| ${tree} | ${fmt(x.ping)} | ${fmt(x.server)} | ${fmt(x.count)} |`);
}
