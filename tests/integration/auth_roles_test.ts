/**
 * The built-in roles, table-driven (role × command → allowed or 13 Unauthorized), and custom roles
 * (createRole with privileges and inherited roles, grant/revoke, cycles refused, rolesInfo,
 * dropRole removing the grant), all through the Node driver against a server with auth on.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { type RunningServer, startServer } from "../../mod.ts";

const ROLES: [string, string][] = [
  ["read", "t"],
  ["readWrite", "t"],
  ["dbAdmin", "t"],
  ["userAdmin", "t"],
  ["dbOwner", "t"],
  ["readAnyDatabase", "admin"],
  ["readWriteAnyDatabase", "admin"],
  ["userAdminAnyDatabase", "admin"],
  ["dbAdminAnyDatabase", "admin"],
  ["clusterMonitor", "admin"],
  ["clusterManager", "admin"],
  ["hostManager", "admin"],
  ["clusterAdmin", "admin"],
  ["backup", "admin"],
  ["restore", "admin"],
  ["root", "admin"],
];

type Cmd = [db: string, body: Record<string, unknown>];

/** Command → the roles that may run it (mongod 8.0's built-in role privileges). */
const TABLE: [string, Cmd, string[]][] = [
  ["find t.c", ["t", { find: "c", filter: {} }], [
    "read",
    "readWrite",
    "dbOwner",
    "readAnyDatabase",
    "readWriteAnyDatabase",
    "backup",
    "root",
  ]],
  // mongod 8.0: system.views is not a normal collection and no built-in role names it (root gets 13
  // too); a custom role on {db: "", collection: "system.views"} reads it (checked below).
  ["find t.system.views", ["t", { find: "system.views", filter: {} }], []],
  ["insert t.c", ["t", { insert: "c", documents: [{}] }], [
    "readWrite",
    "dbOwner",
    "readWriteAnyDatabase",
    "restore",
    "root",
  ]],
  ["createIndexes t.c", ["t", { createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a_1" }] }], [
    "readWrite",
    "dbAdmin",
    "dbOwner",
    "readWriteAnyDatabase",
    "dbAdminAnyDatabase",
    "restore",
    "root",
  ]],
  ["dbStats t", ["t", { dbStats: 1 }], [
    "read",
    "readWrite",
    "dbAdmin",
    "dbOwner",
    "readAnyDatabase",
    "readWriteAnyDatabase",
    "dbAdminAnyDatabase",
    "clusterMonitor",
    "clusterAdmin",
    "root",
  ]],
  ["listCollections t", ["t", { listCollections: 1 }], [
    "read",
    "readWrite",
    "dbAdmin",
    "dbOwner",
    "readAnyDatabase",
    "readWriteAnyDatabase",
    "dbAdminAnyDatabase",
    "backup",
    "restore",
    "root",
  ]],
  ["serverStatus", ["admin", { serverStatus: 1 }], ["clusterMonitor", "clusterAdmin", "backup", "root"]],
  ["currentOp", ["admin", { currentOp: 1 }], ["clusterMonitor", "clusterAdmin", "root"]],
  ["getDefaultRWConcern", ["admin", { getDefaultRWConcern: 1 }], [
    "clusterMonitor",
    "clusterManager",
    "clusterAdmin",
    "root",
  ]],
  ["setDefaultRWConcern", ["admin", { setDefaultRWConcern: 1, defaultWriteConcern: { w: "majority" } }], [
    "clusterManager",
    "clusterAdmin",
    "root",
  ]],
  ["usersInfo t", ["t", { usersInfo: 1 }], [
    "userAdmin",
    "dbOwner",
    "userAdminAnyDatabase",
    "restore",
    "root",
  ]],
  [
    "listDatabases (authorizedDatabases: false)",
    ["admin", { listDatabases: 1, authorizedDatabases: false }],
    [
      "readAnyDatabase",
      "readWriteAnyDatabase",
      "userAdminAnyDatabase",
      "dbAdminAnyDatabase",
      "clusterMonitor",
      "clusterAdmin",
      "backup",
      "root",
    ],
  ],
];

async function outcome(client: MongoClient, [db, body]: Cmd): Promise<"ok" | "13" | string> {
  try {
    await client.db(db).command(body);
    return "ok";
  } catch (e) {
    if (e instanceof MongoServerError) return e.code === 13 ? "13" : `error ${e.code}: ${e.message}`;
    throw e;
  }
}

function uri(server: RunningServer, user: string, pwd: string, source: string): string {
  return `mongodb://${user}:${pwd}@127.0.0.1:${server.port}/?directConnection=true&authSource=${source}`;
}

Deno.test({
  name: "auth: built-in roles × commands (allowed or 13), custom roles",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR", auth: true });
    const clients: MongoClient[] = [];
    try {
      const anon = new MongoClient(`mongodb://127.0.0.1:${server.port}/?directConnection=true`);
      clients.push(anon);
      await anon.db("admin").command({ createUser: "root", pwd: "pw", roles: ["root"] });
      const root = new MongoClient(uri(server, "root", "pw", "admin"));
      clients.push(root);
      await root.db("t").collection("c").insertOne({ seed: 1 });
      const failures: string[] = [];
      for (const [role, db] of ROLES) {
        await root.db(db).command({ createUser: `u_${role}`, pwd: "pw", roles: [{ role, db }] });
        const c = new MongoClient(uri(server, `u_${role}`, "pw", db));
        clients.push(c);
        for (const [label, cmd, allowed] of TABLE) {
          const want = allowed.includes(role) ? "ok" : "13";
          const got = await outcome(c, cmd);
          if (got !== want) failures.push(`${role} / ${label}: want ${want}, got ${got}`);
        }
        await c.close();
      }
      assert.deepEqual(failures, []);

      // Custom roles: privileges on one collection, inheriting a built-in role.
      await root.db("t").command({
        createRole: "cOnly",
        privileges: [{ resource: { db: "t", collection: "c" }, actions: ["find", "insert"] }],
        roles: [],
      });
      await root.db("t").command({ createRole: "withRead", privileges: [], roles: ["cOnly"] });
      assert.equal(
        await outcome(root, ["t", { createRole: "cOnly", privileges: [], roles: [] }]),
        'error 51002: Role "cOnly@t" already exists',
      );
      // system.views: readable through a custom role naming it (no built-in role does, as on mongod).
      await root.db("t").createCollection("v", { viewOn: "c", pipeline: [] });
      await root.db("admin").command({
        createRole: "viewsReader",
        privileges: [{ resource: { db: "", collection: "system.views" }, actions: ["find"] }],
        roles: [],
      });
      await root.db("admin").command({ createUser: "vr", pwd: "pw", roles: ["viewsReader"] });
      const vr = new MongoClient(uri(server, "vr", "pw", "admin"));
      clients.push(vr);
      assert.deepEqual(
        await vr.db("t").collection("system.views").find({}).toArray(),
        [{ _id: "t.v", viewOn: "c", pipeline: [] }],
      );
      assert.equal(await outcome(root, ["t", { find: "system.views", filter: {} }]), "13");
      await root.db("admin").command({ dropRole: "viewsReader" });
      // A cycle is refused (49); an unknown action or role likewise.
      const cycle = await outcome(root, ["t", { grantRolesToRole: "cOnly", roles: ["withRead"] }]);
      assert.match(cycle, /^error 49:/);
      assert.match(
        await outcome(root, ["t", {
          createRole: "bad",
          privileges: [{ resource: { db: "t", collection: "" }, actions: ["fly"] }],
          roles: [],
        }]),
        /^error 2:/,
      );
      assert.match(
        await outcome(root, ["t", { createRole: "bad", privileges: [], roles: ["nosuch"] }]),
        /^error 31:/,
      );
      // A role outside admin cannot reach other databases.
      assert.match(
        await outcome(root, ["t", {
          createRole: "bad",
          privileges: [{ resource: { db: "x", collection: "" }, actions: ["find"] }],
          roles: [],
        }]),
        /^error 2:/,
      );

      await root.db("t").command({ createUser: "cu", pwd: "pw", roles: ["withRead"] });
      const cu = new MongoClient(uri(server, "cu", "pw", "t"));
      clients.push(cu);
      assert.equal(await outcome(cu, ["t", { find: "c", filter: {} }]), "ok");
      assert.equal(await outcome(cu, ["t", { insert: "c", documents: [{}] }]), "ok");
      assert.equal(await outcome(cu, ["t", { find: "d", filter: {} }]), "13");
      assert.equal(await outcome(cu, ["t", { delete: "c", deletes: [{ q: {}, limit: 1 }] }]), "13");
      // Granting a privilege to the inner role applies at the next command.
      await root.db("t").command({
        grantPrivilegesToRole: "cOnly",
        privileges: [{ resource: { db: "t", collection: "c" }, actions: ["remove"] }],
      });
      assert.equal(await outcome(cu, ["t", { delete: "c", deletes: [{ q: { never: 1 }, limit: 1 }] }]), "ok");
      await root.db("t").command({
        revokePrivilegesFromRole: "cOnly",
        privileges: [{ resource: { db: "t", collection: "c" }, actions: ["remove", "insert"] }],
      });
      assert.equal(await outcome(cu, ["t", { insert: "c", documents: [{}] }]), "13");
      assert.equal(await outcome(cu, ["t", { find: "c", filter: {} }]), "ok");

      // rolesInfo: custom role with inherited privileges; a user sees their own roles.
      const info = await root.db("t").command({ rolesInfo: "withRead", showPrivileges: true });
      const r = info["roles"][0];
      assert.equal(r.isBuiltin, false);
      assert.deepEqual(r.inheritedRoles, [{ role: "cOnly", db: "t" }]);
      assert.deepEqual(r.inheritedPrivileges, [{
        resource: { db: "t", collection: "c" },
        actions: ["find"],
      }]);
      assert.equal((await cu.db("t").command({ rolesInfo: "withRead" }))["roles"].length, 1);
      assert.equal(await outcome(cu, ["t", { rolesInfo: "read" }]), "13");
      const builtins = await root.db("admin").command({ rolesInfo: 1, showBuiltinRoles: true });
      assert.ok(builtins["roles"].some((x: { role: string }) => x.role === "clusterAdmin"));
      // __system is never grantable.
      assert.match(
        await outcome(root, ["admin", { grantRolesToUser: "root", roles: ["__system"] }]),
        /^error 2:/,
      );

      // dropRole removes the grant from users and roles.
      await root.db("t").command({ dropRole: "cOnly" });
      assert.equal(await outcome(cu, ["t", { find: "c", filter: {} }]), "13");
      const after = await root.db("t").command({ rolesInfo: "withRead" });
      assert.deepEqual(after["roles"][0].roles, []);
      assert.equal((await root.db("t").command({ dropAllRolesFromDatabase: 1 }))["n"], 1);
      const stored = await root.db("admin").collection("system.roles").countDocuments();
      assert.equal(stored, 0);
    } finally {
      for (const c of clients) await c.close();
      await server.stop();
    }
  },
});
