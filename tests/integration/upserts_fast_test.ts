/**
 * Upserts by `_id` that find their document, answered by the frame I/O thread as the update they are
 * (ffi/wiredtiger/shim/io_fast_update.c: `upsert: true` taken, a `$setOnInsert` of plain fields left alone),
 * the counter pattern `updateOne({_id}, {$inc: {n: 1}, $setOnInsert: {...}}, {upsert: true})`: random
 * sequences against a server with the I/O thread's writes and one with `SECANTUS_FAST_WRITES=0` (the
 * command layer) — replies (with `upserted` for the inserts), documents and oplog entries the same on
 * both, byte for byte; `$setOnInsert`s the command layer refuses or applies (a conflict with `$inc`, a
 * dotted or `$` name, an empty one) and missing documents stay the command layer's. Also through the Node
 * driver (retryable updates, as drivers send them).
 */
import assert from "node:assert/strict";
import { Int32 } from "bson";
import { MongoClient } from "mongodb";
import {
  found,
  pairTest,
  rng,
  sameReplies,
  type WriteSide as Side,
  writeSide,
} from "./helpers/pair_servers.ts";
import { pick } from "../../src/testing/seeded_random.ts";

type Doc = Record<string, unknown>;

/** An upsert's update: mostly the counter's, sometimes one the I/O thread leaves to the command layer. */
function update(r: () => number, i: number): Doc {
  return pick(r, [
    () => ({ $inc: { n: new Int32(1) }, $setOnInsert: { created: new Date(1.7e12 + i), kind: "page" } }),
    () => ({ $inc: { n: new Int32(2) } }),
    () => ({ $set: { last: new Date(1.7e12 + i) }, $inc: { n: new Int32(1) }, $setOnInsert: { first: i } }),
    () => ({ $inc: { n: new Int32(1) }, $setOnInsert: { n: 0 } }), // a conflict: the command layer's error
    () => ({ $inc: { n: new Int32(1) }, $setOnInsert: { "a.b": 1 } }), // dotted: the command layer's
    () => ({ $inc: { n: new Int32(1) }, $setOnInsert: {} }),
    () => ({ $inc: { n: new Int32(1) }, $setOnInsert: { kind: "x", kind2: [1, 2] } }), // an array value
    () => ({ $setOnInsert: { only: true } }),
  ])();
}

pairTest(
  writeSide,
  "upserts by _id: replies, documents and oplog entries are the command layer's",
  async (sides: Side[], fast: Side) => {
    const r = rng(45);
    for (let i = 0; i < 600; i++) {
      const id = pick(r, ["a", "b", "c", "d", "e", "f", "g", "h"]) + Math.floor(r() * 6);
      const q = { update: "k", updates: [{ q: { _id: id }, u: update(r, i), upsert: true }], $db: "x" };
      await sameReplies(sides, q, `request ${i}`);
    }
    const [a, b] = await Promise.all(sides.map((s) => found(s, { find: "k", sort: { _id: 1 }, $db: "x" })));
    assert.deepEqual(a, b, "documents");
    assert.ok(a!.length > 20);
    const entries = await Promise.all(sides.map((s) =>
      found(s, {
        find: "oplog.rs",
        filter: { ns: "x.k" },
        projection: { ts: 0, wall: 0, ui: 0 },
        $db: "local",
      })
    ));
    assert.deepEqual(entries[0], entries[1], "oplog entries");
    const st = await fast.ask({ serverStatus: 1, $db: "admin" });
    const io = Number(((st["secantus"] as Doc)["ioThread"] as Doc)["updates"]);
    assert.ok(io > 150, `the I/O thread answered ${io} upserts`);
  },
);

Deno.test({
  name: "upserts by _id through the Node driver: counters count every increment once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const side = await writeSide(true);
    const client = new MongoClient(`mongodb://127.0.0.1:${side.port}/?directConnection=true`);
    try {
      const c = client.db("x").collection<{ _id: string; n: number; created?: Date }>("counters");
      const keys = ["p1", "p2", "p3"];
      const hits = new Map<string, number>();
      await Promise.all(Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const k = keys[(i + w) % 3]!;
          hits.set(k, (hits.get(k) ?? 0) + 1);
          const res = await c.updateOne({ _id: k }, {
            $inc: { n: 1 },
            $setOnInsert: { created: new Date(0) },
          }, {
            upsert: true,
          });
          assert.equal(res.matchedCount + res.upsertedCount, 1);
        }
      }));
      for (const k of keys) {
        const d = await c.findOne({ _id: k });
        assert.equal(d?.n, hits.get(k), k);
        assert.deepEqual(d?.created, new Date(0));
      }
      const st = await client.db("admin").command({ serverStatus: 1 });
      assert.ok(Number(st["secantus"]["ioThread"]["updates"]) > 200);
    } finally {
      await client.close();
      await side.close();
    }
  },
});
