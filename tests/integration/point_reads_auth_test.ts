/**
 * Point reads on the frame I/O thread with authentication on (src/commands/point_reads.ts): a find by
 * `_id` is answered there only for a connection whose users the command layer found allowed on that
 * namespace; an unauthenticated connection, a user without the privilege, a logout, a revoked role, a
 * dropped user each get 13 Unauthorized from the command layer, never a document.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { type RunningServer, startServer } from "../../mod.ts";

function uri(server: RunningServer, user: string, db: string): string {
  return `mongodb://${user}:pw@127.0.0.1:${server.port}/?directConnection=true&authSource=${db}`;
}

async function ioFinds(root: MongoClient): Promise<number> {
  const s = await root.db("admin").command({ serverStatus: 1 });
  return Number(s["secantus"]["ioThread"]["finds"]);
}

async function refused(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MongoServerError && e.code === 13);
}

/**
 * A test against an in-process server with authentication on; `client(uri)` opens a one-connection
 * client closed with the server at the end.
 */
function authTest(
  name: string,
  fn: (server: RunningServer, client: (uri: string) => MongoClient) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR", auth: true });
      const clients: MongoClient[] = [];
      try {
        await fn(server, (u) => {
          const c = new MongoClient(u, { maxPoolSize: 1 });
          clients.push(c);
          return c;
        });
      } finally {
        for (const c of clients) await c.close();
        await server.stop();
      }
    },
  });
}

authTest(
  "auth on: the I/O thread answers a find by _id only for connections allowed on the namespace",
  async (server, client) => {
    const anonUri = `mongodb://127.0.0.1:${server.port}/?directConnection=true`;
    await client(anonUri).db("admin").command({ createUser: "root", pwd: "pw", roles: ["root"] });
    const root = client(uri(server, "root", "admin"));
    await root.db("a").collection<{ _id: number; s?: string }>("c").insertOne({ _id: 1, s: "a" });
    await root.db("b").collection<{ _id: number; s?: string }>("c").insertOne({ _id: 1, s: "b" });
    await root.db("a").command({ createUser: "ra", pwd: "pw", roles: [{ role: "read", db: "a" }] });
    await root.db("b").command({ createUser: "rb", pwd: "pw", roles: [{ role: "read", db: "b" }] });

    // ra reads a.c: the first through the command layer (which grants it), then on the I/O thread
    const ra = client(uri(server, "ra", "a"));
    const before = await ioFinds(root);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await ra.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }), {
        _id: 1,
        s: "a",
      });
    }
    assert.ok((await ioFinds(root)) - before >= 4, "the I/O thread answered ra's finds");
    // but not b.c, even though b.c is registered (rb reads it), nor as an unauthenticated client
    const rb = client(uri(server, "rb", "b"));
    assert.deepEqual(await rb.db("b").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }), {
      _id: 1,
      s: "b",
    });
    assert.deepEqual(await rb.db("b").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }), {
      _id: 1,
      s: "b",
    });
    await refused(ra.db("b").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }));
    await refused(rb.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }));
    const anon = client(anonUri);
    await refused(anon.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }));
    await refused(anon.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }));
    assert.equal((await anon.db("admin").command({ ping: 1 }))["ok"], 1); // ping needs no privilege

    // a revoked role: refused at once
    await root.db("a").command({ revokeRolesFromUser: "ra", roles: [{ role: "read", db: "a" }] });
    await refused(ra.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }));
    await root.db("a").command({ grantRolesToUser: "ra", roles: [{ role: "read", db: "a" }] });
    assert.deepEqual(await ra.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }), {
      _id: 1,
      s: "a",
    });
    assert.deepEqual(await ra.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }), {
      _id: 1,
      s: "a",
    });
    // a dropped user: refused
    await root.db("a").command({ dropUser: "ra" });
    await refused(ra.db("a").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }));

    // a logout on the connection: refused (raw commands on one connection: maxPoolSize 1)
    await root.db("b").command({ createUser: "rb2", pwd: "pw", roles: [{ role: "read", db: "b" }] });
    const rb2 = client(uri(server, "rb2", "b"));
    assert.deepEqual(await rb2.db("b").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }), {
      _id: 1,
      s: "b",
    });
    assert.deepEqual(await rb2.db("b").collection<{ _id: number; s?: string }>("c").findOne({ _id: 1 }), {
      _id: 1,
      s: "b",
    });
    await rb2.db("b").command({ logout: 1 });
    await refused(rb2.db("b").command({ find: "c", filter: { _id: 1 } }));
  },
);

