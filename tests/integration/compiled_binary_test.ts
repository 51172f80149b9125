/**
 * The single executable: `deno task compile` builds `secantusdb` (with the WiredTiger shim inside);
 * the binary is started and driven with the Node driver, and `secantusdb admin` from the same binary
 * serves the dashboard's embedded assets (app and vendored uPlot) and reads the server. Deno's `denort`
 * runtime cannot be downloaded on our build machines, so this runs only where `DENORT_BIN` points at a local denort;
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
    let admin: Deno.ChildProcess | undefined;
    try {
      await client.db("bin").collection<{ _id: number }>("c").insertOne({ _id: 1 });
      assert.equal(await client.db("bin").collection("c").countDocuments(), 1);

      // The dashboard from the same binary: its static assets are embedded (no files beside it).
      const token = "compiled-binary-token-0123";
      admin = new Deno.Command(`${PROJECT_ROOT}dist/secantusdb`, {
        args: [
          "admin",
          "--no-window",
          "--port",
          "0",
          "--token",
          token,
          "--uri",
          `mongodb://127.0.0.1:${port}/`,
        ],
        cwd: dir,
        stdout: "piped",
        stderr: "null",
      }).spawn();
      let out = "";
      const adminReader = (async () => {
        for await (const c of admin.stdout) out += new TextDecoder().decode(c);
      })();
      const until = Date.now() + 15_000;
      while (!/sign in with your token at/.test(out) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const signIn = /sign in with your token at (\S+)/.exec(out)?.[1];
      assert.ok(signIn, out);
      const get = async (path: string) => {
        const r = await fetch(new URL(path, signIn), { headers: { authorization: `Bearer ${token}` } });
        return { status: r.status, text: await r.text() };
      };
      assert.equal((await get("/static/app.js")).status, 200);
      assert.match((await get("/vendor/uplot.js")).text, /uPlot/);
      assert.match((await get("/")).text, /SecantusDB admin/);
      const overview = JSON.parse((await get("/api/overview")).text);
      assert.equal(overview.serverStatus.ok, true, JSON.stringify(overview.serverStatus));
      admin.kill("SIGTERM");
      assert.equal((await admin.status).code, 0);
      await adminReader;
      admin = undefined;
    } finally {
      try {
        admin?.kill("SIGKILL");
      } catch { /* gone */ }
      await client.close();
      child.kill("SIGTERM");
      await child.status;
      await reader.catch(() => {});
    }
  },
});
