import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import { parseServeFlags, resolveServeConfig } from "./args.ts";
import { ConfigError, defaultConfig, KEY_SPECS, UNSUPPORTED_YET } from "../config/mod.ts";

/** A temp cwd/home/system tree so discovery never sees the real machine's files. */
async function sandbox() {
  const root = await Deno.makeTempDir({ prefix: "secantus-args-" });
  const env = { cwd: join(root, "cwd"), home: join(root, "home"), systemPath: join(root, "etc.toml") };
  await Deno.mkdir(env.cwd);
  await Deno.mkdir(env.home);
  return { root, env, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

function assertFlagError(argv: string[], ...parts: string[]): void {
  throws(() => parseServeFlags(argv), (e: unknown) => {
    ok(e instanceof ConfigError && e.exitCode === 2, String(e));
    for (const p of parts) ok(e.message.includes(p), `"${e.message}" ∌ "${p}"`);
    return true;
  });
}

Deno.test("no flags, no file → defaults", async () => {
  await using s = await sandbox();
  assertEquals(await resolveServeConfig([], s.env), { config: defaultConfig() });
});

Deno.test("every flag sets its key", async () => {
  await using s = await sandbox();
  const { config } = await resolveServeConfig([
    "--host=0.0.0.0",
    "--port",
    "0",
    "--storage-path",
    ":memory:",
    "--log-level",
    "warning",
    "--no-auth",
    "--standalone",
    "--max-connections",
    "10",
    "--io",
    "shim",
    "--enable-test-commands",
    "--require-api-version",
    "--notablescan",
    "--cache-size",
    "256M",
    "--session-max",
    "50",
    "--sync-on-commit",
    "--oplog-retention-seconds",
    "60.5",
    "--oplog-max-entries",
    "500",
    "--noop-heartbeat-seconds",
    "0",
    "--log-format",
    "json",
    "--slow-ms",
    "0",
    "--metrics-listen",
    "127.0.0.1:9216",
    "--query-memory-limit",
    "10M",
    "--scram-sha256-iteration-count",
    "20000",
    "--scram-iteration-count",
    "12000",
    "--heap-limit",
    "2G",
    "--no-warm-up",
    "--io-spin-us",
    "20",
    "--io-loops",
    "1",
  ], s.env);
  assertEquals(config, {
    server: {
      host: "0.0.0.0",
      port: 0,
      storagePath: ":memory:",
      logLevel: "WARNING",
      logFormat: "json",
      slowMs: 0,
      auth: false,
      standalone: true,
      maxConnections: 10,
      io: "shim",
      ioSpinMicros: 20,
      ioLoops: 1,
      warmUp: false,
      maxConnectionsPerAddress: 0,
      maxSessions: 100_000,
      maxOpenCursors: 10_000,
      queryMemoryLimitBytes: 10 * 1024 ** 2,
      heapLimitBytes: 2 * 1024 ** 3,
      idleTimeoutSeconds: 300,
      messageTimeoutSeconds: 30,
      enableTestCommands: true,
      requireApiVersion: true,
      noTableScan: true,
      javascriptEnabled: true,
      idleMallocTrim: true,
      scramSHA256IterationCount: 20000,
      scramIterationCount: 12000,
    },
    tls: { requireClientCert: false },
    storage: { cacheSizeBytes: 256 * 1024 ** 2, sessionMax: 50, syncOnCommit: true, ttlSweepSeconds: 60 },
    oplog: {
      retentionSeconds: 60.5,
      maxEntries: 500,
      noopHeartbeatSeconds: 0,
      archiveIntervalSeconds: 1,
      archiveRetentionSeconds: 0,
    },
    metrics: { listen: "127.0.0.1:9216" },
  });
});

Deno.test("every keyed flag in the table is accepted by the parser", () => {
  for (const spec of KEY_SPECS) {
    if (spec.flag === undefined) continue;
    const argv = spec.kind === "bool" ? [`--${spec.flag}`] : [`--${spec.flag}`, sample(spec.kind)];
    const { layer } = parseServeFlags(argv);
    assertEquals(layer.length, 1, spec.flag);
    assertEquals(layer[0]?.spec, spec);
  }
});

function sample(kind: string): string {
  switch (kind) {
    case "size":
      return "1G";
    case "logLevel":
      return "INFO";
    case "logFormat":
      return "json";
    case "ioMode":
      return "shim";
    case "hostPort":
      return "127.0.0.1:9216";
    case "ioLoops":
      return "2";
    case "string":
    case "path":
      return "/x";
    default:
      return "5";
  }
}

Deno.test("--dbpath is mongod's spelling of --storage-path", () => {
  const { layer } = parseServeFlags(["--dbpath", "/data/db"]);
  assertEquals(layer.map((s) => [s.spec.key, s.value, s.origin]), [["storage_path", "/data/db", "--dbpath"]]);
});

Deno.test("repeated flags: the last wins (also --auth/--no-auth pairs)", async () => {
  await using s = await sandbox();
  const { config } = await resolveServeConfig(
    ["--port", "1", "--port=2", "--standalone", "--no-standalone", "--dbpath", "/a", "--storage-path", "/b"],
    s.env,
  );
  assertEquals([config.server.port, config.server.standalone, config.server.storagePath], [2, false, "/b"]);
});

Deno.test("precedence: defaults < file < flags", async () => {
  await using s = await sandbox();
  await Deno.writeTextFile(
    join(s.env.cwd, "secantusdb.toml"),
    '[server]\nport = 1111\nhost = "0.0.0.0"\n[storage]\ncache_size = "4G"\n',
  );
  const r = await resolveServeConfig(["--port", "2222"], s.env);
  assertEquals(r.configPath, join(s.env.cwd, "secantusdb.toml"));
  assertEquals(r.config.server.port, 2222); // flag beats file
  assertEquals(r.config.server.host, "0.0.0.0"); // file beats default
  assertEquals(r.config.storage.cacheSizeBytes, 4 * 1024 ** 3);
  assertEquals(r.config.server.maxConnections, 10_000); // default
});

Deno.test("--no-auth overrides a file's auth = true (the bootstrap sequence)", async () => {
  await using s = await sandbox();
  const file = join(s.root, "prod.toml");
  await Deno.writeTextFile(file, "[server]\nauth = true\n");
  const r = await resolveServeConfig(["--config", file, "--no-auth"], s.env);
  assertEquals([r.configPath, r.config.server.auth], [file, false]);
  if (UNSUPPORTED_YET.some((u) => u.key === "server.auth")) {
    throws(() => resolveServeConfig(["--config", file], s.env), (e: unknown) => {
      ok(e instanceof ConfigError && e.message.includes(`"server.auth" in ${file}`), String(e));
      ok(e.message.includes("not supported yet by this build"));
      return true;
    });
  }
});

Deno.test("unsupported-yet features given as flags are refused naming the flag", async () => {
  await using s = await sandbox();
  const cases: [string[], string][] = [
    [["--auth"], "server.auth"],
    [["--tls-cert-file", "/c.pem"], "tls.cert_file"],
    [["--tls-key-file", "/k.pem"], "tls.key_file"],
    [["--tls-ca-file", "/ca.pem"], "tls.ca_file"],
    [["--tls-require-client-cert"], "tls.require_client_cert"],
    [["--noop-heartbeat-seconds", "10"], "oplog.noop_heartbeat_seconds"],
  ];
  for (const [argv, key] of cases) {
    if (!UNSUPPORTED_YET.some((u) => u.key === key)) continue;
    throws(() => resolveServeConfig(argv, s.env), (e: unknown) => {
      ok(e instanceof ConfigError && e.message.startsWith(argv[0] ?? "?"), String(e));
      ok(e.message.includes("is not supported yet by this build"), e.message);
      return true;
    });
  }
});

Deno.test("flags are validated like the file", () => {
  assertFlagError(["--port", "70000"], "invalid value for --port", "an integer from 0 to 65535", '"70000"');
  assertFlagError(["--port", "12ab"], "--port");
  assertFlagError(["--port", "1.5"], "--port");
  assertFlagError(["--log-level", "loud"], "--log-level", "one of DEBUG, INFO, WARNING, ERROR");
  assertFlagError(["--max-connections", "0"], "--max-connections", "at least 1");
  assertFlagError(["--cache-size", "1.5G"], "--cache-size", "a size");
  assertFlagError(["--session-max", "x"], "--session-max");
  assertFlagError(["--oplog-retention-seconds", "0"], "greater than 0");
  assertFlagError(["--storage-path="], "--storage-path", "a non-empty string");
  assertFlagError(["--io-spin-us", "2000000"], "--io-spin-us", "microseconds from 0 to 1000000");
  assertFlagError(["--io-loops", "3"], "--io-loops", "1 or 2");
});

Deno.test("unknown flags are refused naming the flag and pointing to --help", () => {
  assertFlagError(["--prot", "1"], "unknown flag --prot", "did you mean --port?", "--help");
  assertFlagError(["--bogus"], "unknown flag --bogus", "--help");
  assertFlagError(["--bogus=1"], "unknown flag --bogus", "--help");
  assertFlagError(["-x"], "unknown flag -x");
  assertFlagError(["--ttl-sweep-seconds", "5"], "unknown flag --ttl-sweep-seconds"); // file-only key
});

Deno.test("malformed flag use is a ConfigError pointing to --help", () => {
  assertFlagError(["--port"], "--port", "--help");
  assertFlagError(["--port", "--host", "x"], "--port", "--help");
  assertFlagError(["--auth=true"], "--auth", "--help");
  assertFlagError(["extra"], 'unexpected argument "extra"', "--help");
  assertFlagError(["--port", "1", "serve"], 'unexpected argument "serve"');
  assertFlagError(["--config"], "--config");
});

Deno.test("a leading 'serve' subcommand name is tolerated", () => {
  assertEquals(parseServeFlags(["serve", "--port", "1"]).layer.map((s) => s.value), [1]);
});

Deno.test("--config missing file → ConfigError exit 2", async () => {
  await using s = await sandbox();
  throws(() => resolveServeConfig(["--config", "nope.toml"], s.env), (e: unknown) => {
    ok(e instanceof ConfigError && e.exitCode === 2 && e.message.includes("not found"), String(e));
    return true;
  });
});

Deno.test("--help and --version return early without reading any file", async () => {
  await using s = await sandbox();
  await Deno.writeTextFile(join(s.env.cwd, "secantusdb.toml"), "[broken");
  assertEquals(await resolveServeConfig(["--help"], s.env), { config: defaultConfig(), help: true });
  assertEquals(await resolveServeConfig(["-h"], s.env), { config: defaultConfig(), help: true });
  assertEquals(await resolveServeConfig(["--version"], s.env), { config: defaultConfig(), version: true });
  throws(() => resolveServeConfig([], s.env), /invalid TOML/);
});
