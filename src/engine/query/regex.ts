/**
 * regex.ts — MongoDB (PCRE) regular expressions on JavaScript's engine.
 *
 * Options: i, m, s, x (extended: whitespace and `#` comments outside classes are stripped before
 * compiling), u (accepted; patterns are always compiled in Unicode mode when valid). Unknown option
 * letters fail with mongod's 51108. A pattern JavaScript rejects fails with 51091. Differences from
 * PCRE (possessive quantifiers, `\A`, `\Z`, inline `(?i)` groups) are not translated.
 *
 * Catastrophic backtracking (issue 11): a pattern `isRiskyRegex` flags (nested or alternated repeats,
 * many unbounded quantifiers) is matched by re2js, a linear-time RE2 port, so `^(a+)+$` over any string
 * answers in microseconds instead of blocking every client for seconds. A pattern without unbounded
 * quantifiers runs on V8's (faster) backtracking engine. One with a few (`\w+@`, `a.*b`) is polynomial
 * on V8 (tried at every start position: `\w+@` over 100,000 word characters took 22 s), so V8 takes
 * only subjects up to `V8_MAX_LENGTH[degree]` and longer ones go to the linear engine. A pattern RE2
 * cannot express (backreferences, lookahead) runs there on V8 in a worker with a per-match time
 * budget (regex_budget.ts): past it, 51156. So does a subject longer than `LINEAR_MAX_LENGTH` that
 * would otherwise go to the linear engine, which is linear but too slow per character for megabytes.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { BSONRegExp } from "bson";
import { kindOf } from "../../bson/values.ts";
import { RE2JS } from "re2js";
import { regexDegree } from "./regex_risk.ts";
import { budgetedMatcher } from "./regex_budget.ts";

/** A compiled regex plus its BSON form (for equality with stored regex values). */
export interface CompiledRegex {
  readonly pattern: string;
  readonly options: string;
  /** V8's form of the pattern (flags without `g`); matching goes through `test`/`exec`/`matchAll`. */
  readonly re: RegExp;
  /**
   * Where matches run: V8 here (patterns without unbounded quantifiers), the linear-time engine (risky
   * patterns), V8 in a worker with a time budget (risky patterns RE2 cannot express), or `gated`: V8
   * for subjects up to `V8_MAX_LENGTH[degree]` characters, the linear engine (else the budget) beyond.
   */
  readonly engine: "v8" | "linear" | "budgeted" | "gated";
  /** Whether the pattern matches somewhere in `s`. */
  test(s: string): boolean;
  /** The first match in `s` (index in UTF-16 units, captures undefined when unset), or null. */
  exec(s: string): RegExpExecArray | null;
  /** Every non-overlapping match in `s`, as `String.prototype.matchAll` with the `g` flag. */
  matchAll(s: string): Iterable<RegExpMatchArray>;
}

/** RE2 flag bits for JavaScript flags (i, m, s). */
function re2Flags(flags: string): number {
  let f = 0;
  if (flags.includes("i")) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("m")) f |= RE2JS.MULTILINE;
  if (flags.includes("s")) f |= RE2JS.DOTALL;
  return f;
}

/** Recently compiled linear forms (expressions compile their regex per document). */
const linearCache = new Map<string, RE2JS | null>();
const LINEAR_CACHE_SIZE = 64;

/** The linear-time form of a risky source, or null when RE2 cannot express it. */
function linearForm(source: string, flags: string): RE2JS | null {
  const key = flags + "/" + source;
  const hit = linearCache.get(key);
  if (hit !== undefined) return hit;
  let lin: RE2JS | null;
  try {
    lin = RE2JS.compile(RE2JS.translateRegExp(source), re2Flags(flags) | RE2JS.LOOKBEHINDS);
  } catch {
    lin = null;
  }
  if (linearCache.size >= LINEAR_CACHE_SIZE) linearCache.delete(linearCache.keys().next().value as string);
  linearCache.set(key, lin);
  return lin;
}

/**
 * Longest subject V8 matches for a pattern of each degree (`regexDegree`); longer ones go to the
 * linear engine. Measured worst cases on V8 at these lengths: a few to ~20 ms.
 */
export const V8_MAX_LENGTH: readonly number[] = [Infinity, 1024, 128, 32];

