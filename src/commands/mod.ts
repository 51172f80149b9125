/**
 * commands/ — one file per command, grouped by family (handshake/, crud/, aggregate/, ddl/, admin/),
 * each declared with `defineCommand` ({name, aliases, help, auth, parse, run, explain?}) and listed in
 * ONE alphabetical registry (names and loaders: a command's module is imported on its first call) that
 * refuses a spec without a known authorization action. dispatch.ts looks a command up (loading it),
 * parses the generic arguments (params/generic.ts) and the command's typed params (params/schema.ts),
 * checks the action with the authorizer, builds the RequestContext, applies fail points and
 * retryable-write de-duplication, runs it, and turns every thrown error into a reply through
 * src/errors. Commands parse (engine/planner compile) before they execute (executor/storage).
 * May import: auth, sessions, testing, engine, planner, cursors, executor, oplog, storage API, and the
 * leaves (errors, bson, keys, observability, limits, version). See docs/architecture.md.
 */
export { dispatch, type DispatchRequest } from "./dispatch.ts";
export { commandNames, loadAllCommands, loadCommand, lookupCommand } from "./registry.ts";
export type { ClientState, RequestContext, ServerContext, ServerInfo } from "./context.ts";
export type { CommandSpec, Doc, Reply, StreamingReply } from "./spec.ts";
export { isStreamingReply } from "./spec.ts";
