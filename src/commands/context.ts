/**
 * What a command may use. `ServerContext` groups the server-wide services (storage, cursors, logical
 * sessions and retryable writes, fail points, the cluster clock, counters, logging, the persona);
 * `RequestContext` adds the facts of one request: its parsed params, database, connection, the
 * generic arguments (session, read/write concern), the deadline from maxTimeMS and an operation id.
 * Dispatch builds one per command: the request's facts as its own properties, the server's services
 * reached through its prototype (the server context itself), so a request copies none of them. A
 * context with some fields replaced is made with {@link deriveContext}, never with a spread (a spread
 * copies own properties only: the services would be lost).
 */
import type { TableScans } from "./shared/table_scans.ts";
import type { TtlMonitor } from "../executor/ttl_sweeper.ts";
import type { JsRuntime } from "../engine/js/runtime.ts";
import type { HeapWatchdog } from "../observability/heap_watchdog.ts";
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import type { CursorRegistry } from "../cursors/registry.ts";
import type { Logger } from "../observability/log.ts";
import type { Counters } from "../observability/counters.ts";
import type { FailPoints } from "../testing/fail_points.ts";
import type { ReplySlot, RetryableWrites } from "../sessions/retryable_writes.ts";
import type { LogicalSessions } from "../sessions/logical_sessions.ts";
import type { SessionTxn, Transactions } from "../sessions/transactions.ts";
import type { IndexBuilds } from "../executor/index_builds.ts";
import type { ClusterClock } from "../oplog/cluster_clock.ts";
import type { Oplog } from "../oplog/oplog.ts";
import type { CappedCollections } from "../executor/capped.ts";
import type { SpillFiles } from "../storage/spill.ts";
import type { Authorizer } from "../auth/authorizer.ts";
import type { AuthConnection, AuthService } from "../auth/service.ts";
import type { Doc, Reply } from "./reply.ts";
import type { OpControl } from "../observability/op_control.ts";
import type { OpRegistry } from "../observability/op_registry.ts";
import type { SnapshotReads } from "../sessions/snapshot_reads.ts";
import type { RWDefaults } from "../sessions/rw_defaults.ts";
import type { GenericArgs, Lsid, ReadConcern } from "./params/generic.ts";
import type { Profiler } from "../observability/profiler.ts";
import type { Top } from "../observability/top.ts";
import type { OpStats } from "../observability/op_stats.ts";
import type { FsyncLock } from "./shared/fsync_lock.ts";
import type { AutoCompactor } from "../storage/auto_compact.ts";
import type { ClusterParameters } from "./shared/cluster_parameters.ts";
import type { StableApiSettings } from "./stable_api.ts";
import type { LogVerbosity } from "../observability/log_verbosity.ts";
import type { BackupRecord } from "../backup/mod.ts";
import type { ReplayFn } from "../backup/pitr_restore.ts";
import type { WriteConcern } from "./params/write_concern.ts";
import type { AccessPath } from "../planner/plan.ts";
import type { FindPlanParts } from "./indexed_find_shape.ts";

/** What listCommands reports of a registered command. */
export interface CommandInfo {
  readonly name: string;
  readonly help: string;
  /** The declared authorization action ("none" = allowed before authentication). */
  readonly auth: string;
  /** Exists only with enableTestCommands. */
  readonly testOnly?: boolean;
}

/** Facts about this server process that handshake/info commands report. */
export interface ServerInfo {
  /** host:port clients should use (hello `me`, `hosts`, `primary`). */
  readonly address: string;
  readonly port: number;
  /** µs the shim's I/O thread polls after its own answers (`io_spin_us` in effect; 0 before the listener). */
  readonly ioSpinMicros: number;
  /** Bytes the I/O thread faults in ahead of its requests when idle (0: off, or before the listener). */
  readonly ioCushionBytes: number;
  /** Frame I/O threads in use (`io_loops` in effect; 0 on Deno's sockets or before the listener). */
  readonly ioLoops: number;
  readonly standalone: boolean;
  readonly setName: string;
  readonly storagePath: string;
  readonly startedAt: Date;
  readonly processId: unknown; // ObjectId, for topologyVersion
  readonly argv: readonly string[];
  /** The effective configuration (for getCmdLineOpts). */
  readonly parsedConfig: Doc;
  /** Current number of open client connections. */
  connectionCount(): number;
  /** The connection cap (max_connections). */
  readonly maxConnections: number;
  /** Test-only commands (configureFailPoint) are enabled (mongod's enableTestCommands). */
  readonly testCommandsEnabled: boolean;
  /** The C heap's figures in bytes (glibc's mallinfo2), or undefined with another allocator. */
  readonly mallocInfo?: () => Readonly<Record<string, number>> | undefined;
}

