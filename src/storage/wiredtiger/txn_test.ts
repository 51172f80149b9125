/**
 * Behaviour of transaction handles (`begin`): snapshot isolation, abort, write conflicts, handles held
 * across event-loop turns, record counts and ids with several handles open, session release.
 */

import { RowBatch, StorageError, type TxnHandle } from "../api.ts";
import {
  assert,
  assertEquals,
  assertThrows,
  decode,
  doc,
  idKeys,
  key,
  open,
  tick,
  withTempDir,
  withTempDirAsync,
} from "./test_util.ts";

const enc = new TextEncoder();
const b = (s: string): Uint8Array => enc.encode(s);
const dec = new TextDecoder();

Deno.test("a handle reads its snapshot plus its own writes; others see them only after commit", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => t.insert(c, doc(1), idKeys(1)));

    const h = e.begin();
    // committed after h began (h has done nothing yet: the snapshot is taken at begin)
    const late = e.write((t) => t.insert(c, doc(2), idKeys(2)));
    assertEquals(h.get(c, late), null);
    assertEquals(h.seekUnique(c, "_id_", key(2)), null);
    assertEquals(h.count(c), 1);
    assertEquals([...h.scan(c)].map((r) => r.rid), [1n]);

    const mine = h.insert(c, doc(3), idKeys(3));
    h.update(c, 1n, doc(1, { v: "h" }), idKeys(1), idKeys(1));
    assertEquals(decode(h.get(c, 1n)!), { _id: 1, v: "h" });
    assertEquals(h.seekUnique(c, "_id_", key(3)), mine);
    assertEquals(h.count(c), 2);
    // nobody else sees h's writes before commit
    e.read((t) => {
      assertEquals(t.get(c, mine), null);
      assertEquals(decode(t.get(c, 1n)!), { _id: 1 });
      assertEquals(t.count(c), 2);
    });
    h.commit();
    assertEquals(h.state, "committed");
    e.read((t) => {
      assertEquals([...t.scan(c)].map((r) => r.rid), [1n, late, mine]);
      assertEquals(decode(t.get(c, 1n)!), { _id: 1, v: "h" });
      assertEquals(t.count(c), 3);
    });
  });
});

Deno.test("abort discards records, index entries and table rows; record ids are not reused", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    const tbl = e.openTable("side");
    e.write((t) => t.insert(c, doc(1), idKeys(1)));
    const h = e.begin();
    const rid = h.insert(c, doc(2), idKeys(2));
    h.remove(c, 1n, idKeys(1));
    h.table(tbl).put(b("k"), b("v"));
    assertEquals(h.count(c), 1);
    h.abort();
    assertEquals(h.state, "aborted");
    e.read((t) => {
      assertEquals(t.count(c), 1);
      assertEquals(t.get(c, rid), null);
      assert(t.get(c, 1n) !== null);
      assertEquals(t.seekUnique(c, "_id_", key(2)), null);
      assertEquals(t.table(tbl).get(b("k")), null);
    });
    assertEquals(e.write((t) => t.insert(c, doc(3), idKeys(3))), rid + 1n);
  });
});

Deno.test("two handles writing the same record or unique key: the second gets WriteConflict", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => t.insert(c, doc(1), idKeys(1)));

    const a = e.begin();
    const bh = e.begin();
    a.update(c, 1n, doc(1, { by: "a" }), idKeys(1), idKeys(1));
    const err = assertThrows(() => bh.update(c, 1n, doc(1, { by: "b" }), idKeys(1), idKeys(1)), StorageError);
    assertEquals(err.code, "WriteConflict");
    assertEquals(bh.state, "failed");
    // a failed handle refuses everything but abort, with the same code
    assertEquals(assertThrows(() => bh.get(c, 1n), StorageError).code, "WriteConflict");
    assertEquals(assertThrows(() => bh.commit(), StorageError).code, "WriteConflict");
    assertEquals(bh.state, "aborted"); // commit of a failed handle rolled it back
    bh.abort();
    a.commit();
    e.read((t) => assertEquals(decode(t.get(c, 1n)!), { _id: 1, by: "a" }));

    // the same new _id from two handles: the unique index entry conflicts
    const x = e.begin();
    const y = e.begin();
    x.insert(c, doc(7), idKeys(7));
    assertEquals(assertThrows(() => y.insert(c, doc(7), idKeys(7)), StorageError).code, "WriteConflict");
    y.abort();
    x.commit();
    // a handle that began before x committed also conflicts (not a silent duplicate)
    const z = e.begin();
    const w = e.begin();
    w.insert(c, doc(8), idKeys(8));
    w.commit();
    assertEquals(assertThrows(() => z.insert(c, doc(8), idKeys(8)), StorageError).code, "WriteConflict");
    z.abort();
    e.read((t) => assertEquals(t.count(c), 3));
  });
});

