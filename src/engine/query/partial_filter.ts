/**
 * partial_filter.ts — a partial index's `partialFilterExpression` as a document predicate: the same
 * compiled filter a query uses, with the simple collation (as mongod). Key generation
 * (executor/index_keys.ts) sits below this layer, so every caller of it passes this function in
 * explicitly; nothing installs it as a side effect.
 */
import type { Document } from "../../bson/document.ts";
import { compileFilter } from "./filter.ts";

/** Compiles a `partialFilterExpression` (throws the engine's error for a bad operator). */
export function compilePartialFilter(filter: Document): (doc: Document) => boolean {
  const m = compileFilter(filter);
  return (d) => m.matches(d);
}
