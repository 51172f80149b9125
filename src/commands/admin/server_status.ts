/**
 * serverStatus: process, connection, opcounter, network, memory, storage-engine (`wiredTiger`, from
 * WiredTiger's own statistics), metrics, transactions and backup figures — the monitoring surface the
 * production guide scrapes — in mongod's field names, plus a `secantus` block. Every non-generic field
 * toggles a section (`{serverStatus: 1, metrics: 0}` leaves `metrics` out), as on mongod, so any field
 * is accepted; the typed parse reads which sections are turned off (and `wiredTiger: 0` saves the
 * statistics read) and which opt-in sections are asked for (`oplog: 1`, mongod's `latestOptime` /
 * `earliestOptime`). The oplog's other figures are where mongod keeps them: `repl.lastWrite`,
 * `oplogTruncation` (time spent pruning, the retention), plus `secantus.oplog` (entries, window, the
 * oplog archive's position, lag and failures). `secantus.memory` shows V8's heap; the opt-in `malloc`
 * section glibc's (`{serverStatus: 1, malloc: 1}`).
 */
import type { CompressionTraffic } from "../../observability/counters.ts";
import { Long, Timestamp } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../../version.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";
import { ELECTION_ID } from "../handshake/hello.ts";
import { isDocument } from "../../bson/values.ts";
import { latencyDoc } from "../shared/latency_doc.ts";

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
  "opLatencies",
  "oplogTruncation",
  "repl",
  "storageEngine",
  "transactions",
  "wiredTiger",
  "mem",
  "metrics",
  "oplog",
  "malloc",
  "secantus",
] as const;

/**
 * Sections sent only when asked for (`{serverStatus: 1, oplog: 1}`), as mongod's includeByDefault false.
 * `malloc` (glibc's heap figures) walks every free chunk of the C heap with its arena locked: 10–100 ms
 * on a fragmented heap, so monitoring does not pay it unasked.
 */
const OPT_IN: ReadonlySet<string> = new Set(["oplog", "malloc"]);

export interface ServerStatusParams {
  /** Sections asked to be left out (`<section>: 0` or `false`). */
  readonly exclude: ReadonlySet<string>;
  /** Sections asked for with any other value (opt-in sections need it). */
  readonly include: ReadonlySet<string>;
  /** `opLatencies: {histograms: true}`: the latency histograms too. */
  readonly latencyHistograms: boolean;
}

