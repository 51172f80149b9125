/**
 * collation.ts — turns a query `collation` document into a string comparator.
 *
 * The document is validated as mongod does (`resolve.ts`: unknown locales, fields and values are
 * refused). Supported: `{locale: "simple"}` (binary order, the default), and ICU-style locales through
 * `Intl.Collator` with `strength` 1 (base letters), 2 (plus accents), 3+ (plus case, the default),
 * `caseLevel`, `caseFirst`, `numericOrdering` and `alternate: "shifted"` (punctuation ignored).
 * `maxVariable`, `normalization` and `backwards` are accepted and reported but not modelled.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { StringComparator } from "../../bson/compare.ts";
import { isDocument } from "../../bson/values.ts";
import { collatorOptions } from "../../keys/collation_key.ts";
import { resolveCollation } from "./resolve.ts";

/** undefined for the simple collation (binary comparison). */
export function makeStringComparator(collation: unknown): StringComparator | undefined {
  if (collation === undefined || collation === null) return undefined;
  if (!isDocument(collation)) {
    throw new CommandError("TypeMismatch", "collation must be an object");
  }
  const full = resolveCollation(collation);
  if (full === undefined) return undefined;
  let c: Intl.Collator;
  try {
    // The Intl options are shared with collated index keys (keys/collation_key.ts).
    const { locale: tag, options } = collatorOptions(full);
    c = new Intl.Collator(tag, options);
  } catch {
    throw new CommandError("BadValue", `Field 'locale' is invalid in: ${JSON.stringify(collation)}`);
  }
  return (a, b) => c.compare(a, b);
}
