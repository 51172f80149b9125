/**
 * The one table of configuration keys. Every TOML key, its Config field, its value kind, its CLI flag
 * and its one-line help live here, so the TOML parser, the flag parser, `--help` and the documented
 * `secantusdb.toml` cannot drift apart. Also the coercion of a raw value (from TOML or from a flag's
 * text) into a typed value. Pure.
 */
import { type ConfigTable, IO_MODES, LOG_FORMATS, LOG_LEVELS, type LogLevel } from "./schema.ts";
import { parseSize } from "./size.ts";

export type ValueKind =
  | "string" // non-empty string
  | "path" // non-empty string; unset by default
  | "port" // integer 0–65535
  | "logLevel" // DEBUG | INFO | WARNING | ERROR, any case
  | "logFormat" // text | json
  | "ioMode" // deno | shim
  | "millis" // integer ≥ 0
  | "spinMicros" // integer 0–1,000,000 (µs; the I/O thread polls no longer than a second)
  | "ioLoops" // 1 or 2 (frame I/O threads)
  | "hostPort" // "host:port"
  | "bool"
  | "count" // integer ≥ 1
  | "limit" // integer ≥ 0, 0 = no limit
  | "size" // "256M", "1G", or a byte count; ≥ 1M
  | "seconds" // number ≥ 0 (integer or float)
  | "positiveSeconds"; // number > 0

export interface KeySpec {
  readonly table: ConfigTable;
  /** The TOML key, snake_case. */
  readonly key: string;
  /** The camelCase field of the table's Config interface. */
  readonly field: string;
  readonly kind: ValueKind;
  /** Long CLI flag without the dashes, if the key has one. */
  readonly flag?: string;
  /** For booleans: the flag that sets false (`no-auth`). */
  readonly negFlag?: string;
  /** Extra spellings of `flag` (mongod's `dbpath`). */
  readonly aliases?: readonly string[];
  readonly help: string;
}

