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
