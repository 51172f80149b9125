/**
 * Through the real Node driver: the enableTestCommands switch (embedded default on; off → no
 * configureFailPoint, as mongod), the fail points drivers' suites use (failCommand on the handshake,
 * maxTimeAlwaysTimeOut, failGetMoreAfterCursorCheckout, onPrimaryTransactionalWrite with
 * failBeforeCommitExceptionCode), and serverStatus counters that tell the truth (network bytes,
 * connections.available, opcounters counted once per command).
 */
import assert from "node:assert/strict";
import { type Document, MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

const QUIET = { port: 0, storagePath: ":memory:", logLevel: "ERROR" } as const;

function code(e: unknown): number | undefined {
  return e instanceof MongoServerError ? e.code as number : undefined;
}

Deno.test({
  name: "without enableTestCommands configureFailPoint does not exist and getParameter says so",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ ...QUIET, enableTestCommands: false });
    const client = new MongoClient(server.uri);
    try {
      const admin = client.db("admin");
      await assert.rejects(
        () => admin.command({ configureFailPoint: "failCommand", mode: "off" }),
        (e: unknown) => code(e) === 59 && (e as Error).message === "no such command: 'configureFailPoint'",
      );
      const p = await admin.command({ getParameter: 1, enableTestCommands: 1 });
      assert.equal(p["enableTestCommands"], false);
      const cmds = await admin.command({ listCommands: 1 });
      assert.equal(cmds["commands"]["configureFailPoint"], undefined);
      await assert.rejects(() => admin.command({ testVersion2: 1 }), (e: unknown) => code(e) === 59);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "fail points drivers' suites use behave as on mongod",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer(QUIET); // embedded: test commands on by default
    const client = new MongoClient(server.uri, { retryReads: false, retryWrites: false });
    try {
      const admin = client.db("admin");
      assert.equal((await admin.command({ getParameter: "*" }))["enableTestCommands"], true);

      // testVersion2 (API Version 2 only): answers its API parameters, 323 under apiVersion 1 + apiStrict
      const v2 = await admin.command({ testVersion2: 1, apiVersion: "1" });
      assert.deepEqual([v2["apiVersion"], v2["apiStrict"], v2["ok"]], ["1", undefined, 1]);
      const strict = new MongoClient(server.uri, { serverApi: { version: "1", strict: true } });
      try {
        await assert.rejects(
          () => strict.db("x").command({ testVersion2: 1 }),
          (e: unknown) =>
            code(e) === 323 &&
            (e as Error).message ===
              "Provided apiStrict:true, but the command testVersion2 is not in API Version 1",
        );
      } finally {
        await strict.close();
      }

      // failCommand hits the handshake of a client with the named appName (isMaster or hello).
      await admin.command({
        configureFailPoint: "failCommand",
        mode: { times: 1 },
        data: { failCommands: ["isMaster", "hello"], errorCode: 91, appName: "handshakeFails" },
      });
      const victim = new MongoClient(server.uri, { appName: "handshakeFails", heartbeatFrequencyMS: 500 });
      await victim.db("admin").command({ ping: 1 }); // the monitor's next handshake succeeds
      await victim.close();
      const off = await admin.command({ configureFailPoint: "failCommand", mode: "off" });
      assert.equal(off["count"], 1, "the failing handshake entered the fail point once");

      // maxTimeAlwaysTimeOut: a command with maxTimeMS times out; one without is untouched.
      const c = client.db("tc").collection("c");
      await c.insertMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
      await admin.command({ configureFailPoint: "maxTimeAlwaysTimeOut", mode: "alwaysOn" });
      await assert.rejects(() => c.find({}).maxTimeMS(10_000).toArray(), (e: unknown) => code(e) === 50);
      assert.equal((await c.find({}).toArray()).length, 3);
      await admin.command({ configureFailPoint: "maxTimeAlwaysTimeOut", mode: "off" });

      // failGetMoreAfterCursorCheckout: the getMore fails with the code and the cursor is gone.
      const db = client.db("tc");
      const first = await db.command({ find: "c", batchSize: 1 });
      const id = first["cursor"]["id"];
      await admin.command({
        configureFailPoint: "failGetMoreAfterCursorCheckout",
        mode: { times: 1 },
        data: { errorCode: 280 },
      });
      await assert.rejects(
        () => db.command({ getMore: id, collection: "c" }),
        (e: unknown) => code(e) === 280,
      );
      await assert.rejects(
        () => db.command({ getMore: id, collection: "c" }),
        (e: unknown) => code(e) === 43,
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "onPrimaryTransactionalWrite with failBeforeCommitExceptionCode refuses a retryable write unapplied",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer(QUIET);
    const client = new MongoClient(server.uri, { retryWrites: true });
    try {
      await client.db("admin").command({
        configureFailPoint: "onPrimaryTransactionalWrite",
        mode: { times: 1 },
        data: { closeConnection: false, failBeforeCommitExceptionCode: 8 },
      });
      const c = client.db("tc").collection("w");
      await assert.rejects(() => c.insertOne({ _id: 1 as never }), (e: unknown) => code(e) === 8);
      assert.equal(await c.countDocuments(), 0, "the refused write is not reflected");
      await c.insertOne({ _id: 1 as never }); // times: 1 — the next write goes through
      assert.equal(await c.countDocuments(), 1);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "serverStatus counters: network bytes grow, available = max - current, one command counts once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer(QUIET);
    // No monitor traffic during the measurement (a streaming or RTT hello would count as a command).
    const client = new MongoClient(server.uri, {
      heartbeatFrequencyMS: 60_000,
      serverMonitoringMode: "poll",
    });
    try {
      const admin = client.db("admin");
      const db = client.db("cnt");
      await db.collection("c").insertOne({ pad: "x".repeat(10_000) });
      const status = () => admin.command({ serverStatus: 1 });

      const s1 = await status();
      assert.equal(s1["connections"]["available"], 10_000 - s1["connections"]["current"]);
      await db.command({ count: "c" });
      const s2 = await status();
      assert.equal(s2["opcounters"]["command"] - s1["opcounters"]["command"], 2, "count + serverStatus");
      await db.collection("c").find({}).toArray();
      const s3 = await status();
      assert.equal(s3["opcounters"]["query"] - s2["opcounters"]["query"], 1, "one find is one query");
      assert.equal(s3["opcounters"]["command"] - s2["opcounters"]["command"], 1, "only serverStatus");

      const n = (d: Document, k: string) => Number(d["network"][k]);
      assert.ok(n(s3, "bytesIn") > n(s1, "bytesIn"));
      assert.ok(n(s3, "bytesOut") - n(s1, "bytesOut") > 10_000, "the 10 KB document went out");
      assert.equal(n(s3, "numRequests") - n(s1, "numRequests"), 4, "count, ss, find, ss");
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
