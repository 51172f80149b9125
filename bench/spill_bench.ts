/**
 * External sort and spilling `$group` (issue 15 "Done means"): starts an on-disk server in a child
 * process (WiredTiger cache `SPILL_CACHE`, default 128M, so the server's RSS shows the query rather
 * than a full cache), loads `SPILL_MB` megabytes of ~1 KB documents (default 2048: the issue's 2 GB;
 * ~2.1 M documents, several minutes) and times
 * - `$sort` on an unindexed random key over the whole collection (allowDiskUse: true, mongod 8.0's
 *   default), reading every result through the Node driver, and
 * - `$group` of `SPILL_GROUP_DOCS` documents (default 1,000,000) by `_id` (as many groups as documents,
 *   so the groups pass the 100 MiB budget and spill), allowDiskUse: true, `SPILL_GROUPS` times
 *   (default 1): the peak until the first result (the input read, new groups partitioned) and after
 *   it, and the runs and bytes it spilled (serverStatus `secantus.spill`; the documents written hold
 *   only the fields the `$group` reads, `{_id, k}`: ~25 bytes each),
 * reporting each one's wall time and the server process's peak RSS (`VmHWM`, reset before each run).
 * The issue's bound: the 2 GB sort completes with RSS under ~500 MB.
 */
import { MongoClient } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";
import { memoryOf, resetPeak } from "../tests/chaos/probes.ts";
import { attribution, smapsSummary } from "./lib/memory_attribution.ts";

const MB = Number(Deno.env.get("SPILL_MB") ?? 2048);
const GROUP_DOCS = Number(Deno.env.get("SPILL_GROUP_DOCS") ?? 1_000_000);
const CACHE = Deno.env.get("SPILL_CACHE") ?? "128M";
/**
 * Extra server arguments (e.g. `--standalone`: no oplog) and environment (`MALLOC_ARENA_MAX=2`; a malloc
 * profile: `LD_PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so DUMP_HEAPTRACK_OUTPUT=<fifo>` with
 * `heaptrack_interpret < fifo | zstd -c > out.zst` reading it — `heaptrack -p` attaching through gdb
 * stopped the server inside malloc and deadlocked it).
 */
const ARGS = (Deno.env.get("SPILL_ARGS") ?? "").split(" ").filter((a) => a !== "");
const ENV = Object.fromEntries(
  (Deno.env.get("SPILL_ENV") ?? "").split(" ").filter((a) => a !== "").map((
    kv,
  ) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
/** File to write the server's output of each query phase to (e.g. with `DENO_V8_FLAGS=--trace-gc`). */
const SERVER_LOG = Deno.env.get("SPILL_SERVER_LOG");
/** `SPILL_FSYNC=1`: an fsync (a WiredTiger checkpoint) between the load and the queries (diagnostic). */
const FSYNC = Deno.env.get("SPILL_FSYNC") === "1";
/** `SPILL_HISTORY_S`: setParameter minSnapshotHistoryWindowInSeconds before the load (default: the server's). */
const HISTORY_S = Deno.env.get("SPILL_HISTORY_S");
/** `SPILL_SORTS`: how many times the `$sort` runs on the loaded data (default 1). */
const SORTS = Number(Deno.env.get("SPILL_SORTS") ?? 1);
/** `SPILL_GROUPS`: how many times the `$group` runs on the loaded data (default 1). */
const GROUPS = Number(Deno.env.get("SPILL_GROUPS") ?? 1);
/** Seconds between memory attribution lines during each phase (0: only at the phases' ends). */
const ATTRIB_S = Number(Deno.env.get("SPILL_ATTRIB_S") ?? 60);
/**
 * `SPILL_TRACE_MS`: during each sort, read the server's smaps every this many milliseconds and print the
 * highest sample's mapping kinds for each phase (runs, merging): the peak between attribution lines.
 */
const TRACE_MS = Number(Deno.env.get("SPILL_TRACE_MS") ?? 0);

const server = await spawnServer({
  args: ["--cache-size", CACHE, ...ARGS],
  ...(Object.keys(ENV).length ? { env: ENV } : {}),
  timeoutMs: 60_000,
});
const pid = server.child.pid;
const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 60_000, socketTimeoutMS: 0 });
const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
const admin = client.db("admin");
const uptime = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
/** Prints where the server's memory is now, tagged `phase`. */
const attrib = async (phase: string) =>
  console.log(`  [${phase}, load ${uptime()}] ${await attribution(pid, admin)}`);
