/** Round-trip tests of the WiredTiger FFI layer on a real on-disk database under a temp dir. */

import { assert, assertEquals, assertThrows } from "./test_assert.ts";
import { Connection, PutMode, wiredTigerVersion, WtError } from "./mod.ts";

function withDb(fn: (conn: Connection, dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "wt-ffi-test-" });
  const conn = Connection.open(dir, "create,log=(enabled=true)");
  try {
    fn(conn, dir);
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

const b = (...xs: number[]) => new Uint8Array(xs);

Deno.test("version is 3.2.x", () => {
  const [major, minor] = wiredTigerVersion();
  assertEquals([major, minor], [3, 2]);
});

Deno.test("kv round-trip with zero bytes, not-found, duplicate key", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:kv", "key_format=u,value_format=u");
    using c = s.openCursor("table:kv", "overwrite=false");
    c.put(b(0, 1, 0), b(9, 0, 9), PutMode.INSERT);
    c.put(b(0), b(), PutMode.INSERT);
    assertEquals(c.get(b(0, 1, 0)), b(9, 0, 9));
    assertEquals(c.get(b(0)), b());
    assertEquals(c.get(b(0, 1)), null);
    const e = assertThrows(() => c.put(b(0, 1, 0), b(1), PutMode.INSERT), WtError);
    assert(e.isDuplicateKey);
    c.put(b(0, 1, 0), b(2), PutMode.UPSERT);
    assertEquals(c.get(b(0, 1, 0)), b(2));
    // empty keys are refused, not a crash
    assertThrows(() => c.put(b(), b(1)), WtError);
    assertEquals(c.get(b()), null);
    const big = new Uint8Array(200_000).fill(7);
    c.put(b(5), big);
    assertEquals(c.get(b(5))!.length, big.length);
    assertEquals([...c.scanKv()].map(([k]) => [...k]), [[0], [0, 1, 0], [5]]);
    assertEquals([...c.scanKv(true)].map(([k]) => [...k]), [[5], [0, 1, 0], [0]]);
    assert(c.remove(b(5)));
    assert(!c.remove(b(5)));
  });
});

Deno.test("scanKvRange: bounds (lower inclusive, upper exclusive), both directions, seek past gaps", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:kr", "key_format=u,value_format=u");
    using c = s.openCursor("table:kr", "overwrite=false");
    const keys = (it: Iterable<[Uint8Array, Uint8Array]>) => [...it].map(([k]) => k[0]!);
    assertEquals(keys(c.scanKvRange(b(1), b(2))), []);
    for (const k of [10, 20, 30, 40, 50]) c.put(b(k), b(k, 0, k));
    assertEquals(keys(c.scanKvRange()), [10, 20, 30, 40, 50]);
    assertEquals(keys(c.scanKvRange(b(20), b(40))), [20, 30]);
    assertEquals(keys(c.scanKvRange(b(15), b(45))), [20, 30, 40]);
    assertEquals(keys(c.scanKvRange(b(20), b(40), true)), [30, 20]);
    assertEquals(keys(c.scanKvRange(b(15), b(45), true)), [40, 30, 20]);
    assertEquals(keys(c.scanKvRange(undefined, b(30), true)), [20, 10]);
    assertEquals(keys(c.scanKvRange(b(35))), [40, 50]);
    assertEquals(keys(c.scanKvRange(b(60))), []);
    assertEquals(keys(c.scanKvRange(undefined, b(5), true)), []);
    assertEquals([...c.scanKvRange(b(30), b(31))][0]![1], b(30, 0, 30));
  });
});