Deno.test("a DuplicateKey fails the handle: no partial insert can be committed", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => t.insert(c, doc(1), idKeys(1)));
    const h = e.begin();
    h.insert(c, doc(2), idKeys(2));
    const err = assertThrows(() => h.insert(c, doc(1), idKeys(1)), StorageError);
    assertEquals([err.code, err.indexName, h.state], ["DuplicateKey", "_id_", "failed"]);
    assertEquals(assertThrows(() => h.commit(), StorageError).code, "DuplicateKey");
    e.read((t) => assertEquals(t.count(c), 1));
    // write(fn) that swallows the error inside the callback cannot commit half a write either
    assertThrows(() =>
      e.write((t) => {
        try {
          t.insert(c, doc(1), idKeys(1));
        } catch { /* ignored on purpose */ }
      }), StorageError);
    e.read((t) => assertEquals([...t.scan(c)].length, 1));
  });
});

Deno.test("handles held across await turns, with write(fn) calls and scans in between", async () => {
  await withTempDirAsync(async (dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => {
      for (let i = 0; i < 3000; i++) t.insert(c, doc(i), idKeys(i));
    });
    const h1 = e.begin();
    const h2 = e.begin({ readOnly: true });
    const it = h2.scan(c); // a scan resumed across turns (several batches)
    let seen = 0;
    for (let turn = 0; turn < 10; turn++) {
      h1.insert(c, doc(`h1-${turn}`), idKeys(`h1-${turn}`));
      await tick();
      // another client's short transactions run between the handle's commands
      e.write((t) => t.insert(c, doc(`w-${turn}`), idKeys(`w-${turn}`)));
      e.write((t) => t.remove(c, BigInt(turn + 1), idKeys(turn)));
      for (let i = 0; i < 250; i++) {
        const r = it.next();
        if (r.done) break;
        seen++;
      }
      await tick();
    }
    for (const _ of it) seen++;
    assertEquals(seen, 3000); // h2's snapshot: neither the removes nor the inserts
    assertEquals(h2.count(c), 3000);
    assertEquals(h1.count(c), 3010);
    assertEquals(assertThrows(() => h2.insert(c, doc("x"), idKeys("x")), StorageError).code, "InternalError");
    h2.commit();
    h1.commit();
    e.read((t) => {
      assertEquals(t.count(c), 3000 + 10 + 10 - 10);
      assertEquals([...t.scan(c)].length, 3010);
    });
    assertEquals(e.openTransactions, 0);
  });
});

Deno.test("record counts with several handles open: snapshot + own, changed only by commits", () => {
  withTempDir((dir) => {
    {
      using e = open(dir);
      const c = e.catalog.createCollection("db", "c");
      e.write((t) => {
        for (let i = 0; i < 10; i++) t.insert(c, doc(i), idKeys(i));
      });
    }
    using e = open(dir); // counts start uninitialised: first computed while handles are open
    const c = e.catalog.getCollection("db", "c")!;
    const a = e.begin();
    a.insert(c, doc("a1"), idKeys("a1"));
    a.insert(c, doc("a2"), idKeys("a2"));
    const bh = e.begin();
    bh.remove(c, 1n, idKeys(0));
    bh.commit(); // 9 committed
    const cc = e.begin(); // began after b's commit
    e.write((t) => t.insert(c, doc("w"), idKeys("w"))); // 10 committed
    assertEquals(a.count(c), 10 + 2); // as of a's snapshot (10) + own 2
    assertEquals(cc.count(c), 9);
    assertEquals(e.read((t) => t.count(c)), 10);
    cc.insert(c, doc("c1"), idKeys("c1"));
    a.abort();
    assertEquals(e.read((t) => t.count(c)), 10);
    assertEquals(cc.count(c), 10);
    cc.commit();
    assertEquals(e.read((t) => t.count(c)), 11);
    assertEquals(e.read((t) => [...t.scan(c)].length), 11);
    // record ids: a's aborted ids (11, 12) are not reused; ids stay increasing
    const rids = e.read((t) => [...t.scan(c)].map((r) => r.rid));
    assertEquals(rids.slice(-2), [13n, 14n]);
    assertEquals(e.write((t) => t.insert(c, doc("z"), idKeys("z"))), 15n);
  });
});

