/**
 * Per-namespace usage totals for the `top` command: time (microseconds) and count per operation
 * kind, with mongod's field names (total, readLock, writeLock, queries, getmore, insert, update,
 * remove, commands).
 */

export interface TopCell {
  time: number;
  count: number;
}

export const TOP_FIELDS = [
  "total",
  "readLock",
  "writeLock",
  "queries",
  "getmore",
  "insert",
  "update",
  "remove",
  "commands",
] as const;
export type TopField = typeof TOP_FIELDS[number];
export type TopEntry = Record<TopField, TopCell>;

/** Which `top` row (besides total and the lock row) a command counts in. */
export function topKind(command: string): TopField {
  switch (command) {
    case "find":
      return "queries";
    case "getMore":
      return "getmore";
    case "insert":
      return "insert";
    case "update":
    case "findAndModify":
      return "update";
    case "delete":
      return "remove";
    default:
      return "commands";
  }
}

const WRITES: ReadonlySet<TopField> = new Set(["insert", "update", "remove"]);

export class Top {
  readonly #entries = new Map<string, TopEntry>();

  record(ns: string, command: string, micros: number, isWrite = false): void {
    let e = this.#entries.get(ns);
    if (!e) {
      e = {} as TopEntry;
      for (const f of TOP_FIELDS) e[f] = { time: 0, count: 0 };
      this.#entries.set(ns, e);
    }
    const kind = topKind(command);
    const lock = isWrite || WRITES.has(kind) ? "writeLock" : "readLock";
    for (const f of ["total", lock, kind] as const) {
      e[f].time += micros;
      e[f].count++;
    }
  }

  /** Forget a namespace (dropped collection). */
  forget(ns: string): void {
    this.#entries.delete(ns);
  }

  entries(): ReadonlyMap<string, TopEntry> {
    return this.#entries;
  }
}
