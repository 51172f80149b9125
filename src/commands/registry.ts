/**
 * The command registry: ONE alphabetical list of every command — its name and aliases, and where its
 * spec lives — and name/alias lookup. A command's module (its parse, run and everything they import)
 * is loaded on the command's first call (`loadCommand`), not at start-up: the server answers its
 * first ping without evaluating the hundreds of modules behind the other commands (issue 18, cold
 * start). Adding a command = one file under a family folder + one line here.
 *
 * A loaded spec is checked fail-closed (a known authorization action; the name and aliases it
 * declares are the ones listed here); `registry_test.ts` loads every command and checks them all.
 */
import type { AnyCommandSpec } from "./spec.ts";
import { isAction } from "../auth/actions.ts";

interface Entry {
  /** The command's name, then its aliases, exactly as its spec declares them. */
  readonly names: readonly string[];
  readonly load: () => Promise<AnyCommandSpec>;
  /** Its parse or authorization looks up other commands (explain, applyOps) or lists them all. */
  readonly nested: boolean;
}

/** Marks an entry whose command needs every other command loaded (see `loadCommand`). */
const NESTED = true;

function entry(names: string[], load: () => Promise<AnyCommandSpec>, nested = false): Entry {
  return { names, load, nested };
}

const ENTRIES: readonly Entry[] = [
  entry(["abortTransaction"], async () => (await import("./sessions/abort_transaction.ts")).abortTransaction),
  entry(["aggregate"], async () => (await import("./aggregate/aggregate.ts")).aggregate),
  entry(["appendOplogNote"], async () => (await import("./admin/append_oplog_note.ts")).appendOplogNote),
  entry(["applyOps"], async () => (await import("./admin/apply_ops.ts")).applyOps, NESTED),
  entry(["authenticate"], async () => (await import("./auth/authenticate.ts")).authenticate),
  entry(["autoCompact"], async () => (await import("./admin/auto_compact.ts")).autoCompact),
  entry(
    ["secantusAdmin.backupArchive"],
    async () => (await import("./admin/backup_archive.ts")).backupArchive,
  ),
  entry(["buildInfo", "buildinfo"], async () => (await import("./handshake/build_info.ts")).buildInfo),
  entry(["bulkWrite"], async () => (await import("./crud/bulk_write.ts")).bulkWrite),
  entry(
    ["cloneCollectionAsCapped"],
    async () => (await import("./ddl/clone_collection_as_capped.ts")).cloneCollectionAsCapped,
  ),
  entry(["collMod"], async () => (await import("./ddl/coll_mod.ts")).collMod),
  entry(["collStats", "collstats"], async () => (await import("./ddl/coll_stats.ts")).collStats),
  entry(
    ["commitTransaction"],
    async () => (await import("./sessions/commit_transaction.ts")).commitTransaction,
  ),
  entry(["compact"], async () => (await import("./admin/compact.ts")).compact),
  entry(
    ["configureFailPoint"],
    async () => (await import("./admin/configure_fail_point.ts")).configureFailPoint,
  ),
  entry(
    ["connectionStatus"],
    async () => (await import("./handshake/connection_status.ts")).connectionStatus,
  ),
  entry(["connPoolStats"], async () => (await import("./admin/conn_pool_stats.ts")).connPoolStats),
  entry(["convertToCapped"], async () => (await import("./ddl/convert_to_capped.ts")).convertToCapped),
  entry(["count"], async () => (await import("./crud/count.ts")).count),
  entry(["create"], async () => (await import("./ddl/create.ts")).create),
  entry(["createIndexes"], async () => (await import("./ddl/create_indexes.ts")).createIndexes),
  entry(
    ["createSearchIndexes"],
    async () => (await import("./ddl/search_index_commands.ts")).createSearchIndexes,
  ),
  entry(["createRole"], async () => (await import("./auth/create_role.ts")).createRole),
  entry(["createUser"], async () => (await import("./auth/create_user.ts")).createUser),
  entry(["currentOp"], async () => (await import("./admin/current_op.ts")).currentOp),
  entry(["dataSize", "datasize"], async () => (await import("./admin/data_size.ts")).dataSize),
  entry(["dbHash", "dbhash"], async () => (await import("./admin/db_hash.ts")).dbHash),
  entry(["dbStats", "dbstats"], async () => (await import("./ddl/coll_stats.ts")).dbStats),
  entry(["delete"], async () => (await import("./crud/delete.ts")).del),
  entry(["distinct"], async () => (await import("./crud/distinct.ts")).distinct),
  entry(["drop"], async () => (await import("./ddl/drop.ts")).drop),
  entry(
    ["dropAllRolesFromDatabase"],
    async () => (await import("./auth/drop_role.ts")).dropAllRolesFromDatabase,
  ),
  entry(
    ["dropAllUsersFromDatabase"],
    async () => (await import("./auth/drop_user.ts")).dropAllUsersFromDatabase,
  ),
  entry(["dropDatabase"], async () => (await import("./ddl/drop_database.ts")).dropDatabase),
  entry(["dropIndexes", "deleteIndexes"], async () => (await import("./ddl/drop_indexes.ts")).dropIndexes),
  entry(["dropRole"], async () => (await import("./auth/drop_role.ts")).dropRole),
  entry(["dropSearchIndex"], async () => (await import("./ddl/search_index_commands.ts")).dropSearchIndex),
  entry(["dropUser"], async () => (await import("./auth/drop_user.ts")).dropUser),
  entry(["endSessions"], async () => (await import("./sessions/end_sessions.ts")).endSessions),
  entry(["explain"], async () => (await import("./crud/explain.ts")).explain, NESTED),
  entry(["find"], async () => (await import("./crud/find.ts")).find),
  entry(
    ["findAndModify", "findandmodify"],
    async () => (await import("./crud/find_and_modify.ts")).findAndModify,
  ),
  entry(["fsync"], async () => (await import("./admin/fsync.ts")).fsync),
  entry(["fsyncUnlock"], async () => (await import("./admin/fsync.ts")).fsyncUnlock),
  entry(
    ["getClusterParameter"],
    async () => (await import("./admin/cluster_parameter.ts")).getClusterParameter,
  ),
  entry(["getCmdLineOpts"], async () => (await import("./handshake/get_cmd_line_opts.ts")).getCmdLineOpts),
  entry(
    ["getDefaultRWConcern"],
    async () => (await import("./admin/default_rw_concern.ts")).getDefaultRWConcern,
  ),
  entry(["getLog"], async () => (await import("./handshake/get_log.ts")).getLog),
  entry(["getMore"], async () => (await import("./crud/get_more.ts")).getMore),
  entry(["getParameter"], async () => (await import("./handshake/get_parameter.ts")).getParameter),
  entry(
    ["grantPrivilegesToRole"],
    async () => (await import("./auth/grant_to_role.ts")).grantPrivilegesToRole,
  ),
  entry(["grantRolesToRole"], async () => (await import("./auth/grant_to_role.ts")).grantRolesToRole),
  entry(["grantRolesToUser"], async () => (await import("./auth/grant_roles_to_user.ts")).grantRolesToUser),
  entry(["hello"], async () => (await import("./handshake/hello.ts")).hello),
  entry(["hostInfo"], async () => (await import("./handshake/host_info.ts")).hostInfo),
  entry(["insert"], async () => (await import("./crud/insert.ts")).insert),
  entry(["isMaster", "ismaster"], async () => (await import("./handshake/hello.ts")).isMaster),
  entry(["killAllSessions"], async () => (await import("./sessions/kill_all_sessions.ts")).killAllSessions),
  entry(
    ["killAllSessionsByPattern"],
    async () => (await import("./sessions/kill_all_sessions_by_pattern.ts")).killAllSessionsByPattern,
  ),
  entry(["killCursors"], async () => (await import("./crud/kill_cursors.ts")).killCursors),
  entry(["killOp"], async () => (await import("./admin/kill_op.ts")).killOp),
  entry(["killSessions"], async () => (await import("./sessions/kill_sessions.ts")).killSessions),
  entry(["listCollections"], async () => (await import("./ddl/list_collections.ts")).listCollections),
  entry(["listCommands"], async () => (await import("./handshake/list_commands.ts")).listCommands, NESTED),
  entry(["listDatabases"], async () => (await import("./ddl/list_databases.ts")).listDatabases),
  entry(["listIndexes"], async () => (await import("./ddl/list_indexes.ts")).listIndexes),
  entry(["lockInfo"], async () => (await import("./admin/lock_info.ts")).lockInfo),
  entry(["logRotate"], async () => (await import("./admin/log_rotate.ts")).logRotate),
  entry(["logout"], async () => (await import("./auth/logout.ts")).logout),
  entry(["mapReduce", "mapreduce"], async () => (await import("./aggregate/map_reduce.ts")).mapReduce),
  entry(
    ["_mergeAuthzCollections"],
    async () => (await import("./auth/merge_authz_collections.ts")).mergeAuthzCollections,
  ),
  entry(["ping"], async () => (await import("./handshake/ping.ts")).ping),
  entry(["planCacheClear"], async () => (await import("./admin/plan_cache_clear.ts")).planCacheClear),
  entry(["profile"], async () => (await import("./admin/profile.ts")).profile),
  entry(["secantusAdmin.pruneOplog"], async () => (await import("./admin/prune_oplog.ts")).pruneOplog),
  entry(["secantusAdmin.pruneTtl"], async () => (await import("./admin/prune_ttl.ts")).pruneTtl),
  entry(["reIndex"], async () => (await import("./ddl/re_index.ts")).reIndex),
  entry(["refreshSessions"], async () => (await import("./sessions/refresh_sessions.ts")).refreshSessions),
  entry(["renameCollection"], async () => (await import("./ddl/rename_collection.ts")).renameCollection),
  entry(["replSetFreeze"], async () => (await import("./admin/repl_set_one_member.ts")).replSetFreeze),
  entry(["replSetGetConfig"], async () => (await import("./admin/repl_set_get_config.ts")).replSetGetConfig),
  entry(["replSetGetStatus"], async () => (await import("./admin/repl_set_get_status.ts")).replSetGetStatus),
  entry(["replSetInitiate"], async () => (await import("./admin/repl_set_initiate.ts")).replSetInitiate),
  entry(["replSetReconfig"], async () => (await import("./admin/repl_set_one_member.ts")).replSetReconfig),
  entry(["replSetStepDown"], async () => (await import("./admin/repl_set_step_down.ts")).replSetStepDown),
  entry(["replSetSyncFrom"], async () => (await import("./admin/repl_set_one_member.ts")).replSetSyncFrom),
  entry(
    ["secantusAdmin.restoreArchive"],
    async () => (await import("./admin/restore_archive.ts")).restoreArchiveCommand,
  ),
  entry(
    ["revokePrivilegesFromRole"],
    async () => (await import("./auth/grant_to_role.ts")).revokePrivilegesFromRole,
  ),
  entry(["revokeRolesFromRole"], async () => (await import("./auth/grant_to_role.ts")).revokeRolesFromRole),
  entry(
    ["revokeRolesFromUser"],
    async () => (await import("./auth/grant_roles_to_user.ts")).revokeRolesFromUser,
  ),
  entry(["rolesInfo"], async () => (await import("./auth/roles_info.ts")).rolesInfo),
  entry(
    ["rotateCertificates"],
    async () => (await import("./admin/rotate_certificates.ts")).rotateCertificates,
  ),
  entry(["saslContinue"], async () => (await import("./auth/sasl_continue.ts")).saslContinue),
  entry(["saslStart"], async () => (await import("./auth/sasl_start.ts")).saslStart),
  entry(["serverStatus"], async () => (await import("./admin/server_status.ts")).serverStatus),
  entry(
    ["setClusterParameter"],
    async () => (await import("./admin/cluster_parameter.ts")).setClusterParameter,
  ),
  entry(
    ["setDefaultRWConcern"],
    async () => (await import("./admin/default_rw_concern.ts")).setDefaultRWConcern,
  ),
  entry(
    ["setFeatureCompatibilityVersion"],
    async () => (await import("./admin/set_feature_compatibility_version.ts")).setFeatureCompatibilityVersion,
  ),
  entry(["setParameter"], async () => (await import("./admin/set_parameter.ts")).setParameter),
  entry(["shardingState"], async () => (await import("./admin/sharding_state.ts")).shardingState),
  entry(["shutdown"], async () => (await import("./admin/shutdown.ts")).shutdown),
  entry(["startSession"], async () => (await import("./sessions/start_session.ts")).startSession),
  entry(["testVersion2"], async () => (await import("./admin/test_version2.ts")).testVersion2),
  entry(["top"], async () => (await import("./admin/top.ts")).top),
  entry(["update"], async () => (await import("./crud/update.ts")).update),
  entry(
    ["updateSearchIndex"],
    async () => (await import("./ddl/search_index_commands.ts")).updateSearchIndex,
  ),
  entry(["updateRole"], async () => (await import("./auth/create_role.ts")).updateRole),
  entry(["updateUser"], async () => (await import("./auth/update_user.ts")).updateUser),
  entry(["usersInfo"], async () => (await import("./auth/users_info.ts")).usersInfo),
  entry(["validate"], async () => (await import("./admin/validate.ts")).validate),
  entry(["whatsmyuri"], async () => (await import("./handshake/whatsmyuri.ts")).whatsmyuri),
];

