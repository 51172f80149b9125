/**
 * A collection's default collation (the `collation` option of `create`): it applies to the
 * collection's queries, sorts, distinct, count, updates and new indexes whenever a request names
 * none, as on mongod. `{locale: "simple"}` is the same as no default.
 */
import type { CollectionEntry } from "../../storage/api.ts";
import type { Doc } from "../reply.ts";

export function defaultCollation(coll: CollectionEntry | undefined): Doc | undefined {
  const c = coll?.options["collation"];
  if (c === null || typeof c !== "object" || Array.isArray(c)) return undefined;
  if ((c as Doc)["locale"] === "simple") return undefined;
  return c as Doc;
}

/**
 * The request's collation, or the collection's default when the request names none. An empty
 * `collation: {}` names none, as on mongod (its find, aggregate, count, distinct and write paths build a
 * collator only from a non-empty collation document).
 */
export function effectiveCollation(
  requested: Doc | undefined,
  coll: CollectionEntry | undefined,
): Doc | undefined {
  if (requested !== undefined && Object.keys(requested).length > 0) return requested;
  return defaultCollation(coll);
}
