/**
 * The command registry: ONE alphabetical list of every command spec, and name/alias lookup.
 * Adding a command = one file under a family folder + one line here.
 */
import type { AnyCommandSpec } from "./spec.ts";
import { isAction } from "../auth/actions.ts";
import { authenticate } from "./auth/authenticate.ts";
import { createRole, updateRole } from "./auth/create_role.ts";
import { dropAllRolesFromDatabase, dropRole } from "./auth/drop_role.ts";
import {
  grantPrivilegesToRole,
  grantRolesToRole,
  revokePrivilegesFromRole,
  revokeRolesFromRole,
} from "./auth/grant_to_role.ts";
import { rolesInfo } from "./auth/roles_info.ts";
import { createUser } from "./auth/create_user.ts";
import { dropAllUsersFromDatabase, dropUser } from "./auth/drop_user.ts";
import { grantRolesToUser, revokeRolesFromUser } from "./auth/grant_roles_to_user.ts";
import { logout } from "./auth/logout.ts";
import { mergeAuthzCollections } from "./auth/merge_authz_collections.ts";
import { mapReduce } from "./aggregate/map_reduce.ts";
import { saslContinue } from "./auth/sasl_continue.ts";
import { saslStart } from "./auth/sasl_start.ts";
import { updateUser } from "./auth/update_user.ts";
import { usersInfo } from "./auth/users_info.ts";
import { abortTransaction } from "./sessions/abort_transaction.ts";
import { aggregate } from "./aggregate/aggregate.ts";
import { applyOps } from "./admin/apply_ops.ts";
import { buildInfo } from "./handshake/build_info.ts";
import { bulkWrite } from "./crud/bulk_write.ts";
import { commitTransaction } from "./sessions/commit_transaction.ts";
import { cloneCollectionAsCapped } from "./ddl/clone_collection_as_capped.ts";
import { collMod } from "./ddl/coll_mod.ts";
import { convertToCapped } from "./ddl/convert_to_capped.ts";
import { collStats, dbStats } from "./ddl/coll_stats.ts";
import { configureFailPoint } from "./admin/configure_fail_point.ts";
import { testVersion2 } from "./admin/test_version2.ts";
import { connectionStatus } from "./handshake/connection_status.ts";
import { count } from "./crud/count.ts";
import { currentOp } from "./admin/current_op.ts";
import { getDefaultRWConcern, setDefaultRWConcern } from "./admin/default_rw_concern.ts";
import { killOp } from "./admin/kill_op.ts";
import { pruneOplog } from "./admin/prune_oplog.ts";
import { pruneTtl } from "./admin/prune_ttl.ts";
import { create } from "./ddl/create.ts";
import { createIndexes } from "./ddl/create_indexes.ts";
import { del } from "./crud/delete.ts";
import { distinct } from "./crud/distinct.ts";
import { drop } from "./ddl/drop.ts";
import { dropDatabase } from "./ddl/drop_database.ts";
import { dropIndexes } from "./ddl/drop_indexes.ts";
import { endSessions } from "./sessions/end_sessions.ts";
import { explain } from "./crud/explain.ts";
import { find } from "./crud/find.ts";
import { findAndModify } from "./crud/find_and_modify.ts";
import { getCmdLineOpts } from "./handshake/get_cmd_line_opts.ts";
import { getLog } from "./handshake/get_log.ts";
import { getMore } from "./crud/get_more.ts";
import { getParameter } from "./handshake/get_parameter.ts";
import { hello, isMaster } from "./handshake/hello.ts";
import { hostInfo } from "./handshake/host_info.ts";
import { insert } from "./crud/insert.ts";
import { killCursors } from "./crud/kill_cursors.ts";
import { killAllSessionsByPattern } from "./sessions/kill_all_sessions_by_pattern.ts";
import { killAllSessions } from "./sessions/kill_all_sessions.ts";
import { killSessions } from "./sessions/kill_sessions.ts";
import { listCollections } from "./ddl/list_collections.ts";
import { listCommands } from "./handshake/list_commands.ts";
import { listDatabases } from "./ddl/list_databases.ts";
import { listIndexes } from "./ddl/list_indexes.ts";
import { renameCollection } from "./ddl/rename_collection.ts";
import { ping } from "./handshake/ping.ts";
import { refreshSessions } from "./sessions/refresh_sessions.ts";
import { serverStatus } from "./admin/server_status.ts";
import { startSession } from "./sessions/start_session.ts";
import { update } from "./crud/update.ts";
import { whatsmyuri } from "./handshake/whatsmyuri.ts";
import { backupArchive } from "./admin/backup_archive.ts";
import { fsync, fsyncUnlock } from "./admin/fsync.ts";
import { logRotate } from "./admin/log_rotate.ts";
import { profile } from "./admin/profile.ts";
import { replSetGetStatus } from "./admin/repl_set_get_status.ts";
import { restoreArchiveCommand } from "./admin/restore_archive.ts";
import { setParameter } from "./admin/set_parameter.ts";
import { setFeatureCompatibilityVersion } from "./admin/set_feature_compatibility_version.ts";
import { top } from "./admin/top.ts";
import { validate } from "./admin/validate.ts";

