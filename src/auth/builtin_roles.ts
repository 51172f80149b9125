/**
 * MongoDB's built-in roles and their privilege sets (mongod 8.0's role table, restated here as
 * facts: which actions each role grants on which resources, and which roles it inherits). Roles
 * whose privileges concern sharding, time-series buckets or replication internals keep the actions
 * mongod grants even where this server has no command using them, so `rolesInfo` and
 * `connectionStatus` print what mongod prints. Database roles exist in every database; the
 * *AnyDatabase and cluster roles only in `admin`. `__system` holds every privilege and is never
 * grantable. Pure.
 */
import type { Privilege, Resource } from "./privileges.ts";

export interface RoleName {
  readonly role: string;
  readonly db: string;
}

export interface RoleDefinition {
  readonly roles: readonly RoleName[];
  readonly privileges: readonly Privilege[];
}

const READ = [
  "changeStream",
  "collStats",
  "dbHash",
  "dbStats",
  "find",
  "killCursors",
  "listCollections",
  "listIndexes",
  "listSearchIndexes",
  "planCacheRead",
];
const READ_WRITE = [
  ...READ,
  "cleanupStructuredEncryptionData",
  "compactStructuredEncryptionData",
  "convertToCapped",
  "createCollection",
  "createIndex",
  "createSearchIndexes",
  "dropCollection",
  "dropIndex",
  "dropSearchIndex",
  "insert",
  "remove",
  "renameCollectionSameDB",
  "update",
  "updateSearchIndex",
];
const USER_ADMIN = [
  "changeCustomData",
  "changePassword",
  "createRole",
  "createUser",
  "dropRole",
  "dropUser",
  "grantRole",
  "revokeRole",
  "setAuthenticationRestriction",
  "viewRole",
  "viewUser",
];
const DB_ADMIN = [
  "analyze",
  "bypassDocumentValidation",
  "collMod",
  "collStats",
  "compact",
  "convertToCapped",
  "createCollection",
  "createIndex",
  "createSearchIndexes",
  "dbStats",
  "dropCollection",
  "dropDatabase",
  "dropIndex",
  "dropSearchIndex",
  "enableProfiler",
  "listCollections",
  "listIndexes",
  "listSearchIndexes",
  "planCacheIndexFilter",
  "planCacheRead",
  "planCacheWrite",
  "reIndex",
  "renameCollectionSameDB",
  "storageDetails",
  "updateSearchIndex",
  "validate",
];
const PROFILE_ACTIONS = [...READ, "convertToCapped", "createCollection", "dropCollection"];
const CLUSTER_MONITOR_CLUSTER = [
  "allCollectionStats",
  "connPoolStats",
  "getCmdLineOpts",
  "getDefaultRWConcern",
  "getLog",
  "getParameter",
  "getShardMap",
  "hostInfo",
  "inprog",
  "listDatabases",
  "listSampledQueries",
  "listSessions",
  "listShards",
  "netstat",
  "operationMetrics",
  "replSetGetConfig",
  "replSetGetStatus",
  "serverStatus",
  "shardedDataDistribution",
  "shardingState",
  "top",
  "useUUID",
];
const CLUSTER_MONITOR_DB = ["collStats", "dbStats", "getDatabaseVersion", "getShardVersion", "indexStats"];
const HOST_MANAGER_CLUSTER = [
  "applicationMessage",
  "auditConfigure",
  "compact",
  "connPoolSync",
  "dropConnections",
  "flushRouterConfig",
  "fsync",
  "invalidateUserCache",
  "killAnyCursor",
  "killAnySession",
  "killop",
  "logRotate",
  "oidReset",
  "oidcListKeys",
  "oidcRefreshKeys",
  "replSetResizeOplog",
  "resync",
  "rotateCertificates",
  "setParameter",
  "shutdown",
  "touch",
  "trafficRecord",
  "unlock",
];
const CLUSTER_MANAGER_CLUSTER = [
  "addShard",
  "appendOplogNote",
  "applicationMessage",
  "checkMetadataConsistency",
  "cleanupOrphaned",
  "flushRouterConfig",
  "getChangeStreamState",
  "getClusterParameter",
  "getDefaultRWConcern",
  "listSessions",
  "listShards",
  "querySettings",
  "queryStatsRead",
  "queryStatsReadTransformed",
  "removeShard",
  "replSetConfigure",
  "replSetGetConfig",
  "replSetGetStatus",
  "replSetStateChange",
  "resync",
  "runTenantMigration",
  "setChangeStreamState",
  "setClusterParameter",
  "setDefaultRWConcern",
  "setFeatureCompatibilityVersion",
  "transitionFromDedicatedConfigServer",
  "transitionToDedicatedConfigServer",
];
const CLUSTER_MANAGER_DB = [
  "analyzeShardKey",
  "clearJumboFlag",
  "configureQueryAnalyzer",
  "enableSharding",
  "moveChunk",
  "moveCollection",
  "refineCollectionShardKey",
  "reshardCollection",
  "splitChunk",
  "splitVector",
];
const RESTORE_WRITE = [
  "bypassDocumentValidation",
  "collMod",
  "convertToCapped",
  "createCollection",
  "createIndex",
  "createSearchIndexes",
  "dropCollection",
  "insert",
  "updateSearchIndex",
];

