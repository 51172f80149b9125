/**
 * The composition root: opens storage, builds the server context (cursors, counters, logging,
 * persona), starts the listener, and returns a handle that stops everything in order (stop
 * accepting, let in-flight commands finish, close cursors, checkpoint and close WiredTiger).
 * Used by `secantusdb` serve and by test authors through the exported `startServer`.
 */
import { PressureRelief } from "../observability/pressure_relief.ts";
import { HeapWatchdog } from "../observability/heap_watchdog.ts";
import { MallocTrimmer } from "../observability/malloc_trim.ts";
import { QuietGate } from "../observability/quiet_gate.ts";
import { mallocFreeBytes, mallocInfo, mallocTrim, tuneMalloc } from "../../ffi/libc/malloc.ts";
import { holdRegexWorker } from "../engine/query/regex_budget.ts";
import { setMemoryPressureCheck, setQuietYield } from "../observability/op_control.ts";
import { threadPoolRoundTrip } from "../../ffi/wiredtiger/mod.ts";
import { ObjectId } from "bson";
import { openWiredTiger, type StorageEngine } from "../storage/mod.ts";
import {
  CLOSE_CONNECTION,
  type CloseConnection,
  type ExhaustReply,
  exhaustReply,
  fdLimitWarning,
  readSoftNoFileLimit,
  type ReplyBody,
  startListener,
  type TlsListener,
  type TlsSettings,
} from "../server/mod.ts";
import type { WireRequest } from "../wire/mod.ts";
import { dispatch } from "../commands/dispatch.ts";
import { FailPoints } from "../testing/fail_points.ts";
import { RetryableWrites } from "../sessions/retryable_writes.ts";
import { ClusterClock } from "../oplog/cluster_clock.ts";
import { Oplog } from "../oplog/oplog.ts";
import { TALLY_FILE } from "../oplog/tally_file.ts";
import { LogicalSessions } from "../sessions/logical_sessions.ts";
import { Transactions } from "../sessions/transactions.ts";
import { IndexBuilds } from "../executor/index_builds.ts";
import { dropInterruptedBuilds } from "../executor/index_build.ts";
import { hasTextIndexes, startTextIndexUpgrades } from "../executor/text_index_upgrade.ts";
import { loadTextLanguages } from "../keys/text_language.ts";
import { SnapshotReads } from "../sessions/snapshot_reads.ts";
import { RWDefaults } from "../sessions/rw_defaults.ts";
import { isCloseReply, isStreamingReply, type Reply } from "../commands/reply.ts";
import { loadedCommands } from "../commands/registry.ts";
import { startWarmUp } from "../commands/warm_up.ts";
import { allowAll } from "../auth/authorizer.ts";
import { AuthStore } from "../auth/store.ts";
import { DeferredFcvDocument } from "../commands/shared/fcv.ts";
import { timeout } from "../timers.ts";
import { AuthService, DEFAULT_AUTH_OPTIONS } from "../auth/service.ts";
import { indexKeysOf } from "../executor/index_keys.ts";
import type { ClientState, OpDetail, ServerContext, ServerInfo } from "../commands/context.ts";
import { CursorRegistry } from "../cursors/registry.ts";
import { startTtlSweeper } from "../executor/ttl_sweeper.ts";
import { CappedCollections } from "../executor/capped.ts";
import {
  compileLoadedPartialFilter as compilePartialFilter,
  loadPartialFilterCompiler,
} from "../engine/query/partial_filter_loader.ts";
import { Counters } from "../observability/counters.ts";
import { SpillFiles } from "../storage/spill.ts";
import { JsRuntime } from "../engine/js/runtime.ts";
import { OpRegistry } from "../observability/op_registry.ts";
import { Profiler } from "../observability/profiler.ts";
import { Top } from "../observability/top.ts";
import { FsyncLock } from "../commands/shared/fsync_lock.ts";
import { AutoCompactor } from "../storage/auto_compact.ts";
import { ClusterParameters } from "../commands/shared/cluster_parameters.ts";
import { StableApiSettings } from "../commands/stable_api.ts";
import { TableScans } from "../commands/shared/table_scans.ts";
import { LogVerbosity } from "../observability/log_verbosity.ts";
import { attachPointReads } from "./point_reads.ts";
import type { MetricsServer } from "./metrics.ts";
import { createLogger, type Logger } from "../observability/log.ts";
import { type Config, ConfigError, configToDoc, defaultConfig } from "../config/mod.ts";

