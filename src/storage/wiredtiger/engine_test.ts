/** Behaviour of the WiredTiger StorageEngine: catalog, CRUD, scans, unique violations, DDL, :memory:. */

import { StorageError } from "../api.ts";
import {
  assert,
  assertBytes,
  assertEquals,
  assertThrows,
  decode,
  doc,
  idKeys,
  key,
  open,
  options,
  withTempDir,
} from "./test_util.ts";
import { openWiredTiger } from "./mod.ts";

Deno.test("catalog survives reopen (collections, indexes, options, uuid)", () => {
  withTempDir((dir) => {
    let uuid: Uint8Array;
    {
      using e = open(dir);
      const c = e.catalog.createCollection("db", "a.b$c 😀", { capped: true, size: 4096 });
      uuid = c.uuid;
      e.catalog.createIndex("db", "a.b$c 😀", {
        name: "x_1",
        spec: { v: 2, key: { x: 1 }, name: "x_1" },
        unique: false,
      });
      e.catalog.createCollection("other", "z");
      e.write((t) => t.insert(c, doc(1), idKeys(1)));
    }
    using e = open(dir);
    assertEquals(e.catalog.listDatabases(), ["db", "other"]);
    const c = e.catalog.getCollection("db", "a.b$c 😀")!;
    assertEquals(c.uuid, uuid);
    assertEquals(c.options, { capped: true, size: 4096 });
    assertEquals(c.indexes.map((i) => [i.name, i.unique]), [["_id_", true], ["x_1", false]]);
    assertEquals(e.read((t) => t.count(c)), 1);
    // record ids continue after the last stored one
    const rid = e.write((t) => t.insert(c, doc(2), idKeys(2)));
    assertEquals(rid, 2n);
  });
});

Deno.test("insert / get / seekUnique / getByUnique / scan / scanIndex / update / remove", () => {
  withTempDir((dir) => {
    using e = open(dir);
    e.catalog.createCollection("db", "c");
    const c = e.catalog.createIndex("db", "c", { name: "g_1", spec: { key: { g: 1 } }, unique: false });
    const rids = e.write((t) =>
      [1, 2, 3, 4, 5].map((i) => t.insert(c, doc(i, { g: i % 2 }), idKeys(i, { g_1: [key(i % 2)] })))
    );
    assertEquals(rids, [1n, 2n, 3n, 4n, 5n]);
    e.read((t) => {
      assertEquals(decode(t.get(c, 3n)!), { _id: 3, g: 1 });
      assertEquals(t.get(c, 99n), null);
      assertEquals(t.seekUnique(c, "_id_", key(4)), 4n);
      assertEquals(t.seekUnique(c, "_id_", key(44)), null);
      const hit = t.getByUnique(c, "_id_", key(4))!;
      assertEquals([hit.rid, decode(hit.bytes)], [4n, { _id: 4, g: 0 }]);
      assertEquals(t.getByUnique(c, "_id_", key(44)), null);
      assertThrows(() => t.getByUnique(c, "g_1", key(1)), StorageError);
      assertEquals([...t.scan(c)].map((r) => r.rid), [1n, 2n, 3n, 4n, 5n]);
      assertEquals([...t.scan(c, { after: 2n })].map((r) => r.rid), [3n, 4n, 5n]);
      assertEquals([...t.scan(c, { reverse: true, after: 4n })].map((r) => r.rid), [3n, 2n, 1n]);
      assertEquals([...t.scanIndex(c, "g_1", { lower: key(1), upper: key(1) })].map((h) => h.rid), [
        1n,
        3n,
        5n,
      ]);
      assertEquals([...t.scanIndex(c, "g_1", { reverse: true })].map((h) => h.rid), [5n, 3n, 1n, 4n, 2n]);
      // a resumed scan starts after (key, record id), fetching or not, whether that entry exists or not
      const after = (opts: Record<string, unknown>) => [...t.scanIndex(c, "g_1", opts)].map((h) => h.rid);
      assertEquals(after({ lower: key(1), upper: key(1), afterRid: 1n }), [3n, 5n]);
      assertEquals(after({ lower: key(1), upper: key(1), afterRid: 2n, fetch: true }), [3n, 5n]);
      assertEquals(after({ lower: key(0), afterRid: 4n }), [1n, 3n, 5n]);
      assertEquals(after({ lower: key(1), afterRid: 5n }), []);
      assertEquals(after({ upper: key(1), reverse: true, afterRid: 5n }), [3n, 1n, 4n, 2n]);
      assertEquals(after({ upper: key(1), reverse: true, afterRid: 4n, fetch: true }), [3n, 1n, 4n, 2n]);
      assertEquals(after({ upper: key(0), reverse: true, afterRid: 2n }), []);
      assertEquals(t.count(c), 5);
      assertThrows(() => t.scanIndex(c, "nope"), StorageError);
    });
    e.write((t) => {
      t.update(c, 3n, doc(3, { g: 0 }), idKeys(3, { g_1: [key(1)] }), idKeys(3, { g_1: [key(0)] }));
      t.remove(c, 5n, idKeys(5, { g_1: [key(1)] }));
    });
    e.read((t) => {
      assertEquals(decode(t.get(c, 3n)!), { _id: 3, g: 0 });
      assertEquals(t.get(c, 5n), null);
      assertEquals([...t.scanIndex(c, "g_1", { upper: key(0) })].map((h) => h.rid), [2n, 3n, 4n]);
      assertEquals(t.seekUnique(c, "_id_", key(5)), null);
      assertEquals(t.count(c), 4);
    });
    assertThrows(() => e.write((t) => t.update(c, 77n, doc(7), idKeys(7), idKeys(7))), StorageError);
  });
});

