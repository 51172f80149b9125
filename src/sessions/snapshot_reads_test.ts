import assert from "node:assert/strict";
import { Timestamp } from "bson";
import { SnapshotReads } from "./snapshot_reads.ts";
import { openWiredTiger } from "../storage/mod.ts";

Deno.test("snapshot reads: a pin is found by its exact cluster time, replaced per session, released and swept", () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 100,
    syncOnCommit: false,
  });
  try {
    let now = 0;
    const snaps = new SnapshotReads(1_000, () => now);
    const t1 = new Timestamp({ t: 10, i: 1 });
    const t2 = new Timestamp({ t: 10, i: 2 });
    const h1 = snaps.pin("s", storage, t1);
    assert.equal(snaps.find("s", t1), h1);
    assert.equal(snaps.find("s", t2), undefined);
    const h2 = snaps.pin("s", storage, t2); // a new first read replaces the old snapshot
    assert.equal(h1.state, "aborted");
    assert.equal(snaps.find("s", t2), h2);
    snaps.release("s");
    assert.equal(h2.state, "aborted");
    const h3 = snaps.pin("t", storage, t1);
    now = 5_000; // unused past the history window
    assert.equal(snaps.find("t", t1), undefined);
    assert.equal(h3.state, "aborted");
  } finally {
    storage.close();
  }
});

Deno.test("snapshot reads: history starts at start-up and trails the clock by the window; a shorter window acts at once", () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 100,
    syncOnCommit: false,
  });
  const snaps = new SnapshotReads(300_000, () => now);
  let now = 1_000_000_000; // ms
  try {
    const tooOld = (t: number) => {
      try {
        snaps.pin("s", storage, new Timestamp({ t, i: 1 }), true);
        return false;
      } catch (e) {
        return (e as { code?: string }).code === "SnapshotTooOld";
      }
    };
    let pressure = false;
    snaps.keepHistory(storage, new Timestamp({ t: 999_000, i: 1 }), {
      everyMs: 3_600_000,
      cachePressure: () => pressure,
    });
    assert.equal(tooOld(998_999), true); // before this start
    assert.equal(tooOld(999_000), false);
    now += 400_000; // the timer would move the start to now − 300 s; a new window applies at once
    snaps.historyWindowMs = 10_000;
    assert.equal(tooOld(1_000_389), true);
    assert.equal(tooOld(1_000_390), false);
    snaps.historyWindowMs = 300_000; // never moves back
    assert.equal(tooOld(1_000_389), true);
    now += 100_000; // cache pressure: 1 s of history
    pressure = true;
    snaps.historyWindowMs = 300_000;
    assert.equal(snaps.pressured, true);
    assert.equal(tooOld(1_000_498), true);
    assert.equal(tooOld(1_000_499), false);
  } finally {
    snaps.releaseAll();
    storage.close();
  }
});
