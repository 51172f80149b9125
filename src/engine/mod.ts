/**
 * engine/ — pure query-language engines: functions of BSON values with no I/O, no `Deno.*`, no
 * storage. Everything parses once into validated closures (a bad operator fails even on an empty
 * collection) and throws `CommandError` with mongod's code and message.
 *
 * May import: `bson`, src/bson, src/errors, and its own subfolders.
 *
 * - `compileFilter(filter, {collation, now, variables})` (including `$expr`) → `Matcher`; `extractIdEquality(filter)` for point lookups.
 * - `compileUpdate(update, {arrayFilters, isUpsert, variables})` (operator, replacement or pipeline) → `Updater` (`apply(doc, {isInsert, now})`);
 *   `upsertSeed(filter)` → the equality fields an upsert starts from.
 * - `compileProjection(spec)` → `Projection`.
 * - `compileSort(spec)` → document comparator; `sortDocuments(docs, spec)`.
 * - `compilePipeline(stages, {now, collation, variables})` → `Pipeline` (`leadingMatch`, `run(docs)`).
 * - `ExpressionEnv` / `evaluateExpression` — aggregation expressions.
 * - path helpers (`splitPath`, `visitPathValues`, `getPath`) for planners and executors.
 *
 * - `$text` matches and scores through engine/text (the collection's text index comes in
 *   `FilterOptions.textIndex`); `{$meta: "textScore"}` works in projections, sorts and expressions.
 * `compileMatchPosition(filter)` reports the array index a filter matched (positional `$`).
 */
export {
  compileFilter,
  compileMatchPosition,
  compilePartialFilter,
  extractIdEquality,
  type FilterOptions,
  type Matcher,
  type MatchPosition,
} from "./query/mod.ts";
export {
  compileUpdate,
  type UpdateContext,
  type UpdateOptions,
  type Updater,
  type UpdateResult,
  upsertSeed,
} from "./update/mod.ts";
export { compileProjection, type Projection } from "./projection/mod.ts";
export {
  compileSort,
  compileSortKeys,
  type DocComparator,
  parseSortSpec,
  sortDocuments,
  sortKeyOf,
} from "./sort/mod.ts";
export { getPath, splitPath, visitPathValues } from "./path/mod.ts";
export { makeStringComparator } from "./collation/collation.ts";
export { ICU_VERSION, resolveCollation, resolveOptionalCollation } from "./collation/resolve.ts";
export { filterTopFields, sortTopFields } from "./query/fields.ts";
export {
  checkStageNames,
  compilePipeline,
  PAUSE,
  type Pipeline,
  type PipelineOptions,
  withoutPauses,
} from "./aggregate/mod.ts";
export { pipelineDependencies } from "./aggregate/dependencies.ts";
export { moveMatchesEarlier } from "./aggregate/match_pushdown.ts";
export { absorbIntoLookups } from "./aggregate/lookup_unwind.ts";

export {
  nativeGroupBytes,
  nativeGroupDocs,
  type NativeGroupPlan,
  nativeGroupPlan,
} from "./aggregate/group_native.ts";
export { nativeMatchPlan, type NativeMatchTerm } from "./aggregate/match_native.ts";
export { validationDetails } from "./query/validation_details.ts";
export {
  compileExpression,
  evaluateExpression,
  type Evaluator,
  ExpressionEnv,
  type ExpressionOptions,
} from "./expression/mod.ts";

/** A BSON document as the engines see it: the one `Document` of bson/document.ts. */
export type { Document } from "../bson/document.ts";