authTest(
  "auth on: a find over a single-field index is answered on the I/O thread only for allowed connections",
  async (server, client) => {
    type D = { _id: number; s: string };
    const anonUri = `mongodb://127.0.0.1:${server.port}/?directConnection=true`;
    await client(anonUri).db("admin").command({ createUser: "root", pwd: "pw", roles: ["root"] });
    const root = client(uri(server, "root", "admin"));
    const ac = root.db("a").collection<D>("c");
    await ac.createIndex({ s: 1 });
    await ac.insertMany([{ _id: 1, s: "x" }, { _id: 2, s: "x" }, { _id: 3, s: "y" }]);
    await root.db("a").command({ createUser: "ra", pwd: "pw", roles: [{ role: "read", db: "a" }] });
    await root.db("b").command({ createUser: "rb", pwd: "pw", roles: [{ role: "read", db: "b" }] });
    const ra = client(uri(server, "ra", "a")).db("a").collection<D>("c");
    const rb = client(uri(server, "rb", "b")).db("a").collection<D>("c");
    const anon = client(anonUri).db("a").collection<D>("c");
    const xs = [{ _id: 1, s: "x" }, { _id: 2, s: "x" }];
    const before = await ioFinds(root);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await ra.find({ s: "x" }).toArray(), xs);
      assert.deepEqual(await ra.find({ s: { $gte: "x" } }).toArray(), [...xs, { _id: 3, s: "y" }]);
    }
    assert.ok((await ioFinds(root)) - before >= 4, "the I/O thread answered ra's equality finds");
    // registered and granted to ra's connection, but never answered for another one
    for (let i = 0; i < 3; i++) {
      await refused(rb.find({ s: "x" }).toArray());
      await refused(anon.find({ s: "x" }).toArray());
    }
    await root.db("a").command({ revokeRolesFromUser: "ra", roles: [{ role: "read", db: "a" }] });
    await refused(ra.find({ s: "x" }).toArray());
    await refused(ra.find({ s: "x" }).toArray());
  },
);

async function ioWrites(root: MongoClient): Promise<{ inserts: number; updates: number; deletes: number }> {
  const s = (await root.db("admin").command({ serverStatus: 1 }))["secantus"]["ioThread"];
  return { inserts: Number(s["inserts"]), updates: Number(s["updates"]), deletes: Number(s["deletes"]) };
}

authTest(
  "auth on: the I/O thread makes a write only for connections allowed that kind of write on the namespace",
  async (server, client) => {
    const anonUri = `mongodb://127.0.0.1:${server.port}/?directConnection=true`;
    await client(anonUri).db("admin").command({ createUser: "root", pwd: "pw", roles: ["root"] });
    const root = client(uri(server, "root", "admin"));
    await root.db("a").collection<{ _id: number }>("w").insertOne({ _id: -1 });
    await root.db("a").command({ createUser: "rw", pwd: "pw", roles: [{ role: "readWrite", db: "a" }] });
    await root.db("a").command({ createUser: "ro", pwd: "pw", roles: [{ role: "read", db: "a" }] });
    await root.db("a").command({
      createRole: "insertOnly",
      privileges: [{ resource: { db: "a", collection: "w" }, actions: ["insert"] }],
      roles: [],
    });
    await root.db("a").command({ createUser: "io", pwd: "pw", roles: ["insertOnly"] });

    // rw: the first of each kind through the command layer (which grants it), the rest there
    const rw = client(uri(server, "rw", "a")).db("a").collection<{ _id: number; n?: number }>("w");
    const before = await ioWrites(root);
    for (let i = 0; i < 6; i++) {
      await rw.insertOne({ _id: i, n: 0 });
      assert.equal((await rw.updateOne({ _id: i }, { $inc: { n: 1 } })).modifiedCount, 1);
    }
    for (let i = 0; i < 6; i += 2) assert.equal((await rw.deleteOne({ _id: i })).deletedCount, 1);
    const after = await ioWrites(root);
    assert.ok(after.inserts - before.inserts >= 4, JSON.stringify([before, after]));
    assert.ok(after.updates - before.updates >= 4, JSON.stringify([before, after]));
    assert.ok(after.deletes - before.deletes >= 1, JSON.stringify([before, after]));

    // ro (read only) and io (insert only) on their own connections: 13 for what they may not do
    const ro = client(uri(server, "ro", "a")).db("a").collection<{ _id: number; n?: number }>("w");
    assert.equal((await ro.findOne({ _id: 1 }))?.n, 1);
    for (let i = 0; i < 3; i++) {
      await refused(ro.insertOne({ _id: 100 + i }));
      await refused(ro.updateOne({ _id: 1 }, { $inc: { n: 1 } }));
      await refused(ro.deleteOne({ _id: 1 }));
    }
    const ins = client(uri(server, "io", "a")).db("a").collection<{ _id: number; n?: number }>("w");
    for (let i = 0; i < 4; i++) await ins.insertOne({ _id: 200 + i });
    for (let i = 0; i < 3; i++) {
      await refused(ins.updateOne({ _id: 1 }, { $inc: { n: 1 } }));
      await refused(ins.deleteOne({ _id: 1 }));
    }
    // bypassDocumentValidation needs its own privilege: the command layer refuses it
    await refused(ins.insertOne({ _id: 300 }, { bypassDocumentValidation: true }));
    assert.equal((await rw.findOne({ _id: 1 }))?.n, 1);
    assert.equal(await rw.countDocuments({}), 1 + 3 + 4);

    // a revoked role: its grants go at once
    await root.db("a").command({ revokeRolesFromUser: "rw", roles: [{ role: "readWrite", db: "a" }] });
    await refused(rw.insertOne({ _id: 400 }));
    await refused(rw.updateOne({ _id: 1 }, { $inc: { n: 1 } }));
    await refused(rw.deleteOne({ _id: 1 }));
    assert.equal(await root.db("a").collection("w").countDocuments({}), 1 + 3 + 4);
  },
);
