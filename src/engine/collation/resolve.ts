/**
 * resolve.ts — a collation document as the client gave it → the full specification mongod 8.0 reports
 * back (listCollections options, listIndexes, collStats, system.views, explain), or undefined for the
 * simple collation. Pure; the one place a collation document is validated.
 *
 * mongod's CollatorFactoryICU parses `locale` first (`"simple"` alone means binary comparison and no
 * collation is stored), checks that ICU knows the locale id exactly as written (otherwise BadValue, with
 * "Did you mean …?" when a fallback exists), then each option in turn, taking the ICU collator's default
 * for the locale when absent: caseLevel, caseFirst, strength, numericOrdering, alternate, maxVariable,
 * normalization, backwards, and the ICU version ("57.1"; another requested `version` is 161
 * IncompatibleCollationVersion). Any other field is FailedToParse. Per-locale defaults come from
 * `keys/collation_locales.ts` (generated from ICU): e.g. `da` sorts upper case first, `th` shifts
 * punctuation, `fr_CA` compares accents backwards, Indic and `@collation=search` locales normalize.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import { isNumeric, toNumber, typeName } from "../../bson/type_name.ts";
import type { Document as Doc } from "../../bson/document.ts";
import {
  ALTERNATE_SHIFTED,
  BACKWARDS,
  CASE_FIRST_UPPER,
  LOCALE_IDS,
  NORMALIZATION_ON,
} from "../../keys/collation_locales.ts";

/** The ICU version mongod 8.0 bundles and reports in every collation spec. */
export const ICU_VERSION = "57.1";

