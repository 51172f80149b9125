import assert from "node:assert/strict";
import type { CollectionEntry } from "../api.ts";
import { type SettleHost, Settler } from "./settle.ts";
import { decode, doc, idKeys, open } from "./test_util.ts";

class FakeHost implements SettleHost {
  readonly log: string[] = [];
  readonly dirtyTables = new Set<string>();
  readonly heldTables = new Set<string>();
  readonly busyTables = new Set<string>();
  readonly counts = new Map<string, number>();
  /** The checkpoints asked for, and whether one cleans its tables (else they stay dirty: written to). */
  readonly checkpoints: string[][] = [];
  checkpointCleans = false;
  checkpoint(idents: readonly string[]): Promise<boolean> {
    this.checkpoints.push([...idents]);
    if (this.checkpointCleans) { for (const t of idents) this.dirtyTables.delete(t); }
    return Promise.resolve(true);
  }
  tables(ident: string): string[] {
    return ident === "gone" ? [] : [ident, `${ident}-idx`];
  }
  dirty(ident: string): boolean {
    return this.dirtyTables.has(ident);
  }
  records(ident: string): number {
    return this.counts.get(ident) ?? 1_000;
  }
  release(ident: string): boolean {
    return !this.heldTables.has(ident);
  }
  discard(ident: string): Promise<boolean> {
    if (this.busyTables.has(ident)) return Promise.resolve(false);
    this.log.push(ident);
    return Promise.resolve(true);
  }
}

