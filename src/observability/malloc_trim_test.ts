import assert from "node:assert/strict";
import { MallocTrimmer } from "./malloc_trim.ts";

const MiB = 1024 * 1024;

function setup(free: number | null = 100 * MiB) {
  let now = 0;
  let busy = false;
  const state = { free, trims: 0 };
  const t = new MallocTrimmer({
    freeBytes: () => state.free ?? undefined,
    trim: () => {
      state.trims++;
      return Promise.resolve(1);
    },
    busy: () => busy,
    now: () => now,
  });
  return {
    t,
    state,
    at: (ms: number) => (now = ms),
    setBusy: (b: boolean) => (busy = b),
  };
}

Deno.test("trims once after 10 s without work, again only after new work", async () => {
  const s = setup();
  s.at(9_999);
  await s.t.tick();
  assert.equal(s.state.trims, 0);
  s.at(10_000);
  await s.t.tick();
  assert.equal(s.state.trims, 1);
  s.at(30_000);
  await s.t.tick();
  assert.equal(s.state.trims, 1); // same idle period
  s.t.noteWork();
  s.at(39_000);
  await s.t.tick();
  assert.equal(s.state.trims, 1);
  s.at(40_000);
  await s.t.tick();
  assert.equal(s.state.trims, 2);
});

Deno.test("a running command postpones the trim; a small or unknown free amount is left alone", async () => {
  const s = setup();
  s.setBusy(true);
  s.at(20_000);
  await s.t.tick(); // a long command running: its start counts as work now
  s.setBusy(false);
  s.at(29_000);
  await s.t.tick();
  assert.equal(s.state.trims, 0);
  s.at(30_000);
  await s.t.tick();
  assert.equal(s.state.trims, 1);

  const small = setup(32 * MiB);
  small.at(60_000);
  await small.t.tick();
  assert.equal(small.state.trims, 0);
  const unknown = setup(null);
  unknown.at(60_000);
  await unknown.t.tick();
  assert.equal(unknown.state.trims, 0);
});

Deno.test("while commands run: a trim every busyTrimMs, none without the option", async () => {
  let now = 0;
  let trims = 0;
  const t = new MallocTrimmer({
    freeBytes: () => 0,
    trim: () => {
      trims++;
      return Promise.resolve(1);
    },
    busy: () => true,
    busyTrimMs: 2_000,
    now: () => now,
  });
  for (now = 0; now <= 6_000; now += 1_000) await t.tick();
  assert.equal(trims, 3); // at 2, 4 and 6 s, whatever the free amount
  assert.equal(t.busyTrims, 3);

  const s = setup();
  s.setBusy(true);
  for (let ms = 0; ms <= 60_000; ms += 1_000) {
    s.at(ms);
    await s.t.tick();
  }
  assert.equal(s.state.trims, 0);
});
