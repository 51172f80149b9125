/**
 * Reading role names from command bodies (`"read"` or `{role: "read", db: "test"}`; a bare string
 * names a role in the command's database) and checking they exist, as the user and role commands
 * do: 31 RoleNotFound "Could not find role: r@db"; `__system` is never granted.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import type { RoleName } from "../../auth/builtin_roles.ts";
import { lookupRole, roleKey } from "../../auth/roles.ts";
import type { AuthStore } from "../../auth/store.ts";

export function parseRoleNames(v: unknown, db: string, path: string): RoleName[] {
  if (!Array.isArray(v)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field '${path}' is the wrong type '${typeof v}', expected type 'array'`,
    );
  }
  const out = new Map<string, RoleName>();
  for (const r of v) {
    let name: RoleName;
    if (typeof r === "string") name = { role: r, db };
    else if (isPlainDoc(r) && typeof r["role"] === "string" && typeof r["db"] === "string") {
      name = { role: r["role"], db: r["db"] };
    } else {
      throw new CommandError(
        "BadValue",
        'Role names must be either strings or objects of the form {role: "<role>", db: "<db>"}',
      );
    }
    if (name.role === "") throw new CommandError("BadValue", "Role name must be non-empty");
    out.set(roleKey(name), name);
  }
  return [...out.values()];
}

/** Throws 31 RoleNotFound for the first role that does not exist; refuses `__system`. */
export function checkRolesExist(store: AuthStore, roles: readonly RoleName[]): void {
  for (const r of roles) {
    if (r.role === "__system") {
      throw new CommandError("BadValue", "The __system role cannot be granted");
    }
    if (!lookupRole(store, r)) {
      throw new CommandError("RoleNotFound", `Could not find role: ${r.role}@${r.db}`);
    }
  }
}

export function roleDocs(roles: readonly RoleName[]): { role: string; db: string }[] {
  return roles.map((r) => ({ role: r.role, db: r.db }));
}
