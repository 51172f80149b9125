/**
 * A write the frame I/O thread would make while the command layer holds the shared oplog clock (between a
 * batch's oplog times and its commit) waits there for a moment instead of being handed over
 * (ffi/wiredtiger/shim/io_fast.c, FAST_DEFER_US; serverStatus `secantus.ioThread.clockWaits` counts them):
 * 8 connections' `$inc` by `_id` beside another connection's updates of 300 documents each, on disk (so
 * the writes there also share one log write per turn of the loop) — every increment counted once, each
 * update its own oplog time, the oplog in time order, and most updates still answered there.
 */
import assert from "node:assert/strict";
import { BSON, Timestamp } from "bson";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { rawConnection } from "./helpers/raw_wire.ts";

type Doc = Record<string, unknown>;

const CONNS = 8;

Deno.test({
  name:
    "writes on the I/O thread wait for the command layer's clock instead of going to it; every increment once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-clock-wait-" });
    const d = defaultConfig();
    const server = await startServer({
      config: {
        ...d,
        server: { ...d.server, port: 0, storagePath: dir, logLevel: "ERROR" as const },
        oplog: { ...d.oplog, maxEntries: 10_000_000 }, // every entry kept: counted below
      },
    });
    const main = await rawConnection(server.port);
    const ask = async (q: Doc) => BSON.deserialize((await main.ask(q)).subarray(5));
    const io = async () => (await ask({ serverStatus: 1, $db: "admin" }))["secantus"]["ioThread"];
    try {
      await ask({
        insert: "k",
        documents: Array.from({ length: CONNS }, (_, i) => ({ _id: i, n: 0 })),
        $db: "x",
      });
      await ask({ update: "k", updates: [{ q: { _id: 0 }, u: { $inc: { n: 0 } } }], $db: "x" }); // registers
      const before = await io();
      const conns = await Promise.all(Array.from({ length: CONNS }, () => rawConnection(server.port)));
      const other = await rawConnection(server.port);
      let stop = false;
      // the command layer's multi-document updates: 300 oplog times issued and committed per request
      await ask({
        insert: "m",
        documents: Array.from({ length: 300 }, (_, i) => ({ _id: i, v: 0 })),
        $db: "x",
      });
      const batches = (async () => {
        let k = 0;
        while (!stop) {
          await other.ask({
            update: "m",
            updates: [{ q: {}, u: { $inc: { v: 1 } }, multi: true }],
            $db: "x",
          });
          k += 300;
        }
        return k;
      })();
      const times: bigint[] = [];
      let sent = 0;
      const deadline = Date.now() + 20_000;
      // rounds of 50 increments per connection until some waited for the clock (bounded)
      for (
        let round = 0;
        round < 4 || (Number((await io())["clockWaits"]) === 0 && Date.now() < deadline);
        round++
      ) {
        await Promise.all(conns.map(async (c, ci) => {
          for (let i = 0; i < 50; i++) {
            const reply = BSON.deserialize(
              (await c.ask({ update: "k", updates: [{ q: { _id: ci }, u: { $inc: { n: 1 } } }], $db: "x" }))
                .subarray(5),
            );
            assert.equal(reply["nModified"], 1, JSON.stringify(reply));
            times.push((reply["operationTime"] as Timestamp).toBigInt());
          }
        }));
        sent += CONNS * 50;
      }
      stop = true;
      const multiUpdated = await batches;
      for (const c of conns) c.close();
      other.close();
      const after = await io();
      const waits = Number(after["clockWaits"]) - Number(before["clockWaits"]);
      const answered = Number(after["updates"]) - Number(before["updates"]);
      assert.ok(waits > 0, `no write waited for the clock (${answered} of ${sent} answered there)`);
      assert.ok(answered > sent / 2, `the I/O thread answered ${answered} of ${sent} (${waits} waited)`);
      assert.equal(new Set(times).size, times.length, "every update's time is its own");
      const docs = (await ask({ find: "k", filter: {}, $db: "x" }))["cursor"]["firstBatch"] as Doc[];
      assert.equal(docs.reduce((t, d) => t + Number(d["n"]), 0), sent);
      const log = (await ask({
        find: "oplog.rs",
        filter: { ns: { $in: ["x.k", "x.m"] } },
        projection: { ts: 1, ns: 1, op: 1 },
        batchSize: 1e6,
        $db: "local",
      }))["cursor"]["firstBatch"] as Doc[];
      const ts = log.map((e) => (e["ts"] as Timestamp).toBigInt());
      for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! > ts[i - 1]!, `oplog entry ${i} after ${i - 1}`);
      assert.equal(log.filter((e) => e["ns"] === "x.k" && e["op"] === "u").length, sent); // ($inc 0: none)
      assert.equal(log.filter((e) => e["ns"] === "x.m" && e["op"] === "u").length, multiUpdated);
    } finally {
      main.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
