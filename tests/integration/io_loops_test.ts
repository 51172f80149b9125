/**
 * Two frame I/O threads (`[server] io_loops = 2`): the first accepts and hands every other connection to the
 * second, each answers its connections' point reads and single-document writes through a WiredTiger session
 * of its own, and the cluster clock, the record id counters and the retryable writes' sessions are shared —
 * so what clients see is what one loop (or the command layer alone) gives them.
 */
import assert from "node:assert/strict";
import { Binary, BSON } from "bson";
import { type Conn, found, rng, timeless, type WriteSide, writeSide } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;
const RAW = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;
const ask = async (c: Conn, q: Doc): Promise<Doc> => BSON.deserialize((await c.ask(q)).subarray(5), RAW);
const ioThread = (s: Doc) => (s["secantus"] as Doc)["ioThread"] as Doc;
const json = (d: Doc) => JSON.stringify(BSON.EJSON.serialize(d));

/** `n` more connections to `s` (with two loops, consecutive ones alternate between them). */
async function connections(s: WriteSide, n: number): Promise<Conn[]> {
  const out: Conn[] = [];
  for (let i = 0; i < n; i++) out.push(await s.connect());
  return out;
}

Deno.test({
  name: "two I/O loops: writes and reads over both loops' connections answer as the command layer alone does",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const two = await writeSide(true, 2);
    const js = await writeSide(false, 1);
    const conns = [await connections(two, 6), await connections(js, 6)];
    try {
      await Promise.all(
        [two, js].map((s) =>
          s.ask({ createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a_1" }], $db: "x" })
        ),
      );
      const r = rng(41);
      for (let i = 0; i < 1500; i++) {
        const k = r();
        const id = Math.floor(r() * (i + 1));
        const q: Doc = k < 0.5
          ? { insert: "c", documents: [{ _id: i, a: i % 7, n: 0, s: "v".repeat(i % 50) }], $db: "x" }
          : k < 0.7
          ? { find: "c", filter: { _id: id }, $db: "x" }
          : k < 0.85
          ? { update: "c", updates: [{ q: { _id: id }, u: { $inc: { n: 1 } } }], $db: "x" }
          : k < 0.95
          ? { delete: "c", deletes: [{ q: { _id: id }, limit: 1 }], $db: "x" }
          : { ping: 1, $db: "admin" };
        const at = i % 7; // 0: each side's first connection, then the others in turn
        const replies = await Promise.all(
          [two, js].map((s, side) => at === 0 ? s.ask(q) : ask(conns[side]![at - 1]!, q)),
        );
        assert.deepEqual(timeless(replies[0]!), timeless(replies[1]!), `request ${i}: ${json(q)}`);
      }
      // natural order (record ids from the one shared counter), the indexes' orders, counts, validity
      for (const scan of [{}, { hint: { _id: 1 } }, { hint: { a: 1 } }]) {
        const docs = await Promise.all([two, js].map((s) => found(s, { find: "c", ...scan, $db: "x" })));
        assert.deepEqual(docs[0], docs[1], JSON.stringify(scan));
      }
      const v = await two.ask({ validate: "c", full: true, $db: "x" });
      assert.equal(v["valid"], true, json(v));
      // the oplog's entries: the same writes, in time order (one clock for both loops)
      const entries = await Promise.all([two, js].map((s) =>
        found(s, {
          find: "oplog.rs",
          filter: { ns: "x.c" },
          projection: { ts: 0, wall: 0, ui: 0 },
          $db: "local",
        })
      ));
      assert.deepEqual(entries[0], entries[1]);
      const status = await two.ask({ serverStatus: 1, $db: "admin" });
      const io = ioThread(status);
      assert.equal(Number(io["loops"]), 2);
      assert.ok(Number(io["inserts"]) > 300, `the I/O threads made ${io["inserts"]} inserts`);
      assert.ok(Number(io["updates"]) > 60, `the I/O threads made ${io["updates"]} updates`);
      assert.equal(Number(ioThread(await js.ask({ serverStatus: 1, $db: "admin" }))["loops"]), 1);
    } finally {
      for (const c of conns.flat()) c.close();
      await two.close();
      await js.close();
    }
  },
});

Deno.test({
  name: "two I/O loops: a retryable write retried on the other loop's connection is made once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true, 2);
    const [other] = await connections(s, 1); // the second loop's (the first connection is the first loop's)
    const conns = { first: (q: Doc) => s.ask(q), second: (q: Doc) => ask(other!, q) };
    try {
      await s.ask({ insert: "c", documents: [{ _id: 1, n: 0 }], $db: "x" });
      const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
      const inc = (txn: number) => ({
        update: "c",
        updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }],
        lsid,
        txnNumber: BSON.Long.fromNumber(txn),
        $db: "x",
      });
      const before = Number(ioThread(await s.ask({ serverStatus: 1, $db: "admin" }))["updates"]);
      const plan: ["first" | "second", number][] = [
        ["second", 1],
        ["second", 2],
        ["first", 2], // a retry, on the other loop
        ["first", 3],
        ["second", 3], // a retry, on the other loop
        ["second", 4],
        ["first", 4],
        ["second", 4],
      ];
      const replies = new Map<number, Uint8Array>();
      for (const [loop, txn] of plan) {
        const reply = timeless(await conns[loop](inc(txn)));
        const first = replies.get(txn);
        if (first === undefined) replies.set(txn, reply);
        else assert.deepEqual(reply, first, `txn ${txn} retried on the ${loop} loop`);
      }
      const doc = (await found(s, { find: "c", filter: { _id: 1 }, $db: "x" }))[0]!;
      assert.equal(BSON.deserialize(doc)["n"], 4, "each txnNumber's $inc made once");
      const after = Number(ioThread(await s.ask({ serverStatus: 1, $db: "admin" }))["updates"]);
      assert.ok(after > before, "some of them were made on an I/O thread");
    } finally {
      other!.close();
      await s.close();
    }
  },
});

