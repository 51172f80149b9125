/**
 * Replica-set membership commands a one-member set answers with mongod's own refusals: replSetFreeze
 * (95 NotSecondary "Cannot freeze node when primary …": the only member is the primary) and
 * replSetSyncFrom (95 "primaries don't sync"); and replSetReconfig, which this server refuses with 20
 * IllegalOperation — its configuration (replSetGetConfig) never changes, members cannot be added (a set of
 * several members is MongoDB's). Admin database only; `--standalone`: 76 NoReplicationEnabled.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { type CommandSpec, defineCommand, type Doc } from "../spec.ts";
import type { Action } from "../../auth/actions.ts";

export type OneMemberParams = Readonly<Record<never, never>>;

function refusal(name: string, auth: Action, refuse: () => CommandError): CommandSpec<OneMemberParams> {
  return defineCommand<OneMemberParams>({
    name,
    help: `a one-member replica set's answer to ${name}`,
    auth,
    // (the command's value and fields are not read: every form gets the same answer)
    parse: (_body: Doc) => ({}),
    run: (ctx: RequestContext<OneMemberParams>) => {
      if (ctx.db !== "admin") {
        throw new CommandError("Unauthorized", `${name} may only be run against the admin database.`);
      }
      if (ctx.info.standalone) throw new CommandError("NoReplicationEnabled", "not running with --replSet");
      throw refuse();
    },
  });
}

export const replSetFreeze = refusal(
  "replSetFreeze",
  "replSetStateChange",
  () =>
    new CommandError(
      "NotSecondary",
      "Cannot freeze node when primary or running for election, state: Primary",
    ),
);
export const replSetSyncFrom = refusal(
  "replSetSyncFrom",
  "replSetStateChange",
  () => new CommandError("NotSecondary", "primaries don't sync"),
);
export const replSetReconfig = refusal(
  "replSetReconfig",
  "replSetConfigure",
  () =>
    new CommandError(
      "IllegalOperation",
      "replSetReconfig: SecantusDB is a one-member replica set whose configuration does not change; " +
        "a set with more members needs MongoDB",
    ),
);
