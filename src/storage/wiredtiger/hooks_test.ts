/**
 * Write hooks and internal tables: a test decorator (a miniature oplog) writes one row per change into
 * an internal table; its rows must commit and roll back with the data, DDL included.
 */

import type { HookTxn, InternalTable, StorageChange, StorageEngine } from "../api.ts";
import { StorageError } from "../api.ts";
import type { WiredTigerEngine } from "./engine.ts";
import { assert, assertEquals, assertThrows, decode, doc, idKeys, open, withTempDir } from "./test_util.ts";

/** Records `op ns[ rid]` rows keyed by an 8-byte sequence number; can be told to fail on one op. */
class TestLog {
  readonly table: InternalTable;
  seq = 0;
  failOn: StorageChange["op"] | undefined;
  constructor(readonly engine: StorageEngine, preImages = false) {
    this.table = engine.openTable("testlog");
    engine.addWriteHook({ preImages, onChange: (c, txn) => this.#log(c, txn) });
  }

  #log(c: StorageChange, txn: HookTxn): void {
    const key = new Uint8Array(8);
    new DataView(key.buffer).setBigUint64(0, BigInt(++this.seq));
    txn.table(this.table).insert(key, new TextEncoder().encode(describe(c)));
    if (c.op === this.failOn) throw new Error(`hook refuses ${c.op}`);
  }

  rows(): string[] {
    return this.engine.read((t) =>
      [...t.table(this.table).scan()].map(([, v]) => new TextDecoder().decode(v))
    );
  }
}

function describe(c: StorageChange): string {
  switch (c.op) {
    case "insert":
    case "update":
      return `${c.op} ${c.coll.db}.${c.coll.name} ${c.rid} ${JSON.stringify(decode(c.bytes))}` +
        (c.op === "update" && c.before ? ` before ${JSON.stringify(decode(c.before))}` : "");
    case "remove":
      return `remove ${c.coll.db}.${c.coll.name} ${c.rid}` +
        (c.before ? ` before ${JSON.stringify(decode(c.before))}` : "");
    case "createCollection":
    case "dropCollection":
      return `${c.op} ${c.coll.db}.${c.coll.name}`;
    case "createIndex":
    case "dropIndex":
    case "updateIndex":
      return `${c.op} ${c.coll.db}.${c.coll.name} ${c.index.name} [${c.coll.indexes.map((i) => i.name)}]`;
    case "updateCollection":
      return `updateCollection ${c.coll.db}.${c.coll.name} ${JSON.stringify(c.before.options)} -> ${
        JSON.stringify(c.coll.options)
      }`;
    case "renameCollection":
      return `rename ${c.from.db}.${c.from.name} ${c.to.db}.${c.to.name}`;
    case "dropDatabase":
      return `dropDatabase ${c.db} [${c.colls.map((x) => x.name).sort()}]`;
  }
}

const tableFiles = (dir: string): string[] =>
  [...Deno.readDirSync(dir)].map((f) => f.name).filter((n) => /^(coll|index)-/.test(n)).sort();

Deno.test("hook rows commit with record writes and vanish with abort or a throwing callback", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const log = new TestLog(e);
    const c = e.catalog.createCollection("db", "c");
    e.write((t) => {
      t.insert(c, doc(1), idKeys(1));
      t.update(c, 1n, doc(1, { v: 2 }), idKeys(1), idKeys(1));
    });
    const h = e.begin();
    h.insert(c, doc(2), idKeys(2));
    // hook rows are part of the open transaction: visible to it, invisible to others
    assertEquals(log.rows().length, 3);
    h.abort();
    assertThrows(() =>
      e.write((t) => {
        t.remove(c, 1n, idKeys(1));
        throw new Error("callback fails after its write");
      })
    );
    const k = e.begin();
    k.remove(c, 1n, idKeys(1));
    k.commit();
    assertEquals(log.rows(), [
      "createCollection db.c",
      'insert db.c 1 {"_id":1}',
      'update db.c 1 {"_id":1,"v":2}',
      "remove db.c 1",
    ]);
  });
});

Deno.test("a hook that throws fails the record write: data and hook rows roll back together", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const log = new TestLog(e);
    const c = e.catalog.createCollection("db", "c");
    log.failOn = "insert";
    assertThrows(() => e.write((t) => t.insert(c, doc(1), idKeys(1))), Error);
    const h = e.begin();
    assertThrows(() => h.insert(c, doc(2), idKeys(2)));
    assertEquals(h.state, "failed");
    assertEquals(assertThrows(() => h.commit(), StorageError).code, "InternalError");
    log.failOn = undefined;
    e.read((t) => assertEquals(t.count(c), 0));
    assertEquals(log.rows(), ["createCollection db.c"]);
  });
});