/**
 * Commands that do not end an idle period for the malloc trimmer: drivers' monitoring (an awaitable
 * `hello` stays open ~10 s at a time on every connected client).
 */
/**
 * While commands run, the C heap's free pages go back to the system at most this often
 * (`[server] idle_malloc_trim` switches both trims): a long `$sort` or bulk load otherwise leaves
 * glibc's arenas holding what WiredTiger and the batch buffers freed (docs/robustness.md, the 2 GB sort).
 */
const BUSY_MALLOC_TRIM_MS = 2_000;
/**
 * Reading V8's heap limit for the heap watchdog's budget waits for a quiet moment (QuietGate) at most
 * this long: a server busy from its first moment still gets the limit's cap (and pays its ~25 ms then).
 */
const HEAP_LIMIT_DEADLINE_MS = 3_000;
const MONITORING_COMMANDS: ReadonlySet<string> = new Set(["hello", "isMaster", "ismaster", "ping"]);

export interface StartOptions {
  /** Port to listen on; 0 picks a free one. Default 0 for embedding. */
  readonly port?: number;
  readonly host?: string;
  /** Directory or ":memory:". Default ":memory:" for embedding. */
  readonly storagePath?: string;
  readonly standalone?: boolean;
  readonly logLevel?: "DEBUG" | "INFO" | "WARNING" | "ERROR";
  /** Enforce authentication and role-based authorization (`[server] auth`). Default false. */
  readonly auth?: boolean;
  /** A full configuration (serve passes the resolved file + flags); the fields above override it. */
  readonly config?: Config;
  readonly argv?: readonly string[];
  readonly logger?: Logger;
  /**
   * mongod's enableTestCommands (configureFailPoint and the fail points). Default true when
   * embedding — test authors embed the server — and the configuration's value (default false) when
   * a `config` is given, as `serve` does.
   */
  readonly enableTestCommands?: boolean;
}

export interface RunningServer {
  /** mongodb:// URI that reaches this server (with directConnection=true). */
  readonly uri: string;
  readonly port: number;
  readonly host: string;
  readonly storagePath: string;
  /** The Prometheus endpoint's port when `[metrics] listen` is set. */
  readonly metricsPort?: number;
  /**
   * Applies what can change without a restart from a re-read configuration (SIGHUP): log_level and
   * slow_ms. Returns the dotted keys applied and those that differ but need a restart.
   */
  reload(next: Config): { applied: string[]; needRestart: string[] };
  /** Clients must use TLS (`[tls] cert_file` + `key_file`). */
  readonly tlsEnabled: boolean;
  /**
   * Re-reads the TLS certificate, key and CA files (SIGHUP): new handshakes use them, live
   * connections are untouched. Throws (keeping the old ones) when the new files are unusable.
   */
  reloadTls(): void;
  /** Stops the server; idempotent. */
  stop(): Promise<void>;
  /**
   * Resolves once the server has stopped, whoever stopped it: `stop()`, or a client's `shutdown` command
   * (after which `secantusdb serve` exits 0).
   */
  readonly stopped: Promise<void>;
}

/** The [tls] table as listener settings; undefined when TLS is off. ConfigError when inconsistent. */
function tlsSettings(config: Config): TlsSettings | undefined {
  const t = config.tls;
  if (t.certFile === undefined && t.keyFile === undefined) {
    if (t.caFile !== undefined || t.requireClientCert) {
      throw new ConfigError("[tls] ca_file and require_client_cert need cert_file and key_file");
    }
    return undefined;
  }
  if (t.certFile === undefined || t.keyFile === undefined) {
    throw new ConfigError("[tls] cert_file and key_file must be set together");
  }
  if (t.requireClientCert && t.caFile === undefined) {
    throw new ConfigError(
      "[tls] require_client_cert = true needs ca_file (the CA that signs client certificates)",
    );
  }
  return {
    certFile: t.certFile,
    keyFile: t.keyFile,
    caFile: t.caFile,
    requireClientCert: t.requireClientCert,
  };
}

