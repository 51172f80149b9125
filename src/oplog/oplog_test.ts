import assert from "node:assert/strict";
import { BSON, Long } from "bson";
import { openWiredTiger } from "../storage/mod.ts";
import { decodeDocument } from "../bson/decode.ts";
import { ClusterClock } from "./cluster_clock.ts";
import { Oplog } from "./oplog.ts";
import { keyTs } from "./entry.ts";

function setup(opts: { maxEntries?: number; maxBytes?: number } = {}) {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 32 << 20,
    sessionMax: 20,
    syncOnCommit: false,
  });
  const oplog = new Oplog(storage, new ClusterClock(), {
    retentionSeconds: 3600,
    maxEntries: opts.maxEntries ?? 1000,
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
    noopHeartbeatSeconds: 0,
    pruneIntervalMs: 3_600_000,
  });
  oplog.start();
  const entries = () => oplog.read({}, 1000).map((r) => decodeDocument(r.bytes));
  return { storage, oplog, entries, close: () => (oplog.stop(), storage.close()) };
}

const noKeys = new Map<string, Uint8Array[]>();

Deno.test("writes are logged at commit in commit order, DDL at once; a rolled-back write logs nothing", () => {
  const { storage, entries, close } = setup();
  try {
    const coll = storage.catalog.createCollection("d", "c");
    const a = storage.begin();
    const b = storage.begin();
    a.insert(coll, BSON.serialize({ _id: 1 }), noKeys);
    b.insert(coll, BSON.serialize({ _id: 2 }), noKeys);
    b.commit(); // b commits first: its entry comes first
    a.commit();
    const c = storage.begin();
    c.insert(coll, BSON.serialize({ _id: 3 }), noKeys);
    c.abort();
    const ops = entries().map((e) => [e["op"], (e["o"] as Record<string, unknown>)["_id"] ?? e["o"]]);
    assert.deepEqual(ops.slice(1), [
      ["c", { create: "c", idIndex: { v: 2, key: { _id: 1 }, name: "_id_" } }],
      ["i", 2],
      [
        "i",
        1,
      ],
    ]);
    const ts = entries().map((e) => e["ts"]);
    for (let i = 1; i < ts.length; i++) {
      assert.ok((ts[i] as { compare(o: unknown): number }).compare(ts[i - 1]) > 0);
    }
  } finally {
    close();
  }
});

Deno.test("an insert's entry is the document as inserted: copied unless the writer owns the bytes", () => {
  const { storage, entries, close } = setup();
  try {
    const coll = storage.catalog.createCollection("d", "c");
    const copied = BSON.serialize({ _id: 1, v: 1 }); // (a Node Buffer: its slice is a view)
    const kept = BSON.serialize({ _id: 2, v: 2 });
    const t = storage.begin();
    t.insert(coll, copied, noKeys);
    t.insert(coll, kept, noKeys, true);
    copied.fill(0, 4, copied.length - 1); // a caller reusing its buffer before the commit
    t.commit();
    const logged = entries().filter((e) => e["op"] === "i").map((e) => e["o"]);
    assert.deepEqual(logged, [{ _id: 1, v: 1 }, { _id: 2, v: 2 }]);
  } finally {
    close();
  }
});

Deno.test("a labelled transaction is one applyOps entry with lsid and txnNumber", () => {
  const { storage, entries, close } = setup();
  try {
    const coll = storage.catalog.createCollection("d", "c");
    const t = storage.begin({ label: { lsid: { id: "x" }, txnNumber: 7n } });
    t.insert(coll, BSON.serialize({ _id: 1 }), noKeys);
    t.insert(coll, BSON.serialize({ _id: 2, a: [1] }), noKeys);
    t.commit();
    const last = entries().at(-1)!;
    assert.equal(last["op"], "c");
    assert.deepEqual(last["lsid"], { id: "x" });
    assert.deepEqual(last["txnNumber"], Long.fromInt(7));
    const ops = (last["o"] as { applyOps: Record<string, unknown>[] }).applyOps;
    assert.deepEqual(ops.map((o) => o["o"]), [{ _id: 1 }, { _id: 2, a: [1] }]);
  } finally {
    close();
  }
});