Deno.test({
  name: "two I/O loops: 16 connections at once — every write once, record ids and oplog times in order",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true, 2);
    const conns = await connections(s, 16);
    try {
      await s.ask({
        insert: "c",
        documents: Array.from({ length: 50 }, (_, i) => ({ _id: -1 - i, n: 0 })),
        $db: "x",
      });
      await Promise.all(conns.map(async (c, k) => {
        for (let i = 0; i < 100; i++) {
          const ins = await ask(c, { insert: "c", documents: [{ _id: k * 1000 + i, n: 0 }], $db: "x" });
          assert.equal(Number(ins["n"]), 1, json(ins));
          const up = await ask(c, {
            update: "c",
            updates: [{ q: { _id: -1 - ((k + i) % 50) }, u: { $inc: { n: 1 } } }],
            $db: "x",
          });
          assert.equal(Number(up["nModified"]), 1, json(up));
        }
      }));
      const count = await s.ask({ count: "c", $db: "x" });
      assert.equal(Number(count["n"]), 50 + 16 * 100);
      const shared = (await found(s, { find: "c", filter: { _id: { $lt: 0 } }, $db: "x" })).map((b) =>
        BSON.deserialize(b)
      );
      assert.equal(shared.reduce((t, d) => t + Number(d["n"]), 0), 16 * 100, "every $inc made once");
      const v = await s.ask({ validate: "c", full: true, $db: "x" });
      assert.equal(v["valid"], true, json(v));
      // natural order is record id order: the 50 seeded documents first, then each connection's in its order
      const natural = (await found(s, { find: "c", projection: { _id: 1 }, $db: "x" })).map((b) =>
        Number(BSON.deserialize(b)["_id"])
      );
      assert.deepEqual(natural.slice(0, 50), Array.from({ length: 50 }, (_, i) => -1 - i));
      for (let k = 0; k < 16; k++) {
        const mine = natural.filter((id) => id >= k * 1000 && id < k * 1000 + 100);
        assert.deepEqual(
          mine,
          Array.from({ length: 100 }, (_, i) => k * 1000 + i),
          `connection ${k}'s inserts`,
        );
      }
      // the oplog: one entry per write, times strictly increasing in its order
      const entries = (await found(s, {
        find: "oplog.rs",
        filter: { ns: "x.c", op: { $in: ["i", "u"] } },
        projection: { ts: 1 },
        $db: "local",
      })).map((b) => (BSON.deserialize(b, RAW)["ts"] as BSON.Timestamp).toBigInt());
      assert.equal(entries.length, 50 + 2 * 16 * 100);
      for (let i = 1; i < entries.length; i++) assert.ok(entries[i]! > entries[i - 1]!, `oplog time ${i}`);
      const io = ioThread(await s.ask({ serverStatus: 1, $db: "admin" }));
      assert.ok(Number(io["inserts"]) > 0 && Number(io["updates"]) > 0, json(io));
    } finally {
      for (const c of conns) c.close();
      await s.close();
    }
  },
});
