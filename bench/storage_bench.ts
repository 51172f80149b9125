/**
 * Storage benchmark (`deno run -A bench/storage_bench.ts [rows]`): ~1 KB BSON documents through the
 * StorageEngine API on a fresh on-disk WiredTiger directory (log on, commits not synced):
 * inserts in transactions of 1,000 and of 1 (each also writing its `_id_` index entry), point
 * lookups through `_id_` (seekUnique + get), point updates through `_id_` (getByUnique + update, a
 * transaction per row), and a full scan. Prints rows/s. `PLAIN=1` passes plain
 * Uint8Array copies instead of the Buffers `BSON.serialize` returns (Buffers may take a slower FFI path).
 */

import { BSON } from "bson";
import { cpuUsage } from "node:process";
import { openWiredTiger } from "../src/storage/mod.ts";

const ROWS = Number(Deno.args[0] ?? 200_000);
const SINGLE_ROWS = Math.min(ROWS, 50_000);
const LOOKUPS = Math.min(ROWS, 100_000);

function idKey(i: number): Uint8Array {
  const k = new Uint8Array(9);
  k[0] = 0x2b;
  new DataView(k.buffer).setBigUint64(1, BigInt(i));
  return k;
}

const pad = "x".repeat(900);
const plain = Deno.env.get("PLAIN") === "1";
const docs = Array.from({ length: 1000 }, (_, i) => {
  const b = BSON.serialize({ _id: i, name: `user${i}`, n: i, pad });
  return plain ? new Uint8Array(b) : b;
});
const docFor = (i: number): Uint8Array => docs[i % docs.length]!;

function rate(label: string, rows: number, ms: number): void {
  console.log(
    `${label.padEnd(34)} ${
      Math.round(rows / (ms / 1000)).toLocaleString("en-US").padStart(10)
    } rows/s  (${rows} rows, ${ms.toFixed(0)} ms)`,
  );
}

const dir = Deno.makeTempDirSync({ prefix: "secantus-bench-" });
const engine = openWiredTiger({ path: dir, cacheSizeBytes: 512 << 20, sessionMax: 16, syncOnCommit: false });
try {
  console.log(`doc size ${docFor(0).length} bytes, dir ${dir}`);
  const a = engine.catalog.createCollection("bench", "batched");
  let t0 = performance.now();
  for (let i = 0; i < ROWS; i += 1000) {
    engine.write((t) => {
      for (let j = i; j < Math.min(ROWS, i + 1000); j++) {
        t.insert(a, docFor(j), new Map([["_id_", [idKey(j)]]]));
      }
    });
  }
  rate("insert, txn per 1,000", ROWS, performance.now() - t0);

  const b = engine.catalog.createCollection("bench", "single");
  t0 = performance.now();
  for (let i = 0; i < SINGLE_ROWS; i++) {
    engine.write((t) => t.insert(b, docFor(i), new Map([["_id_", [idKey(i)]]])));
  }
  rate("insert, txn per row", SINGLE_ROWS, performance.now() - t0);

  const syncRows = 500;
  const s = engine.catalog.createCollection("bench", "synced");
  t0 = performance.now();
  for (let i = 0; i < syncRows; i++) {
    engine.write((t) => t.insert(s, docFor(i), new Map([["_id_", [idKey(i)]]])), { sync: true });
  }
  rate("insert, txn per row, sync: true", syncRows, performance.now() - t0);

  // Point lookups, pseudo-random order, 1,000 per read snapshot.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % ROWS;
  t0 = performance.now();
  let found = 0;
  for (let i = 0; i < LOOKUPS; i += 1000) {
    engine.read((t) => {
      for (let j = 0; j < 1000; j++) {
        const rid = t.seekUnique(a, "_id_", idKey(next()));
        if (rid !== null && t.get(a, rid) !== null) found++;
      }
    });
  }
  rate("point lookup via _id_ (seek + get)", LOOKUPS, performance.now() - t0);
  if (found !== LOOKUPS) throw new Error(`lookups found ${found} of ${LOOKUPS}`);

  // Point updates as the update command makes them: a transaction per row that finds the record
  // through `_id_` (getByUnique) and replaces it (its index keys unchanged).
  const keys = (i: number) => new Map([["_id_", [idKey(i)]]]);
  const cpu0 = cpuUsage();
  t0 = performance.now();
  for (let i = 0; i < SINGLE_ROWS; i++) {
    const id = next();
    engine.write((t) => {
      const hit = t.getByUnique(a, "_id_", idKey(id));
      if (hit === null) throw new Error(`update: _id ${id} not found`);
      t.update(a, hit.rid, docFor(id + 1), keys(id), keys(id));
    });
  }
  rate("point update via _id_, txn per row", SINGLE_ROWS, performance.now() - t0);
  const cpu = cpuUsage(cpu0);
  console.log(
    `${"  CPU per update (all threads)".padEnd(34)} ${((cpu.user + cpu.system) / SINGLE_ROWS).toFixed(1)} µs`,
  );

  t0 = performance.now();
  let n = 0;
  let bytes = 0;
  engine.read((t) => {
    for (const r of t.scan(a)) {
      n++;
      bytes += r.bytes.length;
    }
  });
  rate("full scan", n, performance.now() - t0);

  t0 = performance.now();
  n = 0;
  engine.read((t) => {
    for (const _ of t.scanIndex(a, "_id_")) n++;
  });
  rate("full _id_ index scan", n, performance.now() - t0);
} finally {
  engine.close();
  Deno.removeSync(dir, { recursive: true });
}
