/**
 * The one-member replica set's configuration commands through the Node driver and mongosh:
 * replSetGetConfig (`rs.conf()`) and replSetInitiate (`rs.initiate()`: 23 AlreadyInitialized, as an
 * initiated mongod answers); a `--standalone` server answers 76 to both.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { runMongosh } from "./helpers/mongosh.ts";
import { startServer } from "../../mod.ts";

serverTest(
  "replSetGetConfig: the set of one as hello describes it; replSetInitiate: 23",
  async (client, server) => {
    const admin = client.db("admin");
    const hello = await admin.command({ hello: 1 });
    const r: AnyDoc = await admin.command({ replSetGetConfig: 1 });
    assert.equal(r.ok, 1);
    assert.equal(r.config._id, hello.setName);
    assert.equal(r.config.version, hello.setVersion);
    assert.deepEqual(r.config.members.map((m: AnyDoc) => [m._id, m.host, m.votes, m.priority]), [
      [0, hello.me, 1, 1],
    ]);
    assert.deepEqual(r.config.settings.getLastErrorDefaults, { w: 1, wtimeout: 0 });
    assert.equal(r.config.settings.replicaSetId.constructor.name, "ObjectId");
    assert.equal(r.commitmentStatus, undefined);
    assert.equal(
      (await admin.command({ replSetGetConfig: 1, commitmentStatus: true })).commitmentStatus,
      true,
    );
    assert.equal((await admin.command({ replSetGetConfig: 1, bogus: 1 }).catch((e) => e)).code, 40415);
    assert.equal((await client.db("t").command({ replSetGetConfig: 1 }).catch((e) => e)).code, 13);

    const init = await admin.command({ replSetInitiate: { _id: "rs0", members: [{ _id: 0, host: "x:1" }] } })
      .catch((e) => e);
    assert.equal(init.code, 23);
    assert.equal(init.codeName, "AlreadyInitialized");
    assert.equal(init.message, "already initialized");

    const out = await runMongosh(
      server.uri,
      `const c = rs.conf(); print("CONF " + c._id + " " + c.members.length + " " + c.members[0].host);
     try { rs.initiate(); print("INITIATED") } catch (e) { print("INIT " + e.codeName) }`,
    );
    assert.match(out, new RegExp(`CONF ${hello.setName} 1 ${hello.me.replace(/[.]/g, "\\.")}`));
    assert.match(out, /INIT AlreadyInitialized/);
  },
);

Deno.test({
  name: "replSetGetConfig and replSetInitiate on a --standalone server: 76 NoReplicationEnabled",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({
      port: 0,
      storagePath: ":memory:",
      logLevel: "ERROR",
      standalone: true,
    });
    const client = new MongoClient(server.uri);
    try {
      const admin = client.db("admin");
      assert.equal((await admin.command({ replSetGetConfig: 1 }).catch((e) => e)).code, 76);
      assert.equal((await admin.command({ replSetInitiate: 1 }).catch((e) => e)).code, 76);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
