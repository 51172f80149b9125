import { LatencyHistograms } from "./latency.ts";

/** Bytes one wire compressor took in and gave out: replies (compressor) and requests (decompressor). */
export interface CompressionTraffic {
  compressor: { bytesIn: number; bytesOut: number };
  decompressor: { bytesIn: number; bytesOut: number };
}

/**
 * Process-wide operation counters reported by serverStatus (opcounters, network) and, later, the
 * admin dashboard's sparklines. Plain mutable numbers: cheap to bump on hot paths.
 */
export class Counters {
  readonly opcounters = { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 };
  readonly network: {
    bytesIn: number;
    bytesOut: number;
    numRequests: number;
    /** Per compressor (the connection layer fills it on first use): serverStatus network.compression. */
    compression?: Record<string, CompressionTraffic>;
  } = { bytesIn: 0, bytesOut: 0, numRequests: 0 };
  totalConnectionsCreated = 0;
  /** metrics.document: documents returned by queries and written by commands. */
  readonly document = { deleted: 0, inserted: 0, returned: 0, updated: 0 };
  /** metrics.queryExecutor: index keys (scanned) and documents (scannedObjects) examined. */
  readonly queryExecutor = { scanned: 0, scannedObjects: 0 };
  /**
   * Requests the wire server's I/O thread answered itself (finds by `_id` or a single-field index, pings,
   * updates and deletes by `_id`, inserts of one document — those refused as duplicate keys included):
   * serverStatus secantus.ioThread. `clockWaits`: those writes that first waited there for the command
   * layer's oplog clock (io_fast.h FAST_DEFER_US).
   */
  readonly ioThread = { finds: 0, pings: 0, updates: 0, deletes: 0, inserts: 0, clockWaits: 0 };
  /** Operations that took at least slowms. */
  slowOperations = 0;
  /** Command durations per operation kind (Prometheus histograms). */
  readonly latency = new LatencyHistograms();
}