Deno.test("a unique violation rolls back the whole write", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => t.insert(c, doc(1), idKeys(1)));
    const err = assertThrows(() =>
      e.write((t) => {
        t.insert(c, doc(2), idKeys(2));
        t.insert(c, doc(1), idKeys(1));
      }), StorageError);
    assertEquals([err.code, err.indexName], ["DuplicateKey", "_id_"]);
    e.read((t) => {
      assertEquals(t.count(c), 1);
      assertEquals(t.seekUnique(c, "_id_", key(2)), null);
      assertEquals([...t.scan(c)].length, 1);
    });
    // the failed write's record id is not reused
    assertEquals(e.write((t) => t.insert(c, doc(3), idKeys(3))), 4n);
  });
});

Deno.test("iterators and transactions are invalid after their callback", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => {
      for (let i = 0; i < 100; i++) t.insert(c, doc(i), idKeys(i));
    });
    let leaked: IterableIterator<unknown> | undefined;
    let txn: { count(x: typeof c): number } | undefined;
    e.read((t) => {
      txn = t;
      leaked = t.scan(c);
      leaked.next();
      // a point read on the same table while a scan is open
      assertEquals(t.get(c, 50n) !== null, true);
    });
    assertThrows(() => leaked!.next());
    assertThrows(() => txn!.count(c));
    // scan while updating the same collection in one write
    e.write((t) => {
      for (const r of t.scan(c)) t.update(c, r.rid, doc(Number(r.rid), { u: 1 }), new Map(), new Map());
    });
    e.read((t) => assert([...t.scan(c)].every((r) => decode(r.bytes).u === 1)));
  });
});

Deno.test("drop / rename / dropDatabase / dropIndex", () => {
  withTempDir((dir) => {
    {
      using e = open(dir);
      const a = e.catalog.createCollection("db", "a");
      e.write((t) => t.insert(a, doc(1), idKeys(1)));
      assertThrows(() => e.catalog.createCollection("db", "a"), StorageError);
      const r = e.catalog.renameCollection("db", "a", "db2", "b");
      assertEquals(e.catalog.getCollection("db", "a"), undefined);
      assertEquals(e.read((t) => t.count(r)), 1);
      e.catalog.createCollection("db2", "c");
      assertThrows(() => e.catalog.renameCollection("db2", "b", "db2", "c"), StorageError);
      const withIdx = e.catalog.createIndex("db2", "b", { name: "x", spec: {}, unique: true });
      e.write((t) => t.insert(withIdx, doc(2), idKeys(2, { x: [key("k")] })));
      const noIdx = e.catalog.dropIndex("db2", "b", "x");
      assertEquals(noIdx.indexes.map((i) => i.name), ["_id_"]);
      assertEquals(
        (assertThrows(() => e.catalog.dropIndex("db2", "b", "x"), StorageError)).code,
        "IndexNotFound",
      );
      assertEquals(e.catalog.dropDatabase("db2").sort(), ["b", "c"]);
      assertEquals(e.catalog.listDatabases(), []);
      assertEquals(e.catalog.dropCollection("db2", "b"), false);
      // the same name can be created again and starts empty
      const again = e.catalog.createCollection("db", "a");
      assertEquals(e.read((t) => t.count(again)), 0);
    }
    using e = open(dir);
    assertEquals(e.catalog.listDatabases(), ["db"]);
    const left = [...Deno.readDirSync(dir)].map((f) => f.name).filter((n) => /^(coll|index)-/.test(n)).sort();
    assertEquals(left.length, 2); // only the re-created db.a and its _id_ index remain
  });
});

Deno.test(":memory: engine works and leaves nothing behind", () => {
  using e = openWiredTiger(options(":memory:"));
  assert(e.inMemory);
  const c = e.catalog.createCollection("db", "m");
  e.write((t) => {
    for (let i = 0; i < 1000; i++) t.insert(c, doc(i, { pad: "x".repeat(100) }), idKeys(i));
  });
  assertEquals(e.read((t) => t.count(c)), 1000);
  const s = e.sizes(c);
  assert(s.storageSize > 0 && s.indexSizes["_id_"]! > 0);
  e.close();
  e.close();
  assertThrows(() => e.read(() => 0), StorageError);
});

Deno.test("sizes on disk and an oversize record round-trips", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    const big = doc(1, { s: "y".repeat(5_000_000) });
    e.write((t) => t.insert(c, big, idKeys(1)));
    assertBytes(e.read((t) => t.get(c, 1n)), big);
    e.checkpoint();
    assert(e.sizes(c).storageSize > 1_000_000);
  });
});

Deno.test("cacheBytesInUse is the connection statistic 'cache: bytes currently in the cache'", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => t.insert(c, doc(1, { s: "x".repeat(1000) }), idKeys(1)));
    const fromMap = e.statistics().get("cache: bytes currently in the cache");
    const alone = e.cacheBytesInUse();
    assert(fromMap !== undefined && fromMap > 0);
    assertEquals(alone, fromMap); // nothing ran in between: the same value
  });
});