Deno.test("pruning keeps max_entries (and always the newest); restart seeds the clock past the last entry", async () => {
  const { storage, oplog, entries, close } = setup({ maxEntries: 5 });
  try {
    const coll = storage.catalog.createCollection("d", "c");
    for (let i = 0; i < 20; i++) storage.write((t) => t.insert(coll, BSON.serialize({ _id: i }), noKeys));
    const before = entries().length;
    const removed = await oplog.prune();
    assert.equal(removed, before - 5);
    assert.equal(entries().length, 5);
    assert.equal(keyTs(oplog.read({}, 1)[0]!.key).toString(), oplog.firstTs()!.toString());
    const clock = new ClusterClock(() => 0); // a wall clock far in the past
    const again = new Oplog(storage, clock, {
      retentionSeconds: 3600,
      maxEntries: 1000,
      noopHeartbeatSeconds: 0,
      pruneIntervalMs: 3_600_000,
    });
    oplog.stop();
    again.start();
    assert.ok(clock.latest().compare(oplog.firstTs()!) > 0);
    again.stop();
    // a restart counts the kept entries (the shim's tally): a prune to 2 removes all but 2
    const third = new Oplog(storage, new ClusterClock(() => 0), {
      retentionSeconds: 3600,
      maxEntries: 2,
      noopHeartbeatSeconds: 0,
      pruneIntervalMs: 3_600_000,
    });
    third.start();
    const kept = entries().length;
    assert.equal(await third.prune(), kept - 2);
    assert.equal(entries().length, 2);
    third.stop();
  } finally {
    close();
  }
});

Deno.test("pruning past several batches removes the oldest entries and their pre-images, once at a time", async () => {
  const { storage, oplog, close } = setup({ maxEntries: 100 });
  try {
    const coll = storage.catalog.createCollection("d", "c", {
      changeStreamPreAndPostImages: { enabled: true },
    });
    const rids = [];
    for (let i = 0; i < 1_200; i++) {
      rids.push(storage.write((t) => t.insert(coll, BSON.serialize({ _id: i }), noKeys)));
    }
    // 1,200 deletes, each with a pre-image: 2,400 entries, five batches' worth of pruning
    for (const rid of rids) storage.write((t) => t.remove(coll, rid, noKeys));
    const preImages = () => storage.read((r) => [...r.table(oplog.tables.preImages).scan()].length);
    assert.equal(preImages(), 1_200);
    const before = oplog.read({}, 5000).length;
    // the background pruner and secantusAdmin.pruneOplog share one running prune
    const [a, b] = [oplog.prune(), oplog.prune()];
    assert.equal(a, b);
    assert.equal(await a, before - 100);
    assert.equal(oplog.read({}, 5000).length, 100);
    // the 100 kept entries are deletes: exactly their pre-images remain
    assert.equal(preImages(), 100);
    assert.equal(await oplog.prune(), 0);
  } finally {
    close();
  }
});

