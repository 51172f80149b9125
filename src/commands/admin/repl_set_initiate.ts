/**
 * replSetInitiate: the server is a replica set of one from its first start, so — as a mongod whose set is
 * initiated — it answers 23 AlreadyInitialized "already initialized" (deployment scripts that run
 * `rs.initiate()` at every start take that as done). A `--standalone` server answers 76
 * NoReplicationEnabled, as a mongod without --replSet does. Admin database only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

export type ReplSetInitiateParams = Record<string, never>;

/** The command's value (the configuration, or nothing) is not read: no configuration can be applied. */
function parse(_body: Doc): ReplSetInitiateParams {
  return {};
}

function run(ctx: RequestContext<ReplSetInitiateParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "replSetInitiate may only be run against the admin database.");
  }
  if (ctx.info.standalone) {
    throw new CommandError("NoReplicationEnabled", "This node was not started with replication enabled.");
  }
  throw new CommandError("AlreadyInitialized", "already initialized");
}

export const replSetInitiate = defineCommand<ReplSetInitiateParams>({
  name: "replSetInitiate",
  help: "answers 23 AlreadyInitialized: the server is an initiated one-member replica set",
  auth: "replSetConfigure",
  parse,
  run,
});
