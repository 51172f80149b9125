/**
 * serverStatus: process, connection, opcounter, network, memory, storage-engine (`wiredTiger`, from
 * WiredTiger's own statistics), metrics, transactions and backup figures — the monitoring surface the
 * production guide scrapes — in mongod's field names, plus a `secantus` block. Every non-generic field
 * toggles a section (`{serverStatus: 1, metrics: 0}` leaves `metrics` out), as on mongod, so any field
 * is accepted; the typed parse reads which sections are turned off (and `wiredTiger: 0` saves the
 * statistics read).
 */
import { Long } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../../version.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";

/** Sections a client may leave out; the header fields (host, version, uptime…) are always sent. */
const SECTIONS = [
  "asserts",
  "connections",
  "extra_info",
  "globalLock",
  "locks",
  "network",
  "opcounters",
  "opcountersRepl",
  "repl",
  "storageEngine",
  "transactions",
  "wiredTiger",
  "mem",
  "metrics",
  "oplog",
  "secantus",
] as const;

export interface ServerStatusParams {
  /** Sections asked to be left out (`<section>: 0` or `false`). */
  readonly exclude: ReadonlySet<string>;
}

export function parseServerStatus(body: Doc): ServerStatusParams {
  const exclude = new Set<string>();
  for (const [k, v] of Object.entries(body)) {
    if (k === "serverStatus" || GENERIC_FIELDS.has(k)) continue;
    if (v === false || (isNumeric(v) && toNumber(v) === 0)) exclude.add(k);
  }
  return { exclude };
}

const long = (n: number) => Long.fromNumber(Math.round(n));

/**
 * WiredTiger statistics ("cache: bytes currently in the cache") grouped as mongod's `wiredTiger`
 * section does: `{cache: {"bytes currently in the cache": n}, …}`.
 */
export function wiredTigerSection(stats: ReadonlyMap<string, number>, engineVersion: string): Doc {
  const out: Doc = { uri: "statistics:" };
  for (const [desc, value] of stats) {
    const at = desc.indexOf(": ");
    const group = at < 0 ? "other" : desc.slice(0, at);
    const name = at < 0 ? desc : desc.slice(at + 2);
    const g = (out[group] ??= {}) as Doc;
    g[name] = value;
  }
  out["version"] = engineVersion;
  return out;
}

function run(ctx: RequestContext<ServerStatusParams>): Doc {
  const now = new Date();
  const upMs = now.getTime() - ctx.info.startedAt.getTime();
  const mem = Deno.memoryUsage();
  const c = ctx.counters;
  const current = ctx.info.connectionCount();
  const activeOps = ctx.ops.list().length;
  const tx = ctx.transactions;
  const sections: Record<typeof SECTIONS[number], () => unknown> = {
    asserts: () => ({ regular: 0, warning: 0, msg: 0, user: 0, tripwire: 0, rollovers: 0 }),
    connections: () => ({
      current,
      available: Math.max(0, ctx.info.maxConnections - current),
      totalCreated: c.totalConnectionsCreated,
      active: Math.min(current, activeOps),
      threaded: current,
    }),
    extra_info: () => ({ note: "fields vary by platform", page_faults: 0, userTime: 0, systemTime: 0 }),
    globalLock: () => ({
      totalTime: long(upMs * 1000),
      currentQueue: { total: 0, readers: 0, writers: 0 },
      activeClients: { total: activeOps, readers: 0, writers: 0 },
    }),
    locks: () => ({}),
    network: () => ({
      bytesIn: long(c.network.bytesIn),
      bytesOut: long(c.network.bytesOut),
      physicalBytesIn: long(c.network.bytesIn),
      physicalBytesOut: long(c.network.bytesOut),
      numSlowDNSOperations: long(0),
      numSlowSSLOperations: long(0),
      numRequests: long(c.network.numRequests),
    }),
    opcounters: () => ({ ...c.opcounters }),
    opcountersRepl: () => ({ insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 }),
    repl: () =>
      ctx.info.standalone ? undefined : {
        topologyVersion: { processId: ctx.info.processId, counter: long(0) },
        hosts: [ctx.info.address],
        setName: ctx.info.setName,
        setVersion: 1,
        isWritablePrimary: true,
        secondary: false,
        primary: ctx.info.address,
        me: ctx.info.address,
        rbid: 1,
      },
    storageEngine: () => ({
      name: "wiredTiger",
      supportsCommittedReads: true,
      oldestRequiredTimestampForCrashRecovery: ctx.clusterClock.latest(),
      supportsPendingDrops: true,
      dropPendingIdents: long(0),
      supportsSnapshotReadConcern: true,
      readOnly: false,
      persistent: !ctx.storage.inMemory,
      backupCursorOpen: false,
    }),
    transactions: () => ({
      retriedCommandsCount: long(0),
      retriedStatementsCount: long(0),
      transactionsCollectionWriteCount: long(0),
      currentActive: long(tx.openCount),
      currentInactive: long(0),
      currentOpen: long(tx.openCount),
      totalAborted: long(tx.stats.totalAborted),
      totalCommitted: long(tx.stats.totalCommitted),
      totalStarted: long(tx.stats.totalStarted),
      totalPrepared: long(0),
      currentPrepared: long(0),
    }),
    wiredTiger: () => wiredTigerSection(ctx.storage.statistics(), ctx.storage.engineVersion),
    mem: () => ({
      bits: 64,
      resident: Math.round(mem.rss / 1048576),
      virtual: Math.round(mem.rss / 1048576),
      supported: true,
    }),
    metrics: () => ({
      cursor: {
        timedOut: long(ctx.cursors.totalTimedOut),
        totalOpened: long(ctx.cursors.totalOpened),
        open: { noTimeout: long(0), pinned: long(0), total: long(ctx.cursors.size) },
      },
      document: {
        deleted: long(c.document.deleted),
        inserted: long(c.document.inserted),
        returned: long(c.document.returned),
        updated: long(c.document.updated),
      },
      operation: { scanAndOrder: long(0), writeConflicts: long(0) },
      queryExecutor: {
        scanned: long(c.queryExecutor.scanned),
        scannedObjects: long(c.queryExecutor.scannedObjects),
      },
    }),
    // The oplog (a later build) reports its window here; absent until then.
    oplog: () => undefined,
    secantus: () => ({
      version: VERSION,
      storagePath: ctx.info.storagePath,
      slowOperations: long(c.slowOperations),
      fsyncLocked: ctx.fsyncLock.count > 0,
      lastBackup: ctx.backups.last
        ? {
          path: ctx.backups.last.path,
          finishedAt: ctx.backups.last.finishedAt,
          size: long(ctx.backups.last.size),
          durationMs: long(ctx.backups.last.durationMs),
        }
        : null,
    }),
  };
  const out: Doc = {
    host: ctx.info.address,
    version: COMPAT_MONGODB_VERSION,
    process: "secantusdb",
    pid: Long.fromNumber(Deno.pid),
    uptime: Math.floor(upMs / 1000),
    uptimeMillis: Long.fromNumber(upMs),
    uptimeEstimate: Long.fromNumber(Math.floor(upMs / 1000)),
    localTime: now,
  };
  for (const s of SECTIONS) {
    if (ctx.params.exclude.has(s)) continue;
    const v = sections[s]();
    if (v !== undefined) out[s] = v;
  }
  out["ok"] = 1;
  return out;
}

export const serverStatus = defineCommand<ServerStatusParams>({
  name: "serverStatus",
  help: "server counters and figures",
  auth: "serverStatus",
  parse: parseServerStatus,
  run,
});
