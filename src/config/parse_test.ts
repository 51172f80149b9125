import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import {
  type Config,
  ConfigError,
  defaultConfig,
  parseConfig,
  parseConfigLayer,
  UNSUPPORTED_YET,
} from "./mod.ts";
import { KEY_SPECS } from "./keys.ts";

const SRC = "/etc/secantus/secantusdb.toml";

/** Asserts `fn` throws a ConfigError (exit code 2) whose message matches every pattern. */
function assertConfigError(fn: () => unknown, ...patterns: (string | RegExp)[]): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  ok(caught instanceof ConfigError, `expected ConfigError, got ${String(caught)}`);
  assertEquals(caught.exitCode, 2);
  for (const p of patterns) {
    ok(
      typeof p === "string" ? caught.message.includes(p) : p.test(caught.message),
      `"${caught.message}" ~ ${p}`,
    );
  }
  return caught;
}

Deno.test("defaults match PRODUCT.md's table", () => {
  const expected: Config = {
    server: {
      host: "127.0.0.1",
      port: 27017,
      storagePath: "./secantus-data",
      logLevel: "INFO",
      logFormat: "text",
      slowMs: 100,
      auth: false,
      standalone: false,
      maxConnections: 10_000,
      io: "shim",
      ioSpinMicros: 50,
      ioLoops: 2,
      warmUp: true,
      maxConnectionsPerAddress: 0,
      maxSessions: 100_000,
      maxOpenCursors: 10_000,
      queryMemoryLimitBytes: 100 * 1024 * 1024,
      heapLimitBytes: 0,
      idleTimeoutSeconds: 300,
      messageTimeoutSeconds: 30,
      enableTestCommands: false,
      requireApiVersion: false,
      noTableScan: false,
      javascriptEnabled: true,
      idleMallocTrim: true,
      scramSHA256IterationCount: 15_000,
      scramIterationCount: 10_000,
    },
    tls: { requireClientCert: false },
    storage: { cacheSizeBytes: 1024 ** 3, sessionMax: 1000, syncOnCommit: false, ttlSweepSeconds: 60 },
    oplog: {
      retentionSeconds: 3600,
      maxEntries: 100000,
      noopHeartbeatSeconds: 0,
      archiveIntervalSeconds: 1,
      archiveRetentionSeconds: 0,
    },
    metrics: {},
  };
  assertEquals(defaultConfig(), expected);
  assertEquals(parseConfig(""), expected);
  assertEquals(parseConfig("[server]\n[tls]\n[storage]\n[oplog]\n"), expected);
});

Deno.test("defaultConfig returns a fresh copy each time", () => {
  const a = defaultConfig();
  (a.server as { port: number }).port = 1;
  assertEquals(defaultConfig().server.port, 27017);
});

Deno.test("every supported key is read into its field", () => {
  const c = parseConfig(
    `
[server]
host = "0.0.0.0"
port = 0
storage_path = ":memory:"
log_level = "debug"
auth = false
standalone = true
max_connections = 5
io = "shim"
io_spin_us = 0
io_loops = 1
max_open_cursors = 7
idle_timeout_seconds = 0
message_timeout_seconds = 2.5
enable_test_commands = true
require_api_version = true
notablescan = true
javascript_enabled = false
idle_malloc_trim = false
scram_sha256_iteration_count = 20000
scram_iteration_count = 12000

[tls]
require_client_cert = false

[storage]
cache_size = "256M"
session_max = 20
sync_on_commit = true
ttl_sweep_seconds = 0.5

[oplog]
retention_seconds = 86400.0
max_entries = 7
noop_heartbeat_seconds = 0.0
`,
    SRC,
  );
  assertEquals(c, {
    server: {
      host: "0.0.0.0",
      port: 0,
      storagePath: ":memory:",
      logLevel: "DEBUG",
      logFormat: "text",
      slowMs: 100,
      auth: false,
      standalone: true,
      maxConnections: 5,
      io: "shim",
      ioSpinMicros: 0,
      ioLoops: 1,
      warmUp: true,
      maxConnectionsPerAddress: 0,
      maxSessions: 100_000,
      maxOpenCursors: 7,
      queryMemoryLimitBytes: 100 * 1024 * 1024,
      heapLimitBytes: 0,
      idleTimeoutSeconds: 0,
      messageTimeoutSeconds: 2.5,
      enableTestCommands: true,
      requireApiVersion: true,
      noTableScan: true,
      javascriptEnabled: false,
      idleMallocTrim: false,
      scramSHA256IterationCount: 20000,
      scramIterationCount: 12000,
    },
    tls: { requireClientCert: false },
    storage: { cacheSizeBytes: 256 * 1024 ** 2, sessionMax: 20, syncOnCommit: true, ttlSweepSeconds: 0.5 },
    oplog: {
      retentionSeconds: 86400,
      maxEntries: 7,
      noopHeartbeatSeconds: 0,
      archiveIntervalSeconds: 1,
      archiveRetentionSeconds: 0,
    },
    metrics: {},
  });
});

