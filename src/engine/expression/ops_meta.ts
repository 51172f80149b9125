/**
 * ops_meta.ts — `{$meta: "textScore"}`: the score the pipeline's `$text` match gave the current
 * document (undefined, so the field is left out, when there is none). Other metadata kinds
 * (`searchScore`, `indexKey`, …) are not available here and are refused.
 */
import { CommandError } from "../../errors/command_error.ts";
import { textScoreOf } from "../text/mod.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator } from "./types.ts";

const KINDS = new Set([
  "textScore",
  "randVal",
  "searchScore",
  "searchHighlights",
  "geoNearDistance",
  "geoNearPoint",
  "recordId",
  "indexKey",
  "sortKey",
  "searchScoreDetails",
  "searchSequenceToken",
  "score",
  "scoreDetails",
  "vectorSearchScore",
]);

function compileMeta(arg: unknown): Evaluator {
  if (typeof arg !== "string" || !KINDS.has(arg)) {
    throw new CommandError("FailedToParse", `Unsupported argument to $meta: ${String(arg)}`);
  }
  if (arg !== "textScore") {
    throw new CommandError("NotImplemented", `$meta '${arg}' is not available in SecantusDB`);
  }
  return (_cur, vars) => textScoreOf(vars.root);
}

registerOperators({ $meta: compileMeta });
