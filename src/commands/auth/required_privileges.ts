/**
 * What each command needs to be authorized: a list of (action, resource) checks computed from the
 * request body. The default is the command's declared action on the resource that action applies
 * to — the cluster, the request's database, or `<db>.<first field>` when the first field names a
 * collection. Commands that touch more than one namespace or need more than one action have a rule
 * here: aggregate (every namespace its pipeline reads or writes: $lookup, $graphLookup, $unionWith,
 * $facet children, $out, $merge, and the source stages' own actions), explain (its inner command's
 * checks), bulkWrite (per namespace and op kind), findAndModify/update (upserts also insert),
 * renameCollection (both namespaces), dataSize (its fully qualified namespace), cloneCollectionAsCapped (both namespaces), create/collMod of a view (find on what it reads),
 * getMore/killCursors (the cursor's namespace) and the user/role commands (granting a role needs
 * grantRole on the role's database). Fail-closed: an unknown shape yields the strictest check.
 */
import type { PrivilegeCheck } from "../../auth/authorizer.ts";
import type { Target } from "../../auth/privileges.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import type { Doc } from "../reply.ts";
import type { AnyCommandSpec } from "../spec.ts";

/** Actions whose resource is the cluster. */
const CLUSTER_ACTIONS: ReadonlySet<string> = new Set([
  "serverStatus",
  "hostInfo",
  "getCmdLineOpts",
  "getLog",
  "getParameter",
  "setParameter",
  "setFeatureCompatibilityVersion",
  "inprog",
  "killop",
  "killAnySession",
  "getDefaultRWConcern",
  "setDefaultRWConcern",
  "listSessions",
  "listDatabases",
  "configureFailPoint",
  "fsync",
  "unlock",
  "top",
  "shutdown",
  "replSetGetStatus",
  "replSetGetConfig",
  "replSetConfigure",
  "replSetStateChange",
  "connPoolStats",
  "shardingState",
  "logRotate",
  "secantusBackup",
  "secantusRestore",
  "applyOps",
  "appendOplogNote",
  "secantusOplogAdmin",
  "secantusTtlAdmin",
  "getClusterParameter",
  "setClusterParameter",
  "rotateCertificates",
]);

/** Actions whose resource is the request's database. */
const DATABASE_ACTIONS: ReadonlySet<string> = new Set([
  "dbHash",
  "dropDatabase",
  "dbStats",
  "listCollections",
  "createUser",
  "dropUser",
  "viewUser",
  "grantRole",
  "revokeRole",
  "changePassword",
  "changeCustomData",
  "createRole",
  "dropRole",
  "viewRole",
  "enableProfiler",
]);

const CLUSTER: Target = { kind: "cluster" };
/** mongod's anyNormalResource: only `{db: "", collection: ""}` (or anyResource) covers it. */
const ANY_NORMAL: Target = { kind: "database", db: "" };
const dbTarget = (db: string): Target => ({ kind: "database", db });
const collTarget = (db: string, collection: string): Target => ({ kind: "collection", db, collection });

function defaultTarget(action: string, db: string, first: unknown): Target {
  if (CLUSTER_ACTIONS.has(action)) return CLUSTER;
  if (DATABASE_ACTIONS.has(action)) return dbTarget(db);
  return typeof first === "string" && first !== "" ? collTarget(db, first) : dbTarget(db);
}

type Rule = (body: Doc, db: string, lookup: (name: string) => AnyCommandSpec | undefined) => PrivilegeCheck[];

/** Role names in a `roles` array (strings name a role in `db`). */
function roleDbs(v: unknown, db: string): string[] {
  if (!Array.isArray(v)) return [];
  const out = new Set<string>();
  for (const r of v) {
    if (typeof r === "string") out.add(db);
    else if (isPlainDoc(r) && typeof r["db"] === "string") out.add(r["db"]);
    else out.add(db);
  }
  return [...out];
}

const grantChecks = (action: string, dbs: readonly string[]): PrivilegeCheck[] =>
  dbs.map((d) => ({ action, target: dbTarget(d) }));

