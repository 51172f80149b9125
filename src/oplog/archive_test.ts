import assert from "node:assert/strict";
import { BSON, Timestamp } from "bson";
import { join } from "node:path";
import { openWiredTiger } from "../storage/mod.ts";
import { ClusterClock } from "./cluster_clock.ts";
import { Oplog } from "./oplog.ts";
import { keyTs, tsKey } from "./entry.ts";
import { type ArchiveSource, OplogArchiver } from "./archive.ts";
import { compareTs, listArchive, readArchive, segmentName } from "./archive_files.ts";

const noKeys = new Map<string, Uint8Array[]>();

function setup(dir: string, opts: { maxEntries?: number; segmentBytes?: number } = {}) {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 32 << 20,
    sessionMax: 20,
    syncOnCommit: false,
  });
  const oplog = new Oplog(storage, new ClusterClock(), {
    retentionSeconds: 3600,
    maxEntries: opts.maxEntries ?? 1000,
    noopHeartbeatSeconds: 0,
    pruneIntervalMs: 3_600_000,
    archive: {
      dir,
      intervalMs: 3_600_000,
      ...(opts.segmentBytes ? { segmentBytes: opts.segmentBytes } : {}),
    },
  });
  oplog.start();
  const coll = storage.catalog.createCollection("d", "c");
  const insert = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const t = storage.begin();
      t.insert(coll, BSON.serialize({ _id: i, pad: "x".repeat(100) }), noKeys);
      t.commit();
    }
  };
  return { storage, oplog, insert, close: () => (oplog.stop(), storage.close()) };
}

function archivedIds(dir: string): number[] {
  const ids: number[] = [];
  for (const e of readArchive(listArchive(dir), null)) {
    const doc = BSON.deserialize(e.bytes);
    if (doc["op"] === "i") ids.push(doc["o"]["_id"]);
  }
  return ids;
}

Deno.test("archiver: every entry lands in segments, in order; pruning never removes an unarchived entry", () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  const s = setup(dir, { maxEntries: 10, segmentBytes: 4096 });
  try {
    s.insert(0, 50);
    // max_entries 10, but nothing is archived before the prune flushes: prune archives, then removes.
    const removed = s.oplog.prune();
    assert.ok(removed > 0);
    assert.deepEqual(archivedIds(dir), Array.from({ length: 50 }, (_, i) => i));
    const listing = listArchive(dir);
    assert.ok(listing.segments.length > 1, "4 KiB segments rotate");
    assert.equal(listing.gaps.length, 0);
    // The oplog keeps the last archived entry (the archive's continuation point).
    const stats = s.oplog.archiveStats()!;
    assert.equal(compareTs(s.oplog.firstTs()!, stats.lastArchived!) <= 0, true);
    s.insert(50, 5);
    s.oplog.flushArchive();
    assert.deepEqual(archivedIds(dir).slice(-5), [50, 51, 52, 53, 54]);
  } finally {
    s.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

/** A source over an array of entries (a fake oplog whose entries can vanish). */
function fakeSource(entries: { key: Uint8Array; bytes: Uint8Array }[]): ArchiveSource {
  const cmp = (a: Uint8Array, b: Uint8Array) => compareTs(keyTs(a), keyTs(b));
  return {
    read: (b, n) => entries.filter((e) => !b.after || cmp(e.key, b.after) > 0).slice(0, n),
    has: (k) => entries.some((e) => cmp(e.key, k) === 0),
  };
}

function entry(t: number, i: number) {
  const ts = new Timestamp({ t, i });
  return { key: tsKey(ts), bytes: BSON.serialize({ op: "n", ns: "", o: { i }, ts }) };
}

Deno.test("archiver: a torn tail is cut at open, and a restart continues after the last whole entry", () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  try {
    const all = [entry(100, 1), entry(100, 2), entry(101, 1)];
    const a = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000 });
    a.open();
    assert.equal(a.flush(), 3);
    a.close();
    const seg = join(dir, segmentName(new Timestamp({ t: 100, i: 1 })));
    const whole = Deno.statSync(seg).size;
    Deno.writeFileSync(seg, new Uint8Array([40, 0, 0, 0, 3]), { append: true }); // a crash mid-append
    all.push(entry(102, 1));
    const b = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000 });
    b.open();
    assert.equal(Deno.statSync(seg).size, whole, "torn tail cut");
    assert.equal(b.flush(), 1, "only the new entry");
    b.close();
    const got = [...readArchive(listArchive(dir), null)].map((e) => `${e.ts.t}.${e.ts.i}`);
    assert.deepEqual(got, ["100.1", "100.2", "101.1", "102.1"]);
    // Readers start after a point, skipping whole segments before it.
    const after = [...readArchive(listArchive(dir), new Timestamp({ t: 101, i: 1 }))].map((e) => e.ts.t);
    assert.deepEqual(after, [102]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("archiver: entries pruned before they were archived leave a gap marker", () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  try {
    const a = new OplogArchiver(fakeSource([entry(100, 1), entry(100, 2)]), { dir, intervalMs: 1000 });
    a.open();
    a.flush();
    a.close();
    // The server ran without the archive meanwhile: 100.2 and 101.x are gone from the oplog.
    const b = new OplogArchiver(fakeSource([entry(105, 1), entry(105, 2)]), { dir, intervalMs: 1000 });
    b.open();
    assert.equal(b.flush(), 2);
    b.close();
    const { gaps } = listArchive(dir);
    assert.equal(gaps.length, 1);
    assert.equal(`${gaps[0]!.after!.t}.${gaps[0]!.after!.i}`, "100.2");
    assert.equal(`${gaps[0]!.resumedAt.t}.${gaps[0]!.resumedAt.i}`, "105.1");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("archiver: a failed write keeps the archived position (the oplog keeps the entries)", () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  try {
    const all = [entry(100, 1)];
    const a = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000 });
    a.open();
    a.flush();
    Deno.chmodSync(dir, 0o500); // new segments cannot be created
    all.push(entry(3700, 1)); // an hour later: a new segment is due
    if (Deno.uid() !== 0) {
      assert.equal(a.flush(), 0);
      assert.equal(a.stats().failures, 1);
      assert.equal(a.archivedKey()![3], tsKey(new Timestamp({ t: 100, i: 1 }))[3]);
    }
    Deno.chmodSync(dir, 0o700);
    assert.equal(a.flush(), 1);
    assert.equal(a.stats().lastError, undefined);
    a.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
