/**
 * Users and roles through the official mongodump / mongorestore (../shared/tools/mongo-tools): a
 * user-management command writes admin.system.version's `{_id: "authSchema", currentVersion: 5}`, so
 * mongodump carries it and mongorestore accepts the dump's users; mongorestore loads them into
 * admin.tempusers / admin.temproles and merges them with `_mergeAuthzCollections` onto a fresh
 * auth-enabled server, where they log in with their passwords and their (custom) roles. Covers the
 * whole instance (directory and gzipped archive), `--drop` (replace + remove), `--db shop` with
 * `--dumpDbUsersAndRoles`/`--restoreDbUsersAndRoles`, and the command's own errors and privileges.
 * Skipped when the tools are absent.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { type RunningServer, startServer } from "../../mod.ts";
import { PROJECT_ROOT } from "./helpers/server_process.ts";
import { code } from "./helpers/error_code.ts";

const TOOLS = `${PROJECT_ROOT}../shared/tools/mongo-tools/bin`;
const HAVE_TOOLS = (() => {
  try {
    return Deno.statSync(`${TOOLS}/mongorestore`).isFile;
  } catch {
    return false;
  }
})();

async function tool(name: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(`${TOOLS}/${name}`, {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const d = new TextDecoder();
  const out = d.decode(r.stdout) + d.decode(r.stderr);
  assert.equal(r.code, 0, `${name} ${args.join(" ")}:\n${out}`);
  return out;
}

function uri(server: RunningServer, user?: string, pwd?: string, source = "admin"): string {
  const cred = user ? `${user}:${pwd}@` : "";
  return `mongodb://${cred}127.0.0.1:${server.port}/?directConnection=true&authSource=${source}`;
}

/** True when `user` logs in with `pwd` and may run `find` on shop.items. */
async function canRead(server: RunningServer, user: string, pwd: string, source: string): Promise<boolean> {
  const c = new MongoClient(uri(server, user, pwd, source), { serverSelectionTimeoutMS: 5_000 });
  try {
    await c.db("shop").collection("items").findOne({});
    return true;
  } catch (e) {
    if (e instanceof MongoServerError && (e.code === 18 || e.code === 13)) return false;
    throw e;
  } finally {
    await c.close();
  }
}

/** A server with auth on and its first user `admin`/`pwd` (created through the localhost exception). */
async function authServer(pwd: string): Promise<RunningServer> {
  const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR", auth: true });
  const anon = new MongoClient(uri(server));
  try {
    await anon.db("admin").command({ createUser: "admin", pwd, roles: ["root"] });
  } finally {
    await anon.close();
  }
  return server;
}

async function userNames(server: RunningServer): Promise<string[]> {
  const c = new MongoClient(uri(server, "admin", "pw"));
  try {
    const r = await c.db("admin").command({ usersInfo: { forAllDBs: true } });
    return (r["users"] as { user: string; db: string }[]).map((u) => `${u.db}.${u.user}`).sort();
  } finally {
    await c.close();
  }
}

