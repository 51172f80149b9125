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
