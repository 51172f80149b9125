/**
 * A settle (storage/wiredtiger/settle.ts: a freshly loaded table's clean pages discarded under an
 * exclusive handle) succeeds while the frame I/O thread answers finds by `_id` and over a single-field
 * index (io_fast_index.c) on that table: the engine
 * tells it to let go of the table (`nativeReads.onTableHold`), so its cursors do not make the upgrade
 * EBUSY for good; it answers again afterwards.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { FastFlag, FastShape, FrameLoop } from "../../ffi/io/mod.ts";
import { encodeValue } from "../../src/keys/mod.ts";
import { openWiredTiger } from "../../src/storage/wiredtiger/mod.ts";
import { idIndexKey } from "../../src/executor/index_keys.ts";
import { body, FrameStream, msg, writeAll } from "./helpers/raw_wire.ts";

Deno.test({
  name: "a table the I/O thread reads is settled, and read again after",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "secantus-fast-settle-" });
    const e = openWiredTiger({ path: dir, cacheSizeBytes: 64 << 20, sessionMax: 16, syncOnCommit: false });
    let loop: FrameLoop | undefined;
    let conn: Deno.Conn | undefined;
    try {
      e.catalog.createCollection("d", "c");
      const c = e.catalog.createIndex("d", "c", { name: "n_1", spec: { key: { n: 1 } }, unique: false });
      for (let b = 0; b < 6; b++) {
        e.write((t) => {
          for (let i = b * 1000; i < (b + 1) * 1000; i++) {
            const keys = new Map([["_id_", [idIndexKey(i)]], ["n_1", [encodeValue(i % 3000).slice()]]]);
            t.insert(c, BSON.serialize({ _id: i, v: "x".repeat(50), n: i % 3000 }), keys);
          }
        });
      }
      e.checkpoint();
      loop = await FrameLoop.open("127.0.0.1", 0, 48 << 20, 64 << 20);
      const fast = loop.attachFastReads(e.nativeReads.handle, e.nativeReads.logged);
      assert.ok(fast);
      const okElement = BSON.serialize({ ok: 1.0 }).subarray(4, -1);
      fast.template(0, BSON.serialize({ ok: 1 }), []);
      fast.template(1, okElement, []);
      fast.time(1n);
      fast.flags(FastFlag.FIND);
      const tables = e.nativeReads.tables(c)!;
      const slot = fast.register("d.c", tables.record, tables.idIndex);
      assert.ok(slot >= 0);
      assert.equal(
        fast.registerField(slot, "n", e.nativeReads.indexTable(c, "n_1")!, false, FastShape.EQ),
        0,
      );
      e.nativeReads.onTableHold((uri, held) => fast.hold(uri, held));

      conn = await Deno.connect({ hostname: "127.0.0.1", port: loop.port });
      // the connection layer's part: take the accept and admit the connection (listener.ts's limits)
      let admitted = false;
      for (let i = 0; i < 200 && !admitted; i++) {
        loop.take({
          accept: (id) => {
            loop!.admit(id);
            admitted = true;
          },
          frame: () => {},
          closed: () => {},
          badLength: () => {},
          drained: () => {},
        });
        if (!admitted) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(admitted);
      const frames = new FrameStream(conn);
      const find = async (id: number, rid: number, field = "_id") => {
        await writeAll(conn!, msg({ find: "c", filter: { [field]: id }, $db: "d" }, rid));
        const r = await frames.next(3000);
        assert.ok(r && r !== "timeout", "no reply from the I/O thread");
        return (body(r)["cursor"] as { firstBatch: unknown[] }).firstBatch;
      };
      const doc = (i: number) => ({ _id: i, v: "x".repeat(50), n: i % 3000 });
      assert.deepEqual(await find(5, 1), [doc(5)]);
      assert.deepEqual(await find(7, 2, "n"), [doc(7), doc(3007)]);
      await e.settler!.settleDue(true);
      assert.equal(e.settler!.settled, 3); // the records, the _id_ index and n_1
      assert.deepEqual(await find(5999, 3), [doc(5999)]);
      assert.deepEqual(await find(2999, 4, "n"), [doc(2999), doc(5999)]);
      assert.equal(fast.pending(), 4);
    } finally {
      conn?.close();
      loop?.stop();
      e.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