const CLUSTER: Resource = { cluster: true };
const ANY: Resource = { anyResource: true };
const ns = (db: string, collection: string): Resource => ({ db, collection });
const p = (resource: Resource, actions: readonly string[]): Privilege => ({ resource, actions });
/** mongod's any_system_buckets: every `system.buckets.*` namespace of every database. */
const ANY_BUCKETS: Resource = { db: "", system_buckets: "" };

/** Roles that exist in every database (their resources are that database). */
const DATABASE_ROLES: Record<string, (db: string) => RoleDefinition> = {
  read: (db) => ({ roles: [], privileges: [p(ns(db, ""), READ), p(ns(db, "system.js"), READ)] }),
  readWrite: (db) => ({
    roles: [],
    privileges: [p(ns(db, ""), READ_WRITE), p(ns(db, "system.js"), READ_WRITE)],
  }),
  userAdmin: (db) => ({ roles: [], privileges: [p(ns(db, ""), USER_ADMIN)] }),
  dbAdmin: (db) => ({
    roles: [],
    privileges: [
      p(ns(db, ""), [...DB_ADMIN, "configureQueryAnalyzer"]),
      p(ns(db, "system.profile"), PROFILE_ACTIONS),
    ],
  }),
  dbOwner: (db) => ({
    roles: [{ role: "readWrite", db }, { role: "dbAdmin", db }, { role: "userAdmin", db }],
    privileges: [],
  }),
  enableSharding: () => ({
    roles: [],
    privileges: [
      p(ns("", ""), [
        "analyzeShardKey",
        "enableSharding",
        "moveCollection",
        "refineCollectionShardKey",
        "reshardCollection",
      ]),
    ],
  }),
};

const A = "admin";