Deno.test("the key table covers exactly the Config fields", () => {
  const d = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  const fromTable = KEY_SPECS.map((s) => `${s.table}.${s.field}`).sort();
  const optional = ["tls.certFile", "tls.keyFile", "tls.caFile", "oplog.archiveDir", "metrics.listen"];
  const fromDefaults = [
    ...Object.entries(d).flatMap(([t, body]) => Object.keys(body).map((f) => `${t}.${f}`)),
    ...optional,
  ].sort();
  assertEquals(fromTable, fromDefaults);
});

Deno.test("a key layer only holds what the file sets", () => {
  const layer = parseConfigLayer('[server]\nport = 1\n[tls]\ncert_file = "/c.pem"', SRC);
  assertEquals(layer.map((s) => [s.spec.key, s.value, s.origin]), [
    ["port", 1, `"server.port" in ${SRC}`],
    ["cert_file", "/c.pem", `"tls.cert_file" in ${SRC}`],
  ]);
});

Deno.test("unknown key names the key and the file, with a suggestion", () => {
  assertConfigError(
    () => parseConfig("[server]\nprot = 1\n", SRC),
    `unknown key "server.prot" in ${SRC}`,
    'did you mean "server.port"?',
  );
  assertConfigError(() => parseConfig("[storage]\nzzz = 1\n", SRC), `unknown key "storage.zzz" in ${SRC}`);
  // A key of another table is still unknown where it was written.
  assertConfigError(
    () => parseConfig('[server]\ncache_size = "1G"\n', SRC),
    'unknown key "server.cache_size"',
  );
});

Deno.test("unknown table and keys outside any table are refused", () => {
  assertConfigError(
    () => parseConfig("[sever]\nport = 1\n", SRC),
    `unknown table "[sever]" in ${SRC}`,
    "[server]",
  );
  assertConfigError(() => parseConfig("[net]\n", SRC), 'unknown table "[net]"');
  assertConfigError(() => parseConfig("port = 1\n", SRC), 'unknown key "port"', "[server]");
  assertConfigError(() => parseConfig("[server.extra]\nx = 1\n", SRC), "server.extra");
  assertConfigError(() => parseConfig("server = 1\n", SRC), '"server"', "must be a table");
  assertConfigError(() => parseConfig("[[server]]\nport = 1\n", SRC), '"server"', "must be a table");
});

Deno.test("invalid TOML names the file", () => {
  assertConfigError(() => parseConfig("[server\nport = 1", SRC), `invalid TOML in ${SRC}`);
  assertConfigError(() => parseConfig("[server]\nport = \n"), "invalid TOML in the configuration");
});