export function parseServerStatus(body: Doc): ServerStatusParams {
  const exclude = new Set<string>();
  const include = new Set<string>();
  for (const [k, v] of Object.entries(body)) {
    if (k === "serverStatus" || GENERIC_FIELDS.has(k)) continue;
    if (v === false || (isNumeric(v) && toNumber(v) === 0)) exclude.add(k);
    else include.add(k);
  }
  const ol = body["opLatencies"];
  const latencyHistograms = isDocument(ol) && ol["histograms"] === true;
  return { exclude, include, latencyHistograms };
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

/**
 * `secantus.memory`: the resident set and V8's heap in bytes (`heapTotal` committed, `external` =
 * ArrayBuffers and other memory V8 objects hold outside it; those live in the C heap, with
 * WiredTiger's cache — the opt-in `malloc` section). docs/robustness.md, memory.
 */
function memoryBlock(mem: Deno.MemoryUsage): Doc {
  return {
    rss: long(mem.rss),
    v8: { heapTotal: long(mem.heapTotal), heapUsed: long(mem.heapUsed), external: long(mem.external) },
  };
}

const ZERO_TS = new Timestamp({ t: 0, i: 0 });

function tsDate(ts: Timestamp): Date {
  return new Date((ts.high >>> 0) * 1000);
}

/** `secantus.oplog`: the window, the retention, and the archive (point-in-time recovery). */
function oplogBlock(
  oplog: NonNullable<RequestContext["oplog"]>,
  firstTs: Timestamp | undefined,
  lastTs: Timestamp | undefined,
): Doc {
  const a = oplog.archiveStats();
  const secs = (ts: Timestamp | undefined) => ts ? ts.high >>> 0 : 0;
  return {
    entries: long(oplog.count),
    windowSeconds: firstTs && lastTs ? secs(lastTs) - secs(firstTs) : 0,
    retentionSeconds: oplog.retention.seconds,
    maxEntries: long(oplog.retention.maxEntries),
    archive: a
      ? {
        dir: a.dir,
        lastArchived: a.lastArchived ?? null,
        lagSeconds: a.lastArchived && lastTs ? secs(lastTs) - secs(a.lastArchived) : null,
        entries: long(a.entries),
        bytes: long(a.bytes),
        segmentsStarted: a.segmentsStarted,
        segmentsCompressed: a.segmentsCompressed,
        segmentsRemoved: a.segmentsRemoved,
        retentionSeconds: a.retentionSeconds,
        failures: long(a.failures),
        lastError: a.lastError ?? null,
        lastFlushAt: a.lastFlushAt ?? null,
      }
      : null,
  };
}

function run(ctx: RequestContext<ServerStatusParams>): Doc {
  const now = new Date();
  const upMs = now.getTime() - ctx.info.startedAt.getTime();
  const mem = Deno.memoryUsage();
  const c = ctx.counters;
  const current = ctx.info.connectionCount();
  const activeOps = ctx.ops.list().length;
  const tx = ctx.transactions;
  const oplog = ctx.oplog;
  const lastTs = oplog?.lastTs();
  const firstTs = oplog?.firstTs();
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
      compression: compressionSection(c.network.compression ?? {}),
    }),
    opcounters: () => ({ ...c.opcounters }),
    // server-wide latencies of user commands plus committed/aborted transactions (mongod's Top)
    opLatencies: () => latencyDoc(ctx.top.globalLatency(), ctx.params.latencyHistograms),
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
        electionId: ELECTION_ID,
        ...(lastTs
          ? {
            lastWrite: {
              opTime: { ts: lastTs, t: long(1) },
              lastWriteDate: tsDate(lastTs),
              majorityOpTime: { ts: lastTs, t: long(1) },
              majorityWriteDate: tsDate(lastTs),
            },
          }
          : {}),
        primaryOnlyServices: {},
        rbid: 1,
        userWriteBlockMode: 1,
      },
    oplogTruncation: () =>
      oplog === undefined ? undefined : (() => {
        const t = oplog.truncationStats();
        return {
          totalTimeProcessingMicros: long(t.processingMicros),
          processingMethod: "scanning",
          oplogMinRetentionHours: oplog.retention.seconds / 3600,
          totalTimeTruncatingMicros: long(t.truncatingMicros),
          truncateCount: long(t.truncateCount),
        };
      })(),
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
    oplog: () =>
      oplog === undefined || !ctx.params.include.has("oplog") ? undefined : {
        latestOptime: lastTs ?? ZERO_TS,
        earliestOptime: firstTs ?? ZERO_TS,
      },
    // glibc's mallinfo2 (arenas, separately mmapped blocks, in use, free); absent with another allocator
    malloc: () => {
      const m = ctx.info.mallocInfo?.();
      return m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, long(v)])) : undefined;
    },
    secantus: () => ({
      version: VERSION,
      storagePath: ctx.info.storagePath,
      slowOperations: long(c.slowOperations),
      fsyncLocked: ctx.fsyncLock.count > 0,
      // finds by _id and pings answered on the I/O thread without the command layer (point_reads.ts)
      ioThread: {
        finds: long(c.ioThread.finds),
        pings: long(c.ioThread.pings),
        updates: long(c.ioThread.updates),
        deletes: long(c.ioThread.deletes),
        inserts: long(c.ioThread.inserts),
        clockWaits: long(c.ioThread.clockWaits),
        spinMicros: ctx.info.ioSpinMicros,
        cushionBytes: ctx.info.ioCushionBytes,
        loops: ctx.info.ioLoops,
      },
      // blocking stages past their memory budget (sort runs, $group partitions): files, bytes
      spill: { runs: long(ctx.spill.stats.runs), bytesWritten: long(ctx.spill.stats.bytesWritten) },
      memory: memoryBlock(mem),
      oplog: oplog === undefined ? null : oplogBlock(oplog, firstTs, lastTs),
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
    if (ctx.params.exclude.has(s) || (OPT_IN.has(s) && !ctx.params.include.has(s))) continue;
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

/**
 * serverStatus `network.compression` as mongod shows it: each compressor it supports (snappy, zstd,
 * zlib) with the bytes its compressor (replies) and decompressor (requests) took in and gave out.
 */
function compressionSection(
  seen: Record<string, CompressionTraffic>,
): Doc {
  const out: Doc = {};
  for (const name of ["snappy", "zstd", "zlib"]) {
    const t = seen[name];
    out[name] = {
      compressor: { bytesIn: long(t?.compressor.bytesIn ?? 0), bytesOut: long(t?.compressor.bytesOut ?? 0) },
      decompressor: {
        bytesIn: long(t?.decompressor.bytesIn ?? 0),
        bytesOut: long(t?.decompressor.bytesOut ?? 0),
      },
    };
  }
  return out;
}