/** Runs fn on an engine in a fresh directory with an empty collection db.c; the directory goes after. */
async function withCollection(
  fn: (e: ReturnType<typeof open>, c: CollectionEntry) => void | Promise<void>,
): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "secantus-settle-test-" });
  try {
    using e = open(dir);
    e.catalog.createCollection("db", "c");
    await fn(e, e.catalog.getCollection("db", "c")!);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const OPTS = { rows: 100, delayMs: 1_000, retryMs: 500, attempts: 3, maxRecords: 10_000 };

Deno.test("a collection is settled after enough inserts and a quiet delay, tables one by one", async () => {
  let now = 0;
  const host = new FakeHost();
  const s = new Settler(host, OPTS, () => now);
  try {
    s.inserted("coll-1", 60);
    assert.equal(s.waiting, 0);
    s.inserted("coll-1", 60);
    s.inserted("coll-2", 10);
    assert.equal(s.waiting, 1);
    now = 999;
    await s.settleDue();
    assert.deepEqual(host.log, []);
    now = 500;
    s.inserted("coll-1", 1); // the delay counts from the last insert
    now = 1_400;
    await s.settleDue();
    assert.deepEqual(host.log, []);
    now = 1_500;
    await s.settleDue();
    assert.deepEqual(host.log, ["coll-1", "coll-1-idx"]);
    assert.equal(s.settled, 2);
    assert.equal(s.waiting, 0);
    await s.settleDue();
    assert.equal(s.settled, 2);
  } finally {
    s.close();
  }
});

Deno.test("a collection of more than maxRecords records is left as it is", async () => {
  let now = 0;
  const host = new FakeHost();
  host.counts.set("coll-1", 20_000);
  const s = new Settler(host, OPTS, () => now);
  try {
    s.inserted("coll-1", 500);
    s.inserted("coll-2", 500);
    now = 1_000;
    await s.settleDue();
    assert.deepEqual(host.log, ["coll-2", "coll-2-idx"]);
    assert.equal(s.tooLarge, 1);
    assert.equal(s.waiting, 0); // not retried
  } finally {
    s.close();
  }
});

Deno.test("a freshly loaded collection's dirty tables are checkpointed, then settled in the same pass", async () => {
  let now = 0;
  const host = new FakeHost();
  host.checkpointCleans = true;
  const s = new Settler(host, OPTS, () => now);
  try {
    s.inserted("coll-1", 500);
    s.inserted("coll-2", 500);
    host.dirtyTables.add("coll-1-idx");
    now = 1_000;
    await s.settleDue();
    assert.deepEqual(host.checkpoints, [["coll-1", "coll-1-idx"]]); // only the dirty one's, all its tables
    assert.deepEqual(host.log, ["coll-1", "coll-1-idx", "coll-2", "coll-2-idx"]);
    assert.equal(s.waiting, 0);
  } finally {
    s.close();
  }
});

Deno.test("dirty, held or busy tables are retried, then given up", async () => {
  let now = 0;
  const host = new FakeHost();
  const s = new Settler(host, OPTS, () => now);
  try {
    s.inserted("coll-1", 500);
    host.dirtyTables.add("coll-1");
    host.heldTables.add("coll-1-idx");
    now = 1_000;
    await s.settleDue();
    assert.deepEqual(host.log, []);
    assert.deepEqual(host.checkpoints, [["coll-1", "coll-1-idx"]]); // its tables, once: still dirty
    assert.equal(s.waiting, 1);
    await s.settleDue();
    assert.equal(host.checkpoints.length, 1); // a retry waits for the periodic checkpoint
    host.dirtyTables.clear();
    await s.settleDue();
    assert.deepEqual(host.log, ["coll-1"]); // only what is left is tried again
    await s.settleDue();
    assert.deepEqual(host.log, ["coll-1"]);
    assert.equal(s.waiting, 0); // three tries: given up
    // a new large insert starts over
    host.heldTables.clear();
    host.busyTables.add("coll-1-idx");
    s.inserted("coll-1", 500);
    now = 2_000;
    await s.settleDue();
    assert.deepEqual(host.log, ["coll-1", "coll-1"]);
    host.busyTables.clear();
    await s.settleDue();
    assert.deepEqual(host.log, ["coll-1", "coll-1", "coll-1-idx"]);
    // a dropped collection has nothing to settle
    s.inserted("coll-3", 500);
    s.forget(["coll-3"]);
    s.inserted("gone", 500);
    now = 4_000;
    await s.settleDue();
    assert.equal(s.waiting, 0);
  } finally {
    s.close();
  }
});

Deno.test("settling an engine's freshly loaded collection keeps its data and lets writes go on", () =>
  withCollection(async (e, c) => {
    const settler = e.settler!;
    for (let b = 0; b < 4; b++) {
      e.write((t) => {
        for (let i = b * 500; i < (b + 1) * 500; i++) {
          t.insert(c, doc(i, { pad: "x".repeat(200) }), idKeys(i));
        }
      });
    }
    assert.equal(e.read((t) => t.count(c)), 2000);
    // a reader holding a cursor on the table: nothing is settled
    const held = e.begin({ readOnly: true });
    assert.equal(held.count(c), 2000);
    assert.equal(decode(held.get(c, 5n)!)._id, 4);
    e.checkpoint();
    await settler.settleDue(true);
    assert.equal(settler.settled, 0);
    held.commit();
    await settler.settleDue(true);
    assert.equal(settler.settled, 2); // records and the _id index
    assert.equal(e.read((t) => t.count(c)), 2000);
    assert.equal(decode(e.read((t) => t.get(c, 1234n))!)._id, 1233);
    assert.equal(e.read((t) => [...t.scan(c)].length), 2000);
    e.write((t) => t.insert(c, doc(5000), idKeys(5000)));
    assert.equal(e.read((t) => t.count(c)), 2001);
  }));

Deno.test("an engine's freshly loaded collection is settled without waiting for a periodic checkpoint", () =>
  withCollection(async (e, c) => {
    const settler = e.settler!;
    e.write((t) => {
      for (let i = 0; i < 2000; i++) t.insert(c, doc(i, { pad: "z".repeat(200) }), idKeys(i));
    });
    await settler.settleDue(true); // its own checkpoint of the two tables, then the discard
    assert.equal(settler.settled, 2);
    assert.equal(e.read((t) => t.count(c)), 2000);
    assert.equal(decode(e.read((t) => t.get(c, 777n))!)._id, 776);
  }));

Deno.test("inserts committed on the I/O thread count toward a settle as the engine's own do", () =>
  withCollection((e, c) => {
    assert.equal(e.settler!.waiting, 0);
    e.nativeReads.countChanged(c, -3); // (a delete there: nothing loaded)
    for (let i = 0; i < 5_000; i++) e.nativeReads.countChanged(c, 1); // one per insert, as the drain reports them
    assert.equal(e.settler!.waiting, 1);
  }));

Deno.test("reads running while tables are settled on the thread pool all succeed", () =>
  withCollection(async (e, c) => {
    const settler = e.settler!;
    e.write((t) => {
      for (let i = 0; i < 3000; i++) t.insert(c, doc(i, { pad: "y".repeat(100) }), idKeys(i));
    });
    e.checkpoint();
    let reads = 0;
    for (let round = 0; round < 20; round++) {
      let done = false;
      const settling = settler.settleDue(true).finally(() => done = true);
      while (!done) {
        const rid = BigInt(1 + (reads % 3000));
        assert.equal(decode(e.read((t) => t.get(c, rid))!)._id, Number(rid) - 1);
        reads++;
        await new Promise((r) => setTimeout(r, 0));
      }
      await settling;
      e.write((t) => t.insert(c, doc(10_000 + round), idKeys(10_000 + round))); // pending again
      e.checkpoint(); // clean again: the next round can settle it
    }
    assert.equal(e.read((t) => t.count(c)), 3020);
    assert.ok(reads > 0);
    assert.ok(settler.settled > 0);
  }));
