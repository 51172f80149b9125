/**
 * Index benchmark at two collection sizes (default 20k and 200k; `--sizes 20000,1000000`):
 * find-by-indexed-field, range-with-sort-and-limit, and unique-insert. Prints µs per operation and the
 * large/small cost ratio (issue 18 target 4: at most 1.2×). Each size is timed twice: right after the
 * load (WiredTiger still holds the loaded pages' entries in in-memory insert lists, and the oplog
 * pruner removes what is past `max_entries`) and again after an `fsync` (a checkpoint reconciles the
 * pages: the steady state WiredTiger's periodic checkpoint reaches). Sizes come from `--sizes` or the
 * INDEX_BENCH_SIZES environment variable (the issue's full range: INDEX_BENCH_SIZES=20000,1000000, a
 * few minutes); the default stays short.
 *
 * Wall time through the Node driver is mostly the driver's (~300 µs of a ~400 µs round trip) and, on a
 * shared machine, the wait for a core, so every timed loop also reports CPU per operation from
 * /proc (`cpu` lines): the server's main thread (with the default in-process server that is the
 * driver's JS too), its other threads (WiredTiger's eviction and checkpoint, Deno's pool) and how
 * long the main thread waited for a core. `--server process` runs the server as a separate
 * `deno run main.ts` (its main thread is then the server's JS alone), `--client wire` sends raw
 * OP_MSGs instead of the driver (bench/lib/wire_client.ts, a few µs per request). `--perf DIR` records
 * `perf record -g` of the server's main thread over each timed loop into DIR (with `--server process`
 * the server runs with `--perf-basic-prof`, so JS frames have names). `--restart` stops and restarts
 * the server between the load and the timed rounds (the pages are then read back as page images).
 *
 *   deno run -A bench/index_bench.ts [--sizes 20000,200000] [--ops 2000] [--server inproc|process]
 *     [--client driver|wire] [--perf DIR] [--restart]
 */
import { type Db, MongoClient } from "mongodb";
import { startServer } from "../mod.ts";
import { procCpu } from "./lib/proc_cpu.ts";
import { WireClient } from "./lib/wire_client.ts";
import { waitForPing } from "./lib/wire_ping.ts";

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1]! : def;
}
const sizes = arg("sizes", Deno.env.get("INDEX_BENCH_SIZES") ?? "20000,200000").split(",").map(Number);
const ops = Number(arg("ops", "2000"));
const serverMode = arg("server", "inproc");
const clientMode = arg("client", "driver");
const perfDir = arg("perf", "");
const restart = Deno.args.includes("--restart");
const KEYS = ["findEq", "range", "uniq", "findEqSettled", "rangeSettled", "uniqSettled"] as const;

/**
 * Wall µs per op, the server process's CPU µs per op (main thread, other threads, main's wait), and
 * the oplog prunes that ran during the loop (count, their wall ms: each runs in ~1 ms batches between
 * requests, so its work lands in the loop's figures).
 */
interface Timing {
  us: number;
  main: number;
  others: number;
  wait: number;
  prunes: number;
  pruneMs: number;
}

/** The server's oplog prunes so far: count and wall µs (serverStatus `oplogTruncation`). */
async function prunes(admin: Db): Promise<[number, number]> {
  const t = (await admin.command({ serverStatus: 1 })).oplogTruncation ?? {};
  return [Number(t.truncateCount ?? 0), Number(t.totalTimeTruncatingMicros ?? 0)];
}

