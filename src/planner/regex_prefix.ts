/**
 * regex_prefix.ts — PURE. The literal prefix every match of a regular expression starts with, when
 * the expression says so plainly: anchored by a leading `^`, no `|` anywhere, no `i`, `m` or `x`
 * flag. An index on the field then reads only the strings from that prefix on up to the next one
 * (`bounds.ts` `prefixInterval`; mongod's planner bounds such regexes the same way) and the fetched
 * documents are matched against the regex as before. Conservative: anything it is not sure of gives
 * undefined (no bounds), never a prefix some match lacks.
 */

/** Characters that end the literal prefix: the pattern's syntax. */
const SPECIAL = new Set(["\\", "^", "$", ".", "|", "?", "*", "+", "(", ")", "[", "]", "{", "}"]);
/** Quantifiers that may repeat the character before them zero times: it leaves the prefix. */
const OPTIONAL = new Set(["?", "*", "{"]);

/**
 * The literal prefix of `re` (a RegExp, a BSON regex, or a `$regex` string with its `$options`), or
 * undefined when it has none that bounds it: "" for `^` followed at once by syntax (every string).
 */
export function regexPrefix(re: unknown, options?: unknown): string | undefined {
  let pattern: string;
  let flags: string;
  if (typeof re === "string") {
    pattern = re;
    flags = typeof options === "string" ? options : "";
  } else if (re instanceof RegExp) {
    pattern = re.source;
    flags = re.flags + (typeof options === "string" ? options : "");
  } else if ((re as { _bsontype?: string } | null)?._bsontype === "BSONRegExp") {
    const r = re as { pattern: string; options: string };
    pattern = r.pattern;
    flags = r.options + (typeof options === "string" ? options : "");
  } else return undefined;
  if (/[imx]/.test(flags) || !pattern.startsWith("^")) return undefined;
  if (hasAlternation(pattern)) return undefined;
  let prefix = "";
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const next = pattern[i + 1];
      // an escaped letter or digit is a class or an assertion (\d, \b, \Q…): the prefix ends
      if (next === undefined || /[A-Za-z0-9]/.test(next)) break;
      if (OPTIONAL.has(pattern[i + 2] ?? "")) break;
      prefix += next;
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      if (OPTIONAL.has(c)) prefix = dropLast(prefix);
      break;
    }
    if (OPTIONAL.has(pattern[i + 1] ?? "")) break;
    prefix += c;
  }
  // a lone surrogate has no UTF-8 bytes of its own (it is written as U+FFFD): no prefix then
  return /[\uD800-\uDFFF]/.test(prefix) ? undefined : prefix;
}

/** Does the pattern hold an unescaped `|` (inside a class `[…]` it is a literal)? */
function hasAlternation(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") i++;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "|" && !inClass) return true;
  }
  return false;
}

function dropLast(s: string): string {
  return s.slice(0, -1);
}

/**
 * The first string after every string that starts with `prefix` (its last character's successor),
 * for explain's display; undefined when there is none to show simply (an empty prefix, a last
 * character at the end of a plane or before the surrogates).
 */
export function successorString(prefix: string): string | undefined {
  if (prefix.length === 0) return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last === 0xd7ff || last >= 0xd800) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
