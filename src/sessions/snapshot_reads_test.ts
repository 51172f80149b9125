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
