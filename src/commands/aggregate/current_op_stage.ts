/**
 * `$currentOp`: the operations in progress (the same documents as the currentOp command) as the
 * input of a collection-less pipeline on the admin database — how mongosh's `db.currentOp()` asks.
 * Must be the first stage. Options as mongod: allUsers, idleConnections, idleCursors, idleSessions,
 * localOps, truncateOps (booleans). `idleCursors: true` adds one `type: "idleCursor"` document per open
 * cursor not in a getMore (commands/admin/current_op.ts); the others are accepted (idle connections
 * and sessions are not listed yet). Any other option is 40415-style FailedToParse.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { Doc } from "../reply.ts";
import { mustBeFirst, splitSourceStage } from "./source_stage.ts";

const OPTIONS: ReadonlySet<string> = new Set([
  "allUsers",
  "idleConnections",
  "idleCursors",
  "idleSessions",
  "localOps",
  "truncateOps",
  "backtrace",
  "targetAllNodes",
]);

export function splitCurrentOp(
  pipeline: unknown[],
  collectionless: boolean,
  db: string,
): { stages: unknown[]; currentOp: boolean; idleCursors: boolean } {
  let idleCursors = false;
  const { stages, found } = splitSourceStage(pipeline, "$currentOp", (spec, i) => {
    mustBeFirst("$currentOp", i);
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      throw new CommandError("FailedToParse", "$currentOp options must be specified in an object");
    }
    for (const [k, v] of Object.entries(spec as Doc)) {
      if (!OPTIONS.has(k)) {
        throw new CommandError("FailedToParse", `Unrecognized option '${k}' in $currentOp stage.`);
      }
      if (typeof v !== "boolean") {
        throw new CommandError(
          "FailedToParse",
          `The '${k}' parameter of the $currentOp stage must be a boolean value`,
        );
      }
      if (k === "idleCursors") idleCursors = v;
    }
    if (!collectionless || db !== "admin") {
      throw new CommandError(
        "InvalidNamespace",
        "$currentOp must be run against the 'admin' database with {aggregate: 1}",
      );
    }
  });
  return { stages, currentOp: found, idleCursors: found && idleCursors };
}
