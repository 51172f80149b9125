/**
 * What one operation examined and returned, filled in by the commands that know (find, getMore,
 * count, distinct, aggregate, writes) and read by dispatch for the profiler, the slow-query log line
 * and `top`. Plain mutable fields; absent = the command did not say.
 */
export interface OpStats {
  /** The namespace the operation worked on ("db.coll"). */
  ns?: string;
  keysExamined?: number;
  docsExamined?: number;
  nreturned?: number;
  /**
   * mongod's planSummary ("COLLSCAN", "IXSCAN { a: 1 }", "IDHACK"), or what makes it when it is read
   * (a write records its plan at every statement; few are profiled or logged).
   */
  planSummary?: string | (() => string);
  /** Write figures (mongod's profiler names), summed over the command's statements. */
  ninserted?: number;
  nMatched?: number;
  nModified?: number;
  nUpserted?: number;
  ndeleted?: number;
  /** Index entries the writes added / removed (counted by the storage transaction). */
  keysInserted?: number;
  keysDeleted?: number;
  /** A blocking stage or sort wrote to disk (mongod's profiler / slow-query `usedDisk`). */
  usedDisk?: boolean;
  /** The cursor an operation left open (or a getMore read from). */
  cursorid?: bigint;
  /** A getMore: the cursor ended with this batch. */
  cursorExhausted?: boolean;
  /** A getMore: the command that opened its cursor, as it was sent (copied only into an entry). */
  originatingCommand?: Readonly<Record<string, unknown>>;
  /**
   * An update or delete command, when its database profiles: one record per statement run (mongod
   * profiles each statement as an operation of its own).
   */
  statements?: StatementStats[];
  /** While such a statement runs: its own figures (write/write_figures.ts `addFigure`). */
  statement?: OpStats | undefined;
}

/** One update / delete statement's own figures (`OpStats.statements`). */
export interface StatementStats {
  /** Its index in the command's `updates` / `deletes`. */
  readonly index: number;
  readonly micros: number;
  /** Its figures (the OpStats fields it moved) and plan. */
  readonly stats: OpStats;
  readonly numYield: number;
  /** The error it failed with, if it did. */
  readonly error?: unknown;
}
