/**
 * Operation rates from two `serverStatus` samples: per-second deltas of mongod's `opcounters`
 * (insert, query, update, delete, getmore, command). A counter that went down (server restarted) gives
 * no rate for that sample rather than a negative one.
 */
export const RATE_FIELDS = ["insert", "query", "update", "delete", "getmore", "command"] as const;
export type RateField = typeof RATE_FIELDS[number];

export interface Sample {
  /** milliseconds (any clock, only differences matter) */
  at: number;
  counters: Partial<Record<RateField, number>>;
}

/** `serverStatus.opcounters` (numbers, Long or Int32 wrappers) → plain numbers. */
export function countersOf(status: Record<string, unknown>): Sample["counters"] {
  const oc = (status["opcounters"] ?? {}) as Record<string, unknown>;
  const out: Sample["counters"] = {};
  for (const f of RATE_FIELDS) {
    const v = oc[f];
    if (v !== undefined && v !== null) {
      const n = Number(v as number);
      if (Number.isFinite(n)) out[f] = n;
    }
  }
  return out;
}

/** Per-second rates between two samples; null when no time passed or a counter went backwards. */
export function rates(prev: Sample, cur: Sample): Partial<Record<RateField, number>> | null {
  const dt = (cur.at - prev.at) / 1000;
  if (!(dt > 0)) return null;
  const out: Partial<Record<RateField, number>> = {};
  for (const f of RATE_FIELDS) {
    const a = prev.counters[f];
    const b = cur.counters[f];
    if (a === undefined || b === undefined) continue;
    if (b < a) return null;
    out[f] = Math.round(((b - a) / dt) * 10) / 10;
  }
  return out;
}