const ENTRY_BY_NAME = new Map<string, Entry>();
for (const e of ENTRIES) {
  for (const n of e.names) {
    if (ENTRY_BY_NAME.has(n)) throw new Error(`command name ${n} registered twice`);
    ENTRY_BY_NAME.set(n, e);
  }
}

/** Specs loaded so far, by name and alias. */
const LOADED = new Map<string, AnyCommandSpec>();
/** Loads in flight or done, per entry (two first calls of one command share one import). */
const LOADING = new Map<Entry, Promise<AnyCommandSpec>>();

/** Every registered name and alias, loaded or not. */
export function commandNames(): readonly string[] {
  return [...ENTRY_BY_NAME.keys()];
}

/** The command's spec if its module is loaded already (`loadCommand` loads it); undefined otherwise. */
export function lookupCommand(name: string): AnyCommandSpec | undefined {
  return LOADED.get(name);
}

/**
 * The command's spec, its module imported on first use; undefined for a name not registered. A command
 * that looks up others (explain's inner command, applyOps' ops) or lists them (listCommands) loads
 * every command first, so the synchronous `lookupCommand` its parse and authorization use finds them.
 */
export async function loadCommand(name: string): Promise<AnyCommandSpec | undefined> {
  const e = ENTRY_BY_NAME.get(name);
  if (!e) return undefined;
  if (!e.nested) return await loadEntry(e);
  await loadAllCommands();
  return LOADED.get(name);
}

