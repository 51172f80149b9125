/**
 * commands/ — one file per command, grouped by family (handshake/, crud/, aggregate/, ddl/, admin/),
 * declared as specs ({name, aliases, help, auth, fields, run}) in ONE alphabetical registry;
 * dispatch.ts looks a command up, checks its declared fields, runs it and turns every thrown error
 * into a reply through src/errors. Commands parse (engine/planner compile) before they execute
 * (executor/storage). May import: engine, planner, cursors, executor, storage API, errors, bson, keys.
 */
export { dispatch, type DispatchRequest } from "./dispatch.ts";
export { COMMANDS, lookupCommand } from "./registry.ts";
export type { ClientState, CommandContext, ServerContext, ServerInfo } from "./context.ts";
export type { CommandSpec, Doc, Reply, StreamingReply } from "./spec.ts";
export { isStreamingReply } from "./spec.ts";
