import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { HeapWatchdog } from "./heap_watchdog.ts";

const MiB = 1024 * 1024;

Deno.test("HeapWatchdog: pressure past 75% of the budget, relief below 60% (no flapping between)", () => {
  let used = 100 * MiB;
  let collections = 0;
  const logs: string[] = [];
  const w = new HeapWatchdog({
    budgetBytes: 1000 * MiB,
    sample: () => ({ usedBytes: used, limitBytes: 4096 * MiB }),
    log: (level, msg) => logs.push(`${level} ${msg}`),
    collect: () => collections++,
  });
  assertEquals(w.budgetBytes, 1000 * MiB);
  ok(!w.check());
  used = 760 * MiB;
  ok(w.check());
  ok(/JS heap 760 MiB used of a 1,000 MiB budget/.test(w.message()), w.message());
  used = 650 * MiB; // between low and high: stays pressured
  ok(w.check());
  used = 590 * MiB;
  ok(!w.check());
  assertEquals(logs.length, 2);
  ok(logs[0]!.startsWith("WARNING memory pressure"));
  ok(logs[1]!.startsWith("INFO memory pressure over"));
  assertEquals(collections, 1); // one forced collection while pressured (at most one a second)
});

Deno.test("HeapWatchdog: a forced collection that frees the heap ends the pressure at once", () => {
  let used = 900 * MiB;
  const w = new HeapWatchdog({
    budgetBytes: 1000 * MiB,
    sample: () => ({ usedBytes: used, limitBytes: 4096 * MiB }),
    collect: () => used = 100 * MiB,
  });
  ok(w.check());
  ok(!w.check());
});

Deno.test("HeapWatchdog: the automatic budget is V8's limit, or less when host memory minus the cache is smaller", () => {
  const sample = () => ({ usedBytes: 0, limitBytes: 4096 * MiB });
  assertEquals(new HeapWatchdog({ sample, hostMemoryBytes: () => 24 * 1024 * MiB }).budgetBytes, 4096 * MiB);
  assertEquals(
    new HeapWatchdog({ sample, hostMemoryBytes: () => 2048 * MiB, cacheSizeBytes: 1024 * MiB }).budgetBytes,
    512 * MiB,
  );
  // never below 256 MiB automatically; a configured budget above V8's limit is capped by it
  assertEquals(new HeapWatchdog({ sample, hostMemoryBytes: () => 100 * MiB }).budgetBytes, 256 * MiB);
  assertEquals(new HeapWatchdog({ sample, budgetBytes: 8192 * MiB }).budgetBytes, 4096 * MiB);
});

Deno.test("HeapWatchdog: until the heap limit is read, the configured or host budget alone; then capped", () => {
  let limit: number | undefined;
  let reads = 0;
  const opts = {
    sample: () => ({ usedBytes: 0, limitBytes: limit }),
    readLimit: () => (reads++, limit = 2048 * MiB),
  };
  const w = new HeapWatchdog({ ...opts, budgetBytes: 8192 * MiB });
  ok(!w.check(), "samples without the limit");
  assertEquals(w.budgetBytes, 8192 * MiB);
  assertEquals(reads, 0, "a sample does not read the limit");
  w.readLimit();
  assertEquals(w.budgetBytes, 2048 * MiB);
  limit = undefined;
  const auto = new HeapWatchdog({ ...opts, hostMemoryBytes: () => 24 * 1024 * MiB });
  assertEquals(auto.budgetBytes, 24 * 1024 * MiB - 512 * MiB);
  auto.readLimit();
  assertEquals(auto.budgetBytes, 2048 * MiB);
});

Deno.test("HeapWatchdog: a sample past 48 MiB reads the limit itself, and judges the heap against it", () => {
  let limit: number | undefined;
  let used = 40 * MiB;
  let reads = 0;
  const w = new HeapWatchdog({
    hostMemoryBytes: () => 24 * 1024 * MiB,
    sample: () => ({ usedBytes: used, limitBytes: limit }),
    readLimit: () => (reads++, limit = 60 * MiB),
  });
  ok(!w.check());
  assertEquals(reads, 0, "below 48 MiB the limit waits for a quiet moment");
  used = 50 * MiB;
  ok(w.check(), "50 of a 60 MiB limit is past 75%: pressured at this very sample");
  assertEquals(reads, 1);
  assertEquals(w.budgetBytes, 60 * MiB);
  w.check();
  assertEquals(reads, 1, "read once");
});

Deno.test("HeapWatchdog: reads the real V8 heap by default", () => {
  const w = new HeapWatchdog();
  ok(w.budgetBytes >= 256 * MiB);
  ok(!w.check());
  w.readLimit();
  ok(w.budgetBytes >= 256 * MiB && w.budgetBytes <= 64 * 1024 * MiB, String(w.budgetBytes));
  ok(!w.check());
});
