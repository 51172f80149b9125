/**
 * The typed, validated server configuration. One interface per TOML table; TOML's snake_case keys
 * become camelCase fields (`[server] storage_path` → `config.server.storagePath`). Sizes are bytes
 * (`[storage] cache_size = "1G"` → `config.storage.cacheSizeBytes === 1073741824`), seconds are plain
 * numbers (fractions allowed). Unset optional values (the TLS files) are absent, never `undefined`.
 *
 * `defaultConfig()` returns a fresh copy of the defaults in PRODUCT.md's table; nothing here reads
 * files or the environment.
 */

/** Server log levels, most verbose first. Config accepts them case-insensitively. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"] as const;
export type LogLevel = typeof LOG_LEVELS[number];
/** Server log line formats: plain text, or one JSON object per line (mongod's field names). */
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = typeof LOG_FORMATS[number];
/** Who does the wire server's plain-TCP socket I/O: Deno, or the shim's frame I/O thread. */
export const IO_MODES = ["deno", "shim"] as const;
export type IoMode = typeof IO_MODES[number];

/** `[server]` */
export interface ServerConfig {
  /** Interface to bind. */
  readonly host: string;
  /** TCP port; 0 asks the OS for any free port (the chosen port is printed). */
  readonly port: number;
  /** WiredTiger data directory; `":memory:"` = ephemeral in-memory store. */
  readonly storagePath: string;
  readonly logLevel: LogLevel;
  /** One line per event as text, or as a JSON object (journald / jq). */
  readonly logFormat: LogFormat;
  /** Operations at least this slow (ms) are logged, and profiled at profile level 1 (mongod's slowms). */
  readonly slowMs: number;
  /** Enforce SCRAM authentication on every command. */
  readonly auth: boolean;
  /** true = plain standalone persona; false = single-node replica-set primary persona. */
  readonly standalone: boolean;
  readonly maxConnections: number;
  /**
   * Plain-TCP socket I/O: "deno" (Deno's sockets) or "shim" (a C thread in the shim accepts, frames and
   * sends, src/server/shim_transport.ts). TLS always uses Deno's path.
   */
  readonly io: IoMode;
  /**
   * With `io = "shim"`: µs the I/O thread polls for a connection's next request after answering one itself,
   * before it sleeps (saves the thread's wake-up on a busy connection; 0: never).
   */
  readonly ioSpinMicros: number;
  /**
   * With `io = "shim"`: frame I/O threads (1 or 2; default 2, one where the process may use one CPU only).
   * With two, the first accepts and hands every other connection to the second; each answers its connections' point reads and writes through a WiredTiger
   * session of its own, the cluster clock and record id counters shared (docs/concurrency.md).
   */
  readonly ioLoops: number;
  /**
   * After start, load the modules behind the commands not called yet in the background
   * (commands/warm_up.ts); false: each command's first call loads its module.
   */
  readonly warmUp: boolean;
  /** Most simultaneous connections from one client IP address (any port); 0 = no limit. */
  readonly maxConnectionsPerAddress: number;
  /** Most logical sessions held at once (mongod's maxSessions); past it a new one gets 261. */
  readonly maxSessions: number;
  /** Most cursors open at once, server-wide; past it a command needing one fails (146). */
  readonly maxOpenCursors: number;
  /** Bytes one blocking query stage ($sort, $group…) may hold before it spills (or fails with 292). */
  readonly queryMemoryLimitBytes: number;
  /**
   * JS heap budget of the memory watchdog in bytes (past 75% new work is refused with 146); 0 = automatic
   * (V8's heap limit, or host memory minus cache_size minus 512 MiB when smaller).
   */
  readonly heapLimitBytes: number;
  /** Close a client connection that sends nothing for this many seconds; 0 = never. */
  readonly idleTimeoutSeconds: number;
  /** Close a connection whose started message has not arrived whole within this many seconds; 0 = never. */
  readonly messageTimeoutSeconds: number;
  /**
   * mongod's enableTestCommands: test-only commands (configureFailPoint) exist. Off for a served
   * database; the embedding API (`startServer`) turns it on unless told otherwise.
   */
  readonly enableTestCommands: boolean;
  /**
   * mongod's requireApiVersion: every command must declare `apiVersion` (Stable API), else 498870.
   * setParameter changes it at run time.
   */
  readonly requireApiVersion: boolean;
  /**
   * mongod's notablescan: a query with a filter that no index can answer is refused (291
   * NoQueryExecutionPlans) instead of scanning the collection. setParameter changes it at run time.
   */
  readonly noTableScan: boolean;
  /**
   * mongod's security.javascriptEnabled: `$where`, `$function`, `$accumulator` and mapReduce run in
   * the JavaScript sandbox (src/engine/js/); false refuses them with mongod's codes.
   */
  readonly javascriptEnabled: boolean;
  /**
   * After ~10 s without commands, return the C heap's freed memory to the system (glibc's
   * malloc_trim, off the event loop; src/observability/malloc_trim.ts). On by default.
   */
  readonly idleMallocTrim: boolean;
  /** PBKDF2 iterations for new SCRAM-SHA-256 credentials (mongod's scramSHA256IterationCount). */
  readonly scramSHA256IterationCount: number;
  /** PBKDF2 iterations for new SCRAM-SHA-1 credentials (mongod's scramIterationCount). */
  readonly scramIterationCount: number;
}

