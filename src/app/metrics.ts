/**
 * The Prometheus endpoint (`[metrics] listen = "127.0.0.1:9216"`, off by default): `GET /metrics`
 * answers the text exposition format gathered from the server context — connections, opcounters,
 * network, command latency histograms, documents, cursors, transactions, WiredTiger cache, slow
 * operations, fsync lock, the last backup's time/size/duration (its age), process memory — under
 * `secantusdb_` names following Prometheus conventions (`_total` counters, base units), and the
 * oplog: its entries, window and pruning, and the oplog archive's lag and failures (point-in-time
 * recovery's RPO). Anything else is 404.
 */
import type { ServerContext } from "../commands/context.ts";
import type { Logger } from "../observability/log.ts";
import { CONTENT_TYPE, type MetricFamily, renderMetrics } from "../observability/prometheus.ts";

type Samples = { labels?: Record<string, string>; value: number }[];

function counter(name: string, help: string, samples: Samples): MetricFamily {
  return { name, help, type: "counter", samples };
}

function gauge(name: string, help: string, samples: Samples): MetricFamily {
  return { name, help, type: "gauge", samples };
}

/** WiredTiger statistics exported as gauges/counters: [description, metric, help, type]. */
const WT_STATS: readonly [string, string, string, "gauge" | "counter"][] = [
  [
    "cache: bytes currently in the cache",
    "secantusdb_wiredtiger_cache_bytes",
    "bytes in the WiredTiger cache",
    "gauge",
  ],
  [
    "cache: maximum bytes configured",
    "secantusdb_wiredtiger_cache_max_bytes",
    "configured WiredTiger cache size",
    "gauge",
  ],
  [
    "cache: tracked dirty bytes in the cache",
    "secantusdb_wiredtiger_cache_dirty_bytes",
    "dirty bytes in the WiredTiger cache",
    "gauge",
  ],
  [
    "cache: pages read into cache",
    "secantusdb_wiredtiger_cache_pages_read_total",
    "pages read into the WiredTiger cache",
    "counter",
  ],
  [
    "cache: pages written from cache",
    "secantusdb_wiredtiger_cache_pages_written_total",
    "pages written from the WiredTiger cache",
    "counter",
  ],
  [
    "cache: unmodified pages evicted",
    "secantusdb_wiredtiger_cache_pages_evicted_unmodified_total",
    "clean pages evicted",
    "counter",
  ],
  [
    "cache: modified pages evicted",
    "secantusdb_wiredtiger_cache_pages_evicted_modified_total",
    "dirty pages evicted",
    "counter",
  ],
  [
    "transaction: transaction checkpoints",
    "secantusdb_wiredtiger_checkpoints_total",
    "WiredTiger checkpoints",
    "counter",
  ],
  [
    "log: log bytes written",
    "secantusdb_wiredtiger_log_bytes_written_total",
    "bytes written to the WiredTiger log",
    "counter",
  ],
  ["log: log sync operations", "secantusdb_wiredtiger_log_syncs_total", "WiredTiger log fsyncs", "counter"],
];

export function gatherMetrics(server: ServerContext): MetricFamily[] {
  server.pointReads?.drain(); // what the I/O thread answered since the last command (point_reads.ts)
  const c = server.counters;
  const now = Date.now();
  const current = server.info.connectionCount();
  const families: MetricFamily[] = [
    gauge("secantusdb_up", "1 while the server answers", [{ value: 1 }]),
    gauge("secantusdb_uptime_seconds", "seconds since the server started", [
      { value: (now - server.info.startedAt.getTime()) / 1000 },
    ]),
    gauge("secantusdb_connections", "client connections by state", [
      { labels: { state: "current" }, value: current },
      { labels: { state: "available" }, value: Math.max(0, server.info.maxConnections - current) },
    ]),
    counter("secantusdb_connections_created_total", "client connections accepted", [{
      value: c.totalConnectionsCreated,
    }]),
    counter(
      "secantusdb_opcounters_total",
      "operations by type (serverStatus opcounters)",
      Object.entries(c.opcounters).map(([type, value]) => ({ labels: { type }, value })),
    ),
    counter("secantusdb_network_bytes_received_total", "bytes received from clients", [{
      value: c.network.bytesIn,
    }]),
    counter("secantusdb_network_bytes_sent_total", "bytes sent to clients", [{ value: c.network.bytesOut }]),
    counter("secantusdb_network_requests_total", "requests received", [{ value: c.network.numRequests }]),
    {
      name: "secantusdb_command_duration_seconds",
      help: "command durations by operation kind",
      type: "histogram",
      histograms: [...c.latency.entries()].map(([kind, histogram]) => ({ labels: { kind }, histogram })),
    },
    counter(
      "secantusdb_documents_total",
      "documents returned, inserted, updated, deleted (serverStatus metrics.document)",
      Object.entries(c.document).map(([state, value]) => ({ labels: { state }, value })),
    ),
    counter("secantusdb_slow_operations_total", "operations that took at least slowms", [{
      value: c.slowOperations,
    }]),
    gauge("secantusdb_cursors_open", "open cursors", [{ value: server.cursors.size }]),
    counter("secantusdb_cursors_timed_out_total", "cursors closed for being idle", [{
      value: server.cursors.totalTimedOut,
    }]),
    gauge("secantusdb_transactions_open", "open multi-document transactions", [{
      value: server.transactions.openCount,
    }]),
    counter(
      "secantusdb_transactions_total",
      "multi-document transactions by outcome",
      Object.entries(server.transactions.stats).map(([k, value]) => ({
        labels: { state: k.replace(/^total/, "").toLowerCase() },
        value,
      })),
    ),
    gauge("secantusdb_fsync_locked", "1 while fsync {lock: true} holds writes", [{
      value: server.fsyncLock.count > 0 ? 1 : 0,
    }]),
    gauge("process_resident_memory_bytes", "resident memory of the server process", [{
      value: Deno.memoryUsage().rss,
    }]),
  ];
  const stats = server.storage.statistics();
  for (const [desc, name, help, type] of WT_STATS) {
    const v = stats.get(desc);
    if (v !== undefined) families.push({ name, help, type, samples: [{ value: v }] });
  }
  families.push(...oplogFamilies(server));
  const last = server.backups.last;
  if (last) {
    const at = last.finishedAt.getTime();
    families.push(
      gauge(
        "secantusdb_backup_last_success_timestamp_seconds",
        "when the last native backup finished (Unix time)",
        [
          { value: at / 1000 },
        ],
      ),
      gauge("secantusdb_backup_age_seconds", "seconds since the last native backup finished", [{
        value: (now - at) / 1000,
      }]),
      gauge("secantusdb_backup_last_size_bytes", "size of the last backup archive", [{ value: last.size }]),
      gauge("secantusdb_backup_last_duration_seconds", "duration of the last backup", [{
        value: last.durationMs / 1000,
      }]),
    );
  }
  return families;
}