/** Roles that exist only in `admin`. */
const ADMIN_ROLES: Record<string, RoleDefinition> = {
  readAnyDatabase: {
    roles: [],
    privileges: [
      p(ns("", ""), READ),
      p(CLUSTER, ["listDatabases"]),
      p(ns("", "system.js"), READ),
      p(ANY_BUCKETS, READ),
    ],
  },
  readWriteAnyDatabase: {
    roles: [{ role: "readAnyDatabase", db: A }],
    privileges: [p(ns("", ""), READ_WRITE), p(ns("", "system.js"), READ_WRITE), p(ANY_BUCKETS, READ_WRITE)],
  },
  userAdminAnyDatabase: {
    roles: [],
    privileges: [
      p(ns("", ""), [...USER_ADMIN, "listCachedAndActiveUsers"]),
      p(ns("local", ""), USER_ADMIN),
      p(ns("config", ""), USER_ADMIN),
      p(CLUSTER, ["authSchemaUpgrade", "invalidateUserCache", "listDatabases", "viewUser"]),
      p(ns(A, "system.users"), [
        ...READ,
        "createIndex",
        "createSearchIndexes",
        "dropIndex",
        "dropSearchIndex",
      ]),
      p(ns(A, "system.roles"), [
        ...READ,
        "createIndex",
        "createSearchIndexes",
        "dropIndex",
        "dropSearchIndex",
      ]),
      p(ns("", "system.users"), READ),
      p(ns(A, "system.version"), READ),
      p(ns(A, "system.backup_users"), READ),
    ],
  },
  dbAdminAnyDatabase: {
    roles: [],
    privileges: [
      p(CLUSTER, ["applyOps", "listDatabases"]),
      p(ns("", ""), [...DB_ADMIN, "configureQueryAnalyzer"]),
      p(ns("", "system.profile"), PROFILE_ACTIONS),
      p(ANY_BUCKETS, DB_ADMIN),
    ],
  },
  clusterMonitor: {
    roles: [{ role: "read", db: "config" }, { role: "read", db: "local" }],
    privileges: [
      p(CLUSTER, CLUSTER_MONITOR_CLUSTER),
      p(ns("", ""), CLUSTER_MONITOR_DB),
      p(ns("config", ""), CLUSTER_MONITOR_DB),
      p(ns("config", "system.sessions"), CLUSTER_MONITOR_DB),
      p(ns("local", ""), CLUSTER_MONITOR_DB),
      p(ns("local", "system.replset"), ["find"]),
      p(ns("local", "replset.election"), ["find"]),
      p(ns("local", "replset.minvalid"), ["find"]),
      p(ns("", "system.profile"), ["find"]),
    ],
  },
  hostManager: {
    roles: [],
    privileges: [p(CLUSTER, HOST_MANAGER_CLUSTER), p(ns("", ""), ["compact", "killCursors"])],
  },
  clusterManager: {
    roles: [{ role: "read", db: "config" }],
    privileges: [
      p(CLUSTER, CLUSTER_MANAGER_CLUSTER),
      p(ns("", ""), CLUSTER_MANAGER_DB),
      p(ANY_BUCKETS, CLUSTER_MANAGER_DB),
      p(ns("config", ""), [...CLUSTER_MANAGER_DB, "insert", "remove", "update"]),
      p(ns("local", ""), [...CLUSTER_MANAGER_DB, "insert", "remove", "update"]),
      p(ns("local", "system.replset"), READ),
      p(ANY, ["dbCheck"]),
      p(CLUSTER, ["secantusOplogAdmin", "secantusTtlAdmin"]),
      p(ns("local", "system.healthlog"), READ),
      p(ns("local", "replset.election"), ["insert", "remove", "update"]),
      p(ns("local", "replset.minvalid"), ["insert", "remove", "update"]),
    ],
  },
  clusterAdmin: {
    roles: [
      { role: "clusterMonitor", db: A },
      { role: "hostManager", db: A },
      { role: "clusterManager", db: A },
    ],
    privileges: [p(ns("", ""), ["dropDatabase"]), p(ANY, ["exportCollection", "importCollection"])],
  },
  __queryableBackup: {
    roles: [],
    privileges: [
      p(ANY, ["collStats", "listCollections", "listIndexes", "listSearchIndexes"]),
      p(ns("", ""), ["find"]),
      p(ANY_BUCKETS, ["find"]),
      p(CLUSTER, ["getParameter", "listDatabases", "useUUID"]),
      p(ns("config", ""), ["find"]),
      p(ns("local", ""), ["find"]),
      p(ns("local", "replset.election"), ["find"]),
      p(ns("local", "replset.minvalid"), ["find"]),
      p(ns("", "system.js"), ["find"]),
      p(ns("", "system.users"), ["find"]),
      p(ns("", "system.profile"), ["find"]),
      p(ns(A, "system.backup_users"), ["find"]),
      p(ns(A, "system.roles"), ["find"]),
      p(ns(A, "system.version"), ["find"]),
      p(ns("config", "settings"), ["find"]),
    ],
  },
  backup: {
    roles: [{ role: "__queryableBackup", db: A }],
    privileges: [
      p(CLUSTER, ["appendOplogNote", "secantusBackup", "serverStatus", "setUserWriteBlockMode"]),
      p(ns("config", "settings"), ["insert", "update"]),
    ],
  },
  restore: {
    roles: [],
    privileges: [
      p(CLUSTER, [
        "applyOps",
        "bypassWriteBlockingMode",
        "forceUUID",
        "getParameter",
        "secantusRestore",
        "setUserWriteBlockMode",
        "useUUID",
      ]),
      p(ns("local", ""), RESTORE_WRITE),
      p(ns("config", ""), RESTORE_WRITE),
      p(ANY_BUCKETS, RESTORE_WRITE),
      p(ns("local", "system.replset"), RESTORE_WRITE),
      p(ns("local", "replset.election"), RESTORE_WRITE),
      p(ns("local", "replset.minvalid"), RESTORE_WRITE),
      p(ANY, ["listCollections"]),
      p(ns("", ""), [...RESTORE_WRITE, ...USER_ADMIN]),
      p(ns("", "system.js"), RESTORE_WRITE),
      p(ns(A, "tempusers"), ["find"]),
      p(ns(A, "temproles"), ["find"]),
      p(ns(A, "system.backup_users"), RESTORE_WRITE),
      p(ns(A, "system.version"), [...RESTORE_WRITE, "find"]),
      p(ns("", "system.users"), [...RESTORE_WRITE, "find", "remove", "update"]),
      p(ns(A, "system.roles"), ["createIndex"]),
    ],
  },
  directShardOperations: { roles: [], privileges: [p(CLUSTER, ["issueDirectShardOperations"])] },
  root: {
    roles: [
      { role: "clusterAdmin", db: A },
      { role: "userAdminAnyDatabase", db: A },
      { role: "dbAdminAnyDatabase", db: A },
      { role: "readWriteAnyDatabase", db: A },
      { role: "backup", db: A },
      { role: "restore", db: A },
      { role: "directShardOperations", db: A },
    ],
    privileges: [
      p(ANY, ["validate"]),
      p(CLUSTER, ["useTenant"]),
      p(ns("config", "system.preimages"), ["find", "remove"]),
      p(ns("config", "system.change_collection"), ["find", "insert", "remove", "update"]),
    ],
  },
};

/** The internal superuser role: every action on every resource. Never grantable. */
export const SYSTEM_ROLE: RoleName = { role: "__system", db: A };

/** The built-in role `role@db`, or undefined when there is none by that name in that database. */
export function builtinRole(name: RoleName, allActions: readonly string[]): RoleDefinition | undefined {
  if (name.role === "__system" && name.db === A) {
    return { roles: [], privileges: [p(ANY, allActions), p(CLUSTER, allActions)] };
  }
  const dbRole = Object.hasOwn(DATABASE_ROLES, name.role) ? DATABASE_ROLES[name.role] : undefined;
  if (dbRole) return dbRole(name.db);
  if (name.db === A && Object.hasOwn(ADMIN_ROLES, name.role)) return ADMIN_ROLES[name.role];
  return undefined;
}

export function isBuiltinRole(name: RoleName): boolean {
  return builtinRole(name, []) !== undefined;
}

/** Built-in role names in `db` (rolesInfo showBuiltinRoles), `__system` excluded. */
export function builtinRoleNames(db: string): string[] {
  const names = Object.keys(DATABASE_ROLES);
  if (db === A) names.push(...Object.keys(ADMIN_ROLES).filter((n) => !n.startsWith("__")));
  return names.sort();
}