Deno.test("rollback discards writes; commit keeps them; reopen sees committed data", () => {
  const dir = Deno.makeTempDirSync({ prefix: "wt-ffi-test-" });
  try {
    {
      using conn = Connection.open(dir, "create,log=(enabled=true)");
      const s = conn.openSession();
      s.create("table:r", "key_format=q,value_format=u");
      const c = s.openCursor("table:r", "overwrite=false");
      s.begin();
      c.recInsert(1n, b(1));
      s.rollback();
      assertEquals(c.recGet(1n), null);
      s.begin();
      c.recInsert(2n, b(2));
      s.commit();
      assertEquals(c.recLast(), 2n);
    }
    using conn = Connection.open(dir, "create,log=(enabled=true)");
    using s = conn.openSession();
    using c = s.openCursor("table:r");
    assertEquals(c.recGet(2n), b(2));
    assertEquals(c.recGet(1n), null);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("commitAt: commits at its timestamp in one call; a refused timestamp rolls back", () => {
  withDb((conn) => {
    const s = conn.openSession("isolation=snapshot");
    s.create("table:t", "key_format=q,value_format=u");
    const c = s.openCursor("table:t", "overwrite=false");
    s.begin();
    c.recInsert(1n, b(1));
    s.commitAt(0x20n);
    s.begin();
    c.recInsert(2n, b(2));
    s.commitAt(0x30n, "sync=off");
    const at = (ts: bigint) => {
      s.begin(`read_timestamp=${ts.toString(16)}`);
      try {
        return [c.recGet(1n) !== null, c.recGet(2n) !== null];
      } finally {
        s.rollback();
      }
    };
    assertEquals(at(0x1fn), [false, false]);
    assertEquals(at(0x20n), [true, false]);
    assertEquals(at(0x30n), [true, true]);
    conn.setTimestamp("oldest_timestamp=40,stable_timestamp=40");
    s.begin();
    c.recInsert(3n, b(3));
    assertThrows(() => s.commitAt(0x35n)); // older than the oldest timestamp
    s.begin(); // (the failed commit rolled the transaction back)
    assertEquals(c.recGet(3n), null);
    s.rollback();
  });
});

Deno.test("write conflict between two sessions is a rollback error", () => {
  withDb((conn) => {
    const s1 = conn.openSession();
    const s2 = conn.openSession();
    s1.create("table:w", "key_format=q,value_format=u");
    const c1 = s1.openCursor("table:w");
    const c2 = s2.openCursor("table:w");
    c1.recInsert(1n, b(0));
    // WiredTiger's default isolation is read-committed: ask for snapshot explicitly.
    s1.begin("isolation=snapshot");
    s2.begin("isolation=snapshot");
    assertEquals(c2.recGet(1n), b(0));
    c1.recUpdate(1n, b(1));
    const e = assertThrows(() => c2.recUpdate(1n, b(2)), WtError);
    assert(e.isRollback, e.message);
    s2.rollback();
    s1.commit();
    assertEquals(c2.recGet(1n), b(1));
  });
});

Deno.test("record scans: batches, after, reverse, large values", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:r", "key_format=q,value_format=u");
    using c = s.openCursor("table:r");
    s.begin();
    for (let i = 1n; i <= 3000n; i++) {
      c.recInsert(i, new Uint8Array(Number(i % 7n) * 100).fill(Number(i % 251n)));
    }
    c.recInsert(5000n, new Uint8Array(3_000_000).fill(1));
    s.commit();
    const all = [...c.scanRecords()];
    assertEquals(all.length, 3001);
    assertEquals(all[0]!.rid, 1n);
    assertEquals(all[2999]!.bytes.length, (3000 % 7) * 100);
    assertEquals(all[3000]!.bytes.length, 3_000_000);
    assertEquals([...c.scanRecords(false, 2998n)].map((r) => r.rid), [2999n, 3000n, 5000n]);
    assertEquals([...c.scanRecords(true, 3n)].map((r) => r.rid), [2n, 1n]);
    assertEquals([...c.scanRecords(true)].length, 3001);
    assertEquals([...c.scanRecords(false, 9999n)].length, 0);
  });
});

Deno.test("record scans with release: a batch's buffer is freed once the scan moves past it", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:r", "key_format=q,value_format=u");
    using c = s.openCursor("table:r");
    s.begin();
    for (let i = 1n; i <= 5000n; i++) c.recInsert(i, new Uint8Array(700).fill(Number(i % 251n)));
    s.commit();
    // a view kept past its batch reads as empty (its buffer detached), never as another batch's bytes
    const kept: Uint8Array[] = [];
    let n = 0;
    for (const r of c.scanRecords(false, undefined, 100, true)) {
      assertEquals(r.bytes.length, 700);
      assertEquals(r.bytes[699], Number(r.rid % 251n)); // valid while the scan is on it
      if (r.rid % 100n === 1n) kept.push(r.bytes);
      n++;
    }
    assertEquals(n, 5000);
    assert(kept.length === 50 && kept.every((v) => v.length === 0), "every kept view was released");
    // stopping early (return) frees the current batch too
    const it = c.scanRecords(false, undefined, 100, true);
    const first = it.next().value!.bytes;
    assertEquals(first.length, 700);
    it.return();
    assertEquals(first.length, 0);
    // without release, views stay valid (the default every other consumer relies on)
    const views = [...c.scanRecords()].map((r) => r.bytes);
    assert(views.every((v, i) => v.length === 700 && v[0] === (i + 1) % 251));
  });
});

