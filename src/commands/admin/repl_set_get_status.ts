/**
 * replSetGetStatus: the one-member replica set (the server's persona) in mongod's shape, so mongosh's
 * `rs.status()` and monitoring that reads `members[].stateStr`/`optimeDate` work. A `--standalone`
 * server answers 76 NoReplicationEnabled, as a mongod without --replSet does.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, optional, parseShape } from "../params/schema.ts";

const FIELDS = { initialSync: optional(bool) } as const;

export type ReplSetGetStatusParams = Record<string, never>;

function parse(body: Doc): ReplSetGetStatusParams {
  parseShape("replSetGetStatus", body, FIELDS, { skip: "replSetGetStatus", alsoAccept: GENERIC_FIELDS });
  return {};
}

function run(ctx: RequestContext<ReplSetGetStatusParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "replSetGetStatus may only be run against the admin database.");
  }
  if (ctx.info.standalone) throw new CommandError("NoReplicationEnabled", "not running with --replSet");
  const now = new Date();
  const ts = ctx.clusterClock.latest();
  const opTime = { ts, t: Long.fromInt(1) };
  const optimeDate = new Date(ts.t * 1000);
  const upSecs = Math.floor((now.getTime() - ctx.info.startedAt.getTime()) / 1000);
  return {
    set: ctx.info.setName,
    date: now,
    myState: 1,
    term: Long.fromInt(1),
    syncSourceHost: "",
    syncSourceId: -1,
    heartbeatIntervalMillis: Long.fromInt(2000),
    majorityVoteCount: 1,
    writeMajorityCount: 1,
    votingMembersCount: 1,
    writableVotingMembersCount: 1,
    optimes: {
      lastCommittedOpTime: opTime,
      lastCommittedWallTime: optimeDate,
      readConcernMajorityOpTime: opTime,
      appliedOpTime: opTime,
      durableOpTime: opTime,
      lastAppliedWallTime: optimeDate,
      lastDurableWallTime: optimeDate,
    },
    members: [{
      _id: 0,
      name: ctx.info.address,
      health: 1,
      state: 1,
      stateStr: "PRIMARY",
      uptime: upSecs,
      optime: opTime,
      optimeDate,
      lastAppliedWallTime: optimeDate,
      lastDurableWallTime: optimeDate,
      syncSourceHost: "",
      syncSourceId: -1,
      infoMessage: "",
      electionTime: ctx.clusterClock.latest(),
      electionDate: ctx.info.startedAt,
      configVersion: 1,
      configTerm: 1,
      self: true,
      lastHeartbeatMessage: "",
    }],
    ok: 1,
  };
}

export const replSetGetStatus = defineCommand<ReplSetGetStatusParams>({
  name: "replSetGetStatus",
  help: "status of the (one-member) replica set, as rs.status() shows it",
  auth: "replSetGetStatus",
  parse,
  run,
});