export const COMMANDS: readonly AnyCommandSpec[] = checkedRegistry([
  abortTransaction,
  aggregate,
  applyOps,
  authenticate,
  backupArchive,
  buildInfo,
  bulkWrite,
  cloneCollectionAsCapped,
  collMod,
  collStats,
  commitTransaction,
  configureFailPoint,
  connectionStatus,
  convertToCapped,
  count,
  create,
  createIndexes,
  createRole,
  createUser,
  currentOp,
  dbStats,
  del,
  distinct,
  drop,
  dropAllRolesFromDatabase,
  dropAllUsersFromDatabase,
  dropDatabase,
  dropIndexes,
  dropRole,
  dropUser,
  endSessions,
  explain,
  find,
  findAndModify,
  fsync,
  fsyncUnlock,
  getCmdLineOpts,
  getDefaultRWConcern,
  getLog,
  getMore,
  getParameter,
  grantPrivilegesToRole,
  grantRolesToRole,
  grantRolesToUser,
  hello,
  hostInfo,
  insert,
  isMaster,
  killAllSessions,
  killAllSessionsByPattern,
  killCursors,
  killOp,
  killSessions,
  listCollections,
  listCommands,
  listDatabases,
  listIndexes,
  logRotate,
  logout,
  mapReduce,
  mergeAuthzCollections,
  ping,
  profile,
  pruneOplog,
  pruneTtl,
  refreshSessions,
  renameCollection,
  replSetGetStatus,
  restoreArchiveCommand,
  revokePrivilegesFromRole,
  revokeRolesFromRole,
  revokeRolesFromUser,
  rolesInfo,
  saslContinue,
  saslStart,
  serverStatus,
  setDefaultRWConcern,
  setFeatureCompatibilityVersion,
  setParameter,
  startSession,
  testVersion2,
  top,
  update,
  updateRole,
  updateUser,
  usersInfo,
  validate,
  whatsmyuri,
]);

/**
 * Fail-closed: a spec without a known authorization action, or a duplicate name, stops the server
 * at start-up (a test walks the registry too).
 */
function checkedRegistry(specs: AnyCommandSpec[]): readonly AnyCommandSpec[] {
  const seen = new Set<string>();
  for (const s of specs) {
    if (!isAction((s as { auth?: unknown }).auth)) {
      throw new Error(`command ${s.name} declares no known authorization action`);
    }
    for (const n of [s.name, ...(s.aliases ?? [])]) {
      if (seen.has(n)) throw new Error(`command name ${n} registered twice`);
      seen.add(n);
    }
  }
  return specs;
}

const BY_NAME = new Map<string, AnyCommandSpec>();
for (const c of COMMANDS) {
  BY_NAME.set(c.name, c);
  for (const a of c.aliases ?? []) BY_NAME.set(a, c);
}

export function lookupCommand(name: string): AnyCommandSpec | undefined {
  return BY_NAME.get(name);
}