/** Privileges a pipeline needs, its source being `source` (a collection) or none. */
function pipelineChecks(
  db: string,
  source: string | undefined,
  pipeline: unknown,
  out: PrivilegeCheck[],
): void {
  const stages = Array.isArray(pipeline) ? pipeline : [];
  const first = stages[0];
  const firstName = isPlainDoc(first) ? Object.keys(first)[0] : undefined;
  if (firstName === "$changeStream") {
    const spec = isPlainDoc(first) && isPlainDoc(first["$changeStream"]) ? first["$changeStream"] : {};
    const target = spec["allChangesForCluster"] === true
      ? { kind: "database", db: "" } as Target
      : source
      ? collTarget(db, source)
      : dbTarget(db);
    out.push({ action: "changeStream", target }, { action: "find", target });
  } else if (firstName === "$currentOp") {
    out.push({ action: "inprog", target: CLUSTER });
  } else if (firstName === "$listSessions") {
    out.push({ action: "listSessions", target: CLUSTER });
  } else if (firstName === "$indexStats" && source) {
    out.push({ action: "indexStats", target: collTarget(db, source) });
  } else if (firstName === "$collStats" && source) {
    out.push({ action: "collStats", target: collTarget(db, source) });
  } else if (firstName === "$documents" || firstName === "$listLocalSessions") {
    // No collection is read.
  } else if (source !== undefined) {
    out.push({ action: "find", target: collTarget(db, source) });
  } else {
    out.push({ action: "find", target: dbTarget(db) });
  }
  for (const stage of stages) {
    if (!isPlainDoc(stage)) continue;
    const [name] = Object.keys(stage);
    const arg = name === undefined ? undefined : stage[name];
    switch (name) {
      case "$lookup":
      case "$graphLookup": {
        if (!isPlainDoc(arg)) break;
        const from = arg["from"];
        const [fdb, fcoll] = isPlainDoc(from)
          ? [typeof from["db"] === "string" ? from["db"] : db, from["coll"]]
          : [db, from];
        if (typeof fcoll === "string") pipelineChecks(fdb, fcoll, arg["pipeline"], out);
        else if (arg["pipeline"] !== undefined) pipelineChecks(fdb, undefined, arg["pipeline"], out);
        break;
      }
      case "$unionWith": {
        if (typeof arg === "string") pipelineChecks(db, arg, [], out);
        else if (isPlainDoc(arg)) {
          const coll = typeof arg["coll"] === "string" ? arg["coll"] : undefined;
          pipelineChecks(db, coll, arg["pipeline"], out);
        }
        break;
      }
      case "$facet":
        if (isPlainDoc(arg)) {
          for (const sub of Object.values(arg)) pipelineChecks(db, source, sub, out);
        }
        break;
      case "$out": {
        const [odb, ocoll] = isPlainDoc(arg) ? [arg["db"], arg["coll"]] : [db, arg];
        const target = collTarget(typeof odb === "string" ? odb : db, typeof ocoll === "string" ? ocoll : "");
        out.push({ action: "insert", target }, { action: "remove", target });
        break;
      }
      case "$merge": {
        const into = isPlainDoc(arg) ? arg["into"] : arg;
        const [mdb, mcoll] = isPlainDoc(into) ? [into["db"], into["coll"]] : [db, into];
        const target = collTarget(typeof mdb === "string" ? mdb : db, typeof mcoll === "string" ? mcoll : "");
        out.push({ action: "insert", target }, { action: "update", target });
        break;
      }
    }
  }
}

