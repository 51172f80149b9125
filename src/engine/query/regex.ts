/**
 * regex.ts — MongoDB (PCRE) regular expressions on JavaScript's engine.
 *
 * Options: i, m, s, x (extended: whitespace and `#` comments outside classes are stripped before
 * compiling), u (accepted; patterns are always compiled in Unicode mode when valid). Unknown option
 * letters fail with mongod's 51108. A pattern JavaScript rejects fails with 51091. Differences from
 * PCRE (possessive quantifiers, `\A`, `\Z`, inline `(?i)` groups) are not translated.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { BSONRegExp } from "bson";
import { kindOf } from "../../bson/values.ts";

/** A compiled regex plus its BSON form (for equality with stored regex values). */
export interface CompiledRegex {
  readonly pattern: string;
  readonly options: string;
  readonly re: RegExp;
}

function stripExtended(p: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === "\\") {
      out += c + (p[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
    } else if (c === "#") {
      while (i < p.length && p[i] !== "\n") i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

/** Compiles a pattern with BSON regex options; throws mongod's errors on bad input. */
export function compileRegex(pattern: string, options: string): CompiledRegex {
  let flags = "";
  let extended = false;
  for (const o of options) {
    if (o === "i" || o === "m" || o === "s") {
      if (!flags.includes(o)) flags += o;
    } else if (o === "x") extended = true;
    else if (o !== "u" && o !== "l") {
      throw new CommandError(Location.RegexInvalidFlag, `invalid flag in regex options: ${o}`);
    }
  }
  if (pattern.includes("\0")) {
    throw new CommandError("BadValue", "Regular expression cannot contain an embedded null byte");
  }
  const source = extended ? stripExtended(pattern) : pattern;
  let re: RegExp;
  try {
    re = new RegExp(source, flags + "u");
  } catch {
    try {
      re = new RegExp(source, flags);
    } catch (e) {
      throw new CommandError(Location.RegexInvalid, `Regular expression is invalid: ${(e as Error).message}`);
    }
  }
  return { pattern, options, re };
}

/** Compiles a regex value (BSONRegExp or JS RegExp). */
export function compileRegexValue(v: unknown): CompiledRegex {
  if (v instanceof RegExp) return compileRegex(v.source, v.flags.replace(/[gyduv]/g, ""));
  const r = v as BSONRegExp;
  return compileRegex(r.pattern, r.options);
}

/** Parts of a regex value. */
function partsOf(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as BSONRegExp;
  return [r.pattern, r.options];
}

/** Tests a candidate value: strings/symbols by match, stored regexes by identical pattern+options. */
export function regexMatches(r: CompiledRegex, v: unknown): boolean {
  if (typeof v === "string") {
    r.re.lastIndex = 0;
    return r.re.test(v);
  }
  const k = kindOf(v);
  if (k === "symbol") return r.re.test(String((v as { value: unknown }).value));
  if (k === "regex") {
    const [p, o] = partsOf(v);
    return p === r.pattern && o === r.options;
  }
  return false;
}

/** True for a regex value (BSONRegExp or JS RegExp). */
export function isRegexValue(v: unknown): boolean {
  return v instanceof RegExp || kindOf(v) === "regex";
}
