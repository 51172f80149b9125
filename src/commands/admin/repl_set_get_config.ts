/**
 * replSetGetConfig: the one-member replica set's configuration in mongod's shape, so mongosh's
 * `rs.conf()` and tools that read `members[].host`/`settings` work. The configuration never changes:
 * version 1, term 1, this server the only (voting, priority 1) member. `commitmentStatus: true` adds
 * `commitmentStatus: true` (a one-member set's configuration is always committed). Admin database only; a
 * `--standalone` server answers 76 NoReplicationEnabled, as a mongod without --replSet does.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, optional, parseShape } from "../params/schema.ts";
import { REPLICA_SET_ID } from "../handshake/hello.ts";

const FIELDS = { commitmentStatus: optional(bool), includeNewlyAdded: optional(bool) } as const;

export interface ReplSetGetConfigParams {
  readonly commitmentStatus: boolean;
}

function parse(body: Doc): ReplSetGetConfigParams {
  const p = parseShape("replSetGetConfig", body, FIELDS, {
    skip: "replSetGetConfig",
    alsoAccept: GENERIC_FIELDS,
  });
  return { commitmentStatus: p.commitmentStatus ?? false };
}

function run(ctx: RequestContext<ReplSetGetConfigParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "replSetGetConfig may only be run against the admin database.");
  }
  if (ctx.info.standalone) throw new CommandError("NoReplicationEnabled", "not running with --replSet");
  const config = {
    _id: ctx.info.setName,
    version: 1,
    term: 1,
    members: [{
      _id: 0,
      host: ctx.info.address,
      arbiterOnly: false,
      buildIndexes: true,
      hidden: false,
      priority: 1,
      tags: {},
      secondaryDelaySecs: Long.fromInt(0),
      votes: 1,
    }],
    protocolVersion: Long.fromInt(1),
    writeConcernMajorityJournalDefault: true,
    settings: {
      chainingAllowed: true,
      heartbeatIntervalMillis: 2000,
      heartbeatTimeoutSecs: 10,
      electionTimeoutMillis: 10000,
      catchUpTimeoutMillis: -1,
      catchUpTakeoverDelayMillis: 30000,
      getLastErrorModes: {},
      getLastErrorDefaults: { w: 1, wtimeout: 0 },
      replicaSetId: REPLICA_SET_ID,
    },
  };
  return ctx.params.commitmentStatus ? { config, commitmentStatus: true, ok: 1 } : { config, ok: 1 };
}

export const replSetGetConfig = defineCommand<ReplSetGetConfigParams>({
  name: "replSetGetConfig",
  help: "the (one-member) replica set's configuration, as rs.conf() shows it",
  auth: "replSetGetConfig",
  parse,
  run,
});
