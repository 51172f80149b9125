/**
 * The production guide's bootstrap, as a user runs it: start without auth, create the admin with
 * mongosh, restart with `--auth` on the same data directory, then log in — mongosh with
 * SCRAM-SHA-256 and pymongo with SCRAM-SHA-256 and SCRAM-SHA-1. Then the production shape itself:
 * a TOML with `auth = true` and `[tls]` (certificates made by openssl at test time) starts and
 * serves TLS clients with credentials, and SIGHUP swaps in a renewed certificate without dropping them.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";
import { makeCa, makeCert, makeTestCerts } from "./helpers/test_certs.ts";

function which(bin: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${bin}`).isFile) return `${dir}/${bin}`;
    } catch { /* not here */ }
  }
  return undefined;
}

const MONGOSH = which("mongosh");

async function mongosh(uri: string, script: string): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(MONGOSH!, {
    args: [uri, "--quiet", "--norc", "--eval", script],
    stdout: "piped",
    stderr: "piped",
    env: { MONGOSH_NO_UPDATE_CHECK: "1", DO_NOT_TRACK: "1" },
    signal: AbortSignal.timeout(60_000),
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

const PY_LOGIN = `
import sys, json
from pymongo import MongoClient
from pymongo.errors import OperationFailure
out = {}
for mech in ["SCRAM-SHA-256", "SCRAM-SHA-1"]:
    c = MongoClient(sys.argv[1], username="admin", password="s3cret pw", authSource="admin",
                    authMechanism=mech, serverSelectionTimeoutMS=5000)
    c.boot.items.insert_one({"by": mech})
    out[mech] = c.boot.items.count_documents({"by": mech})
    c.close()
bad = MongoClient(sys.argv[1], username="admin", password="wrong", authSource="admin", serverSelectionTimeoutMS=5000)
try:
    bad.boot.items.find_one()
    out["bad"] = "no error"
except OperationFailure as e:
    out["bad"] = e.code
print(json.dumps(out))
`;
import { HAS_PYMONGO, runPython } from "./helpers/python.ts";

Deno.test({
  name: "auth bootstrap: no-auth start, mongosh createUser, restart with --auth, mongosh and pymongo log in",
  ignore: MONGOSH === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const first = await spawnServer({ args: ["--no-auth"] });
    const dataDir = first.dataDir;
    try {
      const created = await mongosh(
        first.uri,
        `db.getSiblingDB("admin").createUser({user: "admin", pwd: "s3cret pw", roles: [{role: "root", db: "admin"}]}); print("CREATED")`,
      );
      assert.equal(created.code, 0, created.out);
      assert.match(created.out, /CREATED/);
    } finally {
      assert.equal(await first.stop("SIGTERM", { keepData: true }), 0);
    }
    const second = await spawnServer({ dataDir, args: ["--auth"] });
    try {
      // Without credentials: 13.
      const anon = await mongosh(second.uri, `db.getSiblingDB("boot").items.findOne()`);
      assert.notEqual(anon.code, 0);
      assert.match(anon.out, /requires authentication/);
      const base = `mongodb://admin:${encodeURIComponent("s3cret pw")}@127.0.0.1:${second.port}/`;
      const ok = await mongosh(
        `${base}?authSource=admin&directConnection=true`,
        `const s = db.runCommand({connectionStatus: 1}); print("USER " + s.authInfo.authenticatedUsers[0].user);
         db.getSiblingDB("boot").items.insertOne({by: "mongosh"}); print("N " + db.getSiblingDB("boot").items.countDocuments())`,
      );
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /USER admin/);
      assert.match(ok.out, /N 1/);
      if (HAS_PYMONGO) {
        const out = await runPython(PY_LOGIN, `mongodb://127.0.0.1:${second.port}/?directConnection=true`);
        assert.deepEqual(out, { "SCRAM-SHA-256": 1, "SCRAM-SHA-1": 1, bad: 18 });
      } else {
        console.log("auth_bootstrap_test: pymongo part skipped — /usr/bin/python3 has no pymongo");
      }
      // The failed attempt is logged without the password.
      assert.match(second.output(), /Authentication failed for "admin" on "admin"/);
      assert.ok(!second.output().includes("wrong"), "no secret in the log");
    } finally {
      await second.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "production TOML (auth = true, [tls]) starts and serves TLS clients with credentials",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const certs = await makeTestCerts();
    const toml = `${certs.dir}/secantusdb.toml`;
    await Deno.writeTextFile(
      toml,
      `[server]\nhost = "127.0.0.1"\nauth = true\n\n[tls]\ncert_file = "${certs.serverCert}"\nkey_file = "${certs.serverKey}"\n`,
    );
    const server = await spawnServer({ args: ["--config", toml] });
    const clients: MongoClient[] = [];
    try {
      const tls = `tls=true&tlsCAFile=${encodeURIComponent(certs.caFile)}&directConnection=true`;
      const anon = new MongoClient(`mongodb://127.0.0.1:${server.port}/?${tls}`);
      clients.push(anon);
      await anon.db("admin").command({ createUser: "admin", pwd: "pw", roles: ["root"] });
      await assert.rejects(
        anon.db("x").collection("y").findOne({}),
        (e) => e instanceof MongoServerError && e.code === 13,
      );
      const admin = new MongoClient(`mongodb://admin:pw@127.0.0.1:${server.port}/?${tls}&authSource=admin`);
      clients.push(admin);
      await admin.db("x").collection("y").insertOne({ a: 1 });
      assert.equal(await admin.db("x").collection("y").countDocuments(), 1);
      assert.match(server.output(), /localhost exception: createUser/);

      // SIGHUP (systemctl reload): a renewed certificate from another CA; the live connection stays.
      await makeCa(certs.dir, "ca2", "Renewed CA");
      await makeCert(
        certs.dir,
        "server",
        "ca2",
        "/CN=localhost",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      );
      server.child.kill("SIGHUP");
      const deadline = Date.now() + 10_000;
      while (!/TLS certificate, key and CA reloaded/.test(server.output()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(server.output(), /TLS certificate, key and CA reloaded/);
      assert.equal(await admin.db("x").collection("y").countDocuments(), 1);
      const renewed = new MongoClient(
        `mongodb://admin:pw@127.0.0.1:${server.port}/?tls=true&tlsCAFile=${
          encodeURIComponent(`${certs.dir}/ca2.pem`)
        }&directConnection=true&authSource=admin`,
      );
      clients.push(renewed);
      assert.equal(await renewed.db("x").collection("y").countDocuments(), 1);
    } finally {
      for (const c of clients) await c.close();
      await server.stop();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
