/**
 * engine/query — filters: parse once (`compileFilter`), match many (`Matcher.matches`). Pure.
 */
export { compileFilter, type Document, type FilterOptions, type Matcher } from "./filter.ts";
export { extractIdEquality } from "./id_equality.ts";
export { isOperatorDocument } from "./field_ops.ts";
export { type CompiledRegex, compileRegex } from "./regex.ts";
export { compileMatchPosition, type MatchPosition } from "./match_position.ts";
export { compilePartialFilter } from "./partial_filter.ts";
export {
  compileLoadedPartialFilter,
  loadPartialFilterCompiler,
  partialFilterCompilerLoaded,
} from "./partial_filter_loader.ts";
