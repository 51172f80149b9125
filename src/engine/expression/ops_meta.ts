/**
 * ops_meta.ts — `{$meta: "textScore"}`: the score the pipeline's `$text` match gave the current
 * document; `{$meta: "recordId"}` (a Long) and `{$meta: "indexKey"}` (the index key document) from
 * the metadata the executor attached (doc_meta.ts), and `geoNearDistance` / `geoNearPoint` of a `$near`
 * query's documents, and `sortKey` (the sort key values of a find's sort or a pipeline's `$sort`). Each is undefined, so the field is left
 * out, when the document has none (mongod). Other metadata kinds (`searchScore`, …) are not
 * available here and are refused.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { textScoreOf } from "../text/mod.ts";
import { registerOperators } from "./registry.ts";
import { docMetaOf } from "./doc_meta.ts";
import { Long } from "bson";
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
    // (mongod names a string argument; another type shows as nothing)
    throw new CommandError(
      Location.MetaUnsupportedArgument,
      `Unsupported argument to $meta: ${typeof arg === "string" ? arg : ""}`,
    );
  }
  if (arg === "recordId") {
    return (_cur, vars) => {
      const id = docMetaOf(vars.root)?.recordId;
      return id === undefined ? undefined : Long.fromBigInt(id);
    };
  }
  if (arg === "indexKey") return (_cur, vars) => docMetaOf(vars.root)?.indexKey?.();
  if (arg === "geoNearDistance") return (_cur, vars) => docMetaOf(vars.root)?.geoNearDistance;
  if (arg === "geoNearPoint") return (_cur, vars) => docMetaOf(vars.root)?.geoNearPoint;
  // a find with a sort attaches it, and a pipeline's `$sort` when a later stage reads it; left out otherwise
  if (arg === "sortKey") return (_cur, vars) => docMetaOf(vars.root)?.sortKey?.();
  if (arg !== "textScore") {
    throw new CommandError("NotImplemented", `$meta '${arg}' is not available in SecantusDB`);
  }
  return (_cur, vars) => textScoreOf(vars.root);
}

registerOperators({ $meta: compileMeta });
