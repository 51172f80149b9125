/**
 * The write shapes sync jobs and ODM saves send (issue 18), timed through the Node driver against a
 * server in a child process with an on-disk storage path:
 *
 *   deno run -A bench/write_shapes_bench.ts [--ops N] [--docs N] [--runs N] [--root DIR]... [--only NAME]
 *
 * bulkWrite of `--ops` (default 1,000) `updateOne` by `_id` with `$set` (existing documents),
 * `insertOne`, `updateOne(..., {upsert: true})` of new `_id`s and `replaceOne(..., {upsert: true})` of new
 * `_id`s; then `updateMany` `$inc` of a nested field matching a tenth of `--docs` (default 100,000) ~450 B
 * documents with four secondary indexes, and an `updateMany` of an unindexed field by an unindexed filter.
 * Each `--root` is a checkout whose main.ts is started (default: this one); give two for a before/after
 * pair: their servers run at once and each shape's runs alternate between them. Prints the median of `--runs` (default 3) per shape and root: wall time and the server process's
 * CPU time (the sum of its threads' schedstat in /proc/PID/task) per operation (per matched document for
 * updateMany), in µs.
 */
import { MongoClient } from "mongodb";
import { freePort, waitForPing } from "./lib/wire_ping.ts";

const arg = (name: string, dflt: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : dflt;
};
const OPS = Number(arg("--ops", "1000"));
const DOCS = Number(arg("--docs", "100000"));
const RUNS = Number(arg("--runs", "3"));
const ONLY = arg("--only", "");
const roots = Deno.args.flatMap((a, i) => (a === "--root" ? [Deno.args[i + 1]!] : []));
if (roots.length === 0) roots.push(new URL("..", import.meta.url).pathname);

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** A shape: how many operations one run counts, and the run (`r`: the run's number, for fresh `_id`s). */
interface Shape {
  readonly name: string;
  readonly ops: number;
  readonly run: (db: AnyDoc, r: number) => Promise<unknown>;
}

const ids = (r: number) => Array.from({ length: OPS }, (_, i) => `r${r}-${i}`);
const SHAPES: Shape[] = [
  {
    name: "bulk updateOne _id $set (exists)",
    ops: OPS,
    run: (db, r) =>
      db.collection("w").bulkWrite(
        Array.from(
          { length: OPS },
          (_, i) => ({ updateOne: { filter: { _id: i }, update: { $set: { a: r } } } }),
        ),
      ),
  },
  {
    name: "bulk insertOne",
    ops: OPS,
    run: (db, r) =>
      db.collection("ins").bulkWrite(ids(r).map((_id, i) => ({ insertOne: { document: { _id, a: i } } }))),
  },
  {
    name: "bulk updateOne upsert (inserts)",
    ops: OPS,
    run: (db, r) =>
      db.collection("ups").bulkWrite(
        ids(r).map((_id, i) => ({
          updateOne: { filter: { _id }, update: { $set: { a: i } }, upsert: true },
        })),
      ),
  },
  {
    name: "bulk replaceOne upsert (inserts)",
    ops: OPS,
    run: (db, r) =>
      db.collection("rep").bulkWrite(
        ids(r).map((_id, i) => ({ replaceOne: { filter: { _id }, replacement: { a: i }, upsert: true } })),
      ),
  },
  {
    name: "updateMany a<10 $inc n.x (4 indexes)",
    ops: DOCS / 10,
    run: (db) => db.collection("m").updateMany({ a: { $lt: 10 } }, { $inc: { "n.x": 1 } }),
  },
  {
    name: "updateMany unindexed by unindexed",
    ops: DOCS / 10,
    run: (db) => db.collection("m").updateMany({ e: { $lt: 10 } }, { $inc: { f: 1 } }),
  },
];

/** CPU time of process `pid` so far (all its threads' schedstat in /proc/PID/task), in ms. */
function cpuMs(pid: number): number {
  let ns = 0;
  try {
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
      } catch {
        // (a thread that ended meanwhile)
      }
    }
  } catch {
    return NaN;
  }
  return ns / 1e6;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function load(db: AnyDoc): Promise<void> {
  await db.collection("w").insertMany(Array.from({ length: OPS }, (_, i) => ({ _id: i, a: 0 })));
  const m = db.collection("m");
  for (let i = 0; i < DOCS; i += 10_000) {
    const n = Math.min(10_000, DOCS - i);
    await m.insertMany(Array.from({ length: n }, (_, j) => {
      const k = i + j;
      return {
        _id: k,
        a: k % 100,
        b: k % 1000,
        c: `c${k % 500}`,
        d: k,
        e: k % 100,
        f: 0,
        n: { x: 0, y: "y".repeat(40) },
        tags: [`t${k % 7}`, `u${k % 11}`, `v${k % 13}`],
        pad: "p".repeat(250),
      };
    }));
  }
  await m.createIndexes([{ key: { a: 1 } }, { key: { c: 1 } }, { key: { tags: 1 } }, {
    key: { b: 1, d: -1 },
  }]);
}

/** A server started from a checkout, loaded. */
interface Server {
  readonly process: Deno.ChildProcess;
  readonly client: MongoClient;
  readonly db: AnyDoc;
  readonly dir: string;
}

async function start(root: string): Promise<Server> {
  const port = freePort();
  const dir = Deno.makeTempDirSync({ prefix: "write_shapes_" });
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "--port", String(port), "--storage-path", dir, "--log-level", "WARNING"],
    cwd: root,
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPing(port, 30_000);
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`);
  const db = client.db("bench");
  await load(db);
  return { process, client, db, dir };
}

async function stop(s: Server): Promise<void> {
  await s.client.close();
  s.process.kill();
  await s.process.status;
  Deno.removeSync(s.dir, { recursive: true });
}

// every root's server runs at once; each run of a shape goes to the roots in turn (old, new, old, …)
// so that a change in the machine's load falls on all of them alike
const servers: Server[] = [];
for (const root of roots) servers.push(await start(root));
const results = roots.map(() => new Map<string, { wall: number; cpu: number }>());
try {
  for (const shape of SHAPES) {
    if (ONLY && !shape.name.includes(ONLY)) continue;
    const times = servers.map(() => [] as number[]);
    const cpu = servers.map(() => [] as number[]);
    for (const s of servers) await shape.run(s.db, 1000); // warm
    for (let r = 0; r < RUNS; r++) {
      for (const [k, s] of servers.entries()) {
        const c = cpuMs(s.process.pid);
        const t = performance.now();
        await shape.run(s.db, r);
        times[k]!.push(performance.now() - t);
        cpu[k]!.push(cpuMs(s.process.pid) - c);
      }
    }
    servers.forEach((_, k) =>
      results[k]!.set(shape.name, {
        wall: median(times[k]!) * 1000 / shape.ops,
        cpu: median(cpu[k]!) * 1000 / shape.ops,
      })
    );
  }
} finally {
  for (const s of servers) await stop(s);
}
console.log(
  `write shapes, ${OPS} ops per bulkWrite, ${DOCS} documents, median of ${RUNS} (µs per op: wall / CPU):`,
);
console.log(["shape".padEnd(40), ...roots.map((r) => r.slice(-24).padStart(24))].join(" "));
for (const shape of SHAPES) {
  const cells = results.map((m) => {
    const v = m.get(shape.name);
    return (v ? `${v.wall.toFixed(1)} / ${v.cpu.toFixed(1)}` : "-").padStart(24);
  });
  console.log([shape.name.padEnd(40), ...cells].join(" "));
}
