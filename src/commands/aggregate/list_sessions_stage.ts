/**
 * `$listSessions`: the logical sessions, as the input of a pipeline on `config.system.sessions`
 * (`db.getSiblingDB("config").system.sessions.aggregate([{$listSessions: {}}])`). mongod reads its
 * sessions collection; this single node lists the same registry as `$listLocalSessions` (sessions are
 * not persisted). Must be the first stage; `{}`, `{allUsers: true}` and `{users: [...]}` are accepted
 * (no users exist yet, so each lists every session).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { Doc } from "../reply.ts";

function stageName(s: unknown): string | undefined {
  return s !== null && typeof s === "object" && !Array.isArray(s) ? Object.keys(s as Doc)[0] : undefined;
}

export function splitListSessions(
  pipeline: unknown[],
  db: string,
  collection: string | undefined,
): { stages: unknown[]; listSessions: boolean } {
  pipeline.forEach((s, i) => {
    if (stageName(s) !== "$listSessions") return;
    if (i !== 0) {
      throw new CommandError(
        Location.StageMustBeFirst,
        "$listSessions must be the first stage in the pipeline",
      );
    }
    const spec = (s as Doc)["$listSessions"];
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
  if (stageName(pipeline[0]) !== "$listSessions") return { stages: pipeline, listSessions: false };
  return { stages: pipeline.slice(1), listSessions: true };
}