/** Attribution lines every ATTRIB_S seconds while a phase runs; returns the stop function. */
function sampler(phase: string): () => void {
  if (ATTRIB_S <= 0) return () => {};
  const t = setInterval(() => void attrib(phase).catch(() => {}), ATTRIB_S * 1000);
  return () => clearInterval(t);
}

/** The highest smaps sample of a phase (SPILL_TRACE_MS), as one line. */
class PeakTrace {
  #best: { total: number; at: number; s: Record<string, number> } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  constructor(private readonly t0: number) {
    if (TRACE_MS > 0) this.#timer = setInterval(() => this.sample(), TRACE_MS);
  }
  sample(): void {
    try {
      const s = smapsSummary(pid);
      const total = Object.values(s).reduce((a, b) => a + b, 0);
      if (!this.#best || total > this.#best.total) this.#best = { total, at: performance.now() - this.t0, s };
    } catch { /* the server is gone */ }
  }
  /** Ends the trace; the highest sample, or "" without tracing. */
  stop(): string {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const b = this.#best;
    if (!b) return "";
    return `highest sample ${b.total} MiB at ${(b.at / 1000).toFixed(1)} s: ` +
      Object.entries(b.s).map(([k, v]) => `${k} ${v}`).join(" ");
  }
}

/** The server's CPU time so far (user + system), in seconds (/proc/PID/stat). */
function cpuSeconds(): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** Size of a directory in MiB (spill files go to <dbpath>/_tmp). */
async function dirMiB(path: string): Promise<number> {
  const out = await new Deno.Command("du", { args: ["-sm", path], stdout: "piped", stderr: "null" }).output();
  return Number(new TextDecoder().decode(out.stdout).split(/\s/)[0] ?? 0);
}