export const KEY_SPECS: readonly KeySpec[] = [
  { table: "server", key: "host", field: "host", kind: "string", flag: "host", help: "interface to bind" },
  {
    table: "server",
    key: "port",
    field: "port",
    kind: "port",
    flag: "port",
    help: "TCP port; 0 = any free port (the chosen port is printed)",
  },
  {
    table: "server",
    key: "storage_path",
    field: "storagePath",
    kind: "string",
    flag: "storage-path",
    aliases: ["dbpath"],
    help: 'data directory; ":memory:" = ephemeral in-memory store',
  },
  {
    table: "server",
    key: "log_level",
    field: "logLevel",
    kind: "logLevel",
    flag: "log-level",
    help: "DEBUG, INFO, WARNING or ERROR",
  },
  {
    table: "server",
    key: "log_format",
    field: "logFormat",
    kind: "logFormat",
    flag: "log-format",
    help: 'log lines as "text" or "json" (one JSON object per line, mongod\'s field names)',
  },
  {
    table: "server",
    key: "slow_ms",
    field: "slowMs",
    kind: "millis",
    flag: "slow-ms",
    help: "operations at least this slow (ms) are logged and profiled at level 1 (mongod's slowms)",
  },
  {
    table: "server",
    key: "auth",
    field: "auth",
    kind: "bool",
    flag: "auth",
    negFlag: "no-auth",
    help: "require SCRAM-SHA-256 authentication on every command",
  },
  {
    table: "server",
    key: "standalone",
    field: "standalone",
    kind: "bool",
    flag: "standalone",
    negFlag: "no-standalone",
    help:
      "standalone persona (false = single-node replica-set primary, needed for transactions and change streams)",
  },
  {
    table: "server",
    key: "max_connections",
    field: "maxConnections",
    kind: "count",
    flag: "max-connections",
    help: "maximum simultaneous client connections",
  },
  {
    table: "server",
    key: "io",
    field: "io",
    kind: "ioMode",
    flag: "io",
    help: 'plain-TCP socket I/O: "deno" (Deno\'s sockets) or "shim" (frame I/O on a C thread in the shim)',
  },
  {
    table: "server",
    key: "io_spin_us",
    field: "ioSpinMicros",
    kind: "spinMicros",
    flag: "io-spin-us",
    help:
      'with io = "shim": µs the I/O thread polls for the next request after answering one itself; 0 = never',
  },
  {
    table: "server",
    key: "io_loops",
    field: "ioLoops",
    kind: "ioLoops",
    flag: "io-loops",
    help: 'with io = "shim": frame I/O threads, 1 or 2 (two split the connections and answer on both cores)',
  },
  {
    table: "server",
    key: "warm_up",
    field: "warmUp",
    kind: "bool",
    flag: "warm-up",
    negFlag: "no-warm-up",
    help: "after start, load every command's code in the background (false: on each command's first call)",
  },
  {
    table: "server",
    key: "max_connections_per_address",
    field: "maxConnectionsPerAddress",
    kind: "limit",
    flag: "max-connections-per-address",
    help: "maximum simultaneous connections from one client IP address; 0 = no limit",
  },
  {
    table: "server",
    key: "max_sessions",
    field: "maxSessions",
    kind: "count",
    flag: "max-sessions",
    help: "most logical sessions held at once (mongod's maxSessions); past it a new session gets 261",
  },
  {
    table: "server",
    key: "idle_timeout_seconds",
    field: "idleTimeoutSeconds",
    kind: "seconds",
    flag: "idle-timeout-seconds",
    help: "close a client connection that sends nothing for this long; 0 = never",
  },
  {
    table: "server",
    key: "message_timeout_seconds",
    field: "messageTimeoutSeconds",
    kind: "seconds",
    flag: "message-timeout-seconds",
    help: "close a connection whose started message has not arrived whole within this long; 0 = never",
  },
  {
    table: "server",
    key: "max_open_cursors",
    field: "maxOpenCursors",
    kind: "count",
    flag: "max-open-cursors",
    help: "most cursors open at once (server-wide); past it a find/aggregate needing a cursor fails with 146",
  },
  {
    table: "server",
    key: "query_memory_limit",
    field: "queryMemoryLimitBytes",
    kind: "size",
    flag: "query-memory-limit",
    help: 'bytes one blocking query stage ($sort, $group…) may hold before spilling to disk: "100M"…',
  },
  {
    table: "server",
    key: "heap_limit",
    field: "heapLimitBytes",
    kind: "size",
    flag: "heap-limit",
    help:
      "JS heap budget: past 75% of it new commands are refused (146) until it falls below 60%; unset = automatic",
  },
  {
    table: "server",
    key: "enable_test_commands",
    field: "enableTestCommands",
    kind: "bool",
    flag: "enable-test-commands",
    negFlag: "no-enable-test-commands",
    help: "test-only commands such as configureFailPoint (mongod's enableTestCommands); never in production",
  },
  {
    table: "server",
    key: "require_api_version",
    field: "requireApiVersion",
    kind: "bool",
    flag: "require-api-version",
    help: "every command must declare apiVersion (mongod's requireApiVersion; 498870 otherwise)",
  },
  {
    table: "server",
    key: "notablescan",
    field: "noTableScan",
    kind: "bool",
    flag: "notablescan",
    help:
      "refuse queries no index can answer (291) instead of scanning the collection (mongod's notablescan)",
  },
  {
    table: "server",
    key: "javascript_enabled",
    field: "javascriptEnabled",
    kind: "bool",
    flag: "javascript-enabled",
    negFlag: "no-javascript",
    help:
      "server-side JavaScript ($where, $function, $accumulator, mapReduce) in a sandboxed worker (mongod's security.javascriptEnabled)",
  },
  {
    table: "server",
    key: "idle_malloc_trim",
    field: "idleMallocTrim",
    kind: "bool",
    flag: "idle-malloc-trim",
    negFlag: "no-idle-malloc-trim",
    help:
      "after ~10 s without commands, and every 2 s while commands run, give the C heap's freed memory back to the system (glibc malloc_trim)",
  },
  {
    table: "server",
    key: "scram_sha256_iteration_count",
    field: "scramSHA256IterationCount",
    kind: "count",
    flag: "scram-sha256-iteration-count",
    help: "PBKDF2 iterations of new SCRAM-SHA-256 credentials (mongod's scramSHA256IterationCount; ≥ 5000)",
  },
  {
    table: "server",
    key: "scram_iteration_count",
    field: "scramIterationCount",
    kind: "count",
    flag: "scram-iteration-count",
    help: "PBKDF2 iterations of new SCRAM-SHA-1 credentials (mongod's scramIterationCount; ≥ 5000)",
  },
  {
    table: "tls",
    key: "cert_file",
    field: "certFile",
    kind: "path",
    flag: "tls-cert-file",
    help: "PEM certificate chain; with key_file set, every socket is TLS before the wire protocol",
  },
  {
    table: "tls",
    key: "key_file",
    field: "keyFile",
    kind: "path",
    flag: "tls-key-file",
    help: "PEM private key for cert_file",
  },
  {
    table: "tls",
    key: "ca_file",
    field: "caFile",
    kind: "path",
    flag: "tls-ca-file",
    help: "CA bundle that verifies client certificates (mTLS)",
  },
  {
    table: "tls",
    key: "require_client_cert",
    field: "requireClientCert",
    kind: "bool",
    flag: "tls-require-client-cert",
    negFlag: "no-tls-require-client-cert",
    help: "refuse clients without a certificate signed by ca_file",
  },
  {
    table: "storage",
    key: "cache_size",
    field: "cacheSizeBytes",
    kind: "size",
    flag: "cache-size",
    help: 'WiredTiger cache size: "256M", "1G", "4G"… or a byte count',
  },
  {
    table: "storage",
    key: "session_max",
    field: "sessionMax",
    kind: "count",
    flag: "session-max",
    help: "WiredTiger session_max (client connections plus change-stream tailers)",
  },
  {
    table: "storage",
    key: "sync_on_commit",
    field: "syncOnCommit",
    kind: "bool",
    flag: "sync-on-commit",
    negFlag: "no-sync-on-commit",
    help: "fsync the log on every commit (durable across power loss; much slower)",
  },
  {
    table: "storage",
    key: "ttl_sweep_seconds",
    field: "ttlSweepSeconds",
    kind: "seconds",
    help: "interval of the TTL index sweeper; 0 disables it",
  },
  {
    table: "oplog",
    key: "retention_seconds",
    field: "retentionSeconds",
    kind: "positiveSeconds",
    flag: "oplog-retention-seconds",
    help: "keep oplog entries (change-stream resume window) at least this long",
  },
  {
    table: "oplog",
    key: "max_entries",
    field: "maxEntries",
    kind: "count",
    flag: "oplog-max-entries",
    help: "cap on the number of oplog entries kept",
  },
  {
    table: "oplog",
    key: "noop_heartbeat_seconds",
    field: "noopHeartbeatSeconds",
    kind: "seconds",
    flag: "noop-heartbeat-seconds",
    help: "interval of no-op oplog writes; 0 = off (10 = mongod's cadence)",
  },
  {
    table: "oplog",
    key: "archive_dir",
    field: "archiveDir",
    kind: "path",
    flag: "oplog-archive-dir",
    help: "keep every oplog entry in segment files here, past retention (point-in-time recovery)",
  },
  {
    table: "oplog",
    key: "archive_interval_seconds",
    field: "archiveIntervalSeconds",
    kind: "positiveSeconds",
    flag: "oplog-archive-interval-seconds",
    help: "how often new oplog entries are appended and fsynced to archive_dir",
  },
  {
    table: "oplog",
    key: "archive_retention_seconds",
    field: "archiveRetentionSeconds",
    kind: "seconds",
    flag: "oplog-archive-retention-seconds",
    help: "remove closed archive segments whose last entry is older than this; 0 = keep them all",
  },
  {
    table: "metrics",
    key: "listen",
    field: "listen",
    kind: "hostPort",
    flag: "metrics-listen",
    help: 'serve Prometheus metrics on http://<listen>/metrics, e.g. "127.0.0.1:9216"; unset = off',
  },
];

