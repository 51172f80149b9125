import assert from "node:assert/strict";
import { mallocFreeBytes, mallocInfo, tuneMalloc } from "./malloc.ts";

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
