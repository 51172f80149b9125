/**
 * latency_doc.ts — mongod's OperationLatencyHistogram document (`{reads, writes, commands,
 * transactions}`, each `{[histogram], latency, ops}`), as `$collStats`' `latencyStats` and
 * serverStatus' `opLatencies` show it.
 */
import { Long } from "bson";
import { LATENCY_BOUNDS_MICROS, type LatencyEntry } from "../../observability/top.ts";
import type { Doc } from "../reply.ts";

export function latencyDoc(entry: LatencyEntry | undefined, histograms: boolean): Doc {
  const out: Doc = {};
  for (const kind of ["reads", "writes", "commands", "transactions"] as const) {
    const cell = entry?.[kind];
    const row: Doc = {};
    if (histograms) {
      row["histogram"] = [...(cell?.buckets ?? new Map<number, number>()).entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([i, n]) => ({
          micros: Long.fromNumber(LATENCY_BOUNDS_MICROS[i] ?? 0),
          count: Long.fromNumber(n),
        }));
    }
    row["latency"] = Long.fromNumber(Math.round(cell?.latency ?? 0));
    row["ops"] = Long.fromNumber(cell?.ops ?? 0);
    out[kind] = row;
  }
  return out;
}