/** The oplog window and the archive (absent on a standalone server, which keeps no oplog). */
function oplogFamilies(server: ServerContext): MetricFamily[] {
  const oplog = server.oplog;
  if (!oplog) return [];
  const first = oplog.firstTs();
  const last = oplog.lastTs();
  const secs = (ts: { high: number }) => ts.high >>> 0;
  const t = oplog.truncationStats();
  const out = [
    gauge("secantusdb_oplog_entries", "oplog entries kept", [{ value: oplog.count }]),
    gauge("secantusdb_oplog_window_seconds", "time between the oldest and the newest oplog entry", [{
      value: first && last ? secs(last) - secs(first) : 0,
    }]),
    counter("secantusdb_oplog_truncations_total", "oplog prunes that removed entries", [{
      value: t.truncateCount,
    }]),
  ];
  if (last) {
    out.push(gauge("secantusdb_oplog_last_timestamp_seconds", "time of the newest oplog entry (Unix time)", [{
      value: secs(last),
    }]));
  }
  const a = oplog.archiveStats();
  if (a) {
    out.push(
      gauge(
        "secantusdb_oplog_archive_lag_seconds",
        "newest oplog entry minus newest archived entry: what losing the host now would lose",
        [{ value: a.lastArchived && last ? secs(last) - secs(a.lastArchived) : 0 }],
      ),
      counter("secantusdb_oplog_archived_entries_total", "oplog entries appended to the archive", [{
        value: a.entries,
      }]),
      counter("secantusdb_oplog_archived_bytes_total", "bytes appended to the oplog archive", [{
        value: a.bytes,
      }]),
      counter("secantusdb_oplog_archive_failures_total", "failed appends to the oplog archive", [{
        value: a.failures,
      }]),
    );
  }
  return out;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on `listen` ("host:port"). */
export function startMetricsServer(
  listen: string,
  server: ServerContext,
  log: Logger,
): Promise<MetricsServer> {
  const at = listen.lastIndexOf(":");
  const hostname = listen.slice(0, at).replace(/^\[|\]$/g, "");
  const port = Number(listen.slice(at + 1));
  return new Promise((resolve, reject) => {
    try {
      const http = Deno.serve({
        hostname,
        port,
        onListen: (addr) => {
          log.info(`Prometheus metrics on http://${listen.slice(0, at)}:${addr.port}/metrics`);
          resolve({ port: addr.port, close: () => http.shutdown() });
        },
        onError: (e) => {
          log.warning("metrics: request failed", e instanceof Error ? e.message : String(e));
          return new Response("internal error\n", { status: 500 });
        },
      }, (req) => {
        const url = new URL(req.url);
        if (url.pathname !== "/metrics") return new Response("not found; try /metrics\n", { status: 404 });
        if (req.method !== "GET" && req.method !== "HEAD") {
          return new Response("method not allowed\n", { status: 405 });
        }
        return new Response(renderMetrics(gatherMetrics(server)), {
          headers: { "content-type": CONTENT_TYPE },
        });
      });
    } catch (e) {
      reject(e);
    }
  });
}