function loadavg(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

async function timeOps(
  admin: Db,
  pid: number,
  label: string,
  n: number,
  fn: (i: number) => Promise<unknown>,
): Promise<Timing> {
  for (let i = 0; i < 50; i++) await fn(i); // warm-up
  const p0 = await prunes(admin);
  let rec: Deno.ChildProcess | undefined;
  if (perfDir) {
    rec = new Deno.Command("perf", {
      args: ["record", "-e", "cpu-clock", "-g", "-t", String(pid), "-o", `${perfDir}/${label}.data`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await new Promise((r) => setTimeout(r, 300));
  }
  const c0 = procCpu(pid);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const us = ((performance.now() - t0) * 1000) / n;
  const c1 = procCpu(pid);
  if (rec) {
    rec.kill("SIGINT");
    await rec.status;
  }
  const p1 = await prunes(admin);
  const per = (a: number, b: number) => (b - a) / 1000 / n;
  return {
    us,
    main: per(c0.main, c1.main),
    others: per(c0.others, c1.others),
    wait: per(c0.mainWait, c1.mainWait),
    prunes: p1[0] - p0[0],
    pruneMs: (p1[1] - p0[1]) / 1000,
  };
}

/** A free loopback port (bound then released). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

interface Server {
  uri: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function start(dir: string): Promise<Server> {
  if (serverMode !== "process") {
    const s = await startServer({ port: 0, storagePath: dir, logLevel: "ERROR" });
    return { uri: s.uri, port: s.port, pid: Deno.pid, stop: () => s.stop() };
  }
  const port = freePort();
  const flags = "--max-semi-space-size=8" + (perfDir ? ",--perf-basic-prof" : "");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--v8-flags=${flags}`,
      "main.ts",
      "--port",
      String(port),
      "--storage-path",
      dir,
      "--log-level",
      "error",
    ],
    cwd: new URL("../", import.meta.url).pathname,
    env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=2" },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await waitForPing(port, 60_000);
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    port,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGINT");
      await child.status;
    },
  };
}

async function runAt(size: number): Promise<Record<string, Timing>> {
  // On disk, as in production: an in-memory WiredTiger cannot evict, so a data set near the cache
  // size (1M ~1 KB documents vs the 1 GB default) measures cache exhaustion, not the index.
  const dir = await Deno.makeTempDir({ prefix: "secantus-index-bench-" });
  let server = await start(dir);
  let client = new MongoClient(server.uri);
  let wire: WireClient | undefined;
  try {
    // deno-lint-ignore no-explicit-any
    let c = client.db("bench").collection<any>("docs");
    await c.createIndex({ category: 1 });
    await c.createIndex({ score: 1 });
    await c.createIndex({ email: 1 }, { unique: true });
    const batch = 5000;
    for (let i = 0; i < size; i += batch) {
      const docs = [];
      for (let j = i; j < Math.min(size, i + batch); j++) {
        docs.push({
          _id: j,
          category: `c${j % 1000}`,
          score: (j * 7919) % size,
          email: `u${j}@x`,
          pad: "x".repeat(200),
        });
      }
      await c.insertMany(docs, { ordered: false });
    }
    if (restart) {
      // the steady state after a restart: every page is read back as a page image (no insert lists)
      await client.close();
      await server.stop();
      server = await start(dir);
      client = new MongoClient(server.uri);
      c = client.db("bench").collection("docs");
    }
    let next = size;
    let ops3: Record<"findEq" | "range" | "uniq", (i: number) => Promise<unknown>>;
    if (clientMode === "wire") {
      const w = wire = await WireClient.connect(server.port);
      await w.command({ ping: 1, $db: "admin" });
      ops3 = {
        findEq: (i) =>
          w.send({ find: "docs", filter: { category: `c${i % 1000}` }, limit: 10, $db: "bench" }),
        range: (i) =>
          w.send({
            find: "docs",
            filter: { score: { $gte: (i * 101) % size } },
            sort: { score: 1 },
            limit: 10,
            $db: "bench",
          }),
        uniq: () =>
          w.send({
            insert: "docs",
            documents: [{ _id: next, email: `u${next++}@x`, category: "new" }],
            $db: "bench",
          }),
      };
    } else {
      ops3 = {
        findEq: (i) => c.find({ category: `c${i % 1000}` }).limit(10).toArray(),
        range: (i) => c.find({ score: { $gte: (i * 101) % size } }).sort({ score: 1 }).limit(10).toArray(),
        uniq: () => c.insertOne({ _id: next, email: `u${next++}@x`, category: "new" }),
      };
    }
    const admin = client.db("admin");
    const round = async (tag: string) => ({
      findEq: await timeOps(admin, server.pid, `${size}-findEq${tag}`, ops, ops3.findEq),
      range: await timeOps(admin, server.pid, `${size}-range${tag}`, ops, ops3.range),
      uniq: await timeOps(admin, server.pid, `${size}-uniq${tag}`, ops, ops3.uniq),
    });
    const fresh = await round("");
    await client.db("admin").command({ fsync: 1 });
    const settled = await round("Settled");
    return {
      findEq: fresh.findEq,
      range: fresh.range,
      uniq: fresh.uniq,
      findEqSettled: settled.findEq,
      rangeSettled: settled.range,
      uniqSettled: settled.uniq,
    };
  } finally {
    wire?.close();
    await client.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const who = serverMode === "process" ? "server process" : "bench process (driver + server)";
console.log(
  `server ${serverMode}, client ${clientMode}${
    restart ? ", restarted after the load" : ""
  }; cpu lines: ${who}`,
);
const results: Record<number, Record<string, Timing>> = {};
for (const s of sizes) {
  results[s] = await runAt(s);
  const r = results[s]!;
  const f = (k: string) => r[k]!.us.toFixed(1);
  console.log(
    `n=${s}: find-by-indexed-field ${f("findEq")} µs/op, range+sort+limit ${f("range")} µs/op, ` +
      `unique insert ${f("uniq")} µs/op; after a checkpoint: ${f("findEqSettled")}, ` +
      `${f("rangeSettled")}, ${f("uniqSettled")} µs/op`,
  );
  const cpu = (k: string) => {
    const t = r[k]!;
    return `${t.main.toFixed(1)}/${t.others.toFixed(1)}/${t.wait.toFixed(1)}`;
  };
  console.log(
    `n=${s}: cpu µs/op main/other threads/main's wait for a core (load ${loadavg()}): ` +
      KEYS.map((k) => `${k} ${cpu(k)}`).join(", "),
  );
  const pruned = KEYS.filter((k) => r[k]!.prunes > 0);
  console.log(
    `n=${s}: oplog prunes during the timed loops: ` +
      (pruned.length
        ? pruned.map((k) => `${k} ${r[k]!.prunes} (${r[k]!.pruneMs.toFixed(0)} ms)`).join(", ")
        : "none"),
  );
}
if (sizes.length >= 2) {
  const a = results[sizes[0]!]!;
  const b = results[sizes[sizes.length - 1]!]!;
  for (const k of KEYS) {
    console.log(
      `${k}: cost ratio ${sizes[sizes.length - 1]}/${sizes[0]} = ${(b[k]!.us / a[k]!.us).toFixed(2)}×`,
    );
  }
  console.log(
    "main-thread cpu ratios: " +
      KEYS.map((k) => `${k} ${(b[k]!.main / a[k]!.main).toFixed(2)}×`).join(", "),
  );
}
