/**
 * Filter cost next to raw scan cost (issue 4's yardstick): 100k documents of ~1 KB in an on-disk
 * WiredTiger table, then
 *   1. raw scan: stored BSON bytes only (the ceiling of any collection scan),
 *   2. scan + BSON decode of every document,
 *   3. scan + decode + a compiled 3-predicate filter,
 *   4. the executor's real path: QuerySource over the same filter, batches of 1000.
 *   5. find and pipeline-style scans (decoded fields only) with two-field filters;
 *   6. finds on an array of strings (`tags`): equality, `$in`, `$ne`.
 * Prints documents/s for each (best of BENCH_ROUNDS runs, default 5). BENCH_N overrides the size.
 */
import { BSON } from "bson";
import process from "node:process";
import { openWiredTiger } from "../src/storage/mod.ts";
import { indexKeysOf } from "../src/executor/index_keys.ts";
import { compilePartialFilter } from "../src/engine/mod.ts";
import { QuerySource } from "../src/executor/query.ts";
import { decodeDocument } from "../src/bson/decode.ts";
import { compileFilter } from "../src/engine/mod.ts";
import { compileQuery } from "../src/commands/shared/compile_query.ts";

const N = Number(Deno.env.get("BENCH_N") ?? 100_000);
const dir = await Deno.makeTempDir({ prefix: "secantus-bench-" });
const engine = openWiredTiger({ path: dir, cacheSizeBytes: 1 << 30, sessionMax: 100, syncOnCommit: false });
const coll0 = engine.catalog.createCollection("bench", "docs", {});
const filter = { region: "south", score: { $gte: 250_000 }, active: true };

for (let i = 0; i < N; i += 1000) {
  engine.write((txn) => {
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      const doc = {
        _id: j,
        category: `cat-${j % 50}`,
        region: ["north", "south", "east", "west"][j % 4],
        score: (j * 7919) % 1_000_000,
        active: j % 3 !== 0,
        user: { name: `user${j}`, age: 18 + (j % 60) },
        tags: [`t${j % 7}`, `t${j % 11}`],
        payload: "p".repeat(800),
      };
      txn.insert(coll0, BSON.serialize(doc), indexKeysOf(coll0, doc, { compilePartialFilter }));
    }
  });
}
const coll = engine.catalog.getCollection("bench", "docs")!;

/**
 * Best of ROUNDS timed runs (after one warm-up): the machine is shared, so the best wall time is the
 * cost; the process's CPU time (all threads, GC included) of that run is printed too, as docs per
 * CPU-second, which moves less with load.
 */
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 5);
async function rate(label: string, fn: () => number | Promise<number>): Promise<void> {
  await fn(); // warm
  let best = Infinity;
  let bestCpu = Infinity;
  let seen = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    seen = await fn();
    best = Math.min(best, performance.now() - t0);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
  }
  const fmt = (ms: number) => Math.round(N / (ms / 1000)).toLocaleString("en-US").padStart(11);
  console.log(
    `${label.padEnd(40)} ${fmt(best)} docs/s ${
      fmt(bestCpu)
    } docs/CPU-s  (${seen} matched, best of ${ROUNDS})`,
  );
}

await rate("raw scan (stored bytes)", () =>
  engine.read((txn) => {
    let n = 0;
    for (const r of txn.scan(coll)) n += r.bytes.length > 0 ? 1 : 0;
    return n;
  }));
await rate("scan + BSON decode", () =>
  engine.read((txn) => {
    let n = 0;
    for (const r of txn.scan(coll)) if (decodeDocument(r.bytes)) n++;
    return n;
  }));
const matcher = compileFilter(filter);
await rate("scan + decode + 3-predicate filter", () =>
  engine.read((txn) => {
    let n = 0;
    for (const r of txn.scan(coll)) if (matcher.matches(decodeDocument(r.bytes))) n++;
    return n;
  }));
async function findAll(f: Record<string, unknown>): Promise<number> {
  const src = new QuerySource(engine, coll, compileQuery({ filter: f }, coll));
  let n = 0;
  for (;;) {
    const { docs, done } = await src.nextBatch(1000, Infinity);
    n += docs.length;
    if (done) break;
  }
  return n;
}
/** What an aggregate's scan does: decoded documents of the fields the pipeline reads. */
function pipelineScan(f: Record<string, unknown>, fields: ReadonlySet<string>): number {
  const src = new QuerySource(engine, coll, compileQuery({ filter: f }, coll));
  let n = 0;
  for (;;) {
    const { docs, done } = src.nextDocs(1000, fields, 1024);
    n += docs.length;
    if (done) break;
  }
  return n;
}
await rate("executor: QuerySource, same filter", () => findAll(filter));
const filter2 = { region: "south", score: { $gte: 250_000 } };
await rate("executor: find, 2-field filter", () => findAll(filter2));
await rate(
  "executor: find, 2-field filter, 1 in 80",
  () => findAll({ region: "south", score: { $gte: 900_000 } }),
);
await rate("executor: find, array tags = t3", () => findAll({ tags: "t3" }));
await rate(
  "executor: find, array tags $in [t3, t5] + active",
  () => findAll({ tags: { $in: ["t3", "t5"] }, active: false }),
);
await rate("executor: find, array tags $ne t3", () => findAll({ tags: { $ne: "t3" } }));
await rate("pipeline scan: 2-field $match", () => pipelineScan(filter2, new Set(["category", "score"])));
await rate("pipeline scan: no $match, 2 fields", () => pipelineScan({}, new Set(["category", "score"])));
engine.close();
await Deno.remove(dir, { recursive: true });