Deno.test("index: unique and non-unique with prefix keys keep (key, rid) order and bounds", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:u", "key_format=u,value_format=u");
    s.create("table:n", "key_format=u,value_format=u");
    using u = s.openCursor("table:u", "overwrite=false");
    using n = s.openCursor("table:n", "overwrite=false");
    u.idxInsert(true, b(1, 0), 7n);
    u.idxInsert(true, b(1, 0), 7n); // same key, same record: fine
    assert(assertThrows(() => u.idxInsert(true, b(1, 0), 8n), WtError).isDuplicateKey);
    u.idxInsert(true, b(), 9n); // empty key is a valid index key
    assertEquals(u.idxSeek(b(1, 0)), 7n);
    assertEquals(u.idxSeek(b()), 9n);
    assertEquals(u.idxSeek(b(1)), null);
    const keys = [b(1), b(1, 0), b(1, 0, 0), b(1, 255), b(2), b()];
    let rid = 1n;
    for (const k of keys) for (let i = 0; i < 3; i++) n.idxInsert(false, k, rid++ * 0x0101010101n);
    const hits = (o: Parameters<typeof n.scanIndex>[0]) => [...n.scanIndex(o)].map((h) => [...h.key]);
    assertEquals(hits({ unique: false }), [
      [],
      [],
      [],
      [1],
      [1],
      [1],
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0, 0],
      [1, 0, 0],
      [
        1,
        0,
        0,
      ],
      [1, 255],
      [1, 255],
      [1, 255],
      [2],
      [2],
      [2],
    ]);
    assertEquals(hits({ unique: false, lower: b(1, 0), upper: b(1, 0) }), [[1, 0], [1, 0], [1, 0]]);
    assertEquals(
      hits({ unique: false, lower: b(1), lowerExclusive: true, upper: b(1, 255), upperExclusive: true }),
      [
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0, 0],
        [1, 0, 0],
        [1, 0, 0],
      ],
    );
    assertEquals(hits({ unique: false, reverse: true, lower: b(1, 0, 0), upper: b(1, 255) }), [
      [1, 255],
      [1, 255],
      [1, 255],
      [1, 0, 0],
      [1, 0, 0],
      [1, 0, 0],
    ]);
    const r = [...n.scanIndex({ unique: false, lower: b(2), upper: b(2) })].map((h) => h.rid);
    assertEquals(r, [13n * 0x0101010101n, 14n * 0x0101010101n, 15n * 0x0101010101n]);
    n.idxRemove(false, b(2), 14n * 0x0101010101n);
    n.idxRemove(false, b(2), 99n); // absent: ignored
    assertEquals(hits({ unique: false, lower: b(2) }).length, 2);
  });
});

Deno.test("index: one call inserts / removes many keys of a record, stopping at a duplicate", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:n", "key_format=u,value_format=u");
    s.create("table:u", "key_format=u,value_format=u");
    using n = s.openCursor("table:n", "overwrite=false");
    using u = s.openCursor("table:u", "overwrite=false");
    const big = new Uint8Array(5000).fill(7); // past the packing scratch's first size
    n.idxInsertMany(false, [b(3), b(1, 0), b(), big, b(1, 0)], 5n);
    n.idxInsertMany(false, [b(3)], 6n);
    const all = () => [...n.scanIndex({ unique: false })].map((h) => `${h.key.length}:${h.key[0]}@${h.rid}`);
    assertEquals(all(), ["0:undefined@5", "2:1@5", "1:3@5", "1:3@6", "5000:7@5"]);
    n.idxRemoveMany(false, [b(3), big, b(9)], 5n); // b(9) absent: ignored
    assertEquals(all(), ["0:undefined@5", "2:1@5", "1:3@6"]);
    n.idxInsertMany(false, [], 5n);
    // pairs: key i for record i (a build's sorted batch); an entry already there is no error
    n.idxInsertPairs([b(0, 1), b(0, 1), big, b(3)], [7n, 8n, 9n, 6n]);
    assertEquals(all(), ["0:undefined@5", "2:0@7", "2:0@8", "2:1@5", "1:3@6", "5000:7@9"]);
    n.idxInsertPairs([], []);
    u.idxInsert(true, b(2), 1n);
    const e = assertThrows(() => u.idxInsertMany(true, [b(1), b(2), b(3)], 9n), WtError);
    assert(e.isDuplicateKey);
    assertEquals(u.idxSeek(b(1)), 9n); // the keys before the duplicate are in
    assertEquals(u.idxSeek(b(3)), null);
  });
});

