/** The embedding API: startServer({port: 0, storagePath: ":memory:"}) inside the test's own process. */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "startServer in-process on :memory:",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    assert.ok(server.port > 0);
    const client = new MongoClient(server.uri);
    try {
      await client.db("e").collection<AnyDoc>("c").insertOne({ _id: "k", v: 1 });
      assert.deepEqual(await client.db("e").collection<AnyDoc>("c").findOne({ _id: "k" }), {
        _id: "k",
        v: 1,
      });
    } finally {
      await client.close();
      await server.stop();
      await server.stop(); // idempotent
    }
  },
});

/**
 * A program that ends on an uncaught error with a server still running exits with that error (code
 * 1), not SIGSEGV: Deno unloads the WiredTiger shim on the way out while WiredTiger's and the shim's
 * threads run (ffi/wiredtiger/shim/wt_pin.c keeps it mapped). It crashed in about 1 run in 4.
 */
Deno.test({
  name: "a program that throws with a server running exits with its error, not a crash",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const script = `${dir}/throws.ts`;
    await Deno.writeTextFile(
      script,
      `import { startServer } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
import { MongoClient } from "mongodb";
const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
const client = new MongoClient(server.uri);
await client.db("e").collection("c").insertMany(Array.from({ length: 100 }, (_, i) => ({ i })));
await client.db("e").collection("c").find({ i: { $gt: 5 } }).toArray();
throw new Error("boom from the embedding program");
`,
    );
    try {
      const runs = 8;
      for (let i = 0; i < runs; i++) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
          cwd: new URL("../..", import.meta.url).pathname,
          stdout: "null",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(out.stderr);
        assert.equal(out.signal, null, `run ${i + 1}: killed by ${out.signal}`);
        assert.equal(out.code, 1, `run ${i + 1}: exit ${out.code}\n${err.slice(-2000)}`);
        assert.match(err, /boom from the embedding program/);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
