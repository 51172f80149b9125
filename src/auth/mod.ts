/**
 * Authentication and authorization. Owns: the action table commands declare (`actions.ts`) and
 * every action type mongod knows (`action_types.ts`); privileges and resource matching
 * (`privileges.ts`); the built-in roles (`builtin_roles.ts`) and role resolution (`roles.ts`); users
 * and custom roles stored in admin.system.users / admin.system.roles through the storage API
 * (`store.ts`); SCRAM-SHA-256 / SCRAM-SHA-1 over WebCrypto (`scram.ts`, SASLprep from
 * `@mongodb-js/saslprep`); the authentication service with its abuse limits (`service.ts`,
 * `attempt_limiter.ts`); the authorizer dispatch consults (`authorizer.ts`: `allowAll` with auth
 * off, `rbac.ts` fail-closed with auth on). May import: errors, bson, storage. Imported by:
 * commands, app.
 */
export { type Action, ACTIONS, isAction } from "./actions.ts";
export {
  allowAll,
  type AuthClient,
  type AuthenticatedUser,
  type Authorizer,
  type PrivilegeCheck,
} from "./authorizer.ts";
export { RbacAuthorizer } from "./rbac.ts";
export { AuthService, DEFAULT_AUTH_OPTIONS } from "./service.ts";
export { AuthStore } from "./store.ts";
