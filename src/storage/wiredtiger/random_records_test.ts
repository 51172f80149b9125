/**
 * `ReadTxn.randomRecords`: uniform picks by record id over the snapshot's id range (fixed draws), the
 * random cursor when the ids are sparse or the handle reads as of an earlier time, snapshots and a
 * handle's own writes, an empty collection.
 */
import { assert, assertEquals, decode, doc, idKeys, open, withTempDir } from "./test_util.ts";
import type { CollectionEntry } from "../api.ts";
import type { WiredTigerEngine } from "./mod.ts";

function fill(e: WiredTigerEngine, c: CollectionEntry, from: number, to: number): void {
  e.write((t) => {
    for (let i = from; i < to; i++) t.insert(c, doc(i), idKeys(i));
  });
}

Deno.test("randomRecords: a record id drawn uniformly, drawn again where no record has it", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    assertEquals(e.read((t) => t.randomRecords!(c, 3)), []);
    fill(e, c, 0, 100); // record ids 1..100
    e.write((t) => t.remove(c, 50n, idKeys(49)));
    // draws 0.0 → id 1, 0.495 → id 50 (removed: drawn again), 0.999 → id 100
    const draws = [0, 0.495, 0.999, 0.5];
    const picks = e.read((t) => t.randomRecords!(c, 3, { random: () => draws.shift()! }));
    assertEquals(picks.map((p) => p.rid), [1n, 100n, 51n]);
    assertEquals(picks.map((p) => decode(p.bytes)["_id"]), [0, 99, 50]);
    // many draws: every tenth of the ids comes up about as often
    const tenths = new Array(10).fill(0);
    for (let r = 0; r < 50; r++) {
      for (const p of e.read((t) => t.randomRecords!(c, 100))) tenths[Math.floor(Number(p.rid - 1n) / 10)]++;
    }
    assert(tenths.every((n) => n > 300 && n < 700), tenths.join());
  });
});

Deno.test("randomRecords: a handle's snapshot and own writes; the random cursor for sparse ids", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    fill(e, c, 0, 1000);
    const h = e.begin();
    fill(e, c, 1000, 2000); // committed after h's snapshot
    for (let r = 0; r < 20; r++) for (const p of h.randomRecords!(c, 50)) assert(p.rid <= 1000n);
    // h removes 97% of its records: the ids left are sparse (the engine's random cursor picks)
    for (let i = 1; i <= 1000; i++) if (i % 40 !== 0) h.remove(c, BigInt(i), idKeys(i - 1));
    const left = new Set<bigint>();
    for (let r = 0; r < 20; r++) {
      for (const p of h.randomRecords!(c, 50)) {
        assertEquals(p.rid % 40n, 0n);
        left.add(p.rid);
      }
    }
    assert(left.size > 10, `${left.size} of 25`);
    h.abort();
    // a handle reading as of an earlier time picks through the random cursor (its snapshot kept)
    e.keepHistorySince(1n);
    const c2 = e.catalog.createCollection("db", "c2");
    e.write((t) => {
      t.commitAt(10n);
      for (let i = 0; i < 100; i++) t.insert(c2, doc(i), idKeys(i));
    });
    e.write((t) => {
      t.commitAt(20n);
      for (let i = 100; i < 200; i++) t.insert(c2, doc(i), idKeys(i));
    });
    const past = e.begin({ readAt: 15n, readOnly: true });
    try {
      const picks = past.randomRecords!(c2, 200);
      assertEquals(picks.length, 200);
      assert(picks.every((p) => p.rid <= 100n));
    } finally {
      past.abort();
    }
  });
});