Deno.test("wrong types and ranges name the key and the expected type", () => {
  const cases: [string, string, string][] = [
    ['[server]\nport = "27017"', "server.port", "an integer from 0 to 65535"],
    ["[server]\nport = 65536", "server.port", "an integer from 0 to 65535"],
    ["[server]\nio_spin_us = 1000001", "server.io_spin_us", "microseconds from 0 to 1000000"],
    ["[server]\nio_spin_us = -1", "server.io_spin_us", "microseconds from 0 to 1000000"],
    ["[server]\nio_loops = 3", "server.io_loops", "1 or 2"],
    ["[server]\nio_loops = 0", "server.io_loops", "1 or 2"],
    ["[server]\nport = -1", "server.port", "an integer from 0 to 65535"],
    ["[server]\nport = 1.5", "server.port", "an integer"],
    ["[server]\nhost = 1", "server.host", "a non-empty string"],
    ['[server]\nhost = ""', "server.host", "a non-empty string"],
    ['[server]\nstorage_path = ""', "server.storage_path", "a non-empty string"],
    ['[server]\nlog_level = "VERBOSE"', "server.log_level", "one of DEBUG, INFO, WARNING, ERROR"],
    ["[server]\nlog_level = 1", "server.log_level", "one of DEBUG"],
    ['[server]\nauth = "yes"', "server.auth", "true or false"],
    ["[server]\nstandalone = 1", "server.standalone", "true or false"],
    ["[server]\nmax_connections = 0", "server.max_connections", "an integer of at least 1"],
    ["[server]\nmax_connections = 2.5", "server.max_connections", "an integer of at least 1"],
    ["[tls]\ncert_file = 3", "tls.cert_file", "a non-empty file path string"],
    ['[tls]\nrequire_client_cert = "no"', "tls.require_client_cert", "true or false"],
    ['[storage]\ncache_size = "1.5G"', "storage.cache_size", 'such as "256M"'],
    ['[storage]\ncache_size = "lots"', "storage.cache_size", "a size"],
    ["[storage]\ncache_size = 1024", "storage.cache_size", "at least 1M"],
    ["[storage]\ncache_size = true", "storage.cache_size", "a size"],
    ["[storage]\nsession_max = 0", "storage.session_max", "at least 1"],
    ["[storage]\nsync_on_commit = 1", "storage.sync_on_commit", "true or false"],
    ["[storage]\nttl_sweep_seconds = -1", "storage.ttl_sweep_seconds", "at least 0"],
    ['[storage]\nttl_sweep_seconds = "60"', "storage.ttl_sweep_seconds", "number of seconds"],
    ["[oplog]\nretention_seconds = 0", "oplog.retention_seconds", "greater than 0"],
    ["[oplog]\nretention_seconds = inf", "oplog.retention_seconds", "number of seconds"],
    ["[oplog]\nretention_seconds = nan", "oplog.retention_seconds", "number of seconds"],
    ["[oplog]\nmax_entries = 0", "oplog.max_entries", "at least 1"],
    ["[oplog]\nnoop_heartbeat_seconds = -0.5", "oplog.noop_heartbeat_seconds", "at least 0"],
    ["[oplog]\nmax_entries = [1]", "oplog.max_entries", "got an array"],
    ["[oplog]\nmax_entries = 1979-05-27", "oplog.max_entries", "got a date"],
  ];
  for (const [text, key, expected] of cases) {
    assertConfigError(() => parseConfig(text, SRC), `invalid value for "${key}" in ${SRC}`, expected);
  }
});

Deno.test("sizes: every accepted spelling, and plain byte counts", () => {
  const bytes = (v: string) => parseConfig(`[storage]\ncache_size = ${v}`).storage.cacheSizeBytes;
  assertEquals(bytes('"256M"'), 256 * 1024 ** 2);
  assertEquals(bytes('"1G"'), 1024 ** 3);
  assertEquals(bytes('"4G"'), 4 * 1024 ** 3);
  assertEquals(bytes('"4096K"'), 4096 * 1024);
  assertEquals(bytes('"2gb"'), 2 * 1024 ** 3);
  assertEquals(bytes("2147483648"), 2 * 1024 ** 3);
  assertEquals(bytes('"1048576"'), 1024 ** 2);
});

