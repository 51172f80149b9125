import assert from "node:assert/strict";
import { ioCushionBytes, MALLOC_TUNING, mallocFreeBytes, mallocInfo, tuneMalloc } from "./malloc.ts";

// first in this file: the cushion waits for tuneMalloc's trim threshold (module state)
Deno.test("ioCushionBytes: 0 until tuneMalloc sets the trim threshold, then half of it", () => {
  assert.equal(ioCushionBytes(), 0);
  tuneMalloc((n) => (n === "MALLOC_TRIM_THRESHOLD_" ? "131072" : undefined));
  assert.equal(ioCushionBytes(), 0, "an operator's trim threshold: no cushion");
  tuneMalloc((n) => (n === "GLIBC_TUNABLES" ? "glibc.malloc.trim_threshold=131072" : undefined));
  assert.equal(ioCushionBytes(), 0);
  tuneMalloc(() => undefined);
  assert.equal(ioCushionBytes(), Deno.build.os === "linux" ? MALLOC_TUNING.ioCushionBytes : 0);
  assert.ok(MALLOC_TUNING.ioCushionBytes <= MALLOC_TUNING.trimThresholdBytes / 2);
});

Deno.test("mallocInfo: glibc's heap figures (Linux); free bytes as mallocFreeBytes reports them", () => {
  if (Deno.build.os !== "linux") return;
  const m = mallocInfo()!;
  assert.ok(m.arenaBytes > 0 && m.inUseBytes > 0 && m.inUseBytes <= m.arenaBytes, JSON.stringify(m));
  assert.ok(m.freeBytes >= 0 && m.mmapBytes >= 0 && m.topFreeBytes <= m.freeBytes);
  assert.equal(typeof mallocFreeBytes(), "number");
});

Deno.test("tuneMalloc: leaves each parameter the environment sets alone", () => {
  const linux = Deno.build.os === "linux";
  assert.equal(tuneMalloc(() => undefined), linux ? 3 : 0);
  for (const name of ["MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"]) {
    assert.equal(tuneMalloc((n) => (n === name ? "2" : undefined)), linux ? 2 : 0, name);
  }
  const tunables = (t: string) => (n: string) => n === "GLIBC_TUNABLES" ? t : undefined;
  assert.equal(
    tuneMalloc(tunables("glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=4194304")),
    linux ? 1 : 0,
  );
  assert.equal(tuneMalloc(tunables("glibc.cpu.hwcaps=-AVX2")), linux ? 3 : 0);
});
