/**
 * `$listLocalSessions`: the logical sessions this server has seen (shared/sessions.ts), as the input
 * of a collection-less pipeline (`{aggregate: 1, pipeline: [{$listLocalSessions: {}}, …]}`). Must be
 * the first stage; `{}` and `{allUsers: true}` list every session (no authentication yet, so there
 * is only one user).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { Doc } from "../reply.ts";

function stageName(s: unknown): string | undefined {
  return s !== null && typeof s === "object" && !Array.isArray(s) ? Object.keys(s as Doc)[0] : undefined;
}

export function splitListLocalSessions(
  pipeline: unknown[],
  collectionless: boolean,
): { stages: unknown[]; listSessions: boolean } {
  pipeline.forEach((s, i) => {
    if (stageName(s) !== "$listLocalSessions") return;
    if (i !== 0) {
      throw new CommandError(
        Location.StageMustBeFirst,
        "$listLocalSessions must be the first stage in the pipeline",
      );
    }
    const spec = (s as Doc)["$listLocalSessions"];
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      throw new CommandError("TypeMismatch", "$listLocalSessions must take a nested object");
    }
    if (!collectionless) {
      throw new CommandError(
        "InvalidNamespace",
        "$listLocalSessions must be run against the database with {aggregate: 1}, not a collection",
      );
    }
  });
  if (stageName(pipeline[0]) !== "$listLocalSessions") return { stages: pipeline, listSessions: false };
  return { stages: pipeline.slice(1), listSessions: true };
}