/** The TLS module, loaded only by a server that serves TLS (it pulls in node:tls). */
type TlsModule = typeof import("../server/tls.ts");

function loadTls(mod: TlsModule, settings: TlsSettings) {
  try {
    return mod.loadTlsMaterial(settings);
  } catch (e) {
    if (e instanceof mod.TlsSetupError) throw new ConfigError(e.message);
    throw e;
  }
}

const SET_NAME = "secantus";

/** A command's reply as the connection layer takes it (exhaust streaming, close the connection). */
function connectionReply(r: Reply): ReplyBody | ExhaustReply | CloseConnection {
  return isStreamingReply(r) ? exhaustReply(r.reply, true) : isCloseReply(r) ? CLOSE_CONNECTION : r;
}

function formatHostPort(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" ? Deno.hostname() : host;
  return h.includes(":") ? `[${h}]:${port}` : `${h}:${port}`;
}

/** Keys a SIGHUP applies at once; every other change needs a restart. */
function reloadConfig(
  current: Config,
  next: Config,
  log: Logger,
  profiler: Profiler,
): { applied: string[]; needRestart: string[] } {
  const applied: string[] = [];
  const needRestart: string[] = [];
  if (next.server.logLevel !== log.level) {
    log.setLevel(next.server.logLevel);
    applied.push("server.log_level");
  }
  if (next.server.slowMs !== profiler.slowms) {
    profiler.set("admin", { slowms: next.server.slowMs }); // slowms is server-wide
    applied.push("server.slow_ms");
  }
  const was = configToDoc(current);
  const now = configToDoc(next);
  for (const table of new Set([...Object.keys(was), ...Object.keys(now)])) {
    const a = was[table] ?? {};
    const b = now[table] ?? {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const dotted = `${table}.${key}`;
      if (dotted === "server.log_level" || dotted === "server.slow_ms") continue;
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) needRestart.push(dotted);
    }
  }
  return { applied, needRestart };
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const base = opts.config ?? defaultConfig();
  const config: Config = {
    ...base,
    server: {
      ...base.server,
      ...(opts.port !== undefined ? { port: opts.port } : opts.config ? {} : { port: 0 }),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.storagePath !== undefined
        ? { storagePath: opts.storagePath }
        : opts.config
        ? {}
        : { storagePath: ":memory:" }),
      ...(opts.standalone !== undefined ? { standalone: opts.standalone } : {}),
      ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
      ...(opts.auth !== undefined ? { auth: opts.auth } : {}),
      ...(opts.enableTestCommands !== undefined
        ? { enableTestCommands: opts.enableTestCommands }
        : opts.config
        ? {}
        : { enableTestCommands: true }),
    },
  };
  const log = opts.logger ?? createLogger(config.server.logLevel, { format: config.server.logFormat });
  const tls = tlsSettings(config);
  const tlsModule = tls ? await import("../server/tls.ts") : undefined;
  const tlsMaterial = tls && tlsModule ? loadTls(tlsModule, tls) : undefined;
  for (
    const [k, v] of [
      ["scram_sha256_iteration_count", config.server.scramSHA256IterationCount],
      ["scram_iteration_count", config.server.scramIterationCount],
    ] as const
  ) {
    if (v < 5000) throw new ConfigError(`[server] ${k} = ${v}: must be at least 5000`);
  }
  if (config.server.standalone && config.oplog.archiveDir !== undefined) {
    throw new Error("[oplog] archive_dir needs the oplog, which a standalone server does not keep");
  }
  // fewer arenas, large blocks in their own mappings: the C heap keeps less free memory resident
  tuneMalloc();
  const storage = openWiredTiger({
    path: config.server.storagePath,
    cacheSizeBytes: config.storage.cacheSizeBytes,
    sessionMax: config.storage.sessionMax,
    syncOnCommit: config.storage.syncOnCommit,
  });
  // the partial filter compiler loads on the first command (dispatch), or now if an index needs it
  if (hasPartialIndexes(storage)) await loadPartialFilterCompiler();
  // admin.system.version's featureCompatibilityVersion document: written after the first ping (before
  // the first command outside the handshake, or by the timer below), without the write hooks — a
  // replay of this server's whole oplog into another server (which has its own) must not recreate it
  const fcv = new DeferredFcvDocument(
    storage,
    (coll, doc) => indexKeysOf(coll, doc, { compilePartialFilter }),
    (e) =>
      log.error(
        "featureCompatibilityVersion document not written",
        e instanceof Error ? e.message : String(e),
      ),
  );

  const clusterClock = new ClusterClock();
  const oplog = config.server.standalone ? undefined : new Oplog(storage, clusterClock, {
    retentionSeconds: config.oplog.retentionSeconds,
    maxEntries: config.oplog.maxEntries,
    // in memory the oplog lives in the storage cache: at most a quarter of it (an on-disk oplog is evicted)
    ...(storage.inMemory ? { maxBytes: Math.floor(config.storage.cacheSizeBytes / 4) } : {}),
    noopHeartbeatSeconds: config.oplog.noopHeartbeatSeconds,
    ...(storage.inMemory ? {} : { tallyFile: `${config.server.storagePath}/${TALLY_FILE}` }),
    ...(config.oplog.archiveDir !== undefined
      ? {
        archive: {
          dir: config.oplog.archiveDir,
          intervalMs: config.oplog.archiveIntervalSeconds * 1000,
          retentionSeconds: config.oplog.archiveRetentionSeconds,
          Archiver: (await import("../oplog/archive.ts")).OplogArchiver,
        },
      }
      : {}),
    log: log.child("oplog"),
  });
  try {
    oplog?.start();
  } catch (e) {
    storage.close();
    throw new Error(`oplog: ${e instanceof Error ? e.message : String(e)}`);
  }
  const capped = new CappedCollections(storage, { compilePartialFilter });
  storage.addWriteHook(capped);
  for (const ix of dropInterruptedBuilds(storage)) {
    log.warning(
      `index build of ${ix} was interrupted by the last stop: index dropped; run createIndexes again`,
    );
  }

  const cursors = new CursorRegistry({
    idleTimeoutMs: 10 * 60 * 1000,
    maxCursors: config.server.maxOpenCursors,
  });
  cursors.startReaper();
  const counters = new Counters();
  // Idle, and every 2 s while commands run: the C heap's freed memory goes back to the system (glibc
  // keeps it otherwise).
  const trimmer = new MallocTrimmer({
    freeBytes: mallocFreeBytes,
    trim: mallocTrim,
    busyTrimMs: BUSY_MALLOC_TRIM_MS,
    busy: () => ops.list().some((op) => !MONITORING_COMMANDS.has(op.detail.command)),
    log: (msg) => log.info(msg),
  });
  // the start's leftovers (the warm-up, V8's heap limit, the FCV document) run in quiet moments
  const quiet = new QuietGate({
    busy: () => ops.some((op) => !MONITORING_COMMANDS.has(op.detail.command)),
  });
  const ops = new OpRegistry<OpDetail>(Date.now, (d) => {
    quiet.noteWork();
    if (!MONITORING_COMMANDS.has(d.command)) trimmer.noteWork();
  });
  // Under memory pressure: stop the operations holding the most first, every operation as a last resort.
  const relief: PressureRelief = new PressureRelief({
    running: () => ops.list(),
    message: () => heap.message(),
    log: (level, msg) => log.log(level, msg),
  });
  const heap = new HeapWatchdog({
    budgetBytes: config.server.heapLimitBytes,
    cacheSizeBytes: config.storage.cacheSizeBytes,
    log: (level, msg) => log.log(level, msg),
    onSample: (pressured, fraction) => relief.update(pressured, fraction, performance.now()),
  });
  heap.start();
  // V8's heap limit (node:v8 and Deno's Node layer, ~25 ms): in a quiet moment after the listener
  // opens, or HEAP_LIMIT_DEADLINE_MS after start on a server busy from its first moment
  void quiet.whenQuiet(HEAP_LIMIT_DEADLINE_MS).then((run) => run && !quiet.stopped && heap.readLimit());
  if (config.server.idleMallocTrim) trimmer.start();
  const uninstallPressure = setMemoryPressureCheck(() => relief.stopAllMessage());
  // a long operation running alone yields through a thread-pool no-op, not a 1–2 ms timer turn
  const uninstallQuietYield = setQuietYield(threadPoolRoundTrip);
  const releaseRegexWorker = holdRegexWorker();
  const top = new Top();
  const transactions = new Transactions(storage, {
    onEnd: (txn) => {
      for (const id of txn.cursors) cursors.kill(id);
    },
    onFinish: (micros) => top.recordTransaction(micros),
  });
  transactions.startSweeper();
  const snapshots = new SnapshotReads();
  snapshots.keepHistory(storage, clusterClock.tick(), {
    cachePressure: () => storage.cacheBytesInUse() > 0.8 * config.storage.cacheSizeBytes,
    log: (msg) => log.warning(msg),
  });
  const spill = new SpillFiles(config.server.storagePath);
  const js = new JsRuntime(config.server.javascriptEnabled);
  const authStore = new AuthStore(storage, (coll, doc) => indexKeysOf(coll, doc, { compilePartialFilter }));
  const auth = new AuthService(authStore, {
    ...DEFAULT_AUTH_OPTIONS,
    enabled: config.server.auth,
    scramSHA256IterationCount: config.server.scramSHA256IterationCount,
    scramIterationCount: config.server.scramIterationCount,
  }, (level, msg) => log.log(level, msg));
  // rbac.ts and metrics.ts load only when configured (issue 18, cold start: fewer modules before serving)
  const authorizer = config.server.auth
    ? new (await import("../auth/rbac.ts")).RbacAuthorizer(authStore, (msg) => log.info(msg))
    : allowAll;
  if (config.server.auth && !authStore.hasAnyUser()) {
    log.warning("auth is on and no user exists: create the first user from 127.0.0.1 (localhost exception)");
  }
  const fdWarning = fdLimitWarning(readSoftNoFileLimit(), config.server.maxConnections);
  if (fdWarning !== undefined) log.warning(fdWarning);
  // text indexes exist: background work (TTL deletes, the rewrite below) stems too, so load first
  if (hasTextIndexes(storage)) await loadTextLanguages();
  const shutdown = new AbortController();
  const ttl = startTtlSweeper(
    storage,
    {
      intervalSeconds: config.storage.ttlSweepSeconds,
      indexKeys: { compilePartialFilter },
      onError: (e) => log.warning("TTL sweep failed", e instanceof Error ? e.message : String(e)),
    },
    shutdown.signal,
  );
  let address = "";
  let connectionCount = () => 0;
  let port = 0;
  let ioSpinMicros = 0;
  let ioCushionBytes = 0;
  let ioLoops = 0;

  const info: ServerInfo = {
    get address() {
      return address;
    },
    get port() {
      return port;
    },
    get ioSpinMicros() {
      return ioSpinMicros;
    },
    get ioCushionBytes() {
      return ioCushionBytes;
    },
    get ioLoops() {
      return ioLoops;
    },
    standalone: config.server.standalone,
    setName: SET_NAME,
    storagePath: config.server.storagePath,
    startedAt: new Date(),
    processId: new ObjectId(),
    argv: opts.argv ?? [],
    parsedConfig: configToDoc(config),
    connectionCount: () => connectionCount(),
    maxConnections: config.server.maxConnections,
    testCommandsEnabled: config.server.enableTestCommands,
    mallocInfo,
  };

  const retryableWrites = new RetryableWrites<Reply>();
  retryableWrites.attach(storage);
  const rwDefaults = new RWDefaults();
  rwDefaults.attach(storage);
  const autoCompact = new AutoCompactor(storage, log);
  const server: ServerContext = {
    storage,
    cursors,
    log,
    counters,
    info,
    syncOnCommit: config.storage.syncOnCommit,
    isShuttingDown: () => shutdown.signal.aborted,
    failPoints: new FailPoints(),
    heap,
    retryableWrites,
    transactions,
    indexBuilds: new IndexBuilds(),
    snapshots,
    ttl,
    rwDefaults,
    capped,
    authorizer,
    auth,
    commands: loadedCommands,
    ops,
    profiler: new Profiler({ slowms: config.server.slowMs }),
    top,
    fsyncLock: new FsyncLock(),
    autoCompact,
    clusterParameters: new ClusterParameters(
      storage,
      (coll, doc) => indexKeysOf(coll, doc, { compilePartialFilter }),
      () => clusterClock.latest(),
    ),
    stableApi: new StableApiSettings(config.server.requireApiVersion),
    tableScans: new TableScans(config.server.noTableScan),
    logVerbosity: new LogVerbosity(log),
    backups: { last: undefined },
    // Loaded on first use: it pulls in the Node driver, which a server that never replays never needs.
    replayOplog: async (dir, listing, from, target) =>
      (await import("./pitr_replay.ts")).replayOplog(startServer, dir, listing, from, target),
    spill,
    queryMemoryLimitBytes: config.server.queryMemoryLimitBytes,
    js,
    clusterClock,
    oplog,
    sessions: new LogicalSessions(undefined, config.server.maxSessions),
    waitOrShutdown: (ms) =>
      new Promise<void>((resolve) => {
        if (shutdown.signal.aborted) return resolve();
        const t = timeout(done, ms);
        function done() {
          t.cancel();
          shutdown.signal.removeEventListener("abort", done);
          resolve();
        }
        shutdown.signal.addEventListener("abort", done);
      }),
  };

  // text indexes from before term keys: rewritten in the background, $text scans around them meanwhile
  const textUpgrades = startTextIndexUpgrades(storage, server.indexBuilds, { compilePartialFilter }, log);

  const clients = new WeakMap<object, ClientState>();
  let tlsListener: TlsListener | undefined;
  let listener;
  try {
    listener = await startListener({
      hostname: config.server.host,
      port: config.server.port,
      maxConnections: config.server.maxConnections,
      maxConnectionsPerAddress: config.server.maxConnectionsPerAddress,
      io: config.server.io,
      ioSpinMicros: config.server.ioSpinMicros,
      ioLoops: config.server.ioLoops,
      idleTimeoutMs: config.server.idleTimeoutSeconds * 1000,
      messageTimeoutMs: config.server.messageTimeoutSeconds * 1000,
      traffic: counters.network,
      log: (level, msg) => log.log(level, msg),
      ...(tls && tlsMaterial && tlsModule
        ? {
          listen: async (a: { hostname: string; port: number }) => {
            tlsListener = await tlsModule.TlsListener.listen({
              hostname: a.hostname,
              port: a.port,
              material: tlsMaterial,
              verifyClients: tls.caFile !== undefined,
              requireClientCert: tls.requireClientCert,
              log: (level, msg) => log.log(level, msg),
            });
            return tlsListener as unknown as Deno.Listener;
          },
        }
        : {}),
      handler: (req: WireRequest, conn) => {
        let client = clients.get(conn);
        if (!client) {
          client = {
            connectionId: conn.id,
            remoteAddress: conn.remoteAddress,
            localAddress: conn.localAddress,
            authenticatedUsers: [],
            peerSubject: conn.peerSubject,
            park: (on: boolean) => conn.park(on),
            peerGone: () => conn.peerGone(),
            ioId: conn.ioId,
          };
          clients.set(conn, client);
          counters.totalConnectionsCreated++;
        }
        if (fcv.pending) fcv.before(firstKey(req.body));
        const reply = dispatch(server, client, {
          body: req.body,
          sequences: req.sequences,
          exhaustAllowed: req.exhaustAllowed && !req.moreToCome,
        });
        return reply instanceof Promise ? reply.then(connectionReply) : connectionReply(reply);
      },
    });
  } catch (e) {
    quiet.stop();
    await textUpgrades.stop();
    heap.stop();
    trimmer.stop();
    uninstallPressure();
    uninstallQuietYield();
    releaseRegexWorker();
    oplog?.stop();
    transactions.stop();
    snapshots.releaseAll();
    spill.close();
    js.stop();
    storage.close();
    cursors.closeAll();
    throw e;
  }
  let metrics: MetricsServer | undefined;
  if (config.metrics.listen !== undefined) {
    try {
      metrics = await (await import("./metrics.ts")).startMetricsServer(config.metrics.listen, server, log);
    } catch (e) {
      quiet.stop();
      heap.stop();
      trimmer.stop();
      await listener.close(); // (fast reads not attached yet: they detach with the loop)
      await textUpgrades.stop();
      transactions.stop();
      snapshots.releaseAll();
      storage.close();
      cursors.closeAll();
      throw new Error(
        `metrics listen ${config.metrics.listen}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  // finds by _id and pings answered on the I/O thread itself (app/point_reads.ts)
  const pointReads = attachPointReads(server, listener, storage);
  port = listener.port;
  ioSpinMicros = listener.ioSpinMicros;
  ioCushionBytes = listener.ioCushionBytes;
  ioLoops = listener.ioLoops;
  address = formatHostPort(config.server.host, port);
  // serving: the start's leftovers wait for quiet moments from here on (observability/quiet_gate.ts)
  // the I/O thread's answers and connections coming and going are work too
  quiet.open(() => (pointReads?.served() ?? 0) + listener.connectionCount());
  // the modules behind the commands not called yet load in the background (commands/warm_up.ts)
  const warmUp = config.server.warmUp ? startWarmUp({ whenQuiet: () => quiet.whenQuiet() }) : undefined;
  // (written before the first command outside the handshake anyway: this is for a server left idle)
  void quiet.whenQuiet().then((run) => run && !quiet.stopped && fcv.ensure());
  connectionCount = () => listener.connectionCount();

  const reloadTls = () => {
    if (!tls || !tlsListener || !tlsModule) return;
    tlsListener.reload(loadTls(tlsModule, tls));
    log.info(`TLS certificate, key and CA reloaded from ${tls.certFile}`);
  };
  // rotateCertificates: the same re-read, once the TLS listener is up
  if (tls) server.reloadTls = reloadTls;

  let stopped: Promise<void> | undefined;
  const whenStopped = Promise.withResolvers<void>();
  const stop = () =>
    stopped ??= (async () => {
      shutdown.abort();
      pointReads?.stop();
      // as mongod: operations still running stop at their next yield point with 11600
      for (const op of ops.list()) op.control.kill("interrupted at shutdown", "InterruptedAtShutdown");
      quiet.stop();
      heap.stop();
      trimmer.stop();
      uninstallPressure();
      uninstallQuietYield();
      releaseRegexWorker();
      // an on-disk server that served no command still leaves its data directory with the document
      if (!storage.inMemory) fcv.ensure();
      await warmUp?.stop();
      await metrics?.close();
      await listener.close();
      await textUpgrades.stop();
      cursors.closeAll();
      transactions.stop();
      snapshots.releaseAll();
      oplog?.stop();
      await oplog?.archiveIdle();
      spill.close();
      js.stop();
      await autoCompact.close(); // (the collection being compacted finishes first)
      storage.close();
      log.info(`stopped; data directory ${config.server.storagePath} closed cleanly`);
    })().finally(whenStopped.resolve);
  // the shutdown command: its connection closes first (no reply), then the server stops as on a signal
  server.requestShutdown = (reason) => {
    if (stopped) return;
    log.info(`${reason}; shutting down`);
    timeout(() => void stop().catch((e) => log.error(`shutdown: ${e instanceof Error ? e.message : e}`)), 0);
  };

  const uriHost = config.server.host === "0.0.0.0"
    ? "127.0.0.1"
    : config.server.host === "::"
    ? "[::1]"
    : config.server.host.includes(":")
    ? `[${config.server.host}]`
    : config.server.host;
  return {
    uri: `mongodb://${uriHost}:${port}/?directConnection=true${tls ? "&tls=true" : ""}`,
    port,
    host: config.server.host,
    storagePath: config.server.storagePath,
    ...(metrics ? { metricsPort: metrics.port } : {}),
    reload: (next) => reloadConfig(config, next, log, server.profiler),
    tlsEnabled: tls !== undefined,
    reloadTls,
    stop,
    stopped: whenStopped.promise,
  };
}

/** A command body's first key: its command name. */
function firstKey(body: Record<string, unknown>): string | undefined {
  for (const k in body) return k;
  return undefined;
}

/** Whether any index has a `partialFilterExpression` (src/engine/query/partial_filter_loader.ts). */
function hasPartialIndexes(storage: StorageEngine): boolean {
  const cat = storage.catalog;
  for (const db of cat.listDatabases()) {
    for (const coll of cat.listCollections(db)) {
      if (coll.indexes.some((ix) => ix.spec["partialFilterExpression"] !== undefined)) return true;
    }
  }
  return false;
}