Deno.test("ended handles: idempotent end, clear errors, dispose aborts, iterators revoked", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => t.insert(c, doc(1), idKeys(1)));
    const h = e.begin();
    const it = h.scan(c);
    it.next();
    h.commit();
    h.commit();
    h.abort();
    assertEquals(h.state, "committed");
    const err = assertThrows(() => h.get(c, 1n), StorageError);
    assertEquals(err.code, "InternalError");
    assert(/already committed/.test(err.message), err.message);
    assertThrows(() => it.next(), StorageError);

    const g = e.begin();
    g.abort();
    g.abort();
    assertThrows(() => g.commit(), StorageError);
    {
      using d = e.begin();
      d.insert(c, doc(2), idKeys(2));
    }
    e.read((t) => assertEquals(t.count(c), 1));
    assertEquals(e.openTransactions, 0);
  });
});

Deno.test("sessions are released on commit and abort (2000 handles)", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const c = e.catalog.createCollection("db", "c");
    const before = e.sessionsOpened;
    for (let i = 0; i < 2000; i++) {
      const h = e.begin({ readOnly: i % 3 === 0 });
      h.count(c);
      if (i % 3 === 1) {
        h.insert(c, doc(i), idKeys(i));
        h.commit();
      } else if (i % 3 === 2) {
        h.insert(c, doc(i), idKeys(i));
        h.abort();
      } else {
        [...h.scan(c)];
        h.commit();
      }
    }
    assertEquals(e.openTransactions, 0);
    assert(e.sessionsOpened <= before + 2, `sessions grew to ${e.sessionsOpened}`);
    // more open at once than the pool allows: a clear error, and nothing leaks
    const held: TxnHandle[] = [];
    const err = assertThrows(() => {
      for (;;) held.push(e.begin());
    }, StorageError);
    assert(/session limit/.test(err.message), err.message);
    for (const h of held) h.abort();
    assertEquals(e.openTransactions, 0);
    assertEquals(e.read((t) => t.count(c)), 667);
  });
});

Deno.test("closing the engine rolls back open handles", () => {
  withTempDir((dir) => {
    {
      const e = open(dir);
      const c = e.catalog.createCollection("db", "c");
      const h = e.begin();
      h.insert(c, doc(1), idKeys(1));
      e.close();
      assertEquals(h.state, "aborted");
      h.abort();
    }
    using e = open(dir);
    assertEquals(e.read((t) => t.count(e.catalog.getCollection("db", "c")!)), 0);
  });
});

Deno.test("internal tables: put/insert/get/remove and bounded scans inside transactions", () => {
  withTempDir((dir) => {
    {
      using e = open(dir);
      const t1 = e.openTable("ops");
      assertEquals(e.openTable("ops"), t1);
      assertThrows(() => e.openTable("bad/name"), StorageError);
      e.write((t) => {
        const tt = t.table(t1);
        for (const k of ["a", "b", "c", "d"]) tt.put(b(k), b(k.toUpperCase()));
        tt.put(b("a"), b("A2"));
        assert(tt.remove(b("d")));
        assert(!tt.remove(b("zz")));
      });
      const keys = (it: Iterable<readonly [Uint8Array, Uint8Array]>) =>
        [...it].map(([k]) => new TextDecoder().decode(k));
      e.read((t) => {
        const tt = t.table(t1);
        assertEquals(tt.get(b("a")), b("A2"));
        assertEquals(keys(tt.scan()), ["a", "b", "c"]);
        assertEquals(keys(tt.scan({ lower: b("b") })), ["b", "c"]);
        assertEquals(keys(tt.scan({ upper: b("c"), reverse: true })), ["b", "a"]);
        assertThrows(() => tt.put(b("x"), b("y")), StorageError); // read-only
      });
      const h = e.begin();
      assertEquals(assertThrows(() => h.table(t1).insert(b("b"), b("x")), StorageError).code, "DuplicateKey");
      assertEquals(h.state, "failed");
      h.abort();
    }
    using e = open(dir); // rows and the table survive a restart
    assertEquals(e.read((t) => t.table(e.openTable("ops")).get(b("c"))), b("C"));
  });
});

