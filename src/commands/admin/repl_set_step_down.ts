/**
 * replSetStepDown on the one-member replica set. There is never an electable secondary to hand over to,
 * so — as a one-member mongod — the primary waits `secondaryCatchUpPeriodSecs` (default 10; bounded by
 * `maxTimeMS` and shutdown) for one and then answers 262 ExceededTimeLimit "No electable secondaries
 * caught up …". `force: true` would make mongod a secondary for the step-down period (writes refused,
 * then an election); this server has no secondary state, so it refuses that with 20 IllegalOperation
 * instead of pretending. mongod's checks first: the period must be a positive integer longer than the
 * catch-up period (2 BadValue). Admin database only; `--standalone`: 76 NoReplicationEnabled.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, int, optional, parseShape } from "../params/schema.ts";

export interface ReplSetStepDownParams {
  readonly stepDownSecs: number;
  readonly catchUpSecs: number;
  readonly force: boolean;
}

/** mongod's default secondaryCatchUpPeriodSecs. */
const DEFAULT_CATCH_UP_SECS = 10;

function parse(body: Doc): ReplSetStepDownParams {
  const p = parseShape("replSetStepDown", body, {
    secondaryCatchUpPeriodSecs: optional(int),
    force: optional(bool),
  }, { skip: "replSetStepDown", alsoAccept: GENERIC_FIELDS });
  const raw = body["replSetStepDown"];
  // (a bare `true`, as old shells sent, is mongod's default of 60 s)
  const stepDownSecs = raw === true ? 60 : int(raw, "replSetStepDown");
  if (stepDownSecs <= 0) throw new CommandError("BadValue", "stepdown period must be a positive integer");
  const catchUpSecs = p.secondaryCatchUpPeriodSecs ?? DEFAULT_CATCH_UP_SECS;
  if (catchUpSecs < 0) {
    throw new CommandError("BadValue", "secondaryCatchUpPeriodSecs must be a non-negative integer");
  }
  if (stepDownSecs <= catchUpSecs) {
    throw new CommandError("BadValue", "stepdown period must be longer than secondaryCatchUpPeriodSecs");
  }
  return { stepDownSecs, catchUpSecs, force: p.force ?? false };
}

async function run(ctx: RequestContext<ReplSetStepDownParams>): Promise<Doc> {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "replSetStepDown may only be run against the admin database.");
  }
  if (ctx.info.standalone) throw new CommandError("NoReplicationEnabled", "not running with --replSet");
  if (ctx.params.force) {
    throw new CommandError(
      "IllegalOperation",
      "replSetStepDown {force: true}: SecantusDB's one-member replica set has no secondary state to step down to",
    );
  }
  // waiting for a secondary that cannot appear; maxTimeMS and shutdown cut it short, as on mongod
  const waitMs = ctx.params.catchUpSecs * 1000;
  const until = ctx.deadline === undefined
    ? waitMs
    : Math.min(waitMs, Math.max(0, ctx.deadline - Date.now()));
  await ctx.waitOrShutdown(until);
  ctx.control.check();
  throw new CommandError(
    "ExceededTimeLimit",
    `No electable secondaries caught up as of ${new Date().toISOString()}. Please use the replSetStepDown ` +
      "command with the argument {force: true} to force node to step down.",
  );
}

export const replSetStepDown = defineCommand<ReplSetStepDownParams>({
  name: "replSetStepDown",
  help: "a one-member set has no secondary: 262 after secondaryCatchUpPeriodSecs, as mongod",
  auth: "replSetStateChange",
  parse,
  run,
});