try {
  const db = client.db("bench");
  const c = db.collection<{ _id: number; k: number; pad: string }>("spill");
  const n = Math.round((MB * 1024 * 1024) / 1024);
  const pad = "x".repeat(990);
  const t0 = performance.now();
  console.log(`server args: ${ARGS.join(" ") || "(default)"}, env: ${JSON.stringify(ENV)}, load ${uptime()}`);
  if (HISTORY_S !== undefined) {
    await admin.command({ setParameter: 1, minSnapshotHistoryWindowInSeconds: Number(HISTORY_S) });
    console.log(`minSnapshotHistoryWindowInSeconds: ${HISTORY_S}`);
  }
  let stop = sampler("load");
  for (let i = 0; i < n; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 5000); j++) batch.push({ _id: j, k: Math.random(), pad });
    await c.insertMany(batch, { ordered: false });
  }
  stop();
  const stats = await db.command({ collStats: "spill" });
  const m = memoryOf(pid);
  console.log(
    `loaded ${n} documents (${(Number(stats.size) / 1024 / 1024).toFixed(0)} MiB of BSON) in ${secs(t0)}; ` +
      `WT cache ${CACHE}; server RSS ${m.rssMiB} MiB (peak during load ${m.peakMiB} MiB)`,
  );

  await attrib("after load");
  if (FSYNC) {
    // diagnostic: the load's in-cache updates written as page images before the queries
    const t1 = performance.now();
    await admin.command({ fsync: 1 });
    await attrib(`after fsync (${secs(t1)})`);
  }
  let mark = server.output().length;
  /** The server's output since the last call, appended to SERVER_LOG under `phase`. */
  const saveOutput = (phase: string) => {
    const text = server.output();
    if (SERVER_LOG) Deno.writeTextFileSync(SERVER_LOG, `--- ${phase}\n${text.slice(mark)}`, { append: true });
    mark = text.length;
  };
  const spillStats = async () => {
    const s = (await db.admin().command({ serverStatus: 1 })).secantus?.spill ?? {};
    return { runs: Number(s.runs ?? 0), bytesWritten: Number(s.bytesWritten ?? 0) };
  };
  const spilled = async () => {
    const s = await spillStats();
    return `${s.runs} runs, ${(s.bytesWritten / 1048576).toFixed(0)} MiB written`;
  };
  let t = 0;
  let cpu = 0;
  let count = 0;
  for (let run = 1; run <= SORTS; run++) {
    if (SORTS > 1) console.log(`sort ${run} of ${SORTS}, load ${uptime()}`);
    resetPeak(pid);
    stop = sampler("sort");
    let maxTmp = 0;
    const tmpProbe = setInterval(async () => {
      maxTmp = Math.max(maxTmp, await dirMiB(`${server.dataDir}/_tmp`).catch(() => 0));
    }, 2000);
    t = performance.now();
    cpu = cpuSeconds();
    count = 0;
    let prev = -1;
    let ordered = true;
    /** The phase split: runs generated until the first result arrives, then the merge. */
    let firstPeak = 0;
    let firstAt = "";
    let trace = new PeakTrace(t);
    let runsTrace = "";
    for await (const d of c.aggregate([{ $sort: { k: 1 } }], { allowDiskUse: true, batchSize: 10_000 })) {
      if (count === 0) {
        firstPeak = memoryOf(pid).peakMiB;
        firstAt = secs(t);
        resetPeak(pid);
        runsTrace = trace.stop();
        trace = new PeakTrace(t);
      }
      if (d.k < prev) ordered = false;
      prev = d.k;
      count++;
    }
    clearInterval(tmpProbe);
    stop();
    const mergeTrace = trace.stop();
    if (runsTrace) console.log(`  runs: ${runsTrace}\n  merging: ${mergeTrace}`);
    const mergePeak = memoryOf(pid).peakMiB;
    const sortPeak = Math.max(firstPeak, mergePeak);
    console.log(
      `$sort of ${count} docs (${MB} MB, allowDiskUse): ${secs(t)} (server CPU ${
        (cpuSeconds() - cpu).toFixed(1)
      } s), ` +
        `server peak RSS ${sortPeak} MiB (${
          sortPeak * 1.048576 < 500 ? "within" : "over"
        } the issue's ~500 MB; until the first result at ${firstAt} ${firstPeak}, merging ${mergePeak}), ` +
        `spill dir up to ~${maxTmp} MiB (${await spilled()}), ${ordered ? "in order" : "OUT OF ORDER"}`,
    );

    saveOutput("sort");
    await attrib("after sort");
  }
  // SPILL_GROUP_DOCS=0: the sort only; SPILL_GROUPS: how many times the `$group` runs (default 1)
  for (let run = 1; GROUP_DOCS > 0 && run <= GROUPS; run++) {
    const g = Math.min(GROUP_DOCS, n);
    const before = await spillStats();
    resetPeak(pid);
    stop = sampler("group");
    let maxTmp = 0;
    const tmpProbe = setInterval(async () => {
      maxTmp = Math.max(maxTmp, await dirMiB(`${server.dataDir}/_tmp`).catch(() => 0));
    }, 1000);
    t = performance.now();
    cpu = cpuSeconds();
    count = 0;
    /** The phase split: the input read and partitioned until the first result, then the output. */
    let firstPeak = 0;
    let firstAt = "";
    for await (
      const _ of c.aggregate([
        { $limit: g },
        { $group: { _id: "$_id", n: { $sum: 1 }, k: { $max: "$k" } } },
      ], { allowDiskUse: true, batchSize: 10_000 })
    ) {
      if (count++ === 0) {
        firstPeak = memoryOf(pid).peakMiB;
        firstAt = secs(t);
        resetPeak(pid);
      }
    }
    clearInterval(tmpProbe);
    stop();
    const outPeak = memoryOf(pid).peakMiB;
    const after = await spillStats();
    console.log(
      `$group ${run} of ${g} docs into ${count} groups (allowDiskUse): ${secs(t)} ` +
        `(server CPU ${(cpuSeconds() - cpu).toFixed(1)} s), server peak RSS ${
          Math.max(firstPeak, outPeak)
        } MiB ` +
        `(until the first result at ${firstAt} ${firstPeak}, then ${outPeak}); spilled ${
          after.runs - before.runs
        } ` +
        `runs, ${
          ((after.bytesWritten - before.bytesWritten) / 1048576).toFixed(1)
        } MiB written (spill dir up to ` +
        `~${maxTmp} MiB), load ${uptime()}`,
    );
    saveOutput("group");
    await attrib("after group");
  }
} catch (e) {
  // what the server said last (a stall, an error) before the failure is reported
  console.log(`server output, last lines:\n${server.output().split("\n").slice(-20).join("\n")}`);
  throw e;
} finally {
  await client.close();
  await server.stop();
}
