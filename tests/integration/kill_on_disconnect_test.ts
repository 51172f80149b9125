/**
 * Kill on client disconnect (mongod's markKillOnClientDisconnect, 279 ClientDisconnect): a read whose
 * client hangs up stops within a fraction of a second — on both socket paths (the shim's frame I/O
 * thread, Deno's sockets) — while a write runs to its end.
 */
import assert from "node:assert/strict";
import { type Document, MongoClient } from "mongodb";
import { type RunningServer, startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";

type Io = "shim" | "deno";
// deno-lint-ignore no-explicit-any
type AnyDoc = any;

async function withIoServer(io: Io, fn: (s: RunningServer, c: MongoClient) => Promise<void>): Promise<void> {
  const d = defaultConfig();
  const server = await startServer({
    config: {
      ...d,
      server: {
        ...d.server,
        port: 0,
        storagePath: ":memory:",
        logLevel: "ERROR" as const,
        io,
        enableTestCommands: true,
      },
    },
  });
  const client = new MongoClient(server.uri);
  try {
    await fn(server, client);
  } finally {
    await client.close();
    await server.stop();
  }
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
