/**
 * The other real clients over TLS: mongosh and Debian's pymongo connect to a server with
 * `auth = true` and mTLS (`[tls] ca_file`), log in with SCRAM-SHA-256 over TLS and with MONGODB-X509
 * (the client certificate's subject as an `$external` user), and read what they may. Certificates
 * are made by openssl at test time.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";
import { makeTestCerts } from "./helpers/test_certs.ts";
import { MONGOSH, runMongosh } from "./helpers/mongosh.ts";
import { HAS_PYMONGO, runPython } from "./helpers/python.ts";

const PY = `
import sys, json
from pymongo import MongoClient
port, ca, pem = sys.argv[1], sys.argv[2], sys.argv[3]
scram = MongoClient("127.0.0.1", int(port), tls=True, tlsCAFile=ca, tlsCertificateKeyFile=pem,
                    username="admin", password="pw", authSource="admin", authMechanism="SCRAM-SHA-256",
                    serverSelectionTimeoutMS=5000)
x509 = MongoClient("127.0.0.1", int(port), tls=True, tlsCAFile=ca, tlsCertificateKeyFile=pem,
                   authMechanism="MONGODB-X509", serverSelectionTimeoutMS=5000)
print(json.dumps({
  "scram": scram.sec.items.count_documents({}),
  "x509": [d["v"] for d in x509.sec.items.find({}, {"_id": 0})],
  "who": x509.admin.command("connectionStatus")["authInfo"]["authenticatedUsers"],
}))
`;

Deno.test({
  name: "mongosh and pymongo over mTLS: SCRAM-SHA-256 and MONGODB-X509 logins",
  ignore: MONGOSH === undefined && !HAS_PYMONGO,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const certs = await makeTestCerts();
    const toml = `${certs.dir}/secantusdb.toml`;
    await Deno.writeTextFile(
      toml,
      `[server]\nhost = "127.0.0.1"\nauth = true\n\n[tls]\ncert_file = "${certs.serverCert}"\nkey_file = "${certs.serverKey}"\nca_file = "${certs.caFile}"\nrequire_client_cert = true\n`,
    );
    const server = await spawnServer({ args: ["--config", toml] });
    const tls = `tls=true&tlsCAFile=${encodeURIComponent(certs.caFile)}&tlsCertificateKeyFile=${
      encodeURIComponent(certs.clientPem)
    }&directConnection=true`;
    const admin = new MongoClient(`mongodb://127.0.0.1:${server.port}/?${tls}`);
    try {
      // The first user through the localhost exception, then the certificate's user on $external.
      await admin.db("admin").command({ createUser: "admin", pwd: "pw", roles: ["root"] });
      const root = new MongoClient(`mongodb://admin:pw@127.0.0.1:${server.port}/?${tls}&authSource=admin`);
      try {
        await root.db("$external").command({
          createUser: certs.clientSubject,
          roles: [{ role: "read", db: "sec" }],
        });
        await root.db("sec").collection("items").insertOne({ v: "secret" });
      } finally {
        await root.close();
      }
      if (HAS_PYMONGO) {
        const r = await runPython(PY, String(server.port), certs.caFile, certs.clientPem);
        assert.equal(r.scram, 1);
        assert.deepEqual(r.x509, ["secret"]);
        assert.deepEqual(r.who, [{ user: certs.clientSubject, db: "$external" }]);
      }
      if (MONGOSH !== undefined) {
        const x509 =
          `mongodb://127.0.0.1:${server.port}/sec?${tls}&authMechanism=MONGODB-X509&authSource=%24external`;
        const stdout = await runMongosh(
          x509,
          `print("X509 " + JSON.stringify(db.items.find({}, { _id: 0 }).toArray()));
           print("WHO " + db.runCommand({ connectionStatus: 1 }).authInfo.authenticatedUsers[0].db);
           try { db.items.insertOne({ v: "no" }); print("WROTE"); } catch (e) { print("REFUSED " + e.code); }`,
        );
        assert.match(stdout, /X509 \[\{"v":"secret"\}\]/);
        assert.match(stdout, /WHO \$external/);
        assert.match(stdout, /REFUSED 13/);
        const scram = `mongodb://admin:pw@127.0.0.1:${server.port}/sec?${tls}&authSource=admin`;
        assert.match(await runMongosh(scram, `print("N " + db.items.countDocuments())`), /N 1/);
      }
    } finally {
      await admin.close();
      await server.stop();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
