/**
 * group_fold_bench.ts — server CPU and wall time per driver `aggregate` of the shared bench's shape
 * (`$group` by region with `$sum: 1` and `$sum: "$score"` over ~1 KB documents), for two server
 * checkouts side by side: `--base` (e.g. a worktree of main before the storage-folded `$group`) and
 * this one, alternating rounds in one run (issue 18). CPU is the server process's own (all threads,
 * from /proc: it moves far less with the machine's load than wall time).
 *
 *   deno run -A bench/group_fold_bench.ts --base /path/to/other/checkout [--docs 20000] [--rounds 4] [--ops 20]
 *     [--concurrency 1] [--shape group|match|minmax]
 *
 * `--shape match` puts a `$match` (a range on `score`, `$in` on `region`) before the `$group`; `--shape
 * minmax` groups with `$min`/`$max` of `score` and `$first`/`$last` of `seq`.
 *
 * `--mimic` leaves the collection as bench.mjs's aggregate finds it: after the bulk load, 4,000 single
 * inserts (its insert_one) and 4,400 `$inc` updates of random documents (its update_inc), so every
 * record is still freshly inserted (a WiredTiger insert-list node and its update) and some carry update
 * chains. `--env "K=V K2=V2"` / `--base-env …` add environment variables to this / the base server (A/B
 * of a tunable in one checkout: `--base .`).
 */
import { MongoClient } from "mongodb";
import { freePort, waitForPing } from "./lib/wire_ping.ts";

function opt(name: string, dflt: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : dflt;
}
const here = new URL("..", import.meta.url).pathname;
const base = opt("--base", "");
const MIMIC = Deno.args.includes("--mimic");
const N = Number(opt("--docs", "20000"));
const ROUNDS = Number(opt("--rounds", "4"));
const OPS = Number(opt("--ops", "20"));
const CONC = Number(opt("--concurrency", "1"));
const REGIONS = ["north", "south", "east", "west", "central", "apac", "emea", "latam"];

function cpuMs(pid: number): number {
  let ns = 0;
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
    } catch { /* thread ended */ }
  }
  return ns / 1e6;
}

function envOpt(name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of opt(name, "").split(" ").filter(Boolean)) {
    const i = kv.indexOf("=");
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

async function startServer(root: string, dir: string, env: Record<string, string>) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--node-modules-dir=manual",
      "main.ts",
      "--port",
      String(port),
      "--storage-path",
      dir,
    ],
    cwd: root,
    env,
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPing(port, 60_000, 10);
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`);
  return {
    pid: child.pid,
    client,
    async stop() {
      await client.close();
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

interface BenchDoc {
  _id: number;
  seq: number;
  region: string;
  score: number;
  pad: string;
}

/** A document: bench.mjs's shape with `--mimic` (its fields, in its order), else a padded minimal one. */
function makeDoc(id: number, pad: string): BenchDoc {
  const doc = { _id: id, seq: id, region: REGIONS[id % REGIONS.length]!, score: (id * 7919) % 1000, pad };
  if (!MIMIC) return doc;
  const h = (id * 2654435761) >>> 0;
  return {
    _id: id,
    seq: id,
    category: `cat-${id % Math.floor(N / 10)}`,
    region: doc.region,
    score: doc.score,
    counter: 0,
    active: (h & 1) === 1,
    createdAt: 1_700_000_000_000 + id * 1000,
    user: { name: `user${id}`, email: `user${id}@example.com`, age: 18 + (h % 60) },
    tags: [`tag${h % 50}`, `tag${(h >>> 8) % 50}`, `tag${(h >>> 16) % 50}`],
    address: { street: `${(h % 900) + 1} Main Street`, city: "Lisbon", zip: String(10000 + (h % 89999)) },
    payload: pad,
  } as unknown as BenchDoc;
}

const SHAPE = opt("--shape", "group");
const group = { $group: { _id: "$region", n: { $sum: 1 }, total: { $sum: "$score" } } };
const pipeline = SHAPE === "match"
  ? [{ $match: { score: { $gte: 250 }, region: { $in: REGIONS.slice(0, 6) } } }, group]
  : SHAPE === "minmax"
  ? [{
    $group: {
      _id: "$region",
      lo: { $min: "$score" },
      hi: { $max: "$score" },
      f: { $first: "$seq" },
      l: { $last: "$seq" },
    },
  }]
  : [group];
const GROUPS = SHAPE === "match" ? 6 : REGIONS.length;
const tmp = Deno.makeTempDirSync({ prefix: "group-fold-bench-" });
const servers = [
  ...(base ? [{ label: "base", ...(await startServer(base, `${tmp}/base`, envOpt("--base-env"))) }] : []),
  { label: "this", ...(await startServer(here, `${tmp}/this`, envOpt("--env"))) },
];
try {
  const pad = "x".repeat(700);
  for (const s of servers) {
    const c = s.client.db("bench").collection<BenchDoc>("docs");
    if (MIMIC) {
      await c.createIndexes([{ key: { category: 1 }, name: "category_1" }, {
        key: { score: 1 },
        name: "score_1",
      }]);
    }
    for (let i = 0; i < N; i += 1000) {
      await c.insertMany(Array.from({ length: Math.min(1000, N - i) }, (_, j) => makeDoc(i + j, pad)));
    }
    if (MIMIC) {
      for (let i = 0; i < 4000; i++) await c.insertOne(makeDoc(N + i, pad));
      for (let i = 0; i < 4400; i++) {
        await c.updateOne({ _id: (i * 104729) % N }, { $inc: { counter: 1 } });
      }
    }
    await c.aggregate(pipeline).toArray(); // warm
  }
  const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  console.log(
    `group fold bench (${SHAPE}${
      MIMIC ? ", mimic" : ""
    }): ${N} docs, ${ROUNDS} rounds × ${OPS} aggregates, c=${CONC}; load ${load()}`,
  );
  const cpu: Record<string, number[]> = {};
  const wall: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of r % 2 === 0 ? servers : [...servers].reverse()) {
      const c = s.client.db("bench").collection("docs");
      const c0 = cpuMs(s.pid);
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONC }, async (_, w) => {
        for (let i = w; i < OPS; i += CONC) {
          const rows = await c.aggregate(pipeline).toArray();
          if (rows.length !== GROUPS) throw new Error(`${s.label}: ${rows.length} groups`);
        }
      }));
      (wall[s.label] ??= []).push((performance.now() - t0) / OPS);
      (cpu[s.label] ??= []).push((cpuMs(s.pid) - c0) / OPS);
    }
  }
  const f = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(" ");
  for (const s of servers) {
    console.log(
      `${s.label.padEnd(5)} server CPU ms/aggregate: ${f(cpu[s.label]!)} (best ${
        Math.min(...cpu[s.label]!).toFixed(1)
      }); wall ms per aggregate: ${f(wall[s.label]!)}`,
    );
  }
  for (const s of servers) {
    const st = Deno.readTextFileSync(`/proc/${s.pid}/status`);
    const kb = (k: string) => Number(st.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? 0);
    console.log(
      `${s.label.padEnd(5)} RSS ${(kb("VmRSS") / 1024).toFixed(0)} MiB, peak ${
        (kb("VmHWM") / 1024).toFixed(0)
      } MiB`,
    );
  }
  console.log(`load after: ${load()}`);
} finally {
  for (const s of servers) await s.stop();
  Deno.removeSync(tmp, { recursive: true });
}
