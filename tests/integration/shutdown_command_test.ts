/**
 * The shutdown command through real clients: the Node driver against `secantusdb serve` (the process
 * exits 0, its data directory closed cleanly: a restart finds the data), mongosh's `db.shutdownServer()`
 * (which, as against mongod, reports the connection closing),
 * and an embedded server (`startServer`: it stops, its process goes on). mongod's refusals come back as
 * errors and stop nothing.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";
import { runMongosh } from "./helpers/mongosh.ts";
import { startServer } from "../../mod.ts";

/** Waits (bounded) for the child to exit on its own; its exit code. */
async function exitedWithin(child: Deno.ChildProcess, ms: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gone = await Promise.race([
    child.status.then((s) => s.code),
    new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), ms)),
  ]);
  clearTimeout(timer);
  if (gone === undefined) throw new Error(`the server did not exit within ${ms} ms of the shutdown command`);
  return gone;
}

Deno.test({
  name:
    "shutdown through the Node driver: refusals first, then no reply, exit 0, data intact after a restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s1 = await spawnServer({ args: ["--io-loops", "2"] });
    const c1 = new MongoClient(s1.uri, { retryReads: false, retryWrites: false });
    try {
      await c1.db("keep").collection<AnyDoc>("c").insertMany([{ _id: 1, v: "a" }, { _id: 2, v: "b" }]);
      const notAdmin = await c1.db("keep").command({ shutdown: 1 }).catch((e) => e);
      assert.equal(notAdmin.code, 13);
      assert.equal(notAdmin.message, "shutdown may only be run against the admin database.");
      const badField = await c1.db("admin").command({ shutdown: 1, grace: 5 }).catch((e) => e);
      assert.equal(badField.code, 40415);
      const badForce = await c1.db("admin").command({ shutdown: 1, force: "yes" }).catch((e) => e);
      assert.equal(badForce.code, 14);
      // still serving after the refusals
      assert.equal(await c1.db("keep").collection("c").countDocuments(), 2);

      const stopped = await c1.db("admin").command({ shutdown: 1, timeoutSecs: 5 }).then(
        () => "answered",
        (e: Error) => e.name,
      );
      assert.match(stopped, /MongoNetworkError|MongoServerSelectionError|MongoPoolClearedError/);
      assert.equal(await exitedWithin(s1.child, 15_000), 0);
      assert.match(s1.output(), /shutdown command from 127\.0\.0\.1:\d+ \(connection \d+\); shutting down/);
      assert.match(s1.output(), /closed cleanly/);
    } finally {
      await c1.close(true);
      await s1.stop("SIGTERM", { keepData: true });
    }
    const s2 = await spawnServer({ dataDir: s1.dataDir, ownDataDir: true });
    const c2 = new MongoClient(s2.uri);
    try {
      assert.deepEqual(await c2.db("keep").collection("c").find().sort({ _id: 1 }).toArray(), [
        { _id: 1, v: "a" },
        { _id: 2, v: "b" },
      ]);
    } finally {
      await c2.close();
      assert.equal(await s2.stop(), 0);
    }
  },
});

Deno.test({
  name:
    "shutdown: mongosh's db.shutdownServer() stops the server (the shell sees the connection close, as with mongod)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const s = await spawnServer();
    try {
      const out = await runMongosh(
        s.uri,
        "try { db.getSiblingDB('admin').shutdownServer(); print('ANSWERED') } catch (e) { print('ERR ' + e) }",
      );
      assert.match(out, /^ERR MongoNetworkError: connection \d+ to 127\.0\.0\.1:\d+ closed/);
      assert.equal(await exitedWithin(s.child, 15_000), 0);
    } finally {
      await s.stop();
    }
  },
});

Deno.test({
  name: "shutdown: an embedded server stops (stopped resolves, the port closes) and its process goes on",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri, { retryReads: false, serverSelectionTimeoutMS: 2000 });
    try {
      await client.db("t").collection("c").insertOne({ a: 1 });
      await client.db("admin").command({ shutdown: 1, force: true }).then(
        () => assert.fail("shutdown answered"),
        (e: Error) =>
          assert.match(e.name, /MongoNetworkError|MongoServerSelectionError|MongoPoolClearedError/),
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        server.stopped,
        new Promise((_, reject) =>
          timer = setTimeout(() => reject(new Error("not stopped in 10 s")), 10_000)
        ),
      ]);
      clearTimeout(timer);
      const refused = await Deno.connect({ hostname: "127.0.0.1", port: server.port }).then(
        (c) => (c.close(), "connected"),
        () => "refused",
      );
      assert.equal(refused, "refused");
    } finally {
      await client.close(true);
      await server.stop(); // idempotent: the same stop
    }
  },
});