Deno.test({
  name:
    "mongodump → mongorestore round-trips users and roles onto a fresh auth server (_mergeAuthzCollections)",
  ignore: !HAVE_TOOLS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-authrestore-" });
    const source = await authServer("pw");
    const servers: RunningServer[] = [source];
    try {
      const root = new MongoClient(uri(source, "admin", "pw"));
      try {
        await root.db("shop").collection("items").insertMany([{ a: 1 }, { a: 2 }]);
        await root.db("shop").command({ createUser: "app", pwd: "apppw", roles: ["readWrite"] });
        await root.db("admin").command({
          createRole: "shopReader",
          privileges: [{ resource: { db: "shop", collection: "" }, actions: ["find"] }],
          roles: [],
        });
        await root.db("shop").command({
          createUser: "ro",
          pwd: "ropw",
          roles: [{ role: "shopReader", db: "admin" }],
          customData: { team: "bi" },
        });
        assert.deepEqual(
          await root.db("admin").collection("system.version").find({}).toArray(),
          // as on mongod: the featureCompatibilityVersion document from the first start, then authSchema
          [{ _id: "featureCompatibilityVersion", version: "8.0" }, { _id: "authSchema", currentVersion: 5 }],
        );
      } finally {
        await root.close();
      }
      const src = uri(source, "admin", "pw");
      await tool("mongodump", ["--uri", src, "--out", `${work}/all`]);
      await tool("mongodump", ["--uri", src, "--gzip", `--archive=${work}/all.archive.gz`]);
      await tool("mongodump", [
        "--uri",
        src,
        "--db",
        "shop",
        "--dumpDbUsersAndRoles",
        "--out",
        `${work}/shop`,
      ]);

      // 1. Whole instance, directory: the target's own admin (another password) is kept.
      const t1 = await authServer("other");
      servers.push(t1);
      const out = await tool("mongorestore", ["--uri", uri(t1, "admin", "other"), `${work}/all`]);
      assert.match(out, /restoring users from/);
      assert.ok(await canRead(t1, "app", "apppw", "shop"));
      assert.ok(await canRead(t1, "ro", "ropw", "shop"), "custom role restored and applied");
      assert.ok(await canRead(t1, "admin", "other", "admin"), "existing user kept without --drop");
      assert.ok(!await canRead(t1, "admin", "pw", "admin"));
      const c1 = new MongoClient(uri(t1, "admin", "other"));
      try {
        const ro = await c1.db("shop").command({ usersInfo: "ro" });
        assert.deepEqual(ro["users"][0].customData, { team: "bi" });
        assert.deepEqual(ro["users"][0].roles, [{ role: "shopReader", db: "admin" }]);
        const roCli = new MongoClient(uri(t1, "ro", "ropw", "shop"));
        try {
          assert.equal(await code(roCli.db("shop").collection("items").insertOne({ a: 9 })), 13);
        } finally {
          await roCli.close();
        }
        const names = (await c1.db("admin").listCollections().toArray()).map((c) => c.name).sort();
        assert.deepEqual(
          names,
          ["system.roles", "system.users", "system.version"],
          "temp collections dropped",
        );

        // 2. --drop (gzipped archive): users are replaced by the dump's, users not in it removed.
        await c1.db("shop").command({ createUser: "extra", pwd: "x", roles: ["read"] });
      } finally {
        await c1.close();
      }
      await tool("mongorestore", [
        "--uri",
        uri(t1, "admin", "other"),
        "--drop",
        "--gzip",
        `--archive=${work}/all.archive.gz`,
      ]);
      assert.ok(await canRead(t1, "admin", "pw", "admin"), "admin replaced by the dump's");
      assert.ok(!await canRead(t1, "admin", "other", "admin"));
      assert.deepEqual(await userNames(t1), ["admin.admin", "shop.app", "shop.ro"]);

      // 3. One database with its users and roles.
      const t2 = await authServer("pw");
      servers.push(t2);
      await tool("mongorestore", [
        "--uri",
        uri(t2, "admin", "pw"),
        "--db",
        "shop",
        "--restoreDbUsersAndRoles",
        `${work}/shop/shop`,
      ]);
      assert.ok(await canRead(t2, "app", "apppw", "shop"));
      assert.deepEqual(await userNames(t2), ["admin.admin", "shop.app", "shop.ro"]);

      // The command itself: admin only, at least one collection, privileges.
      const c2 = new MongoClient(uri(t2, "admin", "pw"));
      const app = new MongoClient(uri(t2, "app", "apppw", "shop"));
      try {
        const merge = {
          _mergeAuthzCollections: 1,
          tempUsersCollection: "admin.tempusers",
          db: "",
          drop: false,
        };
        assert.equal(await code(c2.db("shop").command(merge)), 13);
        assert.equal(await code(c2.db("admin").command({ _mergeAuthzCollections: 1, db: "" })), 2);
        assert.equal(await code(c2.db("admin").command({ _mergeAuthzCollections: 1 })), 40414);
        assert.equal(await code(c2.db("admin").command({ ...merge, bogus: 1 })), 40415);
        assert.equal(await code(app.db("admin").command(merge)), 13);
        // A missing temporary collection merges nothing.
        assert.equal((await c2.db("admin").command(merge))["ok"], 1);
      } finally {
        await app.close();
        await c2.close();
      }
    } finally {
      for (const s of servers) await s.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});
