// Node script (run by bench/driver_ceiling_bench.ts): the Node driver's point workloads of the shared
// bench.mjs — insert_one, find_by_id, find_eq, find_range, update_inc, delete_one — with bench.mjs's own target adapter
// and document factory (`<shared bench copy>/lib/*.mjs`), so the requests are the ones bench.mjs sends.
// Against `capacity/fake-server.mjs` (every reply canned, no work) the figures are the driver's ceiling.
// `WORKLOADS=bulk_insert` runs bench.mjs's bulk load instead (20 ordered insertMany of 1,000 documents into a
// fresh collection with its two indexes, documents made before each batch and not timed, at the start of a
// fresh process as in bench.mjs: ops_s is documents per second); with a postgres:// URI it runs against
// PostgreSQL through bench.mjs's PgTarget (synchronous_commit off, as the capacity harness).
// Usage: node driver_workloads.mjs SHARED_BENCH_DIR URI OPS CONCS LOAD(0|1) ROUND (inserted _ids differ per round)
// Prints one JSON line per workload and concurrency: {"workload","c","ops_s"}.
import { pathToFileURL } from "node:url";

const [dir, uri, opsArg, concArg, loadArg, roundArg] = process.argv.slice(2);
const { MongoTarget } = await import(pathToFileURL(`${dir}/lib/mongo-target.mjs`).href);
const { DocFactory, SCORE_MAX, pick, closedLoop } = await import(pathToFileURL(`${dir}/lib/common.mjs`).href);
const ops = Number(opsArg);
const concs = concArg.split(",").map(Number);
const N = 20_000;
const SEED = 42;
const factory = new DocFactory({ seed: SEED, n: N, payloadBytes: 700 });
// WORKLOADS=find_range,find_eq runs only those (e.g. to profile the server under one workload)
const only = process.env.WORKLOADS ? new Set(process.env.WORKLOADS.split(",")) : undefined;
if (only?.has("bulk_insert")) {
  await bulkInsert();
  process.exit(0);
}
const target = new MongoTarget({
  uri,
  db: "secantus_ceiling",
  collection: "docs",
  maxConcurrency: Math.max(...concs),
});
await target.connect();
await target.warmPool(Math.max(...concs));
if (loadArg === "1") {
  await target.setup({ gin: false });
  for (let i = 0; i < N; i += 1000) {
    await target.bulkInsert(Array.from({ length: 1000 }, (_, k) => factory.make(i + k)));
  }
}
// as bench.mjs: a range ~200 scores wide keeps ~200 matches, 20 returned
const width = Math.ceil((SCORE_MAX * 200) / N);
let nextId = N + 1_000_000 * (1 + Number(roundArg ?? 0));
// delete_one removes what insert_one inserted this round, oldest first (as bench.mjs's pool; a
// delete that finds nothing is still a retryable write, answered n: 0)
let nextDelete = nextId;
const workloads = {
  insert_one: () => target.insertOne(factory.make(nextId++)),
  find_by_id: (i) => target.findById(pick(SEED, 100, i, N)),
  find_eq: (i) => target.findByCategory(`cat-${pick(SEED, 200, i, factory.nCategories)}`),
  find_range: (i) => {
    const lo = pick(SEED, 300, i, SCORE_MAX - width);
    return target.findRange(lo, lo + width, 20);
  },
  update_inc: (i) => target.updateInc(pick(SEED, 400, i, N)),
  delete_one: () => target.deleteOne(nextDelete++),
};
for (const [workload, op] of Object.entries(workloads)) {
  if (only && !only.has(workload)) continue;
  for (const c of concs) {
    await closedLoop({ ops: Math.min(200, ops), concurrency: c, op }); // warm-up
    const { wallMs } = await closedLoop({ ops, concurrency: c, op });
    console.log(JSON.stringify({ workload, c, ops_s: Math.round(ops / (wallMs / 1000)) }));
  }
}
await target.client.close();

/** bench.mjs's bulk load, timed as bench.mjs times it (its own collection or table, created fresh). */
async function bulkInsert() {
  const pg = uri.startsWith("postgres");
  const t = pg
    ? new (await import(pathToFileURL(`${dir}/lib/pg-target.mjs`).href)).PgTarget({
      uri,
      collection: "ceiling_bulk",
      maxConcurrency: 1,
      eqMode: "expr",
      sync: "off",
      prepared: true,
    })
    : new MongoTarget({ uri, db: "secantus_ceiling_bulk", collection: "bulk", maxConcurrency: 1 });
  await t.connect();
  await t.setup({ gin: false });
  const batchSize = 1000;
  let timed = 0;
  for (let b = 0; b < N / batchSize; b++) {
    const docs = Array.from({ length: batchSize }, (_, k) => factory.make(b * batchSize + k));
    const started = performance.now();
    const n = await t.bulkInsert(docs);
    timed += performance.now() - started;
    if (n !== docs.length) throw new Error(`bulk_insert batch ${b}: ${n} of ${docs.length} inserted`);
  }
  console.log(JSON.stringify({ workload: "bulk_insert", c: 1, ops_s: Math.round(N / (timed / 1000)) }));
  await t.close();
}