/** mongod's one-line rendering of a small document in error messages. */
function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[ ${v.map(show).join(", ")} ]`;
  if (isDocument(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  return String(v);
}

function stringField(spec: Doc, f: string): string | undefined {
  const v = spec[f];
  if (v === undefined) return undefined;
  if (typeof v !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `"${f}" had the wrong type. Expected string, found ${typeName(v)}`,
    );
  }
  return v;
}

function boolField(spec: Doc, f: string): boolean | undefined {
  const v = spec[f];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") {
    throw new CommandError("TypeMismatch", `"${f}" had the wrong type. Expected bool, found ${typeName(v)}`);
  }
  return v;
}

function intField(spec: Doc, f: string): number | undefined {
  const v = spec[f];
  if (v === undefined) return undefined;
  if (!isNumeric(v)) {
    throw new CommandError(
      "TypeMismatch",
      `Expected field "${f}" to have numeric type, but found ${typeName(v)}`,
    );
  }
  const n = toNumber(v);
  if (!Number.isInteger(n)) {
    throw new CommandError(
      "BadValue",
      `Expected field "${f}" to have a value exactly representable as a 64-bit integer, but found ${f}: ${n}`,
    );
  }
  return n;
}

function oneOf(f: string, v: string | undefined, allowed: readonly string[]): string | undefined {
  if (v === undefined || allowed.includes(v)) return v;
  const list = allowed.length === 2
    ? `'${allowed[0]}' or '${allowed[1]}'`
    : `${allowed.slice(0, -1).map((a) => `'${a}'`).join(", ")}, or '${allowed.at(-1)}'`;
  throw new CommandError("FailedToParse", `Field '${f}' must be ${list}. Got: ${v}`);
}

/** The locale ICU would fall back to for an id it does not know exactly (ICU's getName + parent chain). */
export function suggestLocale(id: string): string | undefined {
  const [base = "", keywords] = id.split("@", 2);
  const parts = base.replaceAll("-", "_").split("_").filter((p) => p !== "");
  const canon = parts.map((p, i) =>
    i === 0
      ? p.toLowerCase()
      : p.length === 4
      ? p[0]!.toUpperCase() + p.slice(1).toLowerCase()
      : p.toUpperCase()
  );
  for (let n = canon.length; n > 0; n--) {
    const stem = canon.slice(0, n).join("_");
    if (keywords !== undefined && LOCALE_IDS.has(`${stem}@${keywords}`)) return `${stem}@${keywords}`;
    if (LOCALE_IDS.has(stem)) return stem;
  }
  return undefined;
}

/**
 * The full collation spec mongod reports for `spec`, in its field order; undefined for `{locale:
 * "simple"}`. Throws mongod's error for an invalid document.
 */
export function resolveCollation(spec: unknown): Doc | undefined {
  if (!isDocument(spec)) throw new CommandError("TypeMismatch", "collation must be an object");
  const locale = stringField(spec, "locale");
  if (locale === undefined) throw new CommandError("NoSuchKey", 'Missing expected field "locale"');
  if (locale.includes("\0")) {
    throw new CommandError(
      "BadValue",
      `Field 'locale' cannot contain null byte. Collation spec: ${show(spec)}`,
    );
  }
  if (locale === "simple") {
    if (Object.keys(spec).length > 1) {
      throw new CommandError(
        "FailedToParse",
        `If locale=simple, no other fields should be present in: ${show(spec)}`,
      );
    }
    return undefined;
  }
  if (locale === "") {
    throw new CommandError("BadValue", `Field 'locale' cannot be the empty string in: ${show(spec)}`);
  }
  if (!LOCALE_IDS.has(locale)) {
    const near = suggestLocale(locale);
    throw new CommandError(
      "BadValue",
      `Field 'locale' is invalid in: ${show(spec)}${
        near && near !== "root" ? `. Did you mean '${near}'?` : ""
      }`,
    );
  }
  const caseLevel = boolField(spec, "caseLevel");
  const caseFirst = oneOf("caseFirst", stringField(spec, "caseFirst"), ["upper", "lower", "off"]);
  const strength = intField(spec, "strength");
  if (strength !== undefined && !(strength >= 1 && strength <= 5)) {
    throw new CommandError(
      "FailedToParse",
      `Field 'strength' must be an integer 1 through 5. Got: ${strength}`,
    );
  }
  const numericOrdering = boolField(spec, "numericOrdering");
  const alternate = oneOf("alternate", stringField(spec, "alternate"), ["non-ignorable", "shifted"]);
  const maxVariable = oneOf("maxVariable", stringField(spec, "maxVariable"), ["punct", "space"]);
  const normalization = boolField(spec, "normalization");
  const backwards = boolField(spec, "backwards");
  const version = stringField(spec, "version");
  if (version !== undefined && version !== ICU_VERSION) {
    throw new CommandError(
      "IncompatibleCollationVersion",
      `Requested collation version ${version} but the only available collator version was ${ICU_VERSION}. ` +
        `Requested collation spec: ${show(spec)}`,
    );
  }
  const known = [
    "locale",
    "caseLevel",
    "caseFirst",
    "strength",
    "numericOrdering",
    "alternate",
    "maxVariable",
    "normalization",
    "backwards",
    "version",
  ];
  if (Object.keys(spec).some((k) => !known.includes(k))) {
    throw new CommandError(
      "FailedToParse",
      `Collation spec contains unknown field. Collation spec: ${show(spec)}`,
    );
  }
  const full: Doc = {
    locale,
    caseLevel: caseLevel ?? false,
    caseFirst: caseFirst ?? (CASE_FIRST_UPPER.has(locale) ? "upper" : "off"),
    strength: strength ?? 3,
    numericOrdering: numericOrdering ?? false,
    alternate: alternate ?? (ALTERNATE_SHIFTED.has(locale) ? "shifted" : "non-ignorable"),
    maxVariable: maxVariable ?? "punct",
    normalization: normalization ?? NORMALIZATION_ON.has(locale),
    backwards: backwards ?? BACKWARDS.has(locale),
    version: ICU_VERSION,
  };
  if (full["backwards"] === true && full["strength"] === 1) {
    throw new CommandError("BadValue", `'backwards' is invalid with 'strength' of 1 in: ${show(full)}`);
  }
  if (full["caseFirst"] !== "off" && full["caseLevel"] !== true && (full["strength"] as number) <= 2) {
    throw new CommandError(
      "BadValue",
      `'caseFirst' is invalid unless 'caseLevel' is on or 'strength' is greater than 2 in: ${show(full)}`,
    );
  }
  return full;
}

/** resolveCollation for a value that may be absent: undefined stays undefined. */
export function resolveOptionalCollation(spec: unknown): Doc | undefined {
  return spec === undefined ? undefined : resolveCollation(spec);
}