/** What dispatch and find call of the I/O thread's point reads (point_reads.ts). */
export interface PointReadHooks {
  /** find served an `_id` point on `coll` through its plain IDHACK read, for `client` (authorized). */
  offer(ns: string, coll: CollectionEntry, client: ClientState): void;
  /** find planned `parts` on `coll` as `access` (an index scan) for `client` (authorized). */
  offerIndexed(
    ns: string,
    coll: CollectionEntry,
    client: ClientState,
    parts: FindPlanParts,
    access: AccessPath,
  ): void;
  /**
   * update served a statement by `_id` on `coll` itself, outside a transaction, for `client`
   * (authorized): later ones there may be answered by the I/O thread (point_reads.ts).
   */
  offerUpdate(ns: string, coll: CollectionEntry, client: ClientState): void;
  /**
   * delete served a statement by `_id` on `coll` itself, outside a transaction: later ones there may be
   * answered by the I/O thread (point_reads.ts).
   */
  offerDelete(ns: string, coll: CollectionEntry, client: ClientState): void;
  /**
   * insert stored one document on `coll` itself, outside a transaction: later ones there may be made by
   * the I/O thread (point_reads.ts).
   */
  offerInsert(ns: string, coll: CollectionEntry, client: ClientState, doc?: Doc | Uint8Array): void;
  /** Writes are now held (fsyncLock): none is made there from now on, and none is in flight on return. */
  quiesceWrites(): void;
  /** A command with a txnNumber of session `lsid` runs here (the I/O thread leaves the session alone). */
  sessionWriting(lsid: Lsid): void;
  /** Retryable update `txnNumber` of session `lsid` (key `key`) ran here, its row stored. */
  sessionWritten(lsid: Lsid, key: string, txnNumber: bigint): void;
  /** Before a command: record what the I/O thread answered meanwhile. */
  drain(): void;
  /** After a command: what may be answered now, and the cluster time its replies carry. */
  publish(): void;
}

