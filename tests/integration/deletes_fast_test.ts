/**
 * Deletes by `_id` answered by the frame I/O thread (ffi/wiredtiger/shim/io_fast_delete.c): the same
 * random inserts, deletes and updates sent to a server with the I/O thread's writes and one with
 * `SECANTUS_FAST_WRITES=0` get the same replies (but for the cluster times), leave the same documents,
 * oplog delete entries (but for their times and UUIDs), counts (the count command, collStats, the
 * driver's estimatedDocumentCount path) and counters — on a collection with only `_id_` (answered there),
 * one with a single-field index (answered there, its entry removed, but for a document whose indexed
 * value is an array) and one with a compound index (the command layer's). Retryable deletes: a retry gets the stored reply
 * (n: 1, though the document is gone), an older txnNumber 225.
 */
import assert from "node:assert/strict";
import { Binary, BSON, Long, ObjectId } from "bson";
import { found, rng, sameReplies, writeSide as start } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

const IDS: unknown[] = [
  ...Array.from({ length: 30 }, (_, i) => i),
  "s1",
  "s2",
  new ObjectId("65a1b2c3d4e5f60718293a40"),
];

Deno.test({
  name:
    "deletes by _id: the I/O thread's replies, documents, oplog entries, counts and counters are the command layer's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sides = [await start(true), await start(false)];
    try {
      const r = rng(11);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
      for (const s of sides) {
        await s.ask({ createIndexes: "e", indexes: [{ key: { a: 1 }, name: "a_1" }], $db: "x" });
        await s.ask({ createIndexes: "f", indexes: [{ key: { a: 1, b: 1 }, name: "a_1_b_1" }], $db: "x" });
      }
      for (let i = 0; i < 2500; i++) {
        const coll = pick(["d", "d", "e", "e", "f"]);
        const id = pick(IDS);
        const k = r();
        let q: Doc;
        if (k < 0.35) {
          const a = r() < 0.1 ? [i, i + 1] : r() < 0.1 ? null : r() < 0.1 ? `s${i}` : i;
          q = { insert: coll, documents: [{ _id: id, a, pad: "p".repeat(i % 50) }], $db: "x" };
        } else if (k < 0.45) {
          q = { update: coll, updates: [{ q: { _id: id }, u: { $inc: { n: 1 } } }], $db: "x" };
        } else {
          const st: Doc = { q: { _id: id }, limit: 1 };
          if (r() < 0.05) st["limit"] = 0;
          if (r() < 0.03) st["q"] = { _id: id, a: 1 };
          q = { delete: coll, deletes: [st], $db: "x" };
          if (r() < 0.5) q["ordered"] = true;
          if (r() < 0.1) q["writeConcern"] = pick([{ w: 1 }, { w: "majority" }, { w: 1, j: true }]);
        }
        // (its statements as a document sequence, as PyMongo sends them, now and then)
        await sameReplies(sides, q, `request ${i}`, r() < 0.3);
        if (i % 100 === 0) {
          // counts as the command layer keeps them, between the writes
          for (const c of ["d", "e", "f"]) {
            const [x, y] = await Promise.all(sides.map((s) => s.ask({ count: c, $db: "x" })));
            assert.equal(Number(x!["n"]), Number(y!["n"]), `count of ${c} at ${i}`);
          }
        }
      }
      for (const c of ["d", "e", "f"]) {
        const all = await Promise.all(
          sides.map((s) => s.ask({ find: c, sort: { _id: 1 }, batchSize: 100000, $db: "x" })),
        );
        assert.deepEqual(
          BSON.serialize({ d: (all[0]!["cursor"] as Doc)["firstBatch"] }),
          BSON.serialize({ d: (all[1]!["cursor"] as Doc)["firstBatch"] }),
        );
        if (c !== "d") {
          // the secondary index's entries: a scan of it in its order
          const scans = await Promise.all(
            sides.map((s) => found(s, { find: c, hint: c === "e" ? "a_1" : "a_1_b_1", $db: "x" })),
          );
          assert.deepEqual(scans[0], scans[1], `${c} by its index`);
        }
        const counts = await Promise.all(sides.map((s) => s.ask({ count: c, $db: "x" })));
        assert.equal(Number(counts[0]!["n"]), ((all[0]!["cursor"] as Doc)["firstBatch"] as Doc[]).length);
        assert.equal(Number(counts[0]!["n"]), Number(counts[1]!["n"]));
        const stats = await Promise.all(sides.map((s) => s.ask({ collStats: c, $db: "x" })));
        assert.equal(Number(stats[0]!["count"]), Number(stats[1]!["count"]));
        const v = await sides[0]!.ask({ validate: c, full: true, $db: "x" });
        assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
      }
      const entries = await Promise.all(sides.map(async (s) => {
        const x = await s.ask({
          find: "oplog.rs",
          filter: { op: "d", ns: { $regex: "^x\\." } },
          batchSize: 100000,
          $db: "local",
        });
        return ((x["cursor"] as Doc)["firstBatch"] as Doc[]).map(({ ts: _t, wall: _w, ui: _u, ...e }) => e);
      }));
      assert.equal(entries[0]!.length, entries[1]!.length);
      assert.deepEqual(BSON.serialize({ e: entries[0] }), BSON.serialize({ e: entries[1] }));
      const [sa, sb] = await Promise.all(sides.map((s) => s.ask({ serverStatus: 1, $db: "admin" })));
      const { command: _c1, query: _q1, ...oa } = sa!["opcounters"] as Doc;
      const { command: _c2, query: _q2, ...ob } = sb!["opcounters"] as Doc;
      assert.deepEqual(oa, ob);
      assert.deepEqual((sa!["metrics"] as Doc)["document"], (sb!["metrics"] as Doc)["document"]);
      const served = Number(((sa!["secantus"] as Doc)["ioThread"] as Doc)["deletes"]);
      assert.equal(Number(((sb!["secantus"] as Doc)["ioThread"] as Doc)["deletes"]), 0);
      assert.ok(served > 150, `the I/O thread answered ${served} deletes`);
    } finally {
      for (const s of sides) await s.close();
    }
  },
});

Deno.test({
  name: "retryable deletes on the I/O thread: a retry gets the reply it had (n: 1), an older txnNumber 225",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await start(true);
    try {
      const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
      await s.ask({ insert: "t", documents: Array.from({ length: 50 }, (_, i) => ({ _id: i })), $db: "x" });
      const del = (txnNumber: number, id: number) => ({
        delete: "t",
        deletes: [{ q: { _id: id }, limit: 1 }],
        lsid,
        txnNumber: Long.fromInt(txnNumber),
        $db: "x",
      });
      const io = async () =>
        Number(
          (((await s.ask({ serverStatus: 1, $db: "admin" }))["secantus"] as Doc)["ioThread"] as Doc)[
            "deletes"
          ],
        );
      let t = 0;
      for (let made = 0; made < 3 && t < 40;) {
        const before = await io();
        assert.equal(Number((await s.ask(del(++t, t)))["n"]), 1);
        if (await io() > before) made++;
      }
      assert.ok(t < 40, "the I/O thread made three of them");
      const again = await s.ask(del(t, t));
      assert.equal(Number(again["ok"]), 1);
      assert.equal(Number(again["n"]), 1, "the retry's reply is the delete's, though the document is gone");
      assert.equal(Number((await s.ask(del(t - 1, t - 1)))["code"]), 225);
      const left = await s.ask({ count: "t", $db: "x" });
      assert.equal(Number(left["n"]), 50 - t);
    } finally {
      await s.close();
    }
  },
});
