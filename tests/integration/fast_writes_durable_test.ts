/**
 * Our default durability for the writes the frame I/O thread answers (ffi/wiredtiger/shim/io_fast_write.c):
 * they commit without writing WiredTiger's log and their replies wait until one log write per turn of
 * the loop has put every such commit's records in the operating system — so after `kill -9` in the
 * middle of 8 connections' inserts, `$inc` updates and deletes with the default write concern, every
 * acknowledged one is there on restart (and nothing that was never sent).
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";

// deno-lint-ignore no-explicit-any
type Doc = any;

const WRITERS = 8;

Deno.test({
  name: "kill -9 during I/O-thread writes keeps every acknowledged insert, update and delete",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s1 = await spawnServer();
    const clients = Array.from({ length: WRITERS }, () => new MongoClient(s1.uri, { retryWrites: false }));
    const inserted: number[] = [];
    const deleted: number[] = [];
    const incs = new Array<number>(WRITERS).fill(0); // acknowledged $inc per counter document
    try {
      const c0 = clients[0]!.db("crash").collection<Doc>("c");
      // the command layer's first insert, update and delete register the namespace for the I/O thread's
      await c0.insertMany(Array.from({ length: WRITERS }, (_, w) => ({ _id: `n${w}`, n: 0 })));
      await c0.insertMany(Array.from({ length: 400 }, (_, i) => ({ _id: -1 - i, pad: "d" })));
      await c0.updateOne({ _id: "n0" }, { $inc: { n: 0 } });
      await c0.deleteOne({ _id: -400 });
      let stop = false;
      const writers = clients.map(async (client, w) => {
        const c = client.db("crash").collection<Doc>("c");
        for (let i = 0; !stop; i++) {
          try {
            const id = w * 1_000_000 + i;
            await c.insertOne({ _id: id, pad: "x".repeat(200) });
            inserted.push(id);
            await c.updateOne({ _id: `n${w}` }, { $inc: { n: 1 } });
            incs[w]!++;
            const gone = -1 - (w + i * WRITERS);
            if (gone > -400) {
              await c.deleteOne({ _id: gone });
              deleted.push(gone);
            }
          } catch {
            return;
          }
        }
      });
      const status = async () =>
        (await clients[0]!.db("admin").command({ serverStatus: 1 }))["secantus"]["ioThread"] as Doc;
      // until the I/O thread has answered a good share of each kind
      for (;;) {
        const io = await status();
        if (Number(io["inserts"]) > 300 && Number(io["updates"]) > 300 && Number(io["deletes"]) > 30) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await s1.stop("SIGKILL", { keepData: true });
      stop = true;
      await Promise.all(writers);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }

    const s2 = await spawnServer({ dataDir: s1.dataDir, ownDataDir: true });
    const c2 = new MongoClient(s2.uri);
    try {
      const docs = await c2.db("crash").collection<Doc>("c").find({}, { projection: { pad: 0 } }).toArray();
      const ids = new Set(docs.map((d) => d._id));
      const lost = inserted.filter((id) => !ids.has(id));
      assert.deepEqual(lost, [], `acknowledged inserts missing after kill -9: ${lost.length}`);
      const back = deleted.filter((id) => ids.has(id));
      assert.deepEqual(back, [], `acknowledged deletes undone after kill -9: ${back.length}`);
      for (let w = 0; w < WRITERS; w++) {
        const n = Number(docs.find((d) => d._id === `n${w}`)?.["n"]);
        // each writer's next $inc may have committed unacknowledged: one more at most
        assert.ok(n === incs[w] || n === incs[w]! + 1, `counter n${w}: ${n}, acknowledged ${incs[w]}`);
      }
    } finally {
      await c2.close();
      await s2.stop();
    }
  },
});
