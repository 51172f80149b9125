/**
 * `$listSessions`: the logical sessions, as the input of a pipeline on `config.system.sessions`
 * (`db.getSiblingDB("config").system.sessions.aggregate([{$listSessions: {}}])`). mongod reads its
 * sessions collection; this single node lists the same registry as `$listLocalSessions` (sessions are
 * not persisted). Must be the first stage; `{}`, `{allUsers: true}` and `{users: [...]}` are accepted
 * (no users exist yet, so each lists every session).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { Doc } from "../reply.ts";
import { mustBeFirst, splitSourceStage } from "./source_stage.ts";

export function splitListSessions(
  pipeline: unknown[],
  db: string,
  collection: string | undefined,
): { stages: unknown[]; listSessions: boolean } {
  const { stages, found } = splitSourceStage(pipeline, "$listSessions", (spec, i) => {
    mustBeFirst("$listSessions", i);
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      throw new CommandError("TypeMismatch", "$listSessions must take a nested object");
    }
    for (const k of Object.keys(spec as Doc)) {
      if (k !== "allUsers" && k !== "users") {
        throw new CommandError("IDLUnknownField", `BSON field '$listSessions.${k}' is an unknown field.`);
      }
    }
    if (db !== "config" || collection !== "system.sessions") {
      throw new CommandError(
        "InvalidNamespace",
        "$listSessions may only be run against config.system.sessions",
      );
    }
  });
  return { stages, listSessions: found };
}
