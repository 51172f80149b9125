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
  /** Write figures (mongod's profiler names). */
  ninserted?: number;
  nMatched?: number;
  nModified?: number;
  ndeleted?: number;
  /** A blocking stage or sort wrote to disk (mongod's profiler / slow-query `usedDisk`). */
  usedDisk?: boolean;
  /** The cursor an operation left open. */
  cursorid?: bigint;
}
