/**
 * What a logged commit costs (issue 18, target 1): one insert's transaction through the FFI layer on
 * the server's own on-disk configuration (`src/storage/wiredtiger/config.ts`: log on,
 * `transaction_sync=(enabled=true,method=none)`). Each transaction writes an ~800-byte record and an
 * ~900-byte row (the oplog entry's size) and commits at a commit timestamp, as an insert does. Three
 * ways to commit, measured in alternating rounds:
 *
 * - `ours`: `commitAt(ts)` — WT_LOG_FLUSH: the committing thread closes its log slot and write(2)s
 *   the record to the OS before the commit returns (an acknowledged write survives SIGKILL);
 * - `no write`: `commit_timestamp=…,sync=off` — the record stays in WiredTiger's log buffer (a lower
 *   bound, not durable against SIGKILL: the server must not ack on it);
 * - `commit + log_flush(off)`: the same, then `log_flush("sync=off")` on the same thread — the other
 *   way to put the record in the OS before acknowledging.
 *
 * Prints µs per transaction: wall, the commit call's wall, CPU of the committing (JS) thread and of
 * the whole process (WiredTiger's log threads write what `no write` leaves buffered). On a loaded
 * machine wall time includes waiting for a core, and a syscall's return (the commit's write) is where
 * that wait lands: compare CPU.
 *
 *   deno run -A bench/commit_bench.ts [--n 20000] [--rounds 3]
 */
import { cpuUsage } from "node:process";
import { Connection } from "../ffi/wiredtiger/mod.ts";
import { onDiskConfig } from "../src/storage/wiredtiger/config.ts";
import { cliOption } from "./lib/cli_option.ts";

const args = Deno.args;
const opt = cliOption(args);
const N = Number(opt("--n", "20000"));
const ROUNDS = Number(opt("--rounds", "3"));

type Mode = "ours" | "no write" | "commit + log_flush(off)";
const MODES: readonly Mode[] = ["ours", "no write", "commit + log_flush(off)"];

const record = new Uint8Array(800).fill(0x78);
const entry = new Uint8Array(900).fill(0x79);

/** CPU time this (the JS) thread has used, in µs (/proc/thread-self/schedstat, nanoseconds). */
function threadCpuUs(): number {
  return Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1000;
}

function round(mode: Mode): { txn: number; commit: number; threadCpu: number; processCpu: number } {
  const dir = Deno.makeTempDirSync({ prefix: "secantus-commit-bench-" });
  const conn = Connection.open(
    dir,
    onDiskConfig({ path: dir, cacheSizeBytes: 512 << 20, sessionMax: 8, syncOnCommit: false }),
  );
  try {
    const s = conn.openSession("isolation=snapshot");
    s.create("table:r", "key_format=q,value_format=u");
    s.create("table:o", "key_format=u,value_format=u");
    const r = s.openCursor("table:r", "overwrite=false");
    const o = s.openCursor("table:o", "overwrite=false");
    const key = new Uint8Array(8);
    const view = new DataView(key.buffer);
    let commitMs = 0;
    const thread0 = threadCpuUs();
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    for (let i = 1; i <= N; i++) {
      s.begin();
      r.recInsert(BigInt(i), record);
      view.setBigUint64(0, BigInt(i));
      o.insertMany(rowOf(key, entry), 1);
      const ts = BigInt(i);
      const t1 = performance.now();
      if (mode === "ours") s.commitAt(ts);
      else {
        s.commit(`commit_timestamp=${ts.toString(16)},sync=off`);
        if (mode === "commit + log_flush(off)") s.logFlush("sync=off");
      }
      commitMs += performance.now() - t1;
    }
    const txnMs = performance.now() - t0;
    const cpu = cpuUsage(cpu0);
    return {
      txn: (txnMs * 1000) / N,
      commit: (commitMs * 1000) / N,
      threadCpu: (threadCpuUs() - thread0) / N,
      processCpu: (cpu.user + cpu.system) / N,
    };
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** One [u32 LE key length][key][u32 LE value length][value] row (`Cursor.insertMany`'s layout). */
function rowOf(key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + key.length + value.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, key.length, true);
  out.set(key, 4);
  v.setUint32(4 + key.length, value.length, true);
  out.set(value, 8 + key.length);
  return out;
}

console.log(`${N} transactions per round, ${ROUNDS} rounds, load ${Deno.loadavg().join(" ")}`);
console.log(
  "| commit | round | txn wall µs | commit call wall µs | JS thread CPU µs/txn | process CPU µs/txn |",
);
console.log("|---|---:|---:|---:|---:|---:|");
for (let k = 1; k <= ROUNDS; k++) {
  for (const mode of MODES) {
    const m = round(mode);
    console.log(
      `| ${mode} | ${k} | ${m.txn.toFixed(1)} | ${m.commit.toFixed(1)} | ${m.threadCpu.toFixed(1)} | ${
        m.processCpu.toFixed(1)
      } |`,
    );
  }
}
console.log(`load after ${Deno.loadavg().join(" ")}`);