Deno.test("close is idempotent and closed handles throw instead of crashing", () => {
  const dir = Deno.makeTempDirSync({ prefix: "wt-ffi-test-" });
  const conn = Connection.open(dir, "create");
  const s = conn.openSession();
  s.create("table:x", "key_format=u,value_format=u");
  const c = s.openCursor("table:x");
  conn.close();
  conn.close();
  assert(c.closed && s.closed);
  assertThrows(() => c.get(b(1)));
  assertThrows(() => s.begin());
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("idxGetRecord: unique seek and record fetch in one call (hit, missing key, dangling rid, big value)", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:ix", "key_format=u,value_format=u");
    s.create("table:rec", "key_format=q,value_format=u");
    using ix = s.openCursor("table:ix", "overwrite=false");
    using rec = s.openCursor("table:rec", "overwrite=false");
    rec.recInsert(7n, b(7, 0, 7));
    rec.recInsert(9n, b());
    const big = new Uint8Array(300_000).fill(3);
    rec.recInsert(11n, big);
    ix.idxInsert(true, b(1, 0), 7n);
    ix.idxInsert(true, b(), 9n);
    ix.idxInsert(true, b(2), 11n);
    ix.idxInsert(true, b(5), 99n); // names a record that does not exist
    assertEquals(ix.idxGetRecord(rec, b(1, 0)), { rid: 7n, bytes: b(7, 0, 7) });
    assertEquals(ix.idxGetRecord(rec, b()), { rid: 9n, bytes: b() });
    assertEquals(ix.idxGetRecord(rec, b(1)), null);
    assertEquals(ix.idxGetRecord(rec, b(5)), null);
    const hit = ix.idxGetRecord(rec, b(2));
    assertEquals(hit?.rid, 11n);
    assertEquals(hit?.bytes, big);
    // the index cursor is left reset: an insert through it still works
    ix.idxInsert(true, b(3), 7n);
    assertEquals(ix.idxGetRecord(rec, b(3))?.rid, 7n);
  });
});

Deno.test("scanIndexFetch: entries with their records in one call per batch (bounds, reverse, dangling rid, records larger than a batch)", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:ix", "key_format=u,value_format=u");
    s.create("table:rec", "key_format=q,value_format=u");
    using ix = s.openCursor("table:ix", "overwrite=false");
    using rec = s.openCursor("table:rec", "overwrite=false");
    // 100 records of 1..3 KB (some past the first batch's room), and one of 300 KB
    const value = (i: number) => new Uint8Array(1000 + (i % 3) * 1000).fill(i);
    for (let i = 1; i <= 100; i++) rec.recInsert(BigInt(i), value(i));
    const big = new Uint8Array(300_000).fill(9);
    rec.recInsert(500n, big);
    for (let i = 1; i <= 100; i++) ix.idxInsert(false, b(1, i), BigInt(i));
    ix.idxInsert(false, b(1, 50), 500n); // a second entry for key [1, 50]: the big record
    ix.idxInsert(false, b(1, 60), 999n); // names a record that does not exist
    const read = (o: Parameters<typeof ix.scanIndex>[0], expect?: number) =>
      [...ix.scanIndexFetch(() => rec, o, expect)].map((h) => ({
        rid: h.rid,
        key: [...h.key],
        bytes: h.bytes,
      }));
    const all = read({ unique: false });
    assertEquals(all.length, 102);
    assertEquals(all.map((h) => h.rid), [...ix.scanIndex({ unique: false })].map((h) => h.rid));
    for (const h of all) {
      if (h.rid === 999n) assertEquals(h.bytes, null);
      else if (h.rid === 500n) assertEquals(h.bytes, big);
      else assertEquals(h.bytes, value(Number(h.rid)));
    }
    // bounds (lower inclusive, upper exclusive) and a small first batch
    const mid = read({ unique: false, lower: b(1, 10), upper: b(1, 20), upperExclusive: true }, 3);
    assertEquals(mid.map((h) => h.rid), Array.from({ length: 10 }, (_, i) => BigInt(10 + i)));
    const rev = read({ unique: false, lower: b(1, 45), upper: b(1, 55), reverse: true }, 2);
    assertEquals(rev.map((h) => h.key[1]), [55, 54, 53, 52, 51, 50, 50, 49, 48, 47, 46, 45]);
    assertEquals(rev.find((h) => h.rid === 500n)?.bytes, big);
    // the record cursor is free for other use between batches
    const it = ix.scanIndexFetch(() => rec, { unique: false }, 1);
    assertEquals(it.next().value?.rid, 1n);
    assertEquals(rec.recGet(77n), value(77));
    assertEquals([...it].length, 101);
  });
});

Deno.test("point reads: each record read is its own copy (slab views never overlap or change), big ones too", () => {
  withDb((conn) => {
    using s = conn.openSession();
    s.create("table:r", "key_format=q,value_format=u");
    using c = s.openCursor("table:r");
    const value = (i: number, n: number) => new Uint8Array(n).fill(i & 0xff);
    const sizes = [1, 7, 700, 1000, 4095, 4096, 4097, 20_000];
    for (let i = 0; i < 200; i++) c.recInsert(BigInt(i + 1), value(i, sizes[i % sizes.length]!));
    const got: Uint8Array[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 200; i++) got.push(c.recGet(BigInt(i + 1))!);
    }
    got.forEach((v, k) => assertEquals(v, value(k % 200, sizes[(k % 200) % sizes.length]!)));
    // a caller may change its copy: nothing else sees it
    got[0]!.fill(0xee);
    assertEquals(c.recGet(1n), value(0, 1));
    assertEquals(got[1], value(1, 7));
  });
});
