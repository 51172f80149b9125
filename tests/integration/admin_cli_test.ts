/**
 * `secantusdb admin` as a process: it prints the dashboard URL and a one-time sign-in URL, says when no
 * desktop browser can be opened (and opens one through xdg-open when a desktop exists), serves /healthz,
 * exchanges the printed token for a session, never prints a token read from --token-file, and stops
 * cleanly on SIGTERM. Bad flags exit 2.
 */
import assert from "node:assert/strict";
import { startServer } from "../../mod.ts";
import { PROJECT_ROOT } from "./helpers/server_process.ts";
import { makeTestCerts } from "./helpers/test_certs.ts";
import { MongoClient } from "mongodb";
import { defaultConfig } from "../../src/config/mod.ts";

const MAIN = `${PROJECT_ROOT}main.ts`;

Deno.test({
  name: "secantusdb admin: prints the sign-in URL once, serves, stops on SIGTERM",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const env = { ...Deno.env.toObject() };
    delete env["DISPLAY"];
    delete env["WAYLAND_DISPLAY"];
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "admin", "--uri", server.uri, "--port", "0"],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let out = "";
    const reader = (async () => {
      for await (const c of child.stdout.pipeThrough(new TextDecoderStream())) out += c;
    })();
    const errText = new Response(child.stderr).text();
    try {
      const deadline = Date.now() + 30_000;
      while (!/no desktop found/.test(out) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(out, /no desktop found/, out);
      const signIn = /sign in \(token shown once\): (\S+)/.exec(out)?.[1];
      assert.ok(signIn, out);
      const url = new URL(signIn);
      assert.equal(url.hostname, "127.0.0.1");
      assert.equal(await (await fetch(new URL("/healthz", url))).text(), "ok\n");
      const denied = await fetch(new URL("/", url));
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const login = await fetch(signIn, { redirect: "manual" });
      assert.equal(login.status, 303);
      assert.match(login.headers.get("set-cookie") ?? "", /HttpOnly/);
      await login.body?.cancel();
    } finally {
      child.kill("SIGTERM");
      const status = await child.status;
      await reader;
      const err = await errText;
      await server.stop();
      assert.equal(status.code, 0, err);
    }
  },
});

Deno.test({
  name: "secantusdb admin --token-file: the token is never printed; with a desktop it opens the browser",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-admin-cli-" });
    const token = "from-a-file-0123456789abcdef";
    await Deno.writeTextFile(`${dir}/token`, `${token}\n`, { mode: 0o600 });
    await Deno.chmod(`${dir}/token`, 0o600);
    // A stand-in xdg-open: records the URL it was asked to open.
    await Deno.writeTextFile(`${dir}/xdg-open`, `#!/bin/sh\necho "$1" > "${dir}/opened"\n`);
    await Deno.chmod(`${dir}/xdg-open`, 0o755);
    const env = { ...Deno.env.toObject(), DISPLAY: ":99", PATH: `${dir}:${Deno.env.get("PATH") ?? ""}` };
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "admin",
        "--uri",
        "mongodb://127.0.0.1:1/",
        "--port",
        "0",
        "--token-file",
        `${dir}/token`,
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let out = "";
    const reader = (async () => {
      for await (const c of child.stdout.pipeThrough(new TextDecoderStream())) out += c;
    })();
    const errText = new Response(child.stderr).text();
    try {
      const deadline = Date.now() + 30_000;
      while (!/opened in the desktop browser|could not|failed/.test(out) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(out, /secantusdb admin: opened in the desktop browser \(xdg-open\)/, out);
      assert.doesNotMatch(out, new RegExp(token), "a token from a file is not printed");
      const signIn = /sign in with your token at (\S+)/.exec(out)?.[1];
      assert.ok(signIn, out);
      assert.equal(
        (await Deno.readTextFile(`${dir}/opened`)).trim(),
        signIn,
        "the browser got the sign-in URL",
      );
      const base = new URL("/", signIn);
      const without = await fetch(new URL("api/info", base));
      assert.equal(without.status, 401);
      await without.body?.cancel();
      const info = await fetch(new URL("api/info", base), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(info.status, 200);
      await info.body?.cancel();
    } finally {
      child.kill("SIGTERM");
      const status = await child.status;
      await reader;
      const err = await errText;
      await Deno.remove(dir, { recursive: true });
      assert.equal(status.code, 0, err);
    }
  },
});

Deno.test("secantusdb admin: bad flags exit 2 with a message", async () => {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "admin", "--port", "nope"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(res.code, 2);
  assert.match(new TextDecoder().decode(res.stderr), /--port/);
});

Deno.test({
  name: "secantusdb admin against a server with auth = true and TLS: credentials and CA from the URI",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const certs = await makeTestCerts();
    const d = defaultConfig();
    const server = await startServer({
      config: {
        ...d,
        server: { ...d.server, port: 0, storagePath: ":memory:", logLevel: "ERROR", auth: true },
        tls: { certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
      },
    });
    const tls = `tls=true&tlsCAFile=${encodeURIComponent(certs.caFile)}&directConnection=true`;
    const first = new MongoClient(`mongodb://127.0.0.1:${server.port}/?${tls}`);
    await first.db("admin").command({ createUser: "ops", pwd: "pw", roles: ["root"] });
    await first.close();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "admin",
        "--uri",
        `mongodb://ops:pw@127.0.0.1:${server.port}/?${tls}&authSource=admin`,
        "--port",
        "0",
        "--no-window",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let out = "";
    const reader = (async () => {
      for await (const c of child.stdout.pipeThrough(new TextDecoderStream())) out += c;
    })();
    const errText = new Response(child.stderr).text();
    try {
      const deadline = Date.now() + 30_000;
      while (!/token shown once/.test(out) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const signIn = new URL(/sign in \(token shown once\): (\S+)/.exec(out)?.[1] ?? "http://x/");
      const token = signIn.searchParams.get("token");
      assert.ok(token, out);
      assert.doesNotMatch(out, /ops:pw@/, "the password is not printed");
      const api = (path: string, body?: unknown) =>
        fetch(new URL(path, signIn), {
          method: body === undefined ? "GET" : "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }).then((r) => r.json());
      const status = await api("/api/command", { db: "admin", command: { connectionStatus: 1 } });
      assert.equal(status.ok, true, JSON.stringify(status));
      assert.deepEqual(status.result.authInfo.authenticatedUsers, [{ user: "ops", db: "admin" }]);
      const overview = await api("/api/overview");
      assert.ok(overview && typeof overview === "object", JSON.stringify(overview));
      assert.doesNotMatch(JSON.stringify(await api("/api/info")), /pw@/);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await reader;
      await errText;
      await server.stop();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