Deno.test("every catalog change is told to hooks, inside its transaction", () => {
  withTempDir((dir) => {
    using e = open(dir);
    const log = new TestLog(e);
    e.catalog.createCollection("db", "a");
    e.catalog.createIndex("db", "a", { name: "x_1", spec: { key: { x: 1 } }, unique: false });
    e.catalog.updateIndex("db", "a", "x_1", { spec: { key: { x: 1 }, hidden: true } });
    e.catalog.dropIndex("db", "a", "x_1");
    e.catalog.updateCollection("db", "a", { validator: { x: 1 } });
    e.catalog.renameCollection("db", "a", "db", "b");
    e.catalog.createCollection("db", "c");
    e.catalog.dropCollection("db", "c");
    e.catalog.createCollection("db", "d");
    e.catalog.dropDatabase("db");
    assertEquals(log.rows(), [
      "createCollection db.a",
      "createIndex db.a x_1 [_id_,x_1]",
      "updateIndex db.a x_1 [_id_,x_1]",
      "dropIndex db.a x_1 [_id_]",
      'updateCollection db.a {} -> {"validator":{"x":1}}',
      "rename db.a db.b",
      "createCollection db.c",
      "dropCollection db.c",
      "createCollection db.d",
      "dropDatabase db [b,d]",
    ]);
  });
});

Deno.test("a DDL change whose hook throws rolls back with the hook's rows, also across a restart", () => {
  withTempDir((dir) => {
    {
      using e = open(dir);
      const log = new TestLog(e);
      const a = e.catalog.createCollection("db", "a");
      e.write((t) => t.insert(a, doc(1), idKeys(1)));
      const filesBefore = tableFiles(dir);

      log.failOn = "createCollection";
      assertThrows(() => e.catalog.createCollection("db", "new"));
      assertEquals(e.catalog.getCollection("db", "new"), undefined);
      assertEquals(tableFiles(dir), filesBefore); // the tables made for it were dropped again

      log.failOn = "createIndex";
      assertThrows(() => e.catalog.createIndex("db", "a", { name: "y", spec: {}, unique: false }));
      assertEquals(e.catalog.getCollection("db", "a")!.indexes.map((i) => i.name), ["_id_"]);
      assertEquals(tableFiles(dir), filesBefore);

      for (const op of ["dropCollection", "dropDatabase", "renameCollection"] as const) {
        log.failOn = op;
        assertThrows(() => {
          if (op === "dropCollection") e.catalog.dropCollection("db", "a");
          else if (op === "dropDatabase") e.catalog.dropDatabase("db");
          else e.catalog.renameCollection("db", "a", "db", "b");
        });
        const still = e.catalog.getCollection("db", "a")!;
        assertEquals(e.read((t) => t.count(still)), 1, op);
      }
      log.failOn = undefined;
      assertEquals(tableFiles(dir), filesBefore);
      assertEquals(log.rows(), ["createCollection db.a", 'insert db.a 1 {"_id":1}']);
      // the engine keeps working, and the next DDL is logged after the surviving rows
      e.catalog.createCollection("db", "next");
      assertEquals(log.rows().length, 3);
    }
    using e = open(dir);
    assertEquals(e.catalog.listCollections("db").map((c) => c.name), ["a", "next"]);
    const t = e.openTable("testlog");
    assertEquals(e.read((r) => [...r.table(t).scan()].length), 3);
  });
});

Deno.test("pre-images on request; unregistered hooks are not called", () => {
  withTempDir((dir) => {
    const e: WiredTigerEngine = open(dir);
    try {
      const c = e.catalog.createCollection("db", "c");
      const log = new TestLog(e, true);
      e.write((t) => t.insert(c, doc(1, { v: 1 }), idKeys(1)));
      e.write((t) => t.update(c, 1n, doc(1, { v: 2 }), idKeys(1), idKeys(1)));
      e.write((t) => t.remove(c, 1n, idKeys(1)));
      assertEquals(log.rows(), [
        'insert db.c 1 {"_id":1,"v":1}',
        'update db.c 1 {"_id":1,"v":2} before {"_id":1,"v":1}',
        'remove db.c 1 before {"_id":1,"v":2}',
      ]);
      let calls = 0;
      const off = e.addWriteHook({ onChange: () => void calls++ });
      e.write((t) => t.insert(c, doc(2), idKeys(2)));
      off();
      off();
      e.write((t) => t.insert(c, doc(3), idKeys(3)));
      assertEquals(calls, 1);
      assert(e.hooks.preImages);
    } finally {
      e.close();
    }
  });
});

Deno.test("withoutWriteHooks: its writes and catalog changes reach no hook; hooks are back after", () => {
  withTempDir((dir) => {
    const e: WiredTigerEngine = open(dir);
    try {
      const log = new TestLog(e, true);
      const added = e.withoutWriteHooks(() => {
        const c = e.catalog.createCollection("admin", "quiet");
        e.write((t) => t.insert(c, doc(1), idKeys(1)));
        // a hook added meanwhile stays added
        return e.addWriteHook({ onChange: () => {} });
      });
      assertEquals(log.rows(), []);
      assert(e.hooks.active && e.hooks.preImages);
      assertThrows(() =>
        e.withoutWriteHooks(() => {
          throw new Error("boom");
        })
      );
      const c = e.catalog.getCollection("admin", "quiet")!;
      e.write((t) => t.insert(c, doc(2), idKeys(2)));
      assertEquals(log.rows(), ['insert admin.quiet 2 {"_id":2}']);
      added();
    } finally {
      e.close();
    }
  });
});
