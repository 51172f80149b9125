/**
 * Command latency histograms (Prometheus `secantusdb_command_duration_seconds`), one per operation
 * kind (query, getmore, insert, update, delete, command), with fixed bucket bounds in seconds.
 */

export const LATENCY_BUCKETS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

export interface Histogram {
  /** Cumulative counts per bound of LATENCY_BUCKETS (le), as Prometheus exposes them. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class LatencyHistograms {
  readonly #byKind = new Map<string, Histogram>();

  observe(kind: string, seconds: number): void {
    let h = this.#byKind.get(kind);
    if (!h) this.#byKind.set(kind, h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 });
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  entries(): ReadonlyMap<string, Histogram> {
    return this.#byKind;
  }
}
