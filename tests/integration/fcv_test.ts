/**
 * featureCompatibilityVersion as mongod 8.0 keeps it: admin.system.version holds
 * `{_id: "featureCompatibilityVersion", version: "8.0"}`, getParameter answers it, and
 * setFeatureCompatibilityVersion needs `confirm: true`, accepts 8.0 and refuses the rest — through
 * the Node driver.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { code } from "./helpers/error_code.ts";

Deno.test({
  name: "featureCompatibilityVersion document, getParameter and setFeatureCompatibilityVersion",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const admin = client.db("admin");
    try {
      const docs = await admin.collection("system.version").find({
        _id: "featureCompatibilityVersion" as AnyDoc,
      })
        .toArray();
      assert.deepEqual(docs, [{ _id: "featureCompatibilityVersion", version: "8.0" }]);
      const names = (await admin.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      assert.ok(names.includes("system.version"), String(names));
      const p = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
      assert.deepEqual(p["featureCompatibilityVersion"], { version: "8.0" });

      assert.equal(await code(admin.command({ setFeatureCompatibilityVersion: "8.0" })), 7369100);
      assert.equal((await admin.command({ setFeatureCompatibilityVersion: "8.0", confirm: true }))["ok"], 1);
      assert.equal(
        await code(admin.command({ setFeatureCompatibilityVersion: "6.0", confirm: true })),
        4926900,
      );
      assert.equal(await code(admin.command({ setFeatureCompatibilityVersion: "7.0" })), 7369100);
      assert.equal(await code(admin.command({ setFeatureCompatibilityVersion: "7.0", confirm: true })), 238);
      assert.equal(
        await code(client.db("test").command({ setFeatureCompatibilityVersion: "8.0", confirm: true })),
        13,
      );
      // still 8.0, and listed once
      assert.equal(
        await admin.collection("system.version").countDocuments({
          _id: "featureCompatibilityVersion" as AnyDoc,
        }),
        1,
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "the FCV document is written after the handshake, in no oplog entry; an on-disk server that served only pings has it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "secantus-fcv-test-" });
    try {
      // first start: the driver's handshake and pings only, then stop (the stop writes the document)
      let server = await startServer({ port: 0, storagePath: dir, logLevel: "ERROR" });
      let client = new MongoClient(server.uri);
      try {
        await client.db("admin").command({ ping: 1 });
        await client.db("admin").command({ hello: 1 });
      } finally {
        await client.close();
        await server.stop();
      }
      server = await startServer({ port: 0, storagePath: dir, logLevel: "ERROR" });
      client = new MongoClient(server.uri);
      try {
        const admin = client.db("admin");
        const docs = await admin.collection("system.version").find({}).toArray();
        assert.deepEqual(docs, [{ _id: "featureCompatibilityVersion", version: "8.0" }]);
        const logged = await client.db("local").collection("oplog.rs").find({
          ns: { $in: ["admin.system.version", "admin.$cmd"] },
        }).toArray();
        assert.deepEqual(logged, []);
      } finally {
        await client.close();
        await server.stop();
      }
      // :memory:: the first command past the handshake finds it, no oplog entry either
      server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
      client = new MongoClient(server.uri);
      try {
        const dbs = await client.db("admin").admin().listDatabases();
        assert.ok(dbs.databases.some((d) => d.name === "admin"), JSON.stringify(dbs));
        const n = await client.db("local").collection("oplog.rs").countDocuments({
          ns: "admin.system.version",
        });
        assert.equal(n, 0);
        const docs = await client.db("admin").collection("system.version").find({}).toArray();
        assert.deepEqual(docs, [{ _id: "featureCompatibilityVersion", version: "8.0" }]);
      } finally {
        await client.close();
        await server.stop();
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
