/**
 * The command line: --help, --version, configuration errors exit 2 naming the key or flag, the
 * TOML file is discovered in the working directory, and flags override it.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { runCli, spawnServer } from "./helpers/server_process.ts";

Deno.test("--version and --help", async () => {
  const v = await runCli(["--version"]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /secantusdb/i);
  const h = await runCli(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--storage-path/);
});

Deno.test("unknown flag and unknown config key exit 2 naming them", async () => {
  const f = await runCli(["--no-such-flag"]);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /no-such-flag/);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bad.toml`, "[server]\nprot = 1\n");
  const k = await runCli(["--config", `${dir}/bad.toml`]);
  assert.equal(k.code, 2);
  assert.match(k.stderr, /server\.prot/);
});

Deno.test({
  name: "secantusdb.toml in the working directory is used; flags override it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/secantusdb.toml`, `[server]\nstandalone = true\nport = 1\n`);
    const s = await spawnServer({ cwd: dir }); // --port 0 overrides port = 1
    const c = new MongoClient(s.uri);
    try {
      const hello = await c.db("admin").command({ hello: 1 });
      assert.equal(hello.setName, undefined, "standalone from the file drops the replica-set persona");
      assert.match(s.output(), /secantusdb\.toml/);
    } finally {
      await c.close();
      await s.stop();
    }
  },
});
