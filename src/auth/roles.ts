/**
 * Role resolution: a role name → its definition (built-in, or custom from `admin.system.roles`),
 * the transitive closure of inherited roles, and the privileges they grant together. Custom roles
 * may inherit built-in and other custom roles; a role graph with a cycle is refused where it would
 * be created (grantRolesToRole / createRole / updateRole), and the walk here tolerates one anyway.
 */
import { builtinRole, type RoleDefinition, type RoleName } from "./builtin_roles.ts";
import { ALL_ACTION_TYPES } from "./action_types.ts";
import { mergePrivileges, type Privilege } from "./privileges.ts";
import type { AuthStore } from "./store.ts";

export function roleKey(r: RoleName): string {
  return `${r.db}.${r.role}`;
}

/** The definition of a role, or undefined when no such role exists. */
export function lookupRole(store: AuthStore, name: RoleName): RoleDefinition | undefined {
  const b = builtinRole(name, ALL_ACTION_TYPES);
  if (b) return b;
  const custom = store.getRole(name.db, name.role);
  return custom ? { roles: custom.roles, privileges: custom.privileges } : undefined;
}

export interface ExpandedRoles {
  /** Every role reached from the roots, roots excluded (mongod's inheritedRoles minus direct ones). */
  readonly inherited: RoleName[];
  /** Privileges of the roots and everything they inherit, merged per resource. */
  readonly privileges: Privilege[];
}

/** Walks the role graph from `roots` (unknown roles contribute nothing). */
export function expandRoles(store: AuthStore, roots: readonly RoleName[]): ExpandedRoles {
  const seen = new Map<string, RoleName>();
  const privileges: Privilege[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const r = stack.pop()!;
    const k = roleKey(r);
    if (seen.has(k)) continue;
    seen.set(k, r);
    const def = lookupRole(store, r);
    if (!def) continue;
    privileges.push(...def.privileges);
    stack.push(...def.roles);
  }
  const rootKeys = new Set(roots.map(roleKey));
  const inherited = [...seen.entries()].filter(([k]) => !rootKeys.has(k)).map(([, r]) => r)
    .sort((a, b) => roleKey(a).localeCompare(roleKey(b)));
  return { inherited, privileges: mergePrivileges(privileges) };
}

/** Every role `roots` reach, roots included. */
export function allRoles(store: AuthStore, roots: readonly RoleName[]): RoleName[] {
  const { inherited } = expandRoles(store, roots);
  const out = new Map<string, RoleName>();
  for (const r of [...roots, ...inherited]) out.set(roleKey(r), { role: r.role, db: r.db });
  return [...out.values()];
}

/** True when giving `role` the roles `add` would let it reach itself. */
export function wouldCycle(store: AuthStore, role: RoleName, add: readonly RoleName[]): boolean {
  const target = roleKey(role);
  if (add.some((r) => roleKey(r) === target)) return true;
  return allRoles(store, add).some((r) => roleKey(r) === target);
}
