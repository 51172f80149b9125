/**
 * Internal tables of an in-memory engine are created by their first write (tables.ts): until then every
 * read sees them empty and no WiredTiger table exists; an on-disk engine creates (or opens) them at once.
 */

import { openWiredTiger } from "./engine.ts";
import { asWtTable } from "./tables.ts";
import { assert, assertEquals, key, options, withTempDir } from "./test_util.ts";

const value = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null): string | null => b === null ? null : new TextDecoder().decode(b);

Deno.test("in memory, an internal table is created by its first write and reads see it empty before", () => {
  using e = openWiredTiger(options(":memory:"));
  const t = e.openTable("lazy");
  assert(e.openTable("lazy") === t, "one handle per name");
  assert(asWtTable(t).pending !== undefined, "not created by openTable");
  assertEquals(e.read((r) => r.table(t).get(key("a"))), null);
  assertEquals(e.read((r) => [...r.table(t).scan()].length), 0);
  assertEquals(e.write((w) => w.table(t).remove(key("a"))), false);
  assertEquals(e.write((w) => w.table(t).removeLeading({ max: 10 })), { removed: 0, last: undefined });
  assert(asWtTable(t).pending !== undefined, "reads and removes of nothing create nothing");

  // a write that rolls back still leaves the table (a create is not transactional), empty
  try {
    e.write((w) => {
      w.table(t).put(key("a"), value("1"));
      throw new Error("rolled back");
    });
  } catch { /* expected */ }
  assertEquals(asWtTable(t).pending, undefined);
  assertEquals(e.read((r) => r.table(t).get(key("a"))), null);

  e.write((w) => w.table(t).insert(key("b"), value("2")));
  assertEquals(e.read((r) => text(r.table(t).get(key("b")))), "2");
  assertEquals(e.read((r) => [...r.table(t).scan()].map(([k, v]) => `${text(k)}=${text(v)}`)), ["b=2"]);
});

Deno.test("in memory, every write kind and the shim's view create a pending table", () => {
  using e = openWiredTiger(options(":memory:"));
  const puts = e.openTable("puts");
  e.write((w) => w.table(puts).put(key("k"), value("v")));
  assertEquals(e.read((r) => text(r.table(puts).get(key("k")))), "v");

  const native = e.openTable("native");
  const uri = e.nativeReads.internalTable(native);
  assertEquals(uri, "table:_int_native");
  assertEquals(asWtTable(native).pending, undefined);
  // a scan opens a cursor on it: the table exists
  assertEquals(e.read((r) => [...r.table(native).scan()].length), 0);
});

Deno.test("on disk, openTable creates the table at once (its rows may already be there)", () => {
  withTempDir((dir) => {
    {
      using e = openWiredTiger(options(dir));
      const t = e.openTable("eager");
      assertEquals(asWtTable(t).pending, undefined);
      e.write((w) => w.table(t).put(key("x"), value("kept")));
    }
    using e = openWiredTiger(options(dir));
    assertEquals(e.read((r) => text(r.table(e.openTable("eager")).get(key("x")))), "kept");
  });
});

Deno.test("tally counts a table's entries and value bytes in its transaction's snapshot", () => {
  using e = openWiredTiger(options(":memory:"));
  const t = e.openTable("tally");
  assertEquals(e.read((r) => r.table(t).tally()), { count: 0, bytes: 0 }, "pending: empty");
  e.write((w) => {
    w.table(t).put(key("a"), value("12345"));
    w.table(t).put(key("b"), value(""));
    w.table(t).put(key("c"), value("xy"));
  });
  assertEquals(e.read((r) => r.table(t).tally()), { count: 3, bytes: 7 });
  e.write((w) => {
    w.table(t).remove(key("a"));
    // its own uncommitted writes are counted; a scan afterwards still starts at the first key
    assertEquals(w.table(t).tally(), { count: 2, bytes: 2 });
    assertEquals([...w.table(t).scan()].map(([k]) => text(k)), ["b", "c"]);
  });
});