Deno.test("entries past max_entries by 1,000 start a prune without the tick; the next prune starts after the last", async () => {
  const { storage, oplog, entries, close } = setup({ maxEntries: 5 });
  try {
    const coll = storage.catalog.createCollection("d", "c");
    for (let i = 0; i < 1_000; i++) storage.write((t) => t.insert(coll, BSON.serialize({ _id: i }), noKeys));
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(oplog.count > 1_000); // the create entry, the start no-op and 1,000 inserts: not past 5 + 1,000
    for (let i = 0; i < 5; i++) {
      storage.write((t) => t.insert(coll, BSON.serialize({ _id: 1_000 + i }), noKeys));
    }
    for (let i = 0; i < 100 && oplog.count > 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(oplog.count, 5);
    await oplog.prune(); // (the eager prune may still be running: this waits for it)
    assert.equal(entries().length, 5);
    // a second prune resumes after the first one's last key and keeps the newest five
    for (let i = 0; i < 20; i++) {
      storage.write((t) => t.insert(coll, BSON.serialize({ _id: 2_000 + i }), noKeys));
    }
    assert.equal(await oplog.prune(), 20);
    const left = entries();
    assert.deepEqual(left.map((e) => (e["o"] as { _id: number })._id), [2_015, 2_016, 2_017, 2_018, 2_019]);
    assert.equal(keyTs(oplog.read({}, 1)[0]!.key).toString(), oplog.firstTs()!.toString());
  } finally {
    close();
  }
});

Deno.test("maxBytes caps the entries' estimated bytes: large entries are pruned by size, not only by count", async () => {
  const { storage, oplog, entries, close } = setup({ maxEntries: 1000, maxBytes: 200_000 });
  try {
    const coll = storage.catalog.createCollection("d", "big");
    const pad = "x".repeat(20_000);
    for (let i = 0; i < 40; i++) {
      storage.write((t) => t.insert(coll, BSON.serialize({ _id: i, pad }), noKeys));
    }
    await oplog.prune();
    const kept = entries();
    // ~20 KB each: about ten fit (the estimate averages the small create/no-op entries in)
    assert.ok(kept.length >= 8 && kept.length <= 12, `${kept.length} kept`);
    const bytes = oplog.read({}, 1000).reduce((n, r) => n + r.bytes.length, 0);
    assert.ok(bytes <= 220_000, `${bytes} bytes`);
    // the newest entries are the ones kept
    assert.equal((kept.at(-1)!["o"] as { _id: number })._id, 39);
    // below the cap nothing more goes
    assert.equal(await oplog.prune(), 0);
  } finally {
    close();
  }
});

Deno.test("a clean stop leaves the count for the next start, trusted only while the table's ends match", async () => {
  const dir = await Deno.makeTempDir({ prefix: "secantus-oplog-tally-" });
  const tallyFile = `${dir}/tally.json`;
  const storage = openWiredTiger({
    path: dir,
    cacheSizeBytes: 32 << 20,
    sessionMax: 20,
    syncOnCommit: false,
  });
  const make = () =>
    new Oplog(storage, new ClusterClock(), {
      retentionSeconds: 3600,
      maxEntries: 1000,
      noopHeartbeatSeconds: 0,
      pruneIntervalMs: 3_600_000,
      tallyFile,
    });
  try {
    const coll = storage.catalog.createCollection("d", "c");
    const first = make();
    first.start();
    for (let i = 0; i < 7; i++) storage.write((t) => t.insert(coll, BSON.serialize({ _id: i }), noKeys));
    const n = first.count;
    first.stop();
    const saved = JSON.parse(Deno.readTextFileSync(tallyFile));
    assert.equal(saved.count, n);
    // a tally whose ends match is taken as it is (a made-up count shows it was), and read once
    Deno.writeTextFileSync(tallyFile, JSON.stringify({ ...saved, count: 12345 }));
    const second = make();
    second.start();
    assert.equal(second.count, 12345 + 1, "the tally plus the start's no-op");
    assert.throws(() => Deno.statSync(tallyFile), "removed once read");
    second.stop();
    // ends that moved (a write after the stop): counted again
    const stale = JSON.parse(Deno.readTextFileSync(tallyFile));
    storage.write((t) => t.insert(coll, BSON.serialize({ _id: 100 }), noKeys)); // (no hook: no entry)
    Deno.writeTextFileSync(tallyFile, JSON.stringify({ ...stale, last: "00", count: 999 }));
    const third = make();
    third.start();
    const real = third.read({}, 100_000).length;
    assert.equal(third.count, real);
    third.stop();
    // garbage: counted
    Deno.writeTextFileSync(tallyFile, "{not json");
    const fourth = make();
    fourth.start();
    assert.equal(fourth.count, fourth.read({}, 100_000).length);
    fourth.stop();
  } finally {
    storage.close();
    await Deno.remove(dir, { recursive: true });
  }
});
