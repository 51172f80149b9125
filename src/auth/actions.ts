/**
 * The privilege actions commands declare (MongoDB's action types, the subset our commands need).
 * Every command spec names one; the registry refuses a spec whose action is not listed here, and
 * dispatch asks the authorizer for it before running — fail-closed: there is no "unchecked" action.
 * `none` marks the few commands allowed before authentication (hello, ping, saslStart, …).
 * `authenticated` is not a MongoDB action type but mongod's rule for commands that need a logged-in
 * user and no privilege (startSession, refreshSessions, killSessions of one's own sessions,
 * commitTransaction, abortTransaction).
 */
export const ACTIONS = [
  "none",
  "authenticated",
  "find",
  "insert",
  "update",
  "remove",
  "createCollection",
  "createIndex",
  "dropCollection",
  "dropIndex",
  "dropDatabase",
  "collMod",
  "convertToCapped",
  "collStats",
  "dbStats",
  "listDatabases",
  "listCollections",
  "listIndexes",
  "serverStatus",
  "hostInfo",
  "getCmdLineOpts",
  "getLog",
  "getParameter",
  "killCursors",
  "killAnySession",
  "bypassDocumentValidation",
  "configureFailPoint",
  "inprog",
  "killop",
  "getDefaultRWConcern",
  "setDefaultRWConcern",
  "listSessions",
  "renameCollectionSameDB",
  "enableProfiler",
  "top",
  "validate",
  "compact",
  "getClusterParameter",
  "setClusterParameter",
  "rotateCertificates",
  "shutdown",
  "planCacheWrite",
  "replSetGetConfig",
  "replSetConfigure",
  "replSetStateChange",
  "connPoolStats",
  "shardingState",
  "reIndex",
  "createSearchIndexes",
  "dropSearchIndex",
  "updateSearchIndex",
  "dbHash",
  "fsync",
  "unlock",
  "setParameter",
  "setFeatureCompatibilityVersion",
  "replSetGetStatus",
  "logRotate",
  "secantusBackup",
  "secantusRestore",
  "applyOps",
  "appendOplogNote",
  "secantusOplogAdmin",
  "secantusTtlAdmin",
  "createUser",
  "dropUser",
  "viewUser",
  "grantRole",
  "revokeRole",
  "changePassword",
  "createRole",
  "dropRole",
  "viewRole",
] as const;

export type Action = typeof ACTIONS[number];

const KNOWN: ReadonlySet<string> = new Set(ACTIONS);

export function isAction(v: unknown): v is Action {
  return typeof v === "string" && KNOWN.has(v);
}
