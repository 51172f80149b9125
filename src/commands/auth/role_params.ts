/**
 * Shared parts of the role commands: the role name from the command field (not a built-in name,
 * not in `$external`), privileges as given (resource + actions checked against mongod's action
 * types; a role outside `admin` may only name its own database), the role-exists lookup (31), and
 * the cycle check for inherited roles.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { isBuiltinRole, type RoleName } from "../../auth/builtin_roles.ts";
import { isActionType } from "../../auth/action_types.ts";
import { parseResource, type Privilege } from "../../auth/privileges.ts";
import { wouldCycle } from "../../auth/roles.ts";
import type { AuthStore, RoleDoc } from "../../auth/store.ts";
import type { Doc } from "../reply.ts";

export function roleNameField(command: string, body: Doc): string {
  const v = body[command];
  if (typeof v !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `BSON field '${command}.${command}' is the wrong type, expected type 'string'`,
    );
  }
  if (v === "") throw new CommandError("BadValue", "Role name must be non-empty");
  return v;
}

export function parsePrivileges(v: unknown, db: string, path: string): Privilege[] {
  if (!Array.isArray(v)) {
    throw new CommandError("TypeMismatch", `BSON field '${path}' is the wrong type, expected type 'array'`);
  }
  return v.map((p) => {
    if (!isPlainDoc(p)) throw new CommandError("BadValue", "Privileges must be objects");
    const resource = parseResource(p["resource"]);
    if (!resource) {
      throw new CommandError(
        "BadValue",
        "resource must be {db: <string>, collection: <string>}, {db: <string>, system_buckets: <string>}, {cluster: true} or {anyResource: true}",
      );
    }
    const actions = p["actions"];
    if (!Array.isArray(actions) || actions.length === 0) {
      throw new CommandError("BadValue", "Privileges must have a non-empty array of actions");
    }
    for (const a of actions) {
      if (typeof a !== "string" || !isActionType(a)) {
        throw new CommandError("BadValue", `Unrecognized action privilege string: ${String(a)}`);
      }
    }
    if (db !== "admin" && !("db" in resource && resource.db === db)) {
      throw new CommandError(
        "BadValue",
        `Roles on the '${db}' database cannot be granted privileges that target other databases or the cluster`,
      );
    }
    return { resource, actions: [...new Set(actions as string[])].sort() };
  });
}

export function checkRoleDb(db: string, role: string): void {
  if (db === "$external") throw new CommandError("BadValue", "Cannot create roles in the $external database");
  if (isBuiltinRole({ role, db })) {
    throw new CommandError(
      "BadValue",
      `Cannot create roles with the same name as a built-in role: ${role}@${db}`,
    );
  }
}

export function requireRole(store: AuthStore, db: string, role: string): RoleDoc {
  if (isBuiltinRole({ role, db })) {
    throw new CommandError("InvalidRoleModification", `Cannot modify built-in role: ${role}@${db}`);
  }
  const r = store.getRole(db, role);
  if (!r) throw new CommandError("RoleNotFound", `Could not find role: ${role}@${db}`);
  return r;
}

export function checkNoCycle(store: AuthStore, role: RoleName, add: readonly RoleName[]): void {
  if (wouldCycle(store, role, add)) {
    throw new CommandError(
      "InvalidRoleModification",
      `Granting roles to ${role.role}@${role.db} would introduce a cycle in the role graph`,
    );
  }
}