/** The loaded commands' specs, in the registry's order (all of them once a NESTED command has run). */
export function loadedCommands(): readonly AnyCommandSpec[] {
  return ENTRIES.map((e) => LOADED.get(e.names[0]!)).filter((s) => s !== undefined);
}

/** Every command's spec, in the registry's order (imports the modules not loaded yet). */
export async function loadAllCommands(): Promise<readonly AnyCommandSpec[]> {
  const specs = await Promise.all(ENTRIES.map(loadEntry));
  // the NESTED commands become visible only now, when every command they look up is loaded
  ENTRIES.forEach((e, i) => {
    for (const n of e.names) LOADED.set(n, specs[i]!);
  });
  return specs;
}

/**
 * The module URLs of the commands not loaded yet, read from each loader's `import("./…")` (one list, no
 * second copy of the paths to keep in step); a loader whose source shows none is left out, so it
 * loads on its own. For the warm-up's batched fetch (commands/warm_up.ts).
 */
export function unloadedCommandModules(): string[] {
  const urls: string[] = [];
  for (const e of ENTRIES) {
    if (LOADING.has(e)) continue;
    const path = /import\(\s*"(\.\.?\/[^"]+)"\s*\)/.exec(String(e.load))?.[1];
    if (path !== undefined) urls.push(new URL(path, import.meta.url).href);
  }
  return [...new Set(urls)];
}

