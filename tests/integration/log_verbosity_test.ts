/**
 * Log verbosity through mongosh and the Node driver: `db.setLogLevel()` / `db.getLogComponents()`
 * (setParameter / getParameter `logComponentVerbosity`) and `logLevel`, which are the same global value.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { runMongosh } from "./helpers/mongosh.ts";

serverTest(
  "log verbosity: mongosh's setLogLevel/getLogComponents, logLevel in step, refusals",
  async (client, server) => {
    const out = await runMongosh(
      server.uri,
      `db.setLogLevel(1);
     print("G " + db.getLogComponents().verbosity);
     db.setLogLevel(2, "storage.journal");
     const c = db.getLogComponents();
     print("J " + c.storage.journal.verbosity + " S " + c.storage.verbosity + " G " + c.verbosity);
     try { db.setLogLevel(1, "nosuch") } catch (e) { print("ERR " + e.codeName) }`,
    );
    assert.match(out, /^G 1$/m);
    assert.match(out, /^J 2 S -1 G 1$/m);
    assert.match(out, /^ERR BadValue$/m);
    const admin = client.db("admin");
    assert.equal((await admin.command({ getParameter: 1, logLevel: 1 })).logLevel, 1);
    const was = await admin.command({ setParameter: 1, logLevel: 0 });
    assert.equal(was.was, 1);
    const p = await admin.command({ getParameter: 1, logComponentVerbosity: 1 });
    assert.equal(p.logComponentVerbosity.verbosity, 0);
    assert.equal(p.logComponentVerbosity.storage.journal.verbosity, 2);
    const bad = await admin.command({ setParameter: 1, logComponentVerbosity: { verbosity: "x" } }).catch((
      e,
    ) => e);
    assert.equal(bad.code, 14);
  },
);