const RULES: Record<string, Rule> = {
  aggregate: (body, db) => {
    const out: PrivilegeCheck[] = [];
    const src = body["aggregate"];
    pipelineChecks(db, typeof src === "string" ? src : undefined, body["pipeline"], out);
    if (body["bypassDocumentValidation"] === true) {
      out.push({ action: "bypassDocumentValidation", target: dbTarget(db) });
    }
    return out;
  },
  mapReduce: (body, db) => {
    const src = body["mapReduce"] ?? body["mapreduce"];
    const out: PrivilegeCheck[] = [{
      action: "find",
      target: collTarget(db, typeof src === "string" ? src : ""),
    }];
    const o = body["out"];
    if (typeof o === "string") {
      const target = collTarget(db, o);
      out.push({ action: "insert", target }, { action: "remove", target });
    } else if (isPlainDoc(o) && o["inline"] === undefined) {
      const mode = Object.keys(o)[0];
      const coll = mode === undefined ? undefined : o[mode];
      const target = collTarget(
        typeof o["db"] === "string" ? o["db"] : db,
        typeof coll === "string" ? coll : "",
      );
      out.push({ action: "insert", target }, { action: mode === "replace" ? "remove" : "update", target });
    }
    return out;
  },
  explain: (body, db, lookup) => {
    const inner = body["explain"];
    if (!isPlainDoc(inner)) return [{ action: "find", target: dbTarget(db) }];
    const name = Object.keys(inner)[0] ?? "";
    const spec = lookup(name);
    if (!spec || name === "explain") return [{ action: "find", target: dbTarget(db) }];
    return requiredPrivileges(spec, inner, db, lookup);
  },
  bulkWrite: (body) => {
    const nsInfo = Array.isArray(body["nsInfo"]) ? body["nsInfo"] : [];
    const ops = Array.isArray(body["ops"]) ? body["ops"] : [];
    const out: PrivilegeCheck[] = [];
    for (const op of ops) {
      if (!isPlainDoc(op)) continue;
      const kind = Object.keys(op)[0];
      const idx = kind === undefined ? undefined : Number(op[kind]);
      const info = idx === undefined ? undefined : nsInfo[idx];
      const ns = isPlainDoc(info) ? info["ns"] : undefined;
      if (typeof ns !== "string") continue;
      const dot = ns.indexOf(".");
      const target = collTarget(ns.slice(0, dot), ns.slice(dot + 1));
      if (kind === "insert") out.push({ action: "insert", target });
      else if (kind === "update") {
        out.push({ action: "update", target });
        if (op["upsert"] === true) out.push({ action: "insert", target });
      } else out.push({ action: "remove", target });
    }
    if (out.length === 0) out.push({ action: "insert", target: CLUSTER });
    return out;
  },
  update: (body, db) => {
    const target = collTarget(db, String(body["update"]));
    const out: PrivilegeCheck[] = [{ action: "update", target }];
    const updates = Array.isArray(body["updates"]) ? body["updates"] : [];
    if (updates.some((u) => isPlainDoc(u) && u["upsert"] === true)) out.push({ action: "insert", target });
    return out;
  },
  findAndModify: (body, db) => {
    const target = collTarget(db, String(body["findAndModify"] ?? body["findandmodify"]));
    const out: PrivilegeCheck[] = [{ action: "find", target }];
    if (body["remove"] === true) out.push({ action: "remove", target });
    else out.push({ action: "update", target });
    if (body["upsert"] === true) out.push({ action: "insert", target });
    return out;
  },
  renameCollection: (body) => {
    const split = (ns: unknown): [string, string] => {
      const s = typeof ns === "string" ? ns : "";
      const dot = s.indexOf(".");
      return dot < 0 ? [s, ""] : [s.slice(0, dot), s.slice(dot + 1)];
    };
    const [fdb, fcoll] = split(body["renameCollection"]);
    const [tdb, tcoll] = split(body["to"]);
    const from = collTarget(fdb, fcoll);
    const to = collTarget(tdb, tcoll);
    const out: PrivilegeCheck[] = fdb === tdb
      ? [{ action: "renameCollectionSameDB", target: from }, { action: "renameCollectionSameDB", target: to }]
      : [
        { action: "find", target: from },
        { action: "dropCollection", target: from },
        { action: "insert", target: to },
        { action: "createIndex", target: to },
      ];
    if (body["dropTarget"] !== undefined && body["dropTarget"] !== false) {
      out.push({ action: "dropCollection", target: to });
    }
    return out;
  },
  dataSize: (body) => {
    // the first field is the whole namespace, "<db>.<coll>" (not a collection of the request's database)
    const ns = body["dataSize"] ?? body["datasize"];
    const s = typeof ns === "string" ? ns : "";
    const dot = s.indexOf(".");
    return [{
      action: "find",
      target: dot < 0 ? collTarget(s, "") : collTarget(s.slice(0, dot), s.slice(dot + 1)),
    }];
  },
  cloneCollectionAsCapped: (body, db) => {
    const to = collTarget(db, typeof body["toCollection"] === "string" ? body["toCollection"] : "");
    return [
      { action: "find", target: collTarget(db, String(body["cloneCollectionAsCapped"])) },
      { action: "insert", target: to },
      { action: "createIndex", target: to },
      { action: "convertToCapped", target: to },
    ];
  },
  collMod: (body, db) => {
    const out: PrivilegeCheck[] = [{ action: "collMod", target: collTarget(db, String(body["collMod"])) }];
    if (typeof body["viewOn"] === "string") pipelineChecks(db, body["viewOn"], body["pipeline"], out);
    return out;
  },
  getMore: (body, db) => [{ action: "find", target: collTarget(db, String(body["collection"])) }],
  count: (body, db) => [{ action: "find", target: collTarget(db, String(body["count"])) }],
  // (the compact action on a collection for compact, on the cluster for background compaction)
  autoCompact: () => [{ action: "compact", target: CLUSTER }],
  create: (body, db) => {
    const target = collTarget(db, String(body["create"]));
    const out: PrivilegeCheck[] = [{ action: "createCollection", target }];
    if (typeof body["viewOn"] === "string") pipelineChecks(db, body["viewOn"], body["pipeline"], out);
    return out;
  },
  // A user may see their own sessions, cursors and operations; mongod checks ownership inside.
  killCursors: (body, db) => [{ action: "killCursors", target: collTarget(db, String(body["killCursors"])) }],
  // Without listDatabases, mongod lists the databases the user has privileges on (unless
  // authorizedDatabases: false); listDatabases filters (list_databases.ts).
  listDatabases: (body) =>
    body["authorizedDatabases"] === false
      ? [{ action: "listDatabases", target: CLUSTER }]
      : [{ action: "authenticated", target: CLUSTER }],
  // authorizedCollections + nameOnly: the collections the user has privileges on, no listCollections.
  listCollections: (body, db) =>
    body["authorizedCollections"] === true && body["nameOnly"] === true
      ? [{ action: "authenticated", target: CLUSTER }]
      : [{ action: "listCollections", target: dbTarget(db) }],
  // User and role management.
  createUser: (body, db) => [
    { action: "createUser", target: dbTarget(db) },
    ...grantChecks("grantRole", roleDbs(body["roles"], db)),
  ],
  updateUser: (body, db) => {
    const out: PrivilegeCheck[] = [];
    if (body["pwd"] !== undefined) out.push({ action: "changePassword", target: dbTarget(db) });
    if (body["customData"] !== undefined) out.push({ action: "changeCustomData", target: dbTarget(db) });
    if (body["roles"] !== undefined) {
      out.push(...grantChecks("grantRole", roleDbs(body["roles"], db)));
      out.push({ action: "revokeRole", target: dbTarget(db) });
    }
    if (body["authenticationRestrictions"] !== undefined) {
      out.push({ action: "setAuthenticationRestriction", target: dbTarget(db) });
    }
    if (out.length === 0) out.push({ action: "changePassword", target: dbTarget(db) });
    return out;
  },
  grantRolesToUser: (body, db) => grantChecks("grantRole", roleDbs(body["roles"], db)),
  revokeRolesFromUser: (body, db) => grantChecks("revokeRole", roleDbs(body["roles"], db)),
  createRole: (body, db) => [
    { action: "createRole", target: dbTarget(db) },
    ...grantChecks("grantRole", roleDbs(body["roles"], db)),
    ...(Array.isArray(body["privileges"]) && body["privileges"].length > 0
      ? [{ action: "grantRole", target: dbTarget(db) }]
      : []),
  ],
  updateRole: (body, db) => [
    { action: "grantRole", target: dbTarget(db) },
    { action: "revokeRole", target: dbTarget(db) },
    ...grantChecks("grantRole", roleDbs(body["roles"], db)),
  ],
  grantRolesToRole: (body, db) => grantChecks("grantRole", [db, ...roleDbs(body["roles"], db)]),
  revokeRolesFromRole: (body, db) => grantChecks("revokeRole", [db, ...roleDbs(body["roles"], db)]),
  grantPrivilegesToRole: (_body, db) => grantChecks("grantRole", [db]),
  // mongod: the user/role actions on every normal resource, and find on each temporary collection.
  _mergeAuthzCollections: (body) => {
    const actions = ["createUser", "createRole", "grantRole", "revokeRole"];
    if (body["drop"] === true) actions.push("dropUser", "dropRole");
    const out: PrivilegeCheck[] = actions.map((action) => ({ action, target: ANY_NORMAL }));
    for (const field of ["tempUsersCollection", "tempRolesCollection"]) {
      const ns = body[field];
      if (typeof ns !== "string" || ns === "") continue;
      const dot = ns.indexOf(".");
      out.push({ action: "find", target: collTarget(ns.slice(0, dot), ns.slice(dot + 1)) });
    }
    return out;
  },
  revokePrivilegesFromRole: (_body, db) => grantChecks("revokeRole", [db]),
};

