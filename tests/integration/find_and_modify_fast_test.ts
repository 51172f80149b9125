/**
 * findAndModify by `_id` answered by the frame I/O thread (ffi/wiredtiger/shim/io_fast_fam.c): the same
 * random inserts, updates, deletes and findAndModify requests (update and remove forms, `new` true and
 * false, upsert true and false, with and without `fields` or `sort`, `$set`/`$inc` of every kind of value,
 * of an indexed field or not, of missing documents) sent to a server with the I/O thread's writes and to
 * one with `SECANTUS_FAST_WRITES=0` get the same replies — `lastErrorObject`, `value` (its types, doubles
 * that look like integers and int64s included) and `ok`, but for the cluster times — and leave the same
 * documents, oplog entries (what change streams read; but for their times and collection UUIDs) and
 * counters. Retryable ones: a retry gets the stored reply with its document, an older txnNumber 225;
 * through the Node driver: findOneAndUpdate / findOneAndReplace / findOneAndDelete's results and a change
 * stream's events.
 */
import assert from "node:assert/strict";
import { Binary, BSON, Double, Long, ObjectId } from "bson";
import { MongoClient } from "mongodb";
import { found, rng, sameReplies, type WriteSide, writeSide as start } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

/** Values as stored (a double that looks like an integer stays a Double, an int64 a Long). */
const RAW = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;

const IDS: unknown[] = [
  ...Array.from({ length: 25 }, (_, i) => i),
  "s1",
  new ObjectId("65a1b2c3d4e5f60718293a40"),
];

/** Values `$set` writes (those the I/O thread takes and others). */
const VALUES: unknown[] = [
  1,
  -7,
  new Double(2),
  new Double(2.5),
  Long.fromNumber(1e12),
  "str",
  "",
  true,
  null,
  { d: 1 },
  [1, 2],
  new Date(1_700_000_000_000),
];

/** `fields` (those the I/O thread applies, and others: dotted, mixed, expressions). */
const PROJECTIONS: Doc[] = [
  { n: 1 },
  { n: 1, x: true, m: new Double(1) },
  { pad: 0 },
  { pad: 0, _id: 0, a: false },
  { _id: 0, x: 1 },
  { _id: 1 },
  { _id: 0 },
  { missing: 1 },
  { _id: 0, missing: 1 },
  {},
  { n: 1, pad: 0 },
  { "n.x": 1 },
  { x: "lit" },
  { n: Long.fromInt(2), a: -1 },
];

/** Amounts `$inc` adds. */
const AMOUNTS: unknown[] = [1, -3, new Double(0.5), Long.fromInt(9), new Double(2)];

/** A whole reply without its cluster and operation times. */
function timeless(r: object): Doc {
  const { $clusterTime: _c, operationTime: _o, ...rest } = r as Doc;
  return rest;
}

async function serverStatus(s: WriteSide): Promise<Doc> {
  return await s.ask({ serverStatus: 1, $db: "admin" });
}

/** Oplog entries of db `x` in order (what change streams read), without their times and collection UUIDs. */
async function entries(s: WriteSide): Promise<Uint8Array[]> {
  return await found(s, {
    find: "oplog.rs",
    filter: { ns: { $regex: "^x\\." } },
    projection: { ts: 0, wall: 0, ui: 0 },
    $db: "local",
  });
}