Deno.test("seconds accept TOML integers and floats", () => {
  assertEquals(parseConfig("[oplog]\nretention_seconds = 86400").oplog.retentionSeconds, 86400);
  assertEquals(parseConfig("[oplog]\nretention_seconds = 86400.0").oplog.retentionSeconds, 86400);
  assertEquals(parseConfig("[oplog]\nretention_seconds = 0.25").oplog.retentionSeconds, 0.25);
  assertEquals(parseConfig("[storage]\nttl_sweep_seconds = 1e1").storage.ttlSweepSeconds, 10);
});

Deno.test("log_level is case-insensitive and normalized", () => {
  for (
    const [v, want] of [["debug", "DEBUG"], ["Info", "INFO"], ["warning", "WARNING"], ["ERROR", "ERROR"]]
  ) {
    assertEquals(parseConfig(`[server]\nlog_level = "${v}"`).server.logLevel, want);
  }
});

Deno.test("UNSUPPORTED_YET: accepted at the default, refused otherwise", () => {
  // At the default: fine.
  parseConfig(
    "[server]\nauth = false\n[tls]\nrequire_client_cert = false\n[oplog]\nnoop_heartbeat_seconds = 0\n",
  );
  const refused: [string, string][] = [
    ["[server]\nauth = true", "server.auth"],
    ['[tls]\ncert_file = "/c.pem"', "tls.cert_file"],
    ['[tls]\nkey_file = "/k.pem"', "tls.key_file"],
    ['[tls]\nca_file = "/ca.pem"', "tls.ca_file"],
    ["[tls]\nrequire_client_cert = true", "tls.require_client_cert"],
  ];
  for (const [text, key] of refused) {
    if (!UNSUPPORTED_YET.some((u) => u.key === key)) continue; // a later build implemented it
    assertConfigError(
      () => parseConfig(text, SRC),
      `"${key}" in ${SRC}`,
      "is not supported yet by this build",
    );
  }
  // Several at once: all are listed.
  const texts: Record<string, string> = Object.fromEntries(refused.map(([t, k]) => [k, t]));
  const two = UNSUPPORTED_YET.map((u) => u.key).filter((k) => texts[k] !== undefined).slice(0, 2);
  if (two.length === 2 && two[0]!.split(".")[0] !== two[1]!.split(".")[0]) {
    const e = assertConfigError(() => parseConfig(two.map((k) => texts[k]).join("\n"), SRC));
    ok(two.every((k) => e.message.includes(k)), e.message);
  }
});

Deno.test("UNSUPPORTED_YET names only real keys", () => {
  const keys = new Set(KEY_SPECS.map((s) => `${s.table}.${s.key}`));
  for (const u of UNSUPPORTED_YET) ok(keys.has(u.key), u.key);
});

Deno.test("the root secantusdb.toml parses to exactly the defaults", async () => {
  const path = new URL("../../secantusdb.toml", import.meta.url);
  const text = await Deno.readTextFile(path);
  assertEquals(parseConfig(text, path.pathname), defaultConfig());
  // And it mentions every key (commented-out ones included), so it documents the whole schema.
  for (const spec of KEY_SPECS) ok(new RegExp(`^#? ?${spec.key}\\s*=`, "m").test(text), spec.key);
});

Deno.test("deploy/secantusdb.production.toml is well-formed; only unsupported features refuse it", async () => {
  const path = new URL("../../deploy/secantusdb.production.toml", import.meta.url);
  const text = await Deno.readTextFile(path);
  const layer = parseConfigLayer(text, path.pathname);
  const values = Object.fromEntries(layer.map((s) => [`${s.spec.table}.${s.spec.key}`, s.value]));
  assertEquals(values["server.host"], "0.0.0.0");
  assertEquals(values["storage.cache_size"], 4 * 1024 ** 3);
  assertEquals(values["storage.sync_on_commit"], true);
  assertEquals(values["oplog.retention_seconds"], 86400);
  try {
    parseConfig(text, path.pathname);
  } catch (e) {
    ok(e instanceof ConfigError && e.message.includes("not supported yet"), String(e));
  }
});

Deno.test("ConfigError has exit code 2", () => {
  throws(() => {
    throw new ConfigError("x");
  }, (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && e.name === "ConfigError");
});
