/**
 * The single executable: `deno task compile` builds `secantusdb` (with the WiredTiger shim inside);
 * the binary is started and driven with the Node driver. Deno's `denort` runtime cannot be
 * downloaded on our build machines, so this runs only where `DENORT_BIN` points at a local denort;
 * otherwise it is skipped and says why.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { PROJECT_ROOT } from "./helpers/server_process.ts";

const DENORT = Deno.env.get("DENORT_BIN");
if (!DENORT) {
  console.log(
    "compiled_binary_test: skipped — DENORT_BIN is not set and Deno's runtime download host is unreachable here",
  );
}

Deno.test({
  name: "compiled secantusdb binary serves the driver",
  ignore: !DENORT,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const build = await new Deno.Command("bash", {
      args: [`${PROJECT_ROOT}scripts/compile.sh`],
      cwd: PROJECT_ROOT,
      signal: AbortSignal.timeout(300_000),
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const dir = await Deno.makeTempDir();
    const child = new Deno.Command(`${PROJECT_ROOT}dist/secantusdb`, {
      args: ["--port", "0", "--storage-path", dir],
      stderr: "piped",
      stdout: "piped",
    }).spawn();
    let text = "";
    const reader = (async () => {
      for await (const c of child.stderr) text += new TextDecoder().decode(c);
    })();
    const deadline = Date.now() + 15_000;
    let port = 0;
    while (!port && Date.now() < deadline) {
      port = Number(text.match(/listening on \S+?:(\d+)/)?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(port, text);
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`);
    try {
      await client.db("bin").collection<{ _id: number }>("c").insertOne({ _id: 1 });
      assert.equal(await client.db("bin").collection("c").countDocuments(), 1);
    } finally {
      await client.close();
      child.kill("SIGTERM");
      await child.status;
      await reader.catch(() => {});
    }
  },
});
