/**
 * Head-of-line benchmark: does one long query stall every other client?
 *
 * Starts a server in this process (startServer, fresh ON-DISK temp dir) and runs the clients in a
 * worker thread (bench/lib/hol_clients.ts, two separate npm:mongodb MongoClients), so the drivers do
 * not share the server's event loop. Loads HOL_DOCS documents (default 1,000,000; `{_id: i, g: i %
 * 100, v: i}`, insertMany batches of 10k), then per round:
 *
 * 1. baseline: client B runs HOL_OPS `find({_id})` one at a time with client A idle;
 * 2. contended: client A runs a full-collection `$group` HOL_GROUPS times in a loop while B keeps
 *    running `find({_id})` one at a time until A is done.
 *
 * Prints B's p50/p99/max latency in both phases and A's `$group` durations, HOL_ROUNDS times (default
 * 3) so the spread shows (the machine has 2 cores and is shared). `deno task bench head_of_line`
 * runs it; `deno task bench` runs it with HOL_DOCS=200000 unless HOL_DOCS is set. HOL_A=update makes
 * A's long operation an `updateMany` of every document (`{$inc: {v: 1}}`) instead of the `$group`;
 * HOL_A=index makes it an index build (`createIndex({v: 1, g: 1})`, then dropIndex); HOL_A=groupjs a `$group`
 * the storage engine does not fold (`$stdDevPop`), HOL_A=matchgroup `[{$match: {v: {$gte: 0}}}, $group]`.
 * HOL_LAG=1 also prints the server thread's event-loop gaps (a 1 ms timer) while A runs.
 */
import { startServer } from "../mod.ts";

const DOCS = Number(Deno.env.get("HOL_DOCS") ?? 1_000_000);
const OPS = Number(Deno.env.get("HOL_OPS") ?? 2_000);
const GROUPS = Number(Deno.env.get("HOL_GROUPS") ?? 3);
const ROUNDS = Number(Deno.env.get("HOL_ROUNDS") ?? 3);
const A = Deno.env.get("HOL_A") ?? "group";

/** HOL_LAG=1: a 1 ms timer on the server's thread records its gaps (stalls of the JS thread or of the process). */
const lag = Deno.env.get("HOL_LAG") === "1" ? lagMonitor() : undefined;

function lagMonitor() {
  let last = performance.now();
  let gaps: number[] = [];
  const id = setInterval(() => {
    const t = performance.now();
    gaps.push(t - last);
    last = t;
  }, 1);
  Deno.unrefTimer(id);
  return {
    reset() {
      gaps = [];
    },
    summary(): string {
      const over = (ms: number) => gaps.filter((g) => g > ms).length;
      const sorted = [...gaps].sort((a, b) => a - b);
      const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
      return `ticks ${gaps.length}, gaps > 5 ms ${over(5)}, > 10 ms ${over(10)}, > 50 ms ${over(50)}, p99 ${
        p99.toFixed(1)
      } ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
    },
  };
}

const dir = await Deno.makeTempDir({ prefix: "secantus-hol-" });
const server = await startServer({ port: 0, storagePath: `${dir}/data`, logLevel: "WARNING" });
try {
  const worker = new Worker(new URL("./lib/hol_clients.ts", import.meta.url), { type: "module" });
  const done = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => {
      if (e.data.line !== undefined) console.log(e.data.line);
      if (lag && typeof e.data.line === "string") {
        // the server's event-loop gaps while A runs (between B's idle summary and its contended one)
        if (e.data.line.includes("B alone")) lag.reset();
        if (e.data.line.includes("B during A")) console.log(`         server loop ${lag.summary()}`);
      }
      if (e.data.done) resolve();
      if (e.data.error) reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
  worker.postMessage({ uri: server.uri, docs: DOCS, ops: OPS, groups: GROUPS, rounds: ROUNDS, a: A });
  await done;
  worker.terminate();
} finally {
  await server.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
