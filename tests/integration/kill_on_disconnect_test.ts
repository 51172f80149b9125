/**
 * Kill on client disconnect (mongod's markKillOnClientDisconnect, 279 ClientDisconnect): a read whose
 * client hangs up stops within a fraction of a second — on both socket paths (the shim's frame I/O
 * thread, Deno's sockets) — while a write runs to its end. A long loop inside one expression (which
 * cannot yield) checks the operation's deadline and its client too (observability/interrupt.ts).
 */
import assert from "node:assert/strict";
import { BSON, type Document, type Long, MongoClient } from "mongodb";
import { encodeOpMsg } from "../../src/wire/mod.ts";
import type { RunningServer } from "../../mod.ts";
import { withServerSettings } from "./helpers/embedded_server.ts";

type Io = "shim" | "deno";
// deno-lint-ignore no-explicit-any
type AnyDoc = any;

function withIoServer(io: Io, fn: (s: RunningServer, c: MongoClient) => Promise<void>): Promise<void> {
  return withServerSettings({ io }, (client, server) => fn(server, client));
}

/** Runs `op` on a client that gives up after 300 ms (its socket closes, as on a driver timeout). */
async function abandon(uri: string, op: (c: MongoClient) => Promise<unknown>): Promise<void> {
  const victim = new MongoClient(uri, {
    socketTimeoutMS: 300,
    retryReads: false,
    retryWrites: false,
    appName: "victim",
  });
  try {
    const r = await op(victim).then(() => "answered", (e) => e?.name);
    assert.equal(r, "MongoNetworkTimeoutError");
  } finally {
    await victim.close().catch(() => {});
  }
}