export interface ServerContext {
  readonly storage: StorageEngine;
  readonly cursors: CursorRegistry;
  readonly log: Logger;
  readonly counters: Counters;
  readonly info: ServerInfo;
  /** Engine-wide sync_on_commit. */
  readonly syncOnCommit: boolean;
  /** Testing fail points (configureFailPoint). */
  readonly failPoints: FailPoints;
  /** The memory watchdog: under pressure dispatch refuses new work (146); absent = never refuses. */
  readonly heap?: HeapWatchdog;
  /** Logical sessions seen (lsid) — endSessions, $listLocalSessions. */
  readonly sessions: LogicalSessions;
  /** The replica-set persona's logical clock ($clusterTime / operationTime on replies). */
  readonly clusterClock: ClusterClock;
  /** The oplog (undefined when running standalone, as mongod without a replica set has none). */
  readonly oplog: Oplog | undefined;
  /** Multi-document transactions per logical session (src/sessions/transactions.ts). */
  readonly transactions: Transactions;
  /** Index builds in progress (src/executor/index_builds.ts). */
  readonly indexBuilds: IndexBuilds;
  /** Pinned snapshots of snapshot-read sessions (readConcern snapshot outside transactions). */
  readonly snapshots: SnapshotReads;
  /** The TTL monitor: its period and on/off switch (setParameter ttlMonitorSleepSecs / ttlMonitorEnabled). */
  readonly ttl: TtlMonitor;
  /** The default read/write concerns (setDefaultRWConcern). */
  readonly rwDefaults: RWDefaults;
  /** Capped collections: eviction on insert, the wake-up of tailable cursors (src/executor/capped.ts). */
  readonly capped: CappedCollections;
  /** Retryable-write replies per session (a retried write runs once). */
  readonly retryableWrites: RetryableWrites<Reply>;
  /** The authorization check (`allowAll` with auth off; role-based with `auth = true`). */
  readonly authorizer: Authorizer;
  /** Authentication (SASL conversations, X509), users and roles (src/auth/service.ts). */
  readonly auth: AuthService;
  /**
   * The registered commands whose modules are loaded (for listCommands, whose registry entry loads every
   * command before it runs, so it sees them all).
   */
  readonly commands: () => readonly CommandInfo[];
  /** Operations in progress (op ids, currentOp, killOp). */
  readonly ops: OpRegistry<OpDetail>;
  /** Profiling levels, slowms and sampleRate (`profile`; entries go to `<db>.system.profile`). */
  readonly profiler: Profiler;
  /** Per-namespace usage totals (`top`). */
  readonly top: Top;
  /** `fsync {lock: true}` / `fsyncUnlock`: writes wait while it is held. */
  readonly fsyncLock: FsyncLock;
  /** Background compaction (`autoCompact`, src/storage/auto_compact.ts). */
  readonly autoCompact: AutoCompactor;
  /** Cluster parameters (`defaultMaxTimeMS`; shared/cluster_parameters.ts). */
  readonly clusterParameters: ClusterParameters;
  /** `requireApiVersion` (stable_api.ts): checked by dispatch, changed by setParameter. */
  readonly stableApi: StableApiSettings;
  /** notablescan: whether queries may scan whole collections (shared/table_scans.ts). */
  readonly tableScans: TableScans;
  /** `logLevel` / `logComponentVerbosity` (getParameter, setParameter; the logger's level). */
  readonly logVerbosity: LogVerbosity;
  /** The last native backup this process took (serverStatus, /metrics). */
  readonly backups: { last: BackupRecord | undefined };
  /**
   * Replays archived oplog entries onto a restored directory (point-in-time restore from a running
   * server, `secantusAdmin.restoreArchive {toTime}`); provided by the composition root.
   */
  readonly replayOplog?: ReplayFn;
  /** Temporary files of blocking query stages past their memory budget (storage/spill.ts). */
  readonly spill: SpillFiles;
  /** Bytes one blocking query stage may hold ([server] query_memory_limit). */
  readonly queryMemoryLimitBytes: number;
  /** The server-side JavaScript sandbox (`enabled` false: [server] javascript_enabled = false). */
  readonly js: JsRuntime;
  /**
   * Finds by `_id` and pings the wire server's I/O thread answers itself (point_reads.ts); set by the
   * composition root once the listener is up, absent when nothing is answered elsewhere.
   */
  pointReads?: PointReadHooks | undefined;
  /**
   * Re-reads the TLS certificate, key and CA files (`rotateCertificates`; SIGHUP does the same); throws
   * when they cannot be loaded, the previous ones staying in use. Set by the composition root when the
   * server speaks TLS, absent otherwise.
   */
  reloadTls?: (() => void) | undefined;
  /**
   * Begins stopping the server as a signal would, once the current turn is over (the `shutdown` command,
   * whose connection closes without a reply); `reason` is logged. Set by the composition root.
   */
  requestShutdown?: ((reason: string) => void) | undefined;
  /** Resolves after `ms`, or at once when the server starts shutting down. */
  waitOrShutdown(ms: number): Promise<void>;
  /** True once the server has begun to stop. */
  isShuttingDown(): boolean;
}

/** What currentOp shows of a running command. */
export interface OpDetail {
  readonly command: string;
  readonly db: string;
  /** The command body as received (sequences merged in). */
  readonly body: Doc;
  readonly client: ClientState;
}

/**
 * Per-connection facts the command layer keeps; the authentication fields (users logged in, the
 * SASL conversation, failures, the verified client certificate) are `AuthConnection`'s.
 */
export interface ClientState extends AuthConnection {
  readonly connectionId: number;
  readonly remoteAddress: string;
  clientMetadata?: Doc;
  /**
   * The request now waits without doing work (`true`, e.g. an awaitable hello) or works again
   * (`false`); calls pair up. Lets the connection layer serve the other connections' requests the
   * cheap way meanwhile. Absent where there is no connection (internal requests).
   */
  park?(on: boolean): void;
  /**
   * Has the client hung up while its request runs? Best effort and non-blocking (the connection's
   * transport); read commands are killed with 279 ClientDisconnect when it has (disconnect_watch.ts).
   * Absent where there is no connection.
   */
  peerGone?(): boolean;
  /** The frame I/O thread's id of the connection (point_reads.ts grants it namespaces with auth on). */
  readonly ioId?: number | undefined;
}

