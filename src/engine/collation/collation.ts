/**
 * collation.ts — turns a query `collation` document into a string comparator.
 *
 * Supported: `{locale: "simple"}` (binary order, the default), and ICU-style locales through
 * `Intl.Collator` with `strength` 1 (base letters), 2 (plus accents), 3 (plus case, the default),
 * `caseLevel`, `caseFirst` and `numericOrdering`. Other fields are accepted and ignored.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { StringComparator } from "../../bson/compare.ts";
import { isDocument } from "../../bson/values.ts";
import { collatorOptions } from "../../keys/collation_key.ts";

/** undefined for the simple collation (binary comparison). */
export function makeStringComparator(collation: unknown): StringComparator | undefined {
  if (collation === undefined || collation === null) return undefined;
  if (!isDocument(collation)) {
    throw new CommandError("TypeMismatch", "collation must be an object");
  }
  const locale = collation["locale"];
  if (typeof locale !== "string") throw new CommandError("FailedToParse", "Missing required field locale");
  if (locale === "simple") return undefined;
  let c: Intl.Collator;
  try {
    // The Intl options are shared with collated index keys (keys/collation_key.ts).
    const { locale: tag, options } = collatorOptions(collation);
    c = new Intl.Collator(tag, options);
  } catch {
    throw new CommandError("BadValue", `Field 'locale' is invalid in: ${JSON.stringify(collation)}`);
  }
  return (a, b) => c.compare(a, b);
}
