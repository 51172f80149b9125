/**
 * Authentication and authorization through the Node driver: the localhost exception creates the
 * first user, SCRAM-SHA-256 and SCRAM-SHA-1 logins (credentials in the URI), wrong password and
 * unknown user both 18 with one message, commands before authentication 13, role changes applying
 * to a connected user at the next command, usersInfo / connectionStatus.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { type RunningServer, startServer } from "../../mod.ts";
import { createHash } from "node:crypto";
import { code } from "./helpers/error_code.ts";

function uri(server: RunningServer, user?: string, pwd?: string, extra = ""): string {
  const cred = user ? `${encodeURIComponent(user)}:${encodeURIComponent(pwd ?? "")}@` : "";
  return `mongodb://${cred}127.0.0.1:${server.port}/?directConnection=true${extra}`;
}

function authTest(name: string, fn: (server: RunningServer) => Promise<void>): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR", auth: true });
      try {
        await fn(server);
      } finally {
        await server.stop();
      }
    },
  });
}

const clients: MongoClient[] = [];
async function connect(u: string): Promise<MongoClient> {
  const c = new MongoClient(u, { serverSelectionTimeoutMS: 5000 });
  clients.push(c);
  await c.connect();
  return c;
}
async function closeAll(): Promise<void> {
  for (const c of clients.splice(0)) await c.close();
}

authTest(
  "auth: localhost exception, SCRAM-SHA-256/SHA-1 logins, failures, live role changes",
  async (server) => {
    try {
      const anon = await connect(uri(server));
      // Before authentication: the handshake and ping run, everything else is 13.
      assert.equal((await anon.db("admin").command({ ping: 1 })).ok, 1);
      assert.equal(await code(anon.db("test").collection("c").findOne({})), 13);
      assert.equal(await code(anon.db("admin").command({ listDatabases: 1 })), 13);
      // The localhost exception: the first user, from 127.0.0.1, without logging in.
      await anon.db("admin").command({ createUser: "admin", pwd: "s3cret", roles: ["root"] });
      // Once a user exists, the exception is gone.
      assert.equal(await code(anon.db("admin").command({ createUser: "x", pwd: "y", roles: [] })), 13);

      const admin = await connect(uri(server, "admin", "s3cret"));
      await admin.db("appdb").command({
        createUser: "app",
        pwd: "app-pw",
        roles: [{ role: "readWrite", db: "appdb" }],
        mechanisms: ["SCRAM-SHA-256"],
      });
      await admin.db("appdb").command({
        createUser: "ro",
        pwd: "ro-pw",
        roles: ["read"],
        mechanisms: ["SCRAM-SHA-1"],
      });
      assert.equal(await code(admin.db("appdb").command({ createUser: "ro", pwd: "z", roles: [] })), 51003);
      assert.equal(
        await code(admin.db("appdb").command({ createUser: "z", pwd: "z", roles: ["nosuch"] })),
        31,
      );

      // SCRAM-SHA-256 (negotiated through saslSupportedMechs) and SCRAM-SHA-1 (asked for).
      const app = await connect(uri(server, "app", "app-pw", "&authSource=appdb"));
      await app.db("appdb").collection<{ _id: number; v?: string }>("items").insertOne({ _id: 1, v: "a" });
      assert.equal(
        (await app.db("appdb").collection<{ _id: number; v?: string }>("items").findOne({ _id: 1 }))?.["v"],
        "a",
      );
      assert.equal(
        await code(app.db("other").collection<{ _id: number; v?: string }>("items").insertOne({ _id: 1 })),
        13,
      );
      assert.equal(await code(app.db("admin").command({ serverStatus: 1 })), 13);
      // currentOp / killOp without inprog / killop: one's own operations only (mongod's rule).
      assert.equal(await code(app.db("admin").command({ currentOp: 1 })), 13);
      const own = await app.db("admin").command({ currentOp: 1, $ownOps: true });
      assert.ok(own["inprog"].length >= 1, "its own currentOp is listed");
      for (const op of own["inprog"]) assert.deepEqual(op.effectiveUsers, [{ user: "app", db: "appdb" }]);
      assert.equal(await code(app.db("admin").command({ killOp: 1, op: 987654 })), 13);
      const all = await admin.db("admin").command({ currentOp: 1 });
      assert.equal(all["ok"], 1);
      assert.equal((await admin.db("admin").command({ killOp: 1, op: 987654 }))["ok"], 1);
      const dbs = await app.db("admin").command({ listDatabases: 1, nameOnly: true });
      assert.deepEqual(dbs["databases"].map((d: { name: string }) => d.name), ["appdb"]);

      const ro = await connect(uri(server, "ro", "ro-pw", "&authSource=appdb&authMechanism=SCRAM-SHA-1"));
      // a SCRAM-SHA-1-only user without a mechanism in the URI: the driver's speculative SCRAM-SHA-256
      // fails quietly (mongod's 334 for a user without those credentials) and it negotiates SCRAM-SHA-1
      const roNegotiated = await connect(uri(server, "ro", "ro-pw", "&authSource=appdb"));
      assert.equal((await roNegotiated.db("appdb").command({ ping: 1 }))["ok"], 1);
      const sha256 = new MongoClient(
        uri(server, "ro", "ro-pw", "&authSource=appdb&authMechanism=SCRAM-SHA-256"),
        {
          serverSelectionTimeoutMS: 3000,
        },
      );
      const mechErr = await sha256.db("appdb").command({ ping: 1 }).catch((e) => e);
      await sha256.close();
      assert.match(
        String(mechErr?.message),
        /Unable to use SCRAM-SHA-256 based authentication for user without any SCRAM-SHA-256 credentials registered/,
      );
      // digestPassword: false — the client sends MongoDB's SCRAM-SHA-1 digest; the plain password logs in.
      const digest = createHash("md5").update("legacy:mongo:old-pw").digest("hex");
      await admin.db("legacydb").command({
        createUser: "legacy",
        pwd: digest,
        digestPassword: false,
        mechanisms: ["SCRAM-SHA-1"],
        roles: ["read"],
      });
      const legacy = await connect(
        uri(server, "legacy", "old-pw", "&authSource=legacydb&authMechanism=SCRAM-SHA-1"),
      );
      assert.equal((await legacy.db("legacydb").command({ ping: 1 }))["ok"], 1);
      await admin.db("legacydb").command({ dropUser: "legacy" });
      // authenticationRestrictions: clientSource / serverAddress are enforced at login (18 when not met).
      const mk = (user: string, authenticationRestrictions: unknown, roles: unknown[] = []) =>
        admin.db("legacydb").command({ createUser: user, pwd: "pw", roles, authenticationRestrictions });
      await mk("here", [{ clientSource: ["127.0.0.0/8"], serverAddress: ["127.0.0.1"] }]);
      await mk("elsewhere", [{ clientSource: ["10.0.0.0/8"] }]);
      await admin.db("legacydb").command({
        createRole: "farRole",
        privileges: [],
        roles: [],
        authenticationRestrictions: [{ clientSource: ["192.168.0.0/16"] }],
      });
      await mk("viaRole", [], ["farRole"]);
      await admin.db("legacydb").command({ createRole: "wrapper", privileges: [], roles: ["farRole"] });
      await mk("viaInherited", [], ["wrapper"]);
      const login = async (user: string) => {
        const c = new MongoClient(uri(server, user, "pw", "&authSource=legacydb"), {
          serverSelectionTimeoutMS: 3000,
        });
        try {
          return (await c.db("legacydb").command({ ping: 1 }))["ok"];
        } catch (e) {
          return (e as { code?: number }).code;
        } finally {
          await c.close();
        }
      };
      assert.equal(await login("here"), 1);
      assert.equal(await login("elsewhere"), 18);
      assert.equal(await login("viaRole"), 18);
      assert.equal(await login("viaInherited"), 18);
      assert.equal(await code(mk("bad", [{ clientSource: ["not-an-ip"] }])), 2);
      assert.equal(await code(mk("bad", [{ somewhere: ["127.0.0.1"] }])), 2);
      for (const u of ["here", "elsewhere", "viaRole", "viaInherited"]) {
        await admin.db("legacydb").command({ dropUser: u });
      }
      await admin.db("legacydb").command({ dropAllRolesFromDatabase: 1 });
      assert.equal(
        await code(
          admin.db("appdb").command({ createUser: "l2", pwd: digest, digestPassword: false, roles: [] }),
        ),
        2, // SCRAM-SHA-256 (a default mechanism) needs the undigested password
      );
      assert.equal(
        (await ro.db("appdb").collection<{ _id: number; v?: string }>("items").findOne({ _id: 1 }))?.["v"],
        "a",
      );
      assert.equal(
        await code(ro.db("appdb").collection<{ _id: number; v?: string }>("items").insertOne({ _id: 2 })),
        13,
      );
      // SHA-256 for a SHA-1-only user: mongod's 334 MechanismUnavailable (an unknown user stays 18)
      const wrongMech = new MongoClient(
        uri(server, "ro", "ro-pw", "&authSource=appdb&authMechanism=SCRAM-SHA-256"),
      );
      clients.push(wrongMech);
      assert.equal(await code(wrongMech.connect()), 334);

      // Live change: granting readWrite applies at ro's next command, revoking likewise.
      await admin.db("appdb").command({ grantRolesToUser: "ro", roles: ["readWrite"] });
      await ro.db("appdb").collection<{ _id: number; v?: string }>("items").insertOne({ _id: 2 });
      await admin.db("appdb").command({ revokeRolesFromUser: "ro", roles: ["readWrite"] });
      assert.equal(
        await code(ro.db("appdb").collection<{ _id: number; v?: string }>("items").insertOne({ _id: 3 })),
        13,
      );

      // Cursors belong to the user who opened them: another user's getMore / killCursors is 13.
      const opened = await app.db("appdb").command({ find: "items", batchSize: 1 });
      const cursorId = opened["cursor"]["id"];
      assert.equal(await code(ro.db("appdb").command({ getMore: cursorId, collection: "items" })), 13);
      assert.equal(await code(ro.db("appdb").command({ killCursors: "items", cursors: [cursorId] })), 13);
      const more = await app.db("appdb").command({ getMore: cursorId, collection: "items" });
      assert.equal(more["cursor"]["nextBatch"].length, 1);

      // Wrong password and unknown user: the same code and message.
      const errors: string[] = [];
      for (const [u, p] of [["app", "nope"], ["ghost", "nope"]]) {
        const c = new MongoClient(uri(server, u, p, "&authSource=appdb&authMechanism=SCRAM-SHA-256"));
        clients.push(c);
        try {
          await c.connect();
          assert.fail("should not authenticate");
        } catch (e) {
          assert.ok(e instanceof MongoServerError, String(e));
          assert.equal(e.code, 18);
          errors.push(e.message);
        }
      }
      assert.equal(errors[0], errors[1]);

      // usersInfo: no secrets unless asked; mechanisms as stored.
      const info = await admin.db("appdb").command({ usersInfo: 1 });
      assert.deepEqual(info["users"].map((u: { user: string }) => u.user), ["app", "ro"]);
      assert.deepEqual(info["users"][0].mechanisms, ["SCRAM-SHA-256"]);
      assert.equal(info["users"][0].credentials, undefined);
      const withCreds = await admin.db("appdb").command({ usersInfo: "app", showCredentials: true });
      const cred = withCreds["users"][0].credentials["SCRAM-SHA-256"];
      assert.equal(cred.iterationCount, 15000);
      assert.deepEqual(Object.keys(cred).sort(), ["iterationCount", "salt", "serverKey", "storedKey"]);
      // A user may read their own entry but not others'.
      assert.equal((await app.db("appdb").command({ usersInfo: "app" }))["users"].length, 1);
      assert.equal(await code(app.db("appdb").command({ usersInfo: "ro" })), 13);
      const status = await app.db("admin").command({ connectionStatus: 1, showPrivileges: true });
      assert.deepEqual(status["authInfo"]["authenticatedUsers"], [{ user: "app", db: "appdb" }]);
      assert.deepEqual(status["authInfo"]["authenticatedUserRoles"], [{ role: "readWrite", db: "appdb" }]);
      assert.ok(status["authInfo"]["authenticatedUserPrivileges"].length > 0);

      // The stored documents are in admin.system.users, readable by root.
      const stored = await admin.db("admin").collection("system.users").find({}).toArray();
      assert.deepEqual(stored.map((d) => d["_id"]).sort(), ["admin.admin", "appdb.app", "appdb.ro"]);

      // updateUser: a new password works at the next login, the old one no longer.
      await admin.db("appdb").command({ updateUser: "app", pwd: "new-pw" });
      const again = await connect(uri(server, "app", "new-pw", "&authSource=appdb"));
      assert.equal(
        await again.db("appdb").collection<{ _id: number; v?: string }>("items").countDocuments(),
        2,
      );
      // dropUser: the connected user's next command is refused.
      await admin.db("appdb").command({ dropUser: "app" });
      assert.equal(
        await code(app.db("appdb").collection<{ _id: number; v?: string }>("items").findOne({})),
        13,
      );
      assert.equal(await code(admin.db("appdb").command({ dropUser: "app" })), 11);
      const n = await admin.db("appdb").command({ dropAllUsersFromDatabase: 1 });
      assert.equal(n["n"], 1);
    } finally {
      await closeAll();
    }
  },
);