Deno.test({
  name:
    "findAndModify by _id: the I/O thread's replies, documents, oplog entries and counters are the command layer's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sides = [await start(true), await start(false)];
    try {
      const r = rng(42);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
      for (const s of sides) {
        await s.ask({ createIndexes: "e", indexes: [{ key: { a: 1 }, name: "a_1" }], $db: "x" });
      }
      for (let i = 0; i < 3000; i++) {
        const coll = pick(["d", "d", "e"]);
        const id = pick(IDS);
        const k = r();
        let q: Doc;
        if (k < 0.2) {
          const doc: Doc = {
            _id: id,
            a: i,
            n: pick([1, new Double(3), Long.fromInt(5)]),
            pad: "p".repeat(i % 40),
          };
          if (r() < 0.3) doc["x"] = pick(VALUES);
          q = { insert: coll, documents: [doc], $db: "x" };
        } else if (k < 0.25) {
          q = { update: coll, updates: [{ q: { _id: id }, u: { $inc: { n: 1 } } }], $db: "x" };
        } else if (k < 0.3) {
          q = { delete: coll, deletes: [{ q: { _id: id }, limit: 1 }], $db: "x" };
        } else {
          q = { findAndModify: coll, query: { _id: id }, $db: "x" };
          if (r() < 0.03) q["query"] = { _id: id, a: 1 };
          if (r() < 0.25) {
            q["remove"] = true;
            if (r() < 0.5) q["new"] = false;
            if (r() < 0.5) q["upsert"] = false;
          } else {
            const u: Doc = {};
            if (r() < 0.7) u["$set"] = { [pick(["x", "y", "x", "a"])]: pick(VALUES) };
            if (r() < 0.5 || u["$set"] === undefined) u["$inc"] = { [pick(["n", "m"])]: pick(AMOUNTS) };
            q["update"] = r() < 0.03 ? { z: i } : u; // (now and then a replacement: the command layer's)
            q["remove"] = false;
            q["new"] = r() < 0.5;
            q["upsert"] = r() < 0.3;
          }
          if (r() < 0.25) q["fields"] = pick(PROJECTIONS);
          if (r() < 0.05) q["sort"] = { _id: 1 };
          if (r() < 0.1) q["writeConcern"] = pick([{ w: 1 }, { w: "majority" }, { w: 1, j: true }]);
          if (r() < 0.05) q["bypassDocumentValidation"] = true;
        }
        await sameReplies(sides, q, `request ${i}`);
      }
      for (const c of ["d", "e"]) {
        const all = await Promise.all(sides.map((s) => found(s, { find: c, sort: { _id: 1 }, $db: "x" })));
        assert.deepEqual(all[0], all[1], `${c}'s documents`);
        if (c === "e") {
          const scans = await Promise.all(sides.map((s) => found(s, { find: c, hint: "a_1", $db: "x" })));
          assert.deepEqual(scans[0], scans[1], "e by its index");
        }
        const counts = await Promise.all(sides.map((s) => s.ask({ count: c, $db: "x" })));
        assert.equal(Number(counts[0]!["n"]), Number(counts[1]!["n"]));
        for (const s of sides) {
          const v = await s.ask({ validate: c, full: true, $db: "x" });
          assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
        }
      }
      const [ea, eb] = await Promise.all(sides.map(entries));
      assert.equal(ea!.length, eb!.length);
      assert.deepEqual(ea, eb, "the oplog entries");
      const [sa, sb] = await Promise.all(sides.map(serverStatus));
      const { query: _q1, ...oa } = sa!["opcounters"] as Doc;
      const { query: _q2, ...ob } = sb!["opcounters"] as Doc;
      assert.deepEqual(oa, ob, "opcounters");
      assert.deepEqual((sa!["metrics"] as Doc)["document"], (sb!["metrics"] as Doc)["document"]);
      const io = (s: Doc, f: string) => Number(((s["secantus"] as Doc)["ioThread"] as Doc)[f]);
      assert.equal(io(sb!, "updates") + io(sb!, "deletes"), 0);
      assert.ok(io(sa!, "updates") > 300, `the I/O thread made ${io(sa!, "updates")} updates`);
      assert.ok(io(sa!, "deletes") > 100, `the I/O thread made ${io(sa!, "deletes")} deletes`);
      const top = await Promise.all(sides.map((s) => s.ask({ top: 1, $db: "admin" })));
      const counts = top.map((t) => {
        const e = (t["totals"] as Doc)["x.d"] as Record<string, Doc>;
        return [Number(e["update"]!["count"]), Number(e["writeLock"]!["count"])];
      });
      assert.deepEqual(counts[0], counts[1], "top's update and writeLock counts");
    } finally {
      for (const s of sides) await s.close();
    }
  },
});