/**
 * Loads the commands not loaded yet one module at a time (each import awaited, so requests that arrive
 * meanwhile are served between them), then makes the NESTED ones visible; before each module
 * `proceed()` says whether to go on (false: stop here). The server's background warm-up after start
 * (commands/warm_up.ts).
 */
export async function loadCommandsInTurn(proceed: () => Promise<boolean>): Promise<void> {
  for (const e of ENTRIES) {
    if (LOADING.has(e)) continue;
    if (!await proceed()) return;
    await loadEntry(e).catch(() => {}); // a failing module fails its own calls
  }
  if (await proceed()) await loadAllCommands().catch(() => {});
}

function loadEntry(e: Entry): Promise<AnyCommandSpec> {
  let p = LOADING.get(e);
  if (!p) {
    p = e.load().then((spec) => checked(e, spec));
    LOADING.set(e, p);
    // a failed load is not cached: the next call tries again
    p.catch(() => LOADING.delete(e));
  }
  return p;
}

/**
 * Fail-closed: a spec without a known authorization action, or whose name and aliases differ from its
 * entry here, is refused (its calls get an error reply; registry_test.ts loads and checks every one).
 */
function checked(e: Entry, spec: AnyCommandSpec): AnyCommandSpec {
  if (!isAction((spec as { auth?: unknown }).auth)) {
    throw new Error(`command ${spec.name} declares no known authorization action`);
  }
  const declared = [spec.name, ...(spec.aliases ?? [])];
  if (declared.join(",") !== e.names.join(",")) {
    throw new Error(`command ${spec.name} declares the names ${declared} but is registered as ${e.names}`);
  }
  if (!e.nested) { for (const n of e.names) LOADED.set(n, spec); }
  return spec;
}
