/**
 * The oplog: a storage write hook appending mongod-shaped entries in the same WT transaction as the
 * data (`writer.ts`), the service that reads, waits on, prunes and heartbeats it (`oplog.ts`), the
 * `$v: 2` update diffs it records (`bson/doc_diff.ts`), and the one monotonic cluster clock that feeds
 * `$clusterTime`, `operationTime`, `hello.lastWrite` and oplog timestamps. May import: storage, bson,
 * errors. Imported by: changestreams, commands, app.
 */
export { ClusterClock } from "./cluster_clock.ts";
export { Oplog, type OplogOptions, type RawEntry } from "./oplog.ts";
export { keyTs, OPLOG_NS, type OplogEntry, tsKey } from "./entry.ts";
export { applyDiff, computeDiff } from "../bson/doc_diff.ts";
