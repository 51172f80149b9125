/**
 * ops_meta.ts — `{$meta: "textScore"}`: the score the pipeline's `$text` match gave the current
 * document; `{$meta: "recordId"}` (a Long) and `{$meta: "indexKey"}` (the index key document) from
 * the metadata the executor attached (doc_meta.ts), and `geoNearDistance` / `geoNearPoint` of a `$near`
 * query's documents, and `sortKey` (a find's sort key values). Each is undefined, so the field is left
 * out, when the document has none (mongod). Other metadata kinds (`searchScore`, …) are not
 * available here and are refused.
 */
import { CommandError } from "../../errors/command_error.ts";
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
    throw new CommandError("FailedToParse", `Unsupported argument to $meta: ${String(arg)}`);
  }
  if (arg === "recordId") {
    return (_cur, vars) => {
      const m = docMetaOf(vars.root);
      return m ? Long.fromBigInt(m.recordId) : undefined;
    };
  }
  if (arg === "indexKey") return (_cur, vars) => docMetaOf(vars.root)?.indexKey();
  if (arg === "geoNearDistance") return (_cur, vars) => docMetaOf(vars.root)?.geoNearDistance;
  if (arg === "geoNearPoint") return (_cur, vars) => docMetaOf(vars.root)?.geoNearPoint;
  if (arg === "sortKey") {
    // a find with a sort attaches it; an aggregation does not keep sort keys (refused, not left out)
    return (_cur, vars) => {
      const sortKey = docMetaOf(vars.root)?.sortKey;
      if (sortKey === undefined) {
        throw new CommandError("NotImplemented", "$meta 'sortKey' is available in find only in SecantusDB");
      }
      return sortKey();
    };
  }
  if (arg !== "textScore") {
    throw new CommandError("NotImplemented", `$meta '${arg}' is not available in SecantusDB`);
  }
  return (_cur, vars) => textScoreOf(vars.root);
}

registerOperators({ $meta: compileMeta });
