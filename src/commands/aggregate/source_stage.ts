/**
 * Source stages the command layer answers itself ($indexStats, $listLocalSessions, $listSessions,
 * $currentOp): found anywhere in a pipeline they are validated (each stage's own rules, including
 * "only as the first stage"), and a leading one is split off so the engine runs the rest over the
 * documents the command supplies.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument } from "../../bson/values.ts";
import type { Doc } from "../reply.ts";

function stageName(s: unknown): string | undefined {
  return isDocument(s) && Object.keys(s).length === 1 ? Object.keys(s)[0] : undefined;
}

/**
 * Calls `validate(spec, index)` for every `name` stage of `pipeline`, then removes a leading one;
 * `found` tells whether there was one.
 */
export function splitSourceStage(
  pipeline: unknown[],
  name: string,
  validate: (spec: unknown, index: number) => void,
): { stages: unknown[]; found: boolean } {
  pipeline.forEach((s, i) => {
    if (stageName(s) === name) validate((s as Doc)[name], i);
  });
  if (stageName(pipeline[0]) !== name) return { stages: pipeline, found: false };
  return { stages: pipeline.slice(1), found: true };
}

/** The usual "must be the first stage" refusal (40602). */
export function mustBeFirst(name: string, index: number): void {
  if (index !== 0) {
    throw new CommandError(Location.StageMustBeFirst, `${name} must be the first stage in the pipeline`);
  }
}
