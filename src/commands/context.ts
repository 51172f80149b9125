/**
 * What a command may use: the server-wide services (storage, cursors, counters, logging, the
 * persona) and the per-call facts (database, connection, document sequences).
 */
import type { StorageEngine } from "../storage/api.ts";
import type { CursorRegistry } from "../cursors/registry.ts";
import type { Logger } from "../observability/log.ts";
import type { Counters } from "../observability/counters.ts";
import type { CommandSpec, Doc } from "./spec.ts";
import type { FailPoints } from "./shared/fail_points.ts";
import type { RetryableWrites } from "./shared/retryable.ts";
import type { ClusterClock } from "./shared/cluster_time.ts";
import type { LogicalSessions } from "./shared/sessions.ts";

/** Facts about this server process that handshake/info commands report. */
export interface ServerInfo {
  /** host:port clients should use (hello `me`, `hosts`, `primary`). */
  readonly address: string;
  readonly port: number;
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
  /** Logical sessions seen (lsid) — endSessions, $listLocalSessions. */
  readonly sessions: LogicalSessions;
  /** The replica-set persona's logical clock ($clusterTime / operationTime on replies). */
  readonly clusterClock: ClusterClock;
  /** Retryable-write replies per session (a retried write runs once). */
  readonly retryableWrites: RetryableWrites;
  /** Resolves after `ms`, or at once when the server starts shutting down. */
  waitOrShutdown(ms: number): Promise<void>;
  /** True once the server has begun to stop. */
  isShuttingDown(): boolean;
}

/** Per-connection facts the command layer keeps. */
export interface ClientState {
  readonly connectionId: number;
  readonly remoteAddress: string;
  clientMetadata?: Doc;
}

export interface CommandContext extends ServerContext {
  /** The `$db` of the request. */
  readonly db: string;
  readonly client: ClientState;
  /** Kind-1 document sequences by identifier (`documents`, `updates`, `deletes`, …). */
  readonly sequences: ReadonlyMap<string, Doc[]>;
  /** Every registered command (for listCommands). */
  readonly commands: readonly CommandSpec[];
  /** The request allowed an exhaust (streaming) reply (OP_MSG exhaustAllowed). */
  readonly exhaustAllowed: boolean;
}
