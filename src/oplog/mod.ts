/**
 * The oplog (to come: a storage decorator appending entries in the same WT transaction as the data,
 * readers, retention) and the one monotonic cluster clock that feeds `$clusterTime`,
 * `operationTime` and, later, oplog timestamps. May import: storage, bson, errors. Imported by:
 * commands, app.
 */
export { ClusterClock } from "./cluster_clock.ts";