/** The spec of `table.key`, or undefined. */
export function findKey(table: string, key: string): KeySpec | undefined {
  return KEY_SPECS.find((s) => s.table === table && s.key === key);
}

/** "server.storage_path" */
export function dottedName(spec: KeySpec): string {
  return `${spec.table}.${spec.key}`;
}

export const MIN_CACHE_BYTES = 1024 * 1024;
/** The longest `io_spin_us` (the shim clamps its polling window to one second too). */
export const MAX_SPIN_MICROS = 1_000_000;

/** What a kind accepts, for error messages. */
export function expectedText(kind: ValueKind): string {
  switch (kind) {
    case "string":
      return "a non-empty string";
    case "path":
      return "a non-empty file path string";
    case "port":
      return "an integer from 0 to 65535";
    case "logLevel":
      return `one of ${LOG_LEVELS.join(", ")} (any case)`;
    case "logFormat":
      return `one of ${LOG_FORMATS.map((f) => `"${f}"`).join(", ")}`;
    case "ioMode":
      return `one of ${IO_MODES.map((f) => `"${f}"`).join(", ")}`;
    case "millis":
      return "an integer number of milliseconds of at least 0";
    case "spinMicros":
      return `an integer number of microseconds from 0 to ${MAX_SPIN_MICROS}`;
    case "ioLoops":
      return "1 or 2";
    case "hostPort":
      return 'a "host:port" string such as "127.0.0.1:9216"';
    case "bool":
      return "true or false";
    case "count":
      return "an integer of at least 1";
    case "limit":
      return "an integer of at least 0 (0 = no limit)";
    case "size":
      return 'a size of at least 1M such as "256M", "1G", "4G", or a byte count';
    case "seconds":
      return "a number of seconds of at least 0 (integer or float)";
    case "positiveSeconds":
      return "a number of seconds greater than 0 (integer or float)";
  }
}