Deno.test("internal tables: removeLeading removes the first keys within max, bounds and must/softUpper, in the transaction", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const t1 = e.openTable("lead");
    const all = "abcdefghij".split("");
    e.write((t) => {
      for (const k of all) t.table(t1).put(b(k), b(k.repeat(300)));
    });
    const keys = () =>
      e.read((t) => [...t.table(t1).scan()].map(([k]) => new TextDecoder().decode(k)).join(""));
    const dec = (u: Uint8Array | undefined) => u && new TextDecoder().decode(u);
    // an aborted transaction's removal is undone
    const h = e.begin();
    assertEquals(h.table(t1).removeLeading({ max: 4 }).removed, 4);
    h.abort();
    assertEquals(keys(), "abcdefghij");
    let r = e.write((t) => t.table(t1).removeLeading({ max: 2 }));
    assertEquals([r.removed, dec(r.last)], [2, "b"]);
    assertEquals(keys(), "cdefghij");
    // from lower, below upper (exclusive)
    r = e.write((t) => t.table(t1).removeLeading({ lower: b("d"), upper: b("f"), max: 100 }));
    assertEquals([r.removed, dec(r.last)], [2, "e"]);
    assertEquals(keys(), "cfghij");
    // `must` keys whatever softUpper says, then on while below softUpper
    r = e.write((t) => t.table(t1).removeLeading({ softUpper: b("h"), must: 1, max: 100 }));
    assertEquals([r.removed, dec(r.last)], [3, "g"]); // c (must), f, g (below h)
    r = e.write((t) => t.table(t1).removeLeading({ softUpper: b("a"), must: 2, max: 100 }));
    assertEquals([r.removed, dec(r.last)], [2, "i"]);
    assertEquals(keys(), "j");
    r = e.write((t) => t.table(t1).removeLeading({ softUpper: new Uint8Array(0), max: 100 }));
    assertEquals([r.removed, r.last], [0, undefined]);
    r = e.write((t) => t.table(t1).removeLeading({ lower: b("k"), max: 100 }));
    assertEquals([r.removed, r.last], [0, undefined]);
    r = e.write((t) => t.table(t1).removeLeading({ max: 100 }));
    assertEquals([r.removed, dec(r.last)], [1, "j"]);
    assertEquals(keys(), "");
  });
});

Deno.test("internal tables: insertMany inserts a packed batch in order; a duplicate fails the handle", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const t1 = e.openTable("many");
    const batch = new RowBatch(4); // grows
    for (const k of ["k1", "k3", "k2"]) batch.add(b(k), b(`value of ${k}`));
    const r = batch.reserve(2, 0); // an empty value
    batch.bytes.set(b("k0"), r.key);
    assertEquals(batch.count, 4);
    e.write((t) => t.table(t1).insertMany(batch));
    e.write((t) => t.table(t1).insertMany(new RowBatch())); // nothing
    e.read((t) => {
      const rows = [...t.table(t1).scan()].map(([k, v]) => `${dec.decode(k)}=${dec.decode(v)}`);
      assertEquals(rows, ["k0=", "k1=value of k1", "k2=value of k2", "k3=value of k3"]);
    });
    const dup = new RowBatch();
    dup.add(b("k5"), b("x"));
    dup.add(b("k2"), b("y"));
    const h = e.begin();
    assertEquals(assertThrows(() => h.table(t1).insertMany(dup), StorageError).code, "DuplicateKey");
    assertEquals(h.state, "failed");
    h.abort();
    assertEquals(e.read((t) => t.table(t1).get(b("k5"))), null);
    assertThrows(() => new RowBatch().reserve(0, 1), RangeError);
    // reused: reset empties it (keeping or replacing the buffer)
    batch.reset();
    assertEquals(batch.count, 0);
    batch.add(b("k9"), b("nine"));
    batch.reset(64, 8); // over maxKeep: a new buffer
    batch.add(b("k8"), b("eight"));
    e.write((t) => t.table(t1).insertMany(batch));
    e.read((t) => {
      assertEquals(t.table(t1).get(b("k8")), b("eight"));
      assertEquals(t.table(t1).get(b("k9")), null);
    });
  });
});

Deno.test("record counts survive a clean close and are taken (removed) at the next open", () => {
  withTempDir((dir) => {
    {
      using e = open(dir);
      const c = e.catalog.createCollection("d", "counted");
      e.write((t) => {
        for (const i of [1, 2, 3]) t.insert(c, doc(i), idKeys(i));
      });
    }
    {
      using e = open(dir);
      const c = e.catalog.getCollection("d", "counted")!;
      const saved = e.openTable("record_counts");
      assertEquals(e.read((t) => [...t.table(saved).scan()].length), 0, "taken at open");
      assertEquals(e.read((t) => t.count(c)), 3);
      assertEquals(e.countsWalked, 0, "the saved count, not a walk");
      const rid = e.read((t) => [...t.scan(c)][0]!.rid);
      e.write((t) => t.remove(c, rid, idKeys(1)));
      e.write((t) => t.insert(c, doc(4), idKeys(4)));
      e.write((t) => t.insert(c, doc(5), idKeys(5)));
      assertEquals(e.read((t) => t.count(c)), 4);
    }
    using e = open(dir);
    const c = e.catalog.getCollection("d", "counted")!;
    assertEquals(e.read((t) => t.count(c)), 4);
    assertEquals(e.countsWalked, 0);
    assertEquals(e.read((t) => [...t.scan(c)].length), 4);
  });
});
