import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { BATCH_BYTES, LineQueue, type LineWriter } from "./stderr_queue.ts";

const dec = new TextDecoder();

/** A writer whose asynchronous writes wait until `open()`; each write takes at most `chunk` bytes. */
function gatedWriter(chunk = 1 << 20) {
  let gate = Promise.withResolvers<void>();
  const written: string[] = [];
  let writes = 0;
  const w: LineWriter & { written: string[]; writes: () => number; open(): void; close(): void } = {
    written,
    writes: () => writes,
    async write(p) {
      await gate.promise;
      writes++;
      const n = Math.min(chunk, p.length);
      written.push(dec.decode(p.subarray(0, n)));
      return n;
    },
    writeSync(p) {
      written.push(dec.decode(p));
      return p.length;
    },
    open() {
      gate.resolve();
    },
    close() {
      gate = Promise.withResolvers<void>();
    },
  };
  return w;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("stderr queue: a stalled writer never blocks push; the queue is bounded; lost lines are counted, then noticed", async () => {
  const w = gatedWriter();
  const q = new LineQueue(w, 1000, (n) => `dropped ${n}`);
  for (let i = 0; i < 100; i++) q.push(`line ${String(i).padStart(3, "0")} ${"x".repeat(30)}`); // 40 bytes each
  ok(q.pendingBytes <= 1000);
  assertEquals(q.dropped, 100 - 25); // the first 25 lines fit in 1,000 bytes
  w.open();
  for (let i = 0; i < 50 && (q.pendingBytes > 0 || q.dropped > 0); i++) await tick();
  const text = w.written.join("");
  const lines = text.trimEnd().split("\n");
  assertEquals(lines.length, 26);
  assertEquals(lines[0]!.slice(0, 8), "line 000");
  assertEquals(lines[24]!.slice(0, 8), "line 024");
  assertEquals(lines[25], "dropped 75");
  assertEquals(q.dropped, 0);
  assertEquals(q.pendingBytes, 0);
});

Deno.test("stderr queue: lines arrive whole and in order across partial writes and batches", async () => {
  const w = gatedWriter(1000);
  w.open();
  const q = new LineQueue(w, 1 << 20);
  const want: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const l = `${i} ${"y".repeat(i % 97)}`;
    want.push(l);
    q.push(l);
  }
  for (let i = 0; i < 5000 && q.pendingBytes > 0; i++) await tick();
  assertEquals(w.written.join(""), want.map((l) => l + "\n").join(""));
  ok(w.writes() >= Math.ceil(w.written.join("").length / BATCH_BYTES));
});

Deno.test("stderr queue: flushSync writes what is queued at once (exit)", () => {
  const w = gatedWriter(); // never opened: the asynchronous writer is stuck
  const q = new LineQueue(w, 100, (n) => `dropped ${n}`);
  q.push("a".repeat(60));
  q.push("b".repeat(30));
  q.push("c".repeat(30)); // past 100 bytes: dropped
  q.flushSync();
  // the first line was handed to the stuck asynchronous write; the rest and the notice go synchronously
  assertEquals(w.written, ["b".repeat(30) + "\ndropped 1\n"]);
  assertEquals(q.pendingBytes, 61); // only the line the stuck write holds
});

Deno.test("stderr queue: whenWritten resolves once the batch in flight is written, or at its timeout", async () => {
  const w = gatedWriter();
  const q = new LineQueue(w);
  await q.whenWritten(10); // nothing queued: at once
  q.push("stopped; closed cleanly"); // handed to the asynchronous write, which waits at the gate
  let resolved = false;
  const waiting = q.whenWritten(5_000).then(() => (resolved = true));
  await tick();
  ok(!resolved);
  w.open();
  await waiting;
  assertEquals(w.written.join(""), "stopped; closed cleanly\n");
  // a stalled reader: the wait ends at its timeout
  w.close();
  q.push("stuck");
  const t = performance.now();
  await q.whenWritten(30);
  ok(performance.now() - t >= 25);
  w.open();
  await q.whenWritten(1_000);
});
