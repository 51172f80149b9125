/**
 * id_equality.ts — finds an equality on `_id` in a filter, for point lookups.
 *
 * Recognises `{_id: v}` and `{_id: {$eq: v}}` at the top level or inside a top-level `$and`, when `v`
 * is not a regex, not an operator document and not an array (`_id` can never hold an array, so such a
 * filter is left to the general matcher). Returns `undefined` when there is none. The filter must still be run on the fetched document.
 */
import { isDocument } from "../../bson/values.ts";
import { isOperatorDocument } from "./field_ops.ts";
import { isRegexValue } from "./regex.ts";

function usable(v: unknown): boolean {
  return v !== undefined && !isRegexValue(v) && !Array.isArray(v) && !isOperatorDocument(v);
}

/** The value `_id` must equal, or undefined. `null` is returned as null (matches a null `_id`). */
export function extractIdEquality(filter: unknown): unknown | undefined {
  if (!isDocument(filter)) return undefined;
  if (Object.hasOwn(filter, "_id")) {
    const v = filter["_id"];
    if (usable(v)) return v;
    if (isOperatorDocument(v) && Object.keys(v).length === 1 && "$eq" in v && usable(v["$eq"])) {
      return v["$eq"];
    }
  }
  const and = filter["$and"];
  if (Array.isArray(and)) {
    for (const sub of and) {
      const v = extractIdEquality(sub);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}
