/**
 * Text index specifications: `{title: "text", body: "text"}` (optionally compound with scalar
 * fields before / after, or `{"$**": "text"}`) becomes mongod's stored form — key
 * `{<prefix>, _fts: "text", _ftsx: 1, <suffix>}` with `weights` (every text field, default 1),
 * `default_language` ("english"), `language_override` ("language") and `textIndexVersion: 3`.
 * PURE (throws CommandError only).
 */
import { CommandError } from "../errors/command_error.ts";
import { isDocument } from "../bson/values.ts";
import type { Document as Doc } from "../bson/document.ts";

/** mongod's text languages (names and codes) and "none". */
const LANGUAGES = new Set([
  "none",
  ...["danish", "dutch", "english", "finnish", "french", "german", "hungarian", "italian", "norwegian"],
  ...["portuguese", "romanian", "russian", "spanish", "swedish", "turkish"],
  ...["da", "nl", "en", "fi", "fr", "de", "hu", "it", "nb", "pt", "ro", "ru", "es", "sv", "tr"],
]);

function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  const bt = (v as { _bsontype?: string } | null)?._bsontype;
  if (bt === "Long" || bt === "Int32" || bt === "Double" || bt === "Decimal128") return Number(String(v));
  return undefined;
}

/** True when the key pattern names a text index (raw `"text"` fields or the stored `_fts` form). */
export function isTextKey(key: Doc): boolean {
  return Object.entries(key).some(([f, v]) => v === "text" || f === "_fts");
}

/** The stored key and text options of a text index spec. */
export function normalizeTextIndex(raw: Doc, key: Doc): { key: Doc; options: Doc } {
  const weights: Record<string, number> = {};
  const given = raw["weights"];
  if (given !== undefined && given !== "$**" && !isDocument(given)) {
    throw new CommandError("CannotCreateIndex", "weights must be an object");
  }
  const prefix: [string, unknown][] = [];
  const suffix: [string, unknown][] = [];
  let seenText = false;
  let stored = false;
  for (const [f, v] of Object.entries(key)) {
    if (f === "_fts") {
      stored = true;
      seenText = true;
      continue;
    }
    if (f === "_ftsx") continue;
    if (v === "text") {
      if (seenText && suffix.length > 0) {
        throw new CommandError(
          "CannotCreateIndex",
          "text index fields must be contiguous in the key pattern",
        );
      }
      seenText = true;
      weights[f] = 1;
      continue;
    }
    const n = num(v);
    if (n === undefined) throw new CommandError("CannotCreateIndex", `Unknown index plugin '${String(v)}'`);
    (seenText ? suffix : prefix).push([f, v]);
  }
  if (given === "$**") weights["$**"] = 1;
  else if (isDocument(given)) {
    for (const [f, w] of Object.entries(given)) {
      const n = num(w);
      if (n === undefined) throw new CommandError("BadValue", "weight for text index needs numeric type");
      if (!(n > 0 && n < 100000)) {
        throw new CommandError("BadValue", "text index weight must be in the exclusive interval (0,100000)");
      }
      weights[f] = n;
    }
  }
  if (!stored && Object.keys(weights).length === 0) {
    throw new CommandError("CannotCreateIndex", "text index needs at least one text field");
  }
  const lang = raw["default_language"] ?? "english";
  if (typeof lang !== "string" || !LANGUAGES.has(lang.toLowerCase())) {
    throw new CommandError(
      "CannotCreateIndex",
      `default_language: '${String(lang)}' is not a supported language`,
    );
  }
  const override = raw["language_override"] ?? "language";
  if (typeof override !== "string" || override.length === 0) {
    throw new CommandError("CannotCreateIndex", "language_override must be a non-empty string");
  }
  const version = raw["textIndexVersion"] ?? 3;
  if (num(version) === undefined || ![1, 2, 3].includes(num(version)!)) {
    throw new CommandError("CannotCreateIndex", `Currently only textIndexVersion 1, 2 and 3 are supported`);
  }
  const sorted: Doc = {};
  for (const f of Object.keys(weights).sort()) sorted[f] = weights[f];
  return {
    key: { ...Object.fromEntries(prefix), _fts: "text", _ftsx: 1, ...Object.fromEntries(suffix) },
    options: {
      weights: sorted,
      default_language: lang,
      language_override: override,
      textIndexVersion: version,
    },
  };
}
