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
      Archiver: OplogArchiver,
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

async function archivedIds(dir: string): Promise<number[]> {
  const ids: number[] = [];
  for await (const e of readArchive(listArchive(dir), null)) {
    const doc = BSON.deserialize(e.bytes);
    if (doc["op"] === "i") ids.push(doc["o"]["_id"]);
  }
  return ids;
}

Deno.test("archiver: every entry lands in segments, in order; pruning never removes an unarchived entry", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  const s = setup(dir, { maxEntries: 10, segmentBytes: 4096 });
  try {
    s.insert(0, 50);
    // max_entries 10, but nothing is archived before the prune flushes: prune archives, then removes.
    const removed = await s.oplog.prune();
    assert.ok(removed > 0);
    assert.deepEqual(await archivedIds(dir), Array.from({ length: 50 }, (_, i) => i));
    const listing = listArchive(dir);
    assert.ok(listing.segments.length > 1, "4 KiB segments rotate");
    assert.equal(listing.gaps.length, 0);
    // The oplog keeps the last archived entry (the archive's continuation point).
    const stats = s.oplog.archiveStats()!;
    assert.equal(compareTs(s.oplog.firstTs()!, stats.lastArchived!) <= 0, true);
    s.insert(50, 5);
    s.oplog.flushArchive();
    assert.deepEqual((await archivedIds(dir)).slice(-5), [50, 51, 52, 53, 54]);
  } finally {
    s.close();
    await s.oplog.archiveIdle();
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

Deno.test("archiver: a torn tail is cut at open, and a restart continues after the last whole entry", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  try {
    const all = [entry(100, 1), entry(100, 2), entry(101, 1)];
    const a = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000, compress: false });
    a.open();
    assert.equal(a.flush(), 3);
    a.close();
    const seg = join(dir, segmentName(new Timestamp({ t: 100, i: 1 })));
    const whole = Deno.statSync(seg).size;
    Deno.writeFileSync(seg, new Uint8Array([40, 0, 0, 0, 3]), { append: true }); // a crash mid-append
    all.push(entry(102, 1));
    const b = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000, compress: false });
    b.open();
    assert.equal(Deno.statSync(seg).size, whole, "torn tail cut");
    assert.equal(b.flush(), 1, "only the new entry");
    b.close();
    const got = (await Array.fromAsync(readArchive(listArchive(dir), null))).map((e) =>
      `${e.ts.t}.${e.ts.i}`
    );
    assert.deepEqual(got, ["100.1", "100.2", "101.1", "102.1"]);
    // Readers start after a point, skipping whole segments before it.
    const after = (await Array.fromAsync(readArchive(listArchive(dir), new Timestamp({ t: 101, i: 1 }))))
      .map((e) => e.ts.t);
    assert.deepEqual(after, [102]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("archiver: entries pruned before they were archived leave a gap marker", () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  try {
    const a = new OplogArchiver(fakeSource([entry(100, 1), entry(100, 2)]), {
      dir,
      intervalMs: 1000,
      compress: false,
    });
    a.open();
    a.flush();
    a.close();
    // The server ran without the archive meanwhile: 100.2 and 101.x are gone from the oplog.
    const b = new OplogArchiver(fakeSource([entry(105, 1), entry(105, 2)]), {
      dir,
      intervalMs: 1000,
      compress: false,
    });
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
    const a = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000, compress: false });
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

Deno.test("archiver: closed segments are gzipped (first-to-last name), readers read both kinds, a restart continues", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  try {
    const all = [entry(100, 1), entry(100, 2)];
    const a = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000 });
    a.open();
    a.flush();
    all.push(entry(3800, 1), entry(3800, 2)); // an hour later: the first segment closes
    a.flush();
    await a.idle();
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "oplog-0000000100-0000000001-to-0000000100-0000000002.bson.gz",
      "oplog-0000003800-0000000001.bson",
    ]);
    assert.equal(a.stats().segmentsCompressed, 1);
    a.close();
    await a.idle();
    const got = (await Array.fromAsync(readArchive(listArchive(dir), null))).map((e) =>
      `${e.ts.t}.${e.ts.i}`
    );
    assert.deepEqual(got, ["100.1", "100.2", "3800.1", "3800.2"]);
    // A stop between the rename and the removal leaves both, and a .tmp: both cleaned at open.
    const gz = join(dir, names[0]!);
    Deno.writeFileSync(join(dir, segmentName(new Timestamp({ t: 100, i: 1 }))), all[0]!.bytes);
    Deno.writeFileSync(`${gz}.tmp`, new Uint8Array([1, 2, 3]));
    assert.equal(listArchive(dir).leftovers.length, 1);
    all.push(entry(3900, 1));
    const b = new OplogArchiver(fakeSource(all), { dir, intervalMs: 1000 });
    b.open(); // the plain 3800 segment was closed by the stop: it is compressed now
    assert.equal(b.flush(), 1, "continues after the last archived entry");
    b.close();
    await b.idle();
    const after = (await Array.fromAsync(readArchive(listArchive(dir), new Timestamp({ t: 100, i: 2 }))))
      .map((e) => e.ts.t);
    assert.deepEqual(after, [3800, 3800, 3900]);
    assert.ok(!Deno.readDirSync(dir).some((e) => e.name.endsWith(".tmp")));
    assert.equal(listArchive(dir).leftovers.length, 0);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("archiver: retention removes closed segments older than archive_retention_seconds, never the newest", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "oplog-archive-" });
  let now = 0;
  try {
    const all = [entry(100, 1)];
    const a = new OplogArchiver(fakeSource(all), {
      dir,
      intervalMs: 1000,
      segmentSeconds: 100,
      retentionSeconds: 3600,
      now: () => now,
    });
    a.open();
    a.flush();
    for (const t of [1000, 5000, 9000]) {
      all.push(entry(t, 1));
      a.flush();
      await a.idle();
    }
    assert.equal(listArchive(dir).segments.length, 4);
    // A gap marker older than what is kept goes too.
    Deno.writeTextFileSync(join(dir, "oplog-0000001000-0000000001.gap.json"), "{}");
    now = 10_000 * 1000; // cutoff 6400 s: the segments ending before 1000, 5000 and 9000 go
    all.push(entry(9100, 1));
    a.flush();
    await a.idle();
    const left = listArchive(dir);
    assert.deepEqual(left.segments.map((g) => g.first.t), [9000, 9100]);
    assert.equal(left.gaps.length, 0);
    assert.equal(a.stats().segmentsRemoved, 3);
    // Far later, the newest segment still stays (the archive continues from it).
    now = 1e9 * 1000;
    all.push(entry(9200, 1));
    a.flush();
    await a.idle();
    assert.deepEqual(listArchive(dir).segments.map((g) => g.first.t), [9200]);
    a.close();
    await a.idle();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
