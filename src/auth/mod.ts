/**
 * Authentication and authorization. Owns: the action table commands declare (`actions.ts`), the
 * authorizer dispatch consults (`authorizer.ts`); later SCRAM, users/roles, x509. May import: errors,
 * bson, storage (for users/roles). Imported by: commands, app.
 */
export { type Action, ACTIONS, isAction } from "./actions.ts";
export { allowAll, type AuthenticatedUser, type Authorizer } from "./authorizer.ts";
