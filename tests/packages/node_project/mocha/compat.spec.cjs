/** secantusdb/mongodb-memory-server (CJS): the methods and states mongodb-memory-server users rely on. */
const assert = require("node:assert/strict");
const { MongoClient } = require("mongodb");
const { MongoMemoryReplSet, MongoMemoryServer } = require("secantusdb/mongodb-memory-server");

describe("MongoMemoryServer (secantusdb)", function () {
  this.timeout(30000);

  it("create, getUri, CRUD and a transaction, stop, start again", async () => {
    const mongod = await MongoMemoryServer.create();
    assert.equal(mongod.state, "running");
    const uri = mongod.getUri();
    assert.match(uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(mongod.getUri("other"), `${uri}other`);
    const client = new MongoClient(mongod.getUri("app"));
    try {
      await client.db().collection("c").insertOne({ _id: 1 });
      const session = client.startSession();
      await session.withTransaction(() => client.db().collection("c").insertOne({ _id: 2 }, { session }));
      await session.endSession();
      assert.equal(await client.db().collection("c").countDocuments(), 2);
    } finally {
      await client.close();
    }
    assert.equal(await mongod.stop(), true);
    assert.equal(mongod.state, "new"); // stop() cleans up by default
    assert.equal(mongod.instanceInfo, undefined);
    assert.equal(await mongod.stop(), false);
    await mongod.start();
    assert.equal((await mongod.ensureInstance()).port > 0, true);
    await mongod.stop({ doCleanup: false });
    assert.equal(mongod.state, "stopped");
    await mongod.cleanup();
    assert.equal(mongod.state, "new");
  });

  it("instance options: port and dbName", async () => {
    const probe = await MongoMemoryServer.create();
    const port = probe.instanceInfo.port;
    await probe.stop();
    const mongod = await MongoMemoryServer.create({ instance: { port, dbName: "named" } });
    try {
      assert.equal(mongod.getUri(), `mongodb://127.0.0.1:${port}/named`);
    } finally {
      await mongod.stop();
    }
  });

  it("refuses a mongod flag by name; takes one it shares (--notablescan)", async () => {
    await assert.rejects(
      MongoMemoryServer.create({ instance: { args: ["--shardsvr"] } }),
      /unknown flag --shardsvr/,
    );
    const mongod = await MongoMemoryServer.create({ instance: { args: ["--notablescan"] } });
    const client = new MongoClient(mongod.getUri());
    try {
      const p = await client.db("admin").command({ getParameter: 1, notablescan: 1 });
      assert.equal(p.notablescan, true);
    } finally {
      await client.close();
      await mongod.stop();
    }
  });

  it("MongoMemoryReplSet: one node, replicaSet in the URI, count > 1 refused", async () => {
    await assert.rejects(MongoMemoryReplSet.create({ replSet: { count: 3 } }), /one node/);
    const rs = await MongoMemoryReplSet.create({ replSet: { count: 1, name: "testset" } });
    try {
      await rs.waitUntilRunning();
      assert.match(rs.getUri("db"), /^mongodb:\/\/127\.0\.0\.1:\d+\/db\?replicaSet=secantus$/);
      assert.equal(rs.servers.length, 1);
      const client = new MongoClient(rs.getUri());
      try {
        const hello = await client.db("admin").command({ hello: 1 });
        assert.equal(hello.setName, "secantus");
      } finally {
        await client.close();
      }
    } finally {
      await rs.stop();
    }
    assert.equal(rs.state, "stopped");
  });
});
