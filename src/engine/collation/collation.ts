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

/** undefined for the simple collation (binary comparison). */
export function makeStringComparator(collation: unknown): StringComparator | undefined {
  if (collation === undefined || collation === null) return undefined;
  if (!isDocument(collation)) {
    throw new CommandError("TypeMismatch", "collation must be an object");
  }
  const locale = collation["locale"];
  if (typeof locale !== "string") throw new CommandError("FailedToParse", "Missing required field locale");
  if (locale === "simple") return undefined;
  const strength = Number(collation["strength"] ?? 3);
  const sensitivity = strength <= 1
    ? (collation["caseLevel"] ? "case" : "base")
    : strength === 2
    ? "accent"
    : "variant";
  const caseFirst = collation["caseFirst"];
  let c: Intl.Collator;
  try {
    // ICU spells locales with underscores (en_US); BCP 47 (Intl) with hyphens.
    c = new Intl.Collator(locale.replaceAll("_", "-"), {
      sensitivity,
      numeric: collation["numericOrdering"] === true,
      ...(caseFirst === "upper" || caseFirst === "lower" ? { caseFirst } : {}),
      usage: "sort",
    });
  } catch {
    throw new CommandError("BadValue", `Field 'locale' is invalid in: ${JSON.stringify(collation)}`);
  }
  return (a, b) => c.compare(a, b);
}
