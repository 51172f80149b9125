/**
 * The one-member replica set's configuration commands through the Node driver and mongosh:
 * replSetGetConfig (`rs.conf()`) and replSetInitiate (`rs.initiate()`: 23 AlreadyInitialized, as an
 * initiated mongod answers), replSetStepDown (262 after the catch-up period), replSetFreeze and
 * replSetSyncFrom (95), replSetReconfig (20), reIndex (20, mongod's "only on a standalone"); a `--standalone`
 * server answers 76 (reIndex: 115, indexes are not rebuilt in place).
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { serverTest, standaloneServerTest } from "./helpers/embedded_server.ts";
import { runMongosh } from "./helpers/mongosh.ts";

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

serverTest(
  "replSetStepDown, replSetFreeze, replSetSyncFrom, replSetReconfig: a one-member set's answers",
  async (client, server) => {
    const admin = client.db("admin");
    const code = (p: Promise<unknown>) => p.then(() => "ok", (e) => `${e.code} ${e.message}`);
    // no secondary appears within the catch-up period: 262 once it is over
    const t0 = Date.now();
    assert.match(
      await code(admin.command({ replSetStepDown: 2, secondaryCatchUpPeriodSecs: 1 })),
      /^262 No electable secondaries caught up as of .*\{force: true\}/,
    );
    assert.ok(Date.now() - t0 >= 900, "waited the catch-up period");
    assert.match(await code(admin.command({ replSetStepDown: 60, maxTimeMS: 100 })), /^50 /);
    assert.match(await code(admin.command({ replSetStepDown: 30, force: true })), /^20 /);
    assert.match(await code(admin.command({ replSetStepDown: 5 })), /^2 stepdown period must be longer/);
    assert.match(await code(admin.command({ replSetStepDown: -1 })), /^2 stepdown period must be a positive/);
    assert.match(await code(admin.command({ replSetFreeze: 30 })), /^95 Cannot freeze node when primary/);
    assert.match(await code(admin.command({ replSetSyncFrom: "localhost:1" })), /^95 primaries don't sync$/);
    assert.match(
      await code(admin.command({ replSetReconfig: { _id: "x", version: 2, members: [] } })),
      /^20 /,
    );
    assert.match(await code(client.db("t").command({ replSetFreeze: 1 })), /^13 /);
    // reIndex: only on a standalone mongod (20 with mongod's message)
    await client.db("t").collection("ri").insertOne({ a: 1 });
    assert.equal(
      await code(client.db("t").command({ reIndex: "ri" })),
      "20 reIndex is only allowed on a standalone mongod instance. Cannot reIndex 't.ri' while replication is active",
    );
    // still the writable primary
    assert.equal((await admin.command({ hello: 1 })).isWritablePrimary, true);
    const out = await runMongosh(
      server.uri,
      `for (const [n, f] of [["freeze", () => rs.freeze(5)], ["add", () => rs.add("localhost:1")]]) {
       try { f(); print(n + " ok") } catch (e) { print(n + " " + e.codeName) }
     }`,
    );
    assert.match(out, /^freeze NotSecondary$/m);
    assert.match(out, /^add IllegalOperation$/m);
  },
);

standaloneServerTest(
  "the replica-set commands on a --standalone server: 76 NoReplicationEnabled; reIndex 115",
  async (client) => {
    const admin = client.db("admin");
    assert.equal((await admin.command({ replSetGetConfig: 1 }).catch((e) => e)).code, 76);
    assert.equal((await admin.command({ replSetInitiate: 1 }).catch((e) => e)).code, 76);
    assert.equal((await admin.command({ replSetFreeze: 1 }).catch((e) => e)).code, 76);
    assert.equal((await admin.command({ replSetStepDown: 30 }).catch((e) => e)).code, 76);
    // reIndex on a standalone: refused with 115 (not rebuilt in place); 26 for a missing collection
    await client.db("t").collection("ri").insertOne({ a: 1 });
    assert.equal((await client.db("t").command({ reIndex: "ri" }).catch((e) => e)).code, 115);
    assert.equal((await client.db("t").command({ reIndex: "nope" }).catch((e) => e)).code, 26);
  },
);