Deno.test({
  name:
    "retryable findAndModify on the I/O thread: a retry gets the stored reply and its document, an older 225",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await start(true);
    try {
      const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
      const docs = Array.from(
        { length: 60 },
        (_, i) => ({ _id: i, n: Long.fromInt(i), d: new Double(2), s: "x" }),
      );
      await s.ask({ insert: "t", documents: docs, $db: "x" });
      const fam = (txnNumber: number, id: number, extra: Doc) => ({
        findAndModify: "t",
        query: { _id: id },
        ...extra,
        lsid,
        txnNumber: Long.fromInt(txnNumber),
        $db: "x",
      });
      const io = async () => {
        const st = (await serverStatus(s))["secantus"] as Doc;
        return Number((st["ioThread"] as Doc)["updates"]) + Number((st["ioThread"] as Doc)["deletes"]);
      };
      let t = 0;
      let removed = 0;
      const forms: Doc[] = [
        { update: { $inc: { n: 1 }, $set: { s: "y" } }, new: true, upsert: false, remove: false },
        { update: { $inc: { n: 1 } }, new: false },
        { update: { $set: { s: "z" } }, new: true, fields: { n: 1, d: 1 } },
        { remove: true, fields: { s: 0 } },
      ];
      for (const form of forms) {
        let made = 0;
        for (let tries = 0; made < 2 && tries < 30; tries++) {
          const before = await io();
          const id = ++t;
          const first = await s.raw(fam(t, id, form));
          if (form["remove"]) removed++;
          if (await io() === before) continue;
          made++;
          const { $clusterTime: _c, operationTime: _o, ...reply } = BSON.deserialize(first, RAW);
          assert.equal(Number((reply["lastErrorObject"] as Doc)["n"]), 1);
          // the retry: the same reply (its document's types too), nothing written again
          const again = BSON.deserialize(await s.raw(fam(t, id, form)), RAW);
          const { $clusterTime: _c2, operationTime: _o2, ...replyAgain } = again;
          assert.deepEqual(
            BSON.serialize(replyAgain),
            BSON.serialize(reply),
            `${JSON.stringify(form)}: the retry's reply`,
          );
          const value = BSON.deserialize(BSON.serialize(replyAgain), {
            promoteValues: false,
          })["value"] as Doc;
          assert.ok(value["d"] instanceof Double, "a double stays a double");
          assert.ok(value["n"] instanceof Long, "an int64 stays an int64");
        }
        assert.equal(made, 2, `${JSON.stringify(form)}: the I/O thread made two of them`);
      }
      const doc = await s.ask({ find: "t", filter: { _id: 1 }, $db: "x" });
      assert.equal(Number((((doc["cursor"] as Doc)["firstBatch"] as Doc[])[0]!)["n"]), 2, "incremented once");
      const projected = BSON.deserialize(await s.raw(fam(++t, 50, forms[2]!)), RAW)["value"] as Doc;
      assert.deepEqual(Object.keys(projected), ["_id", "n", "d"], "an inclusion keeps the document's order");
      assert.equal(Number((await s.ask(fam(t - 1, t - 1, forms[0]!)))["code"]), 225);
      const left = await s.ask({ count: "t", $db: "x" });
      assert.equal(Number(left["n"]), 60 - removed);
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name:
    "findOneAndUpdate / findOneAndDelete through the Node driver on the I/O thread: results and change events",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await start(true);
    const client = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true`);
    try {
      await client.connect();
      const coll = client.db("x").collection<{ _id: number; n: number; s: string }>("drv");
      await coll.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, n: i, s: "a" })));
      const stream = coll.watch([], { fullDocument: "updateLookup" });
      const events: Doc[] = [];
      const reading = (async () => {
        for await (const e of stream) {
          events.push(e as unknown as Doc);
          if (events.length === 80) break;
        }
      })();
      reading.catch(() => {}); // (awaited below; a failure before that closes the client under it)
      await new Promise((res) => setTimeout(res, 200));
      for (let i = 0; i < 20; i++) {
        const after = await coll.findOneAndUpdate({ _id: i }, { $inc: { n: 100 } }, {
          returnDocument: "after",
        });
        assert.deepEqual(after, { _id: i, n: i + 100, s: "a" });
        const before = await coll.findOneAndUpdate({ _id: i }, { $set: { s: "b" } }, {
          includeResultMetadata: true,
        });
        assert.deepEqual(timeless(before), {
          lastErrorObject: { n: 1, updatedExisting: true },
          value: { _id: i, n: i + 100, s: "a" },
          ok: 1,
        });
        const projected = await coll.findOneAndUpdate({ _id: i }, { $inc: { n: 1 } }, {
          returnDocument: "after",
          projection: { n: 1 },
        });
        assert.deepEqual(projected, { _id: i, n: i + 101 });
        const gone = await coll.findOneAndDelete({ _id: i + 20 });
        assert.deepEqual(gone, { _id: i + 20, n: i + 20, s: "a" });
      }
      const missing = await coll.findOneAndUpdate({ _id: 99 }, { $set: { s: "c" } }, {
        includeResultMetadata: true,
      });
      assert.deepEqual(timeless(missing), {
        lastErrorObject: { n: 0, updatedExisting: false },
        value: null,
        ok: 1,
      });
      await reading;
      await stream.close();
      for (let i = 0; i < 20; i++) {
        const [inc, set, , del] = events.slice(4 * i, 4 * i + 4);
        assert.equal(inc!["operationType"], "update");
        assert.deepEqual(inc!["updateDescription"], {
          updatedFields: { n: i + 100 },
          removedFields: [],
          truncatedArrays: [],
        });
        assert.deepEqual(set!["updateDescription"], {
          updatedFields: { s: "b" },
          removedFields: [],
          truncatedArrays: [],
        });
        assert.equal(del!["operationType"], "delete");
        assert.deepEqual(del!["documentKey"], { _id: i + 20 });
      }
      const st = await client.db("admin").command({ serverStatus: 1 });
      const io = st["secantus"]["ioThread"];
      assert.ok(io["updates"] >= 50 && io["deletes"] >= 15, JSON.stringify(io));
    } finally {
      await client.close();
      await s.close();
    }
  },
});
