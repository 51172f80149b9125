/**
 * What the server keeps for itself, refused as mongod refuses it, through the Node driver and mongosh:
 * dropDatabase of `admin` (its users, roles and feature compatibility version) and, in the replica-set
 * persona, of `local`; dropping the live oplog (5255000) or renaming it (20 IllegalOperation); a client's write to
 * `local.oplog.rs`, `<db>.system.profile` or `<db>.system.views` (73 "cannot write to"), and creating or
 * writing a `system.` namespace mongod keeps from clients (73 "Invalid system namespace"). Nothing is lost.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { serverTest, standaloneServerTest } from "./helpers/embedded_server.ts";
import { runMongosh } from "./helpers/mongosh.ts";

const err = (p: Promise<unknown>) => p.then(() => "ok", (e: AnyDoc) => `${e.code} ${e.message}`);

serverTest(
  "admin and local are not dropped; the oplog is not dropped, renamed or written",
  async (client, server) => {
    const admin = client.db("admin");
    const local = client.db("local");
    await client.db("app").collection("c").insertOne({ a: 1 });
    const oplogCount = async () => await local.collection("oplog.rs").countDocuments();
    const before = await oplogCount();
    assert.ok(before > 0);
    // (the driver's dropDatabase() reports any 20 of a write as "does not support retryable writes", against
    // mongod too: the command itself shows the server's answer)
    assert.match(await err(admin.dropDatabase()), /does not support retryable writes/);
    assert.equal(
      await err(admin.command({ dropDatabase: 1 })),
      "20 Dropping the 'admin' database is prohibited.",
    );
    assert.equal((await admin.command({ find: "system.version" })).cursor.firstBatch.length, 1);
    assert.equal(
      await err(local.command({ dropDatabase: 1 })),
      "20 Cannot drop 'local' database while replication is active",
    );
    assert.equal(
      await err(client.db("app").command({ dropDatabase: 0 })),
      "5255100 Have to pass 1 as 'drop' parameter",
    );
    assert.equal(
      await err(local.command({ drop: "oplog.rs" })),
      "5255000 can't drop live oplog while replicating",
    );
    assert.equal(
      await err(admin.command({ renameCollection: "local.oplog.rs", to: "local.poison" })),
      "20 can't rename live oplog while replicating",
    );
    await local.collection("foo").insertOne({ a: 1 });
    assert.equal(
      await err(admin.command({ renameCollection: "local.foo", to: "local.oplog.rs" })),
      "20 can't rename to live oplog while replicating",
    );
    const oplog = local.collection("oplog.rs");
    const e73 = "73 cannot write to local.oplog.rs";
    assert.equal(await err(oplog.updateMany({}, { $set: { x: 1 } })), e73);
    assert.equal(await err(oplog.deleteMany({})), e73);
    assert.equal(await err(oplog.findOneAndDelete({})), e73);
    assert.equal(await err(oplog.insertOne({ x: 1 })), e73);
    assert.ok(await oplogCount() >= before);
    // the profile and view definitions are the server's to write; other system names are not a client's
    const app = client.db("app");
    await app.command({ create: "v", viewOn: "c", pipeline: [] });
    assert.equal(
      await err(
        app.collection("system.views").insertOne({ _id: "app.w", viewOn: "c", pipeline: [] } as AnyDoc),
      ),
      "73 cannot write to app.system.views",
    );
    assert.equal(
      await err(app.collection("system.views").deleteMany({})),
      "73 cannot write to app.system.views",
    );
    assert.equal((await app.listCollections({ type: "view" }).toArray()).map((c) => c.name).join(), "v");
    assert.equal(
      await err(app.collection("system.profile").insertOne({ x: 1 })),
      "73 cannot write to app.system.profile",
    );
    assert.equal(
      await err(app.collection("system.foo").insertOne({ x: 1 })),
      "73 Invalid system namespace: app.system.foo",
    );
    assert.equal(
      await err(app.command({ create: "system.foo" })),
      "73 Invalid system namespace: app.system.foo",
    );
    assert.equal(
      await err(app.collection("system.foo").createIndex({ a: 1 })),
      "73 Invalid system namespace: app.system.foo",
    );
    // what a client may write: system.js, users and roles in admin, a profile collection it sizes itself
    await app.collection("system.js").insertOne({ _id: "f", value: 1 } as AnyDoc);
    await app.command({ create: "system.profile", capped: true, size: 1 << 20 });
    await admin.collection("system.roles").countDocuments();
    // an ordinary database still drops (with the `dropped` field)
    assert.equal((await client.db("app").command({ dropDatabase: 1 })).dropped, "app");
    // mongosh's helpers see the same refusals
    const out = await runMongosh(
      server.uri,
      `for (const [n, f] of [["admin", () => db.getSiblingDB("admin").dropDatabase()],
                           ["oplog", () => db.getSiblingDB("local").oplog.rs.drop()]]) {
       try { const r = f(); print(n + " " + JSON.stringify(r)) } catch (e) { print(n + " " + e.message) }
     }`,
    );
    assert.match(out, /^admin .*(prohibited|does not support retryable writes)/m);
    assert.match(out, /^oplog .*(live oplog|does not support retryable writes)/m);
    assert.ok(await oplogCount() > 0);
  },
);

standaloneServerTest(
  "a --standalone server drops its local database (no oplog) and still keeps admin",
  async (client) => {
    await client.db("local").collection("x").insertOne({ a: 1 });
    assert.equal((await client.db("local").command({ dropDatabase: 1 })).ok, 1);
    assert.equal(await client.db("local").collection("x").countDocuments(), 0);
    assert.equal((await client.db("admin").command({ dropDatabase: 1 }).catch((e) => e)).code, 20);
  },
);