export type Coerced = { ok: true; value: unknown } | { ok: false };

const INT_TEXT = /^\+?\d+$/;
const NUMBER_TEXT = /^\+?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number from a TOML number or (for flags) its text; undefined otherwise. */
function toNumber(raw: unknown, fromFlag: boolean, integer: boolean): number | undefined {
  if (typeof raw === "bigint") {
    return raw <= BigInt(Number.MAX_SAFE_INTEGER) && raw >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(raw)
      : undefined;
  }
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (fromFlag && typeof raw === "string" && (integer ? INT_TEXT : NUMBER_TEXT).test(raw.trim())) {
    return Number(raw.trim());
  }
  return undefined;
}

/**
 * Coerce `raw` to the kind's typed value. `fromFlag` means `raw` is a flag's text (numbers arrive as
 * strings); from TOML, numbers must be TOML numbers.
 */
export function coerce(kind: ValueKind, raw: unknown, fromFlag: boolean): Coerced {
  const ok = (value: unknown): Coerced => ({ ok: true, value });
  const bad: Coerced = { ok: false };
  switch (kind) {
    case "string":
    case "path":
      return typeof raw === "string" && raw.length > 0 ? ok(raw) : bad;
    case "logLevel": {
      if (typeof raw !== "string") return bad;
      const up = raw.trim().toUpperCase();
      return (LOG_LEVELS as readonly string[]).includes(up) ? ok(up as LogLevel) : bad;
    }
    case "logFormat":
      return typeof raw === "string" && (LOG_FORMATS as readonly string[]).includes(raw) ? ok(raw) : bad;
    case "ioMode":
      return typeof raw === "string" && (IO_MODES as readonly string[]).includes(raw) ? ok(raw) : bad;
    case "millis": {
      const n = toNumber(raw, fromFlag, true);
      return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? ok(n) : bad;
    }
    case "hostPort": {
      if (typeof raw !== "string") return bad;
      const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(raw);
      return m && Number(m[2]) <= 65535 ? ok(raw) : bad;
    }
    case "bool":
      return typeof raw === "boolean" ? ok(raw) : bad;
    case "port": {
      const n = toNumber(raw, fromFlag, true);
      return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65535 ? ok(n) : bad;
    }
    case "count": {
      const n = toNumber(raw, fromFlag, true);
      return n !== undefined && Number.isSafeInteger(n) && n >= 1 ? ok(n) : bad;
    }
    case "limit": {
      const n = toNumber(raw, fromFlag, true);
      return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? ok(n) : bad;
    }
    case "ioLoops": {
      const n = toNumber(raw, fromFlag, true);
      return n === 1 || n === 2 ? ok(n) : bad;
    }
    case "spinMicros": {
      const n = toNumber(raw, fromFlag, true);
      return n !== undefined && Number.isInteger(n) && n >= 0 && n <= MAX_SPIN_MICROS ? ok(n) : bad;
    }
    case "size": {
      const n = typeof raw === "string" ? parseSize(raw) : toNumber(raw, false, true);
      return n !== undefined && Number.isSafeInteger(n) && n >= MIN_CACHE_BYTES ? ok(n) : bad;
    }
    case "seconds":
    case "positiveSeconds": {
      const n = toNumber(raw, fromFlag, false);
      if (n === undefined) return bad;
      return (kind === "seconds" ? n >= 0 : n > 0) ? ok(n) : bad;
    }
  }
}

/** A short rendering of a raw value for error messages. */
export function describeValue(raw: unknown): string {
  if (typeof raw === "string") return JSON.stringify(raw);
  if (typeof raw === "number" || typeof raw === "boolean" || typeof raw === "bigint") return String(raw);
  if (Array.isArray(raw)) return "an array";
  if (raw instanceof Date) return `a date (${raw.toISOString()})`;
  if (raw !== null && typeof raw === "object") return "a table";
  return String(raw);
}
