/**
 * A `begin` handle keeps the catalog entries of namespaces DDL changed after it began (`catalogAsOf`),
 * and the tables of those entries until it ends.
 */

import { StorageError } from "../api.ts";
import { assert, assertEquals, assertThrows, doc, idKeys, open, withTempDir } from "./test_util.ts";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("a dropped collection stays readable by a handle begun before the drop, then its table goes", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => t.insert(c, doc(1), idKeys(1)));
    const h = e.begin();
    const other = e.catalog.createCollection("db", "other");
    assertEquals(h.catalogAsOf("db", "c"), undefined);
    e.catalog.dropCollection("db", "c");
    assertEquals(h.catalogAsOf("db", "c"), c);
    assertEquals(h.catalogAsOf("db", "other"), null, "created after the handle began");
    assertEquals([...h.scan(c)].map((r) => r.rid), [1n]);
    assert(exists(`${dir}/${c.ident}.wt`), "the table is kept while the handle is open");
    // a handle begun after the drop keeps nothing
    const later = e.begin();
    assertEquals(later.catalogAsOf("db", "c"), undefined);
    later.abort();
    h.abort();
    assert(!exists(`${dir}/${c.ident}.wt`), "dropped once the handle ended");
    assertEquals(e.catalog.getCollection("db", "other"), other);
  });
});

Deno.test("the first change wins: a handle keeps the entry it began with through drop and re-create", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    const h = e.begin();
    e.catalog.createIndex("db", "c", { name: "v_1", spec: { v: 1 }, unique: false });
    e.catalog.dropCollection("db", "c");
    e.catalog.createCollection("db", "c");
    assertEquals(h.catalogAsOf("db", "c"), c);
    h.commit();
    assert(!exists(`${dir}/${c.ident}.wt`));
  });
});

Deno.test("internal reads and writes (`read`, `write`) keep nothing", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    const err = assertThrows(() =>
      e.read((t) => {
        e.catalog.dropCollection("db", "c");
        return [...t.scan(c)];
      }), StorageError);
    assertEquals(err.code, "ObjectDropped");
    assert(!exists(`${dir}/${c.ident}.wt`));
  });
});