/** `[tls]` — TLS is on when both `certFile` and `keyFile` are set. */
export interface TlsConfig {
  readonly certFile?: string;
  readonly keyFile?: string;
  /** CA bundle used to verify client certificates (mTLS). */
  readonly caFile?: string;
  readonly requireClientCert: boolean;
}

/** `[storage]` */
export interface StorageConfig {
  /** WiredTiger cache size in bytes (TOML accepts "256M", "1G", "4G", or a byte count). */
  readonly cacheSizeBytes: number;
  /** WiredTiger `session_max`. */
  readonly sessionMax: number;
  /** fsync the WT log on every commit. */
  readonly syncOnCommit: boolean;
  /** TTL index sweep interval; 0 disables the sweeper. */
  readonly ttlSweepSeconds: number;
}

/** `[oplog]` */
export interface OplogConfig {
  readonly retentionSeconds: number;
  readonly maxEntries: number;
  /** Interval of no-op oplog writes; 0 = off (10 is mongod's cadence). */
  readonly noopHeartbeatSeconds: number;
  /**
   * Folder of the oplog archive (point-in-time recovery): every entry is appended to segment files
   * here before retention may remove it. Unset = no archive.
   */
  readonly archiveDir?: string;
  /** How often new entries are appended (and fsynced) to the archive: the RPO of a lost host. */
  readonly archiveIntervalSeconds: number;
  /**
   * Closed archive segments whose last entry is older than this are removed (point-in-time recovery
   * then reaches back that far); 0 = keep them all.
   */
  readonly archiveRetentionSeconds: number;
}

/** `[metrics]` — Prometheus text exposition on `http://<listen>/metrics`; off unless `listen` is set. */
export interface MetricsConfig {
  /** "host:port" to serve /metrics on. */
  readonly listen?: string;
}

export interface Config {
  readonly server: ServerConfig;
  readonly tls: TlsConfig;
  readonly storage: StorageConfig;
  readonly oplog: OplogConfig;
  readonly metrics: MetricsConfig;
}

/** The TOML tables, in file order. */
export const CONFIG_TABLES = ["server", "tls", "storage", "oplog", "metrics"] as const;
export type ConfigTable = typeof CONFIG_TABLES[number];

/** A fresh copy of the defaults (PRODUCT.md, "Serve: flags and configuration"). */
export function defaultConfig(): Config {
  return {
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
    storage: {
      cacheSizeBytes: 1024 * 1024 * 1024,
      sessionMax: 1000,
      syncOnCommit: false,
      ttlSweepSeconds: 60,
    },
    oplog: {
      retentionSeconds: 3600,
      maxEntries: 100_000,
      noopHeartbeatSeconds: 0,
      archiveIntervalSeconds: 1,
      archiveRetentionSeconds: 0,
    },
    metrics: {},
  };
}