/**
 * Rules that decide inside the command because they depend on who asks (self-service): usersInfo
 * and rolesInfo on one's own user/roles, updateUser of one's own password, listDatabases and
 * listCollections filtered to what the user may see, killSessions/killCursors of one's own.
 * Listed so the registry-walk test knows they are intentional.
 */
export const CHECKED_IN_COMMAND: ReadonlySet<string> = new Set([
  "usersInfo",
  "rolesInfo",
  "currentOp",
  "killOp",
]);

/** The checks a command needs for this request (empty: allowed to any authenticated user). */
export function requiredPrivileges(
  spec: AnyCommandSpec,
  body: Doc,
  db: string,
  lookup: (name: string) => AnyCommandSpec | undefined,
): PrivilegeCheck[] {
  if (spec.auth === "none") return [];
  if (spec.auth === "authenticated" || CHECKED_IN_COMMAND.has(spec.name)) {
    return [{ action: "authenticated", target: CLUSTER }];
  }
  const rule = Object.hasOwn(RULES, spec.name) ? RULES[spec.name] : undefined;
  if (rule) {
    const checks = rule(body, db, lookup);
    // Fail-closed: a rule that found nothing to check still needs the declared action.
    return bypassing(
      spec.name,
      body,
      db,
      checks.length > 0 ? checks : [{ action: spec.auth, target: dbTarget(db) }],
    );
  }
  const first = body[Object.keys(body)[0] ?? ""];
  return bypassing(spec.name, body, db, [{ action: spec.auth, target: defaultTarget(spec.auth, db, first) }]);
}

/** The write commands whose `bypassDocumentValidation: true` needs that action on their collection. */
const BYPASSING_WRITES: ReadonlySet<string> = new Set(["insert", "update", "delete", "findAndModify"]);

/**
 * `checks`, plus `bypassDocumentValidation` on the collection when a write command asks to bypass
 * validation (as mongod's write commands check it, whether or not the collection has a validator).
 */
function bypassing(name: string, body: Doc, db: string, checks: PrivilegeCheck[]): PrivilegeCheck[] {
  if (!BYPASSING_WRITES.has(name) || body["bypassDocumentValidation"] !== true) return checks;
  const coll = body[name] ?? (name === "findAndModify" ? body["findandmodify"] : undefined);
  return [...checks, { action: "bypassDocumentValidation", target: collTarget(db, String(coll ?? "")) }];
}
