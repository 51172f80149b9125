import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, defaultConfig, discoverConfig, discoveryCandidates, findConfigFile } from "./mod.ts";
import { normalizePath } from "./discover.ts";

/** A temp tree with a cwd, a home and a system dir; none holds a config file yet. */
async function tree() {
  const root = await Deno.makeTempDir({ prefix: "secantus-discover-" });
  const cwd = join(root, "cwd");
  const home = join(root, "home");
  const etc = join(root, "etc");
  for (const d of [cwd, join(home, ".secantus"), etc]) await Deno.mkdir(d, { recursive: true });
  const env = { cwd, home, systemPath: join(etc, "secantusdb.toml") };
  const files = {
    cwd: join(cwd, "secantusdb.toml"),
    home: join(home, ".secantus", "secantusdb.toml"),
    system: env.systemPath,
  };
  return { root, env, files, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

const port = (n: number) => `[server]\nport = ${n}\n`;

Deno.test("discovery candidates: ./, ~/.secantus/, /etc/secantus/, in that order", () => {
  assertEquals(discoveryCandidates({ cwd: "/w", home: "/h" }), [
    "/w/secantusdb.toml",
    "/h/.secantus/secantusdb.toml",
    "/etc/secantus/secantusdb.toml",
  ]);
  assertEquals(discoveryCandidates({ cwd: "/w", home: "" }), [
    "/w/secantusdb.toml",
    "/etc/secantus/secantusdb.toml",
  ]);
});

Deno.test("discovery: no file anywhere → defaults, no path", async () => {
  await using t = await tree();
  assertEquals(await discoverConfig(undefined, t.env), { config: defaultConfig() });
});

Deno.test("discovery: first existing file wins", async () => {
  await using t = await tree();
  await Deno.writeTextFile(t.files.system, port(3));
  assertEquals(await discoverConfig(undefined, t.env), {
    path: t.files.system,
    config: { ...defaultConfig(), server: { ...defaultConfig().server, port: 3 } },
  });
  await Deno.writeTextFile(t.files.home, port(2));
  assertEquals((await discoverConfig(undefined, t.env)).path, t.files.home);
  assertEquals((await discoverConfig(undefined, t.env)).config.server.port, 2);
  await Deno.writeTextFile(t.files.cwd, port(1));
  assertEquals((await discoverConfig(undefined, t.env)).path, t.files.cwd);
  assertEquals((await discoverConfig(undefined, t.env)).config.server.port, 1);
});

Deno.test("discovery: the winning file is not merged with later ones", async () => {
  await using t = await tree();
  await Deno.writeTextFile(t.files.cwd, '[server]\nhost = "0.0.0.0"\n');
  await Deno.writeTextFile(t.files.system, port(3));
  const { config } = await discoverConfig(undefined, t.env);
  assertEquals([config.server.host, config.server.port], ["0.0.0.0", 27017]);
});

Deno.test("--config path disables discovery and resolves against cwd", async () => {
  await using t = await tree();
  await Deno.writeTextFile(t.files.cwd, port(1));
  await Deno.writeTextFile(join(t.env.cwd, "other.toml"), port(9));
  const r = await discoverConfig("other.toml", t.env);
  assertEquals(r.path, join(t.env.cwd, "other.toml"));
  assertEquals(r.config.server.port, 9);
  assertEquals(await findConfigFile(join(t.root, "abs.toml"), t.env), join(t.root, "abs.toml"));
});

Deno.test("--config with a missing file is a ConfigError even when discovery would find one", async () => {
  await using t = await tree();
  await Deno.writeTextFile(t.files.cwd, port(1));
  throws(() => discoverConfig("missing.toml", t.env), (e: unknown) => {
    ok(e instanceof ConfigError && e.exitCode === 2);
    ok(e.message.includes(join(t.env.cwd, "missing.toml")) && e.message.includes("not found"), e.message);
    return true;
  });
});

Deno.test("errors in a discovered file name that file", async () => {
  await using t = await tree();
  await Deno.writeTextFile(t.files.home, "[server]\nprot = 1\n");
  throws(() => discoverConfig(undefined, t.env), (e: unknown) => {
    ok(
      e instanceof ConfigError && e.message.includes(`unknown key "server.prot" in ${t.files.home}`),
      String(e),
    );
    return true;
  });
});

Deno.test("a directory where the file should be is a ConfigError", async () => {
  await using t = await tree();
  await Deno.mkdir(t.files.cwd);
  throws(() => discoverConfig(undefined, t.env), ConfigError);
});

Deno.test("normalizePath resolves . and .. and repeated slashes as node:path does", async () => {
  const { normalize } = await import("node:path");
  for (
    const p of ["/a/b/../c", "/a/./b//c", "a/../../b", "/../a", "./x", "a/b/..", "/", "..", "a//b/./../c/d"]
  ) {
    assertEquals(normalizePath(p), normalize(p).replace(/(.)\/$/, "$1"), p);
  }
});
