/**
 * Reads that need one index entry per value, or none of the documents (the thirty-ninth session's
 * DISTINCT_SCAN, COUNT_SCAN, first-per-key walk, a find's top-k sort and `$expr` equality through an
 * index; the fortieth's find skipping index entries unread (SKIP below FETCH), distinct on a trailing
 * field under an equality prefix and the last-per-key / reverse first-per-key walks; the forty-first's
 * `$or` as an OR of index scans), timed through the Node driver against a server in a child process:
 *
 *   deno run -A bench/index_only_bench.ts [--docs N] [--runs N] [--root DIR]...
 *
 * Each `--root` is a checkout whose main.ts is started (default: this one); give two for a before/after
 * pair — their servers are measured one after the other on the same data shape. Prints the median of
 * `--runs` (default 5) per workload and root, in ms: the wall time through the driver, and the server
 * process's CPU time (user + system, from /proc; 10 ms ticks) — the figure that holds on a busy machine.
 */
import { MongoClient } from "mongodb";
import { freePort, waitForPing } from "./lib/wire_ping.ts";

const arg = (name: string, dflt: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : dflt;
};
const DOCS = Number(arg("--docs", "200000"));
const RUNS = Number(arg("--runs", "5"));
const roots = Deno.args.flatMap((a, i) => (a === "--root" ? [Deno.args[i + 1]!] : []));
if (roots.length === 0) roots.push(new URL("..", import.meta.url).pathname);

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const WORKLOADS: [string, (db: AnyDoc) => Promise<unknown>][] = [
  ["distinct a (indexed, 100 values)", (db) => db.collection("d").distinct("a")],
  ["distinct s (unindexed, 7 values)", (db) => db.collection("d").distinct("s")],
  ["countDocuments a >= 10 (index range)", (db) => db.collection("d").countDocuments({ a: { $gte: 10 } })],
  ["count a >= 10", (db) => db.command({ count: "d", query: { a: { $gte: 10 } } })],
  ["countDocuments {}", (db) => db.collection("d").countDocuments({})],
  [
    "$sort + $group $first by a",
    (db) =>
      db.collection("d").aggregate([{ $sort: { a: 1, b: -1 } }, {
        $group: { _id: "$a", f: { $first: "$b" } },
      }])
        .toArray(),
  ],
  ["distinct b where a = 5 (a: 1, b: -1)", (db) => db.collection("d").distinct("b", { a: 5 })],
  [
    "$sort + $group $last by a",
    (db) =>
      db.collection("d").aggregate([{ $sort: { a: 1, b: -1 } }, {
        $group: { _id: "$a", l: { $last: "$b" } },
      }])
        .toArray(),
  ],
  [
    "$sort a desc + $group $first by a",
    (db) =>
      db.collection("d").aggregate([{ $sort: { a: -1, b: 1 } }, {
        $group: { _id: "$a", f: { $first: "$b" } },
      }])
        .toArray(),
  ],
  [
    "find sort unindexed limit 10",
    (db) => db.collection("d").find().sort({ s: 1, b: -1 }).limit(10).toArray(),
  ],
  [
    "find range sort skip 100000 limit 10",
    (db) =>
      db.collection("d").find({ a: { $gte: 10 } }).sort({ a: 1, b: -1 }).skip(100_000).limit(10).toArray(),
  ],
  [
    "find _id $in 1,000 values",
    (db) =>
      db.collection("d").find({ _id: { $in: Array.from({ length: 1000 }, (_, i) => i * 97) } }).toArray(),
  ],
  [
    "find 20,000 docs, projection {b: 1}",
    (db) => db.collection("d").find({}, { projection: { b: 1 } }).limit(20_000).toArray(),
  ],
  ["find $expr $eq a", (db) => db.collection("d").find({ $expr: { $eq: ["$a", 5] } }).toArray()],
  [
    "$lookup let/pipeline, 100 outer",
    (db) =>
      db.collection("o").aggregate([{
        $lookup: {
          from: "d",
          let: { k: "$_id" },
          pipeline: [{ $match: { $expr: { $eq: ["$a", "$$k"] } } }, { $limit: 1 }],
          as: "x",
        },
      }]).toArray(),
  ],
  // (last: the index on b is made before the first of these, so the workloads above never see it)
  ["find $or [a = 5, b < 100]", (db) => withB(db).then(() => db.collection("d").find(OR_AB).toArray())],
  [
    "countDocuments $or [a = 5, b < 100]",
    (db) => withB(db).then(() => db.collection("d").countDocuments(OR_AB)),
  ],
];

/** The forty-first session's OR of index scans: one branch per index (a: 1, b: -1 and b: 1). */
const OR_AB = { $or: [{ a: 5 }, { b: { $lt: 100 } }] };
const indexedB = new WeakSet<object>();

/** Creates the index on b (once per database handle) that the `$or` workloads' second branch uses. */
async function withB(db: AnyDoc): Promise<void> {
  if (indexedB.has(db)) return;
  await db.collection("d").createIndex({ b: 1 });
  indexedB.add(db);
}

/** User + system CPU time of process `pid` so far, in ms (NaN where /proc cannot tell). */
function cpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // from field 3 (state) on
    return (Number(f[11]) + Number(f[12])) * 10; // utime, stime: USER_HZ (100) ticks
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function measure(root: string): Promise<Map<string, { wall: number; cpu: number }>> {
  const port = freePort();
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "main.ts",
      "--port",
      String(port),
      "--storage-path",
      ":memory:",
      "--log-level",
      "WARNING",
    ],
    cwd: root,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const out = new Map<string, { wall: number; cpu: number }>();
  try {
    await waitForPing(port, 30_000);
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`);
    const db = client.db("bench");
    const d = db.collection<AnyDoc>("d");
    for (let i = 0; i < DOCS; i += 10_000) {
      const n = Math.min(10_000, DOCS - i);
      await d.insertMany(
        Array.from(
          { length: n },
          (_, j) => ({ _id: i + j, a: (i + j) % 100, b: i + j, s: `s${(i + j) % 7}`, pad: "x".repeat(100) }),
        ),
      );
    }
    await d.createIndex({ a: 1, b: -1 });
    await db.collection<AnyDoc>("o").insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })));
    for (const [name, f] of WORKLOADS) {
      await f(db); // warm
      const times: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const c = cpuMs(server.pid);
        const t = performance.now();
        await f(db);
        times.push(performance.now() - t);
        cpu.push(cpuMs(server.pid) - c);
      }
      out.set(name, { wall: median(times), cpu: median(cpu) });
    }
    await client.close();
  } finally {
    server.kill();
    await server.status;
  }
  return out;
}

const results = [];
for (const root of roots) results.push(await measure(root));
console.log(`index-only reads, ${DOCS} documents, median of ${RUNS} (ms: wall / server CPU):`);
console.log(["workload".padEnd(40), ...roots.map((r) => r.slice(-24).padStart(24))].join(" "));
for (const [name] of WORKLOADS) {
  const cells = results.map((m) => {
    const { wall, cpu } = m.get(name)!;
    return `${wall.toFixed(1)} / ${cpu.toFixed(0)}`.padStart(24);
  });
  console.log([name.padEnd(40), ...cells].join(" "));
}
