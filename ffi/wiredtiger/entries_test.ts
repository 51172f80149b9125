/**
 * `EntryRemoval` and `EntryUpdate` (shim/wt_remove.c): a record and its entries in several indexes
 * removed, or the record replaced and its changed entries removed and added, in one call.
 */
import { assert, assertEquals } from "./test_assert.ts";
import { Connection, EntryRemoval, EntryUpdate } from "./mod.ts";

const b = (...xs: number[]) => new Uint8Array(xs);

Deno.test("EntryRemoval: the record and each index's entries go in one call; an absent record removes nothing", () => {
  const dir = Deno.makeTempDirSync({ prefix: "wt-entries-test-" });
  const conn = Connection.open(dir, "create,log=(enabled=true)");
  try {
    using s = conn.openSession();
    s.create("table:r", "key_format=q,value_format=u");
    s.create("table:u", "key_format=u,value_format=u");
    s.create("table:n", "key_format=u,value_format=u");
    using r = s.openCursor("table:r", "overwrite=false"); // (as the engine opens them)
    using u = s.openCursor("table:u", "overwrite=false");
    using n = s.openCursor("table:n", "overwrite=false");
    for (const rid of [1n, 2n]) {
      r.recInsert(rid, b(Number(rid)));
      u.idxInsert(true, b(9, Number(rid)), rid);
      for (const k of [b(1), b(2), b(3, 0)]) n.idxInsert(false, k, rid);
    }
    const keysOf = (rid: bigint) =>
      [...n.scanIndex({ unique: false })].filter((h) => h.rid === rid).map((h) => [...h.key]);
    const removal = new EntryRemoval();
    removal.add(u, true, [b(9, 1)]);
    removal.add(n, false, []); // nothing to add
    removal.add(n, false, [b(1), b(3, 0), b(7)]); // an entry it does not hold is no error
    assert(removal.removeRecord(r, 1n));
    assertEquals(r.recGet(1n), null);
    assertEquals(u.idxSeek(b(9, 1)), null);
    assertEquals(keysOf(1n), [[2]]);
    // record 2 is untouched
    assertEquals(r.recGet(2n), b(2));
    assertEquals(u.idxSeek(b(9, 2)), 2n);
    assertEquals(keysOf(2n), [[1], [2], [3, 0]]);
    // a unique entry another record owns stays
    removal.add(u, true, [b(9, 2)]);
    removal.add(n, false, [b(2)]);
    assert(removal.removeRecord(r, 1n) === false); // absent: nothing removed, the entries forgotten
    assertEquals(u.idxSeek(b(9, 2)), 2n);
    assertEquals(keysOf(1n), [[2]]);
    // many keys past the first buffer's size, many indexes past the first arrays'
    for (let i = 0; i < 40; i++) removal.add(n, false, [new Uint8Array(300).fill(i + 1)]);
    removal.add(u, true, [b(9, 3)]);
    assert(removal.removeRecord(r, 2n));
    assertEquals(r.recGet(2n), null);
    assertEquals(u.idxSeek(b(9, 2)), 2n); // not added this time
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("EntryUpdate: the record replaced, old entries removed, new ones added; a taken unique key says which index", () => {
  const dir = Deno.makeTempDirSync({ prefix: "wt-entries-test-" });
  const conn = Connection.open(dir, "create,log=(enabled=true)");
  try {
    using s = conn.openSession();
    s.create("table:r", "key_format=q,value_format=u");
    s.create("table:u", "key_format=u,value_format=u");
    s.create("table:n", "key_format=u,value_format=u");
    using r = s.openCursor("table:r", "overwrite=false");
    using u = s.openCursor("table:u", "overwrite=false");
    using n = s.openCursor("table:n", "overwrite=false");
    for (const rid of [1n, 2n]) {
      r.recInsert(rid, b(Number(rid)));
      u.idxInsert(true, b(9, Number(rid)), rid);
      n.idxInsert(false, b(Number(rid)), rid);
    }
    const keysOf = (rid: bigint) =>
      [...n.scanIndex({ unique: false })].filter((h) => h.rid === rid).map((h) => [...h.key]);
    const up = new EntryUpdate();
    up.remove(n, false, [b(1)]);
    up.insert(n, false, []); // nothing to add
    up.insert(n, false, [b(5), b(6)]);
    up.insert(u, true, [b(9, 1)]); // its own key again: fine
    assertEquals(up.updateRecord(r, 1n, b(1, 1)), { ok: true });
    assertEquals(r.recGet(1n), b(1, 1));
    assertEquals(keysOf(1n), [[5], [6]]);
    // a unique key another record holds: which inserting index (among those with keys)
    up.remove(n, false, [b(5)]);
    up.insert(n, false, [b(7)]);
    up.insert(u, true, [b(9, 2)]);
    assertEquals(up.updateRecord(r, 1n, b(1, 2)), { ok: false, missing: false, duplicateAt: 1 });
    // an absent record: nothing written
    up.remove(n, false, [b(2)]);
    up.insert(n, false, [b(8)]);
    assertEquals(up.updateRecord(r, 3n, b(3)), { ok: false, missing: true });
    assertEquals(keysOf(2n), [[2]]);
    assertEquals(keysOf(3n), []);
    assert(r.recGet(3n) === null);
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