/** ms until no operation matches `filter` in currentOp (fails past `limitMs`). */
async function goneWithin(client: MongoClient, filter: Document, limitMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const co = await client.db("admin").command({ currentOp: 1, ...filter });
    if ((co["inprog"] as unknown[]).length === 0) return Date.now() - t0;
    if (Date.now() - t0 > limitMs) {
      assert.fail(`still running after ${limitMs} ms: ${JSON.stringify(co["inprog"])}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const io of ["shim", "deno"] as const) {
  Deno.test({
    name: `kill on disconnect (${io}): an abandoned $where busy loop stops, the next $where runs`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () =>
      withIoServer(io, async (server, client) => {
        const coll = client.db("kod").collection<AnyDoc>("c");
        await coll.insertMany([{ a: 1 }, { a: 2 }]);
        await abandon(server.uri, (v) =>
          v.db("kod").collection<AnyDoc>("c").find({ $where: "function () { while (true); }" }).toArray());
        await goneWithin(client, { "command.filter.$where": { $exists: true } }, 2_000);
        assert.equal((await coll.find({ $where: "this.a === 2" }).toArray()).length, 1);
      }),
  });

  Deno.test({
    name: `kill on disconnect (${io}): a read blocked in the server stops; a write completes`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () =>
      withIoServer(io, async (server, client) => {
        const admin = client.db("admin");
        const coll = client.db("kod").collection<AnyDoc>("c");
        await coll.insertOne({ _id: 0 });
        await admin.command({
          configureFailPoint: "failCommand",
          mode: "alwaysOn",
          data: {
            failCommands: ["aggregate", "insert"],
            blockConnection: true,
            blockTimeMS: 2_000,
            appName: "victim",
          },
        });
        try {
          await abandon(server.uri, (v) =>
            v.db("kod").collection<AnyDoc>("c").aggregate([{ $match: {} }]).toArray());
          await goneWithin(client, { "command.aggregate": "c" }, 1_000);
          await abandon(server.uri, (v) =>
            v.db("kod").collection<AnyDoc>("c").insertOne({ _id: 1 }));
          // the insert was not killed: it lands once its block ends
          const t0 = Date.now();
          while (await coll.countDocuments({ _id: 1 }) === 0) {
            assert.ok(Date.now() - t0 < 5_000, "the abandoned insert never landed");
            await new Promise((r) => setTimeout(r, 50));
          }
        } finally {
          await admin.command({ configureFailPoint: "failCommand", mode: "off" });
        }
      }),
  });
}

Deno.test({
  name: "killOp reaches a getMore (its batch runs under a control that follows the request's)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIoServer("shim", async (_server, client) => {
      const db = client.db("kod");
      await db.createCollection("capped", { capped: true, size: 1 << 16 });
      await db.collection("capped").insertOne({ a: 1 });
      const cursor = db.collection("capped").find({}, {
        tailable: true,
        awaitData: true,
        maxAwaitTimeMS: 10_000,
      });
      await cursor.next(); // the first batch
      const t0 = Date.now();
      const waiting = cursor.next().then(() => "answered", (e) => e?.code); // a getMore waiting 10 s
      await new Promise((r) => setTimeout(r, 300));
      const [op] = (await client.db("admin").command({ currentOp: 1, "command.getMore": { $exists: true } }))
        .inprog as { opid: number }[];
      assert.ok(op !== undefined, "the getMore waits");
      await client.db("admin").command({ killOp: 1, op: op.opid });
      assert.equal(await waiting, 11601);
      assert.ok(Date.now() - t0 < 5_000, "stopped, not at the end of its wait");
      await cursor.close().catch(() => {});
    }),
});

Deno.test({
  name: "kill on disconnect: an awaitData getMore whose client hangs up stops",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIoServer("shim", async (server, client) => {
      const db = client.db("kod");
      await db.createCollection("capped", { capped: true, size: 1 << 16 });
      await db.collection("capped").insertOne({ a: 1 });
      // the cursor, then its getMore from a raw socket that closes while the getMore waits
      const found = await db.command({ find: "capped", tailable: true, awaitData: true, batchSize: 1 });
      const id = (found["cursor"] as { id: Long }).id;
      const port = Number(new URL(server.uri).port);
      const sock = await Deno.connect({ hostname: "127.0.0.1", port });
      const getMore = BSON.serialize({ getMore: id, collection: "capped", maxTimeMS: 10_000, $db: "kod" });
      await sock.write(encodeOpMsg({ requestId: 1, body: getMore }));
      await new Promise((r) => setTimeout(r, 300));
      const [op] = (await client.db("admin").command({ currentOp: 1, "command.getMore": { $exists: true } }))
        .inprog as { opid: number }[];
      assert.ok(op !== undefined, "the getMore waits");
      sock.close(); // the client goes away
      await goneWithin(client, { opid: op.opid }, 1_000);
    }),
});

/** One document whose projection sums a $range of 6M with a product each: seconds inside one expression. */
const BIG = [{ $documents: [{}] }, {
  $project: {
    s: {
      $reduce: {
        input: { $range: [0, 6_000_000] },
        initialValue: 0,
        in: { $add: ["$$value", { $multiply: ["$$this", 2] }, { $multiply: ["$$this", 3] }] },
      },
    },
  },
}];

/** One document whose projection sums a $range of 3M: ~0.5–1 s inside one expression here. */
const HEAVY = [{ $documents: [{}] }, {
  $project: {
    s: {
      $reduce: { input: { $range: [0, 3_000_000] }, initialValue: 0, in: { $add: ["$$value", "$$this"] } },
    },
  },
}];

Deno.test({
  name:
    "a long loop inside one expression: maxTimeMS ends it (50) — aggregate, update, upsert, findAndModify —, its client's hang-up ends it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIoServer("shim", async (server, client) => {
      const admin = client.db("admin");
      let t0 = Date.now();
      const e = await admin.aggregate(HEAVY, { maxTimeMS: 50 }).toArray().then(() => undefined, (x) => x);
      assert.equal(e?.code, 50, `answered after ${Date.now() - t0} ms instead of failing`);
      // a pipeline update's expression too: 50, and the document is left as it was
      const coll = client.db("kod").collection<AnyDoc>("u");
      await coll.insertOne({ _id: 1, s: 0 });
      const sum = HEAVY[1]!.$project!.s;
      const u = await client.db("kod").command({
        update: "u",
        updates: [{ q: { _id: 1 }, u: [{ $set: { s: sum } }] }],
        maxTimeMS: 50,
      }).then((r) => r, (x) => x);
      assert.equal(u?.code ?? u?.writeErrors?.[0]?.code, 50, JSON.stringify(u));
      assert.equal((await coll.findOne({ _id: 1 }))?.s, 0);
      // an upsert's pipeline (the inserted document's expressions) and findAndModify's: 50, nothing written
      const up = await client.db("kod").command({
        update: "u",
        updates: [{ q: { _id: 2 }, u: [{ $set: { s: sum } }], upsert: true }],
        maxTimeMS: 50,
      }).then((r) => r, (x) => x);
      assert.equal(up?.code ?? up?.writeErrors?.[0]?.code, 50, JSON.stringify(up));
      for (const upsert of [false, true]) {
        const fam = await client.db("kod").command({
          findAndModify: "u",
          query: { _id: upsert ? 3 : 1 },
          update: [{ $set: { s: sum } }],
          upsert,
          maxTimeMS: 50,
        }).then((r) => r, (x) => x);
        assert.equal(fam?.code, 50, JSON.stringify(fam));
      }
      assert.deepEqual(await coll.find().toArray(), [{ _id: 1, s: 0 }]);
      // without a limit it answers (the sum of 0 … 2,999,999)
      const [r] = await admin.aggregate(HEAVY).toArray();
      assert.equal(Number(r!["s"]), 4_499_998_500_000);
      // a client that gives up (in another process: this one's timers wait while the server's loop is held)
      const victim = `
        import { MongoClient } from "mongodb";
        const c = new MongoClient(${JSON.stringify(server.uri)}, { socketTimeoutMS: 150, retryReads: false });
        const r = await c.db("admin").aggregate(${
        JSON.stringify(BIG)
      }).toArray().then(() => "answered", (e) => e.name);
        console.log(r);
        await c.close().catch(() => {});
        Deno.exit(0);`;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", victim],
        stdout: "piped",
        stderr: "inherit",
      })
        .output();
      // its aggregate starts and holds the loop (4 s uninterrupted here); the child times out and closes its
      // socket; the expression's next interrupt check sees the hang-up and the loop lets go
      let last = Date.now();
      let longestHold = 0;
      const ticker = setInterval(() => {
        const now = Date.now();
        longestHold = Math.max(longestHold, now - last);
        last = now;
      }, 20);
      let out: string;
      try {
        out = new TextDecoder().decode((await child).stdout).trim();
      } finally {
        clearInterval(ticker);
      }
      assert.equal(out, "MongoNetworkTimeoutError");
      assert.ok(longestHold < 2_000, `the event loop was held ${longestHold} ms`);
      t0 = Date.now();
      await admin.command({ ping: 1 });
      await goneWithin(client, { "command.aggregate": 1 }, 1_000);
    }),
});