export interface RequestContext<P = unknown> extends ServerContext {
  /** The command's canonical name. */
  readonly command: string;
  /** The parsed parameters (the command's `parse` result). */
  readonly params: P;
  /** The `$db` of the request. */
  readonly db: string;
  readonly client: ClientState;
  /** Generic arguments (lsid, txnNumber, maxTimeMS, read/write concern, comment), parsed once. */
  readonly generic: GenericArgs;
  /** The logical session the request runs in, if it carried an lsid. */
  readonly lsid: Lsid | undefined;
  /**
   * The multi-document transaction this statement belongs to (`autocommit: false`); `storage` is
   * then bound to its snapshot (src/sessions/txn_storage.ts). Undefined outside transactions.
   */
  readonly transaction?: SessionTxn | undefined;
  readonly readConcern: ReadConcern | undefined;
  readonly writeConcern: WriteConcern;
  /** Epoch milliseconds after which the operation must stop (maxTimeMS); undefined = none. */
  readonly deadline: number | undefined;
  readonly opId: number;
  /**
   * The operation's yield / deadline / kill point (docs/concurrency.md): loops over documents call
   * `control.due()` and `await control.yieldNow()`.
   */
  readonly control: OpControl;
  /** The request allowed an exhaust (streaming) reply (OP_MSG exhaustAllowed). */
  readonly exhaustAllowed: boolean;
  /** What the operation examined and returned, filled in by the command (profiler, slow-query log). */
  readonly opStats: OpStats;
  /**
   * A retryable write's retry record (undefined otherwise): a command that knows inside its write
   * transaction the reply it returns if that transaction commits calls `replyOnCommit(reply)` there,
   * so the record commits with the data in one transaction (src/sessions/retryable_writes.ts).
   */
  readonly retryReply?: ReplySlot<Reply> | undefined;
}

/** The fields of one request (a {@link RequestContext} less the server's). */
export type RequestFacts<P = unknown> = Omit<RequestContext<P>, keyof ServerContext>;

type ContextClass = new (facts: RequestFacts) => RequestContext;

/** Per server, the class of its request contexts (a class: V8 keeps its instances' fields in-object). */
const contextClasses = new WeakMap<ServerContext, ContextClass>();

function contextClassFor(server: ServerContext): ContextClass {
  let C = contextClasses.get(server);
  if (C === undefined) {
    // every field of RequestFacts, in one order (one hidden class for all of them)
    C = function RequestContextOf(this: Record<string, unknown>, f: RequestFacts) {
      this["command"] = f.command;
      this["params"] = f.params;
      this["db"] = f.db;
      this["client"] = f.client;
      this["generic"] = f.generic;
      this["lsid"] = f.lsid;
      this["readConcern"] = f.readConcern;
      this["writeConcern"] = f.writeConcern;
      this["deadline"] = f.deadline;
      this["opId"] = f.opId;
      this["control"] = f.control;
      this["exhaustAllowed"] = f.exhaustAllowed;
      this["opStats"] = f.opStats;
      if (f.transaction !== undefined) this["transaction"] = f.transaction;
      if (f.retryReply !== undefined) this["retryReply"] = f.retryReply;
    } as unknown as ContextClass;
    C.prototype = server;
    contextClasses.set(server, C);
  }
  return C;
}

/**
 * A request context for `server`: `facts` (the request's own fields) on an object whose prototype is
 * the server context, which every service is read through.
 */
export function newRequestContext<P>(server: ServerContext, facts: RequestFacts<P>): RequestContext<P> {
  return new (contextClassFor(server))(facts) as RequestContext<P>;
}

/**
 * `ctx` with `changes` applied, what `{...ctx, ...changes}` means for a plain object: the own fields
 * copied, the prototype (the server context of a dispatched request) kept.
 */
export function deriveContext<C extends object, D extends object>(ctx: C, changes: D): Omit<C, keyof D> & D {
  return Object.assign(Object.create(Object.getPrototypeOf(ctx)) as object, ctx, changes) as
    & Omit<C, keyof D>
    & D;
}
