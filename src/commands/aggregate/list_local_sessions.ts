/**
 * `$listLocalSessions`: the logical sessions this server has seen (shared/sessions.ts), as the input
 * of a collection-less pipeline (`{aggregate: 1, pipeline: [{$listLocalSessions: {}}, …]}`). Must be
 * the first stage; `{}` and `{allUsers: true}` list every session (no authentication yet, so there
 * is only one user).
 */
import { CommandError } from "../../errors/command_error.ts";
import { mustBeFirst, splitSourceStage } from "./source_stage.ts";

export function splitListLocalSessions(
  pipeline: unknown[],
  collectionless: boolean,
): { stages: unknown[]; listSessions: boolean } {
  const { stages, found } = splitSourceStage(pipeline, "$listLocalSessions", (spec, i) => {
    mustBeFirst("$listLocalSessions", i);
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
  return { stages, listSessions: found };
}