/**
 * Longest subjects the linear engine takes: for `test` (a filter's `$regex`) and for `exec`/`matchAll`
 * (`$regexFind`, `$regexFindAll`: captures take its slower path). It is linear but not fast — measured
 * worst cases here: `test` ~0.06 µs and `exec` ~0.5 µs per character (`(.*a){3}$` over 4 M characters:
 * 59 ms vs 1.9 s), one synchronous call no other client can interrupt (16 MB took ~17 s) — so a longer
 * subject runs on V8 in the budgeted worker: most patterns answer there in milliseconds, and a
 * backtracking one ends with 51156 after the budget instead of holding the event loop for seconds.
 * At these lengths the linear engine's worst case is ~60 ms.
 */
export const LINEAR_MAX_LENGTH = { test: 1_048_576, exec: 131_072 } as const;

function gatedRunner(
  pattern: string,
  options: string,
  re: RegExp,
  degree: number,
  source: string,
  flags: string,
): CompiledRegex {
  const v8 = v8Runner(pattern, options, re);
  const max = V8_MAX_LENGTH[degree] ?? 32;
  let slow: Pick<CompiledRegex, "test" | "exec" | "matchAll"> | undefined;
  const long = () => {
    if (slow) return slow;
    const lin = linearForm(source, flags);
    return slow = lin ? linearRunner(pattern, options, re, lin) : budgetedMatcher(re.source, re.flags);
  };
  return {
    pattern,
    options,
    re,
    engine: "gated",
    test: (s) => s.length <= max ? v8.test(s) : long().test(s),
    exec: (s) => s.length <= max ? v8.exec(s) : long().exec(s),
    matchAll: (s) => s.length <= max ? v8.matchAll(s) : long().matchAll(s),
  };
}

function v8Runner(pattern: string, options: string, re: RegExp): CompiledRegex {
  let global: RegExp | undefined;
  return {
    pattern,
    options,
    re,
    engine: "v8",
    test: (s) => re.test(s),
    exec: (s) => re.exec(s),
    matchAll: (s) => s.matchAll(global ??= new RegExp(re.source, re.flags + "g")),
  };
}

function linearRunner(pattern: string, options: string, re: RegExp, lin: RE2JS): CompiledRegex {
  let budgeted: ReturnType<typeof budgetedMatcher> | undefined;
  const long = () => budgeted ??= budgetedMatcher(re.source, re.flags);
  return {
    pattern,
    options,
    re,
    engine: "linear",
    test: (s) => s.length <= LINEAR_MAX_LENGTH.test ? lin.test(s) : long().test(s),
    exec: (s) => s.length <= LINEAR_MAX_LENGTH.exec ? lin.exec(s) as RegExpExecArray | null : long().exec(s),
    matchAll: (s) => s.length <= LINEAR_MAX_LENGTH.exec ? lin.matchAll(s) : long().matchAll(s),
  };
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
  const degree = regexDegree(source, flags.includes("m"));
  if (degree === 0) return v8Runner(pattern, options, re);
  if (degree !== undefined) return gatedRunner(pattern, options, re, degree, source, flags);
  const lin = linearForm(source, flags);
  if (lin) return linearRunner(pattern, options, re, lin);
  return { pattern, options, re, engine: "budgeted", ...budgetedMatcher(re.source, re.flags) };
}

/** Something that tests strings against a pattern. */
export interface PatternTester {
  test(s: string): boolean;
}

/**
 * A plain JavaScript regex (`$jsonSchema` `pattern`, `patternProperties`) guarded like `$regex`: risky
 * sources match on the linear-time engine. Throws as `new RegExp` does on an invalid source.
 */
export function guardedRegExp(source: string, flags: string): PatternTester {
  const re = new RegExp(source, flags);
  const degree = regexDegree(source, flags.includes("m"));
  if (degree === 0) return re;
  if (degree !== undefined) return gatedRunner(source, flags, re, degree, source, flags);
  const lin = linearForm(source, flags);
  return lin ? linearRunner(source, flags, re, lin) : budgetedMatcher(re.source, re.flags);
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
  if (typeof v === "string") return r.test(v);
  const k = kindOf(v);
  if (k === "symbol") return r.test(String((v as { value: unknown }).value));
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
