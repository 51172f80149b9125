/** Commit timestamps and reads as of an earlier time (`commitAt`, `begin({readAt})`, `keepHistorySince`). */

import { StorageError } from "../api.ts";
import { assertEquals, assertThrows, doc, idKeys, open, withTempDir } from "./test_util.ts";

Deno.test("history: a reader at an earlier timestamp sees the data as it was then", () =>
  withTempDir((path) => {
    const e = open(path);
    try {
      const c = e.catalog.createCollection("db", "c");
      e.keepHistorySince(5n);
      e.write((t) => {
        t.insert(c, doc(1, { x: 1 }), idKeys(1));
        t.commitAt(10n);
      });
      const rid2 = e.write((t) => {
        const rid = t.insert(c, doc(2, { x: 2 }), idKeys(2));
        t.commitAt(20n);
        return rid;
      });
      e.write((t) => {
        t.remove(c, rid2, idKeys(2));
        t.commitAt(30n);
      });
      const countAt = (ts: bigint) => {
        const h = e.begin({ readOnly: true, readAt: ts });
        try {
          return [h.count(c), [...h.scan(c)].length];
        } finally {
          h.abort();
        }
      };
      assertEquals(countAt(9n), [0, 0]);
      assertEquals(countAt(10n), [1, 1]);
      assertEquals(countAt(25n), [2, 2]);
      assertEquals(countAt(30n), [1, 1]);
      e.read((t) => assertEquals(t.count(c), 1)); // no readAt: the present
    } finally {
      e.close();
    }
  }));

Deno.test("history: readAt before keepHistorySince is SnapshotTooOld; the start never moves back", () =>
  withTempDir((path) => {
    const e = open(path);
    try {
      e.keepHistorySince(100n);
      e.keepHistorySince(50n); // ignored
      const err = assertThrows(() => e.begin({ readOnly: true, readAt: 99n }), StorageError);
      assertEquals(err.code, "SnapshotTooOld");
      e.begin({ readOnly: true, readAt: 100n }).abort();
    } finally {
      e.close();
    }
  }));

Deno.test("history: a writer reading at an earlier time conflicts with a record changed since", () =>
  withTempDir((path) => {
    const e = open(path);
    try {
      const c = e.catalog.createCollection("db", "c");
      e.keepHistorySince(5n);
      const rid = e.write((t) => {
        const rid = t.insert(c, doc(1, { x: 1 }), idKeys(1));
        t.commitAt(10n);
        return rid;
      });
      e.write((t) => {
        t.update(c, rid, doc(1, { x: 2 }), idKeys(1), idKeys(1));
        t.commitAt(20n);
      });
      const h = e.begin({ readAt: 15n });
      try {
        const err = assertThrows(
          () => h.update(c, rid, doc(1, { x: 3 }), idKeys(1), idKeys(1)),
          StorageError,
        );
        assertEquals(err.code, "WriteConflict");
      } finally {
        h.abort();
      }
      const w = e.begin({ readAt: 20n });
      w.insert(c, doc(2), idKeys(2));
      assertEquals(w.count(c), 2);
      w.commit();
      e.read((t) => assertEquals(t.count(c), 2));
    } finally {
      e.close();
    }
  }));

Deno.test("history: a DDL change commits at its hook's timestamp; a refused one fails the change cleanly", () =>
  withTempDir((path) => {
    const e = open(path);
    try {
      const log = e.openTable("ddl_log");
      let ts = 100n;
      let seq = 0;
      e.addWriteHook({
        onChange: (c, txn) => {
          const key = new Uint8Array(1);
          key[0] = ++seq;
          txn.table(log).insert(key, new TextEncoder().encode(c.op));
          txn.commitAt(ts);
        },
      });
      e.keepHistorySince(50n);
      e.catalog.createCollection("db", "a");
      const rowsAt = (at: bigint) => {
        const h = e.begin({ readOnly: true, readAt: at });
        try {
          return [...h.table(log).scan()].length;
        } finally {
          h.abort();
        }
      };
      assertEquals([rowsAt(99n), rowsAt(100n)], [0, 1]);
      // a commit timestamp older than the history kept: the commit fails, nothing of it stays
      e.keepHistorySince(200n);
      ts = 150n;
      assertThrows(() => e.catalog.createCollection("db", "b"), StorageError);
      assertEquals(e.catalog.getCollection("db", "b"), undefined);
      ts = 300n;
      e.catalog.createCollection("db", "c");
      assertEquals(e.catalog.listCollections("db").map((c) => c.name).sort(), ["a", "c"]);
      e.read((t) => assertEquals([...t.table(log).scan()].length, 2));
    } finally {
      e.close();
    }
  }));
