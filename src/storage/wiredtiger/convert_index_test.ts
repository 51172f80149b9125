/** convertIndex (unique ⇄ non-unique layout) and prepareUnique enforcement on writes. */
import { StorageError } from "../api.ts";
import { assertEquals, assertThrows, doc, idKeys, key, open, withTempDir } from "./test_util.ts";

Deno.test("prepareUnique refuses new duplicate keys, keeps old ones; convertIndex moves layouts", () => {
  withTempDir((dir) => {
    {
      using e = open(dir);
      e.catalog.createCollection("db", "c");
      let c = e.catalog.createIndex("db", "c", { name: "g_1", spec: { key: { g: 1 } }, unique: false });
      e.write((t) => {
        for (const i of [1, 2, 3]) {
          t.insert(c, doc(i, { g: i === 3 ? 9 : 1 }), idKeys(i, { g_1: [key(i === 3 ? 9 : 1)] }));
        }
      });
      c = e.catalog.updateIndex("db", "c", "g_1", { spec: { key: { g: 1 }, prepareUnique: true } });
      const dup = assertThrows(
        () => e.write((t) => t.insert(c, doc(4, { g: 9 }), idKeys(4, { g_1: [key(9)] }))),
        StorageError,
      );
      assertEquals(dup.code, "DuplicateKey");
      // the record that holds the key may re-add it (an update that keeps its key)
      e.write((t) =>
        t.update(c, 3n, doc(3, { g: 9, y: 1 }), idKeys(3, { g_1: [] }), idKeys(3, { g_1: [key(9)] }))
      );
      // converting with duplicates fails and changes nothing
      const bad = assertThrows(
        () =>
          e.catalog.convertIndex("db", "c", "g_1", { spec: { key: { g: 1 }, unique: true }, unique: true }),
        StorageError,
      );
      assertEquals(bad.code, "DuplicateKey");
      assertEquals(e.catalog.getCollection("db", "c")!.indexes[1]!.unique, false);
      e.write((t) => t.remove(c, 2n, idKeys(2, { g_1: [key(1)] })));
      c = e.catalog.convertIndex("db", "c", "g_1", { spec: { key: { g: 1 }, unique: true }, unique: true });
      assertEquals(c.indexes[1]!.unique, true);
      e.read((t) => {
        assertEquals(t.seekUnique(c, "g_1", key(1)), 1n);
        assertEquals(t.seekUnique(c, "g_1", key(9)), 3n);
      });
    }
    // the conversion survives a restart
    using e = open(dir);
    let c = e.catalog.getCollection("db", "c")!;
    assertEquals(c.indexes[1]!.spec, { key: { g: 1 }, unique: true });
    e.read((t) => assertEquals(t.seekUnique(c, "g_1", key(9)), 3n));
    c = e.catalog.convertIndex("db", "c", "g_1", { spec: { key: { g: 1 } }, unique: false });
    const rid = e.write((t) => t.insert(c, doc(5, { g: 9 }), idKeys(5, { g_1: [key(9)] })));
    e.read((t) =>
      assertEquals([...t.scanIndex(c, "g_1", { lower: key(9), upper: key(9) })].map((h) => h.rid), [3n, rid])
    );
  });
});
