/**
 * Filter cost next to raw scan cost (issue 4's yardstick): 100k documents of ~1 KB in an on-disk
 * WiredTiger table, then
 *   1. raw scan: stored BSON bytes only (the ceiling of any collection scan),
 *   2. scan + BSON decode of every document,
 *   3. scan + decode + a compiled 3-predicate filter,
 *   4. the executor's real path: QuerySource over the same filter, batches of 1000.
 * Prints documents/s for each. BENCH_N overrides the size.
 */
import { BSON } from "bson";
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

async function rate(label: string, fn: () => number | Promise<number>): Promise<void> {
  await fn(); // warm
  const t0 = performance.now();
  const seen = await fn();
  const ms = performance.now() - t0;
  console.log(
    `${label.padEnd(34)} ${
      Math.round(N / (ms / 1000)).toLocaleString("en-US").padStart(11)
    } docs/s  (${seen} matched, ${ms.toFixed(0)} ms)`,
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
await rate("executor: QuerySource, same filter", async () => {
  const src = new QuerySource(engine, coll, compileQuery({ filter }, coll));
  let n = 0;
  for (;;) {
    const { docs, done } = await src.nextBatch(1000, Infinity);
    n += docs.length;
    if (done) break;
  }
  return n;
});
engine.close();
await Deno.remove(dir, { recursive: true });
