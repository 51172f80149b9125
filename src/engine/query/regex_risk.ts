/**
 * regex_risk.ts — tells whether a JavaScript regex source can backtrack catastrophically (ReDoS).
 *
 * JavaScript's engine backtracks and one `RegExp.test` cannot be interrupted, so `^(a+)+$` over 31
 * characters blocks the event loop for seconds. This scan is deliberately conservative and cheap (one
 * pass over the source): a pattern is *risky* when a repeated group (`(…)*`, `(…)+`, `(…){2,}`) contains
 * a quantifier or an alternation — the shapes behind exponential backtracking (`(a+)+`, `(a|a)*`,
 * `(\w+\s?)+`) — or when it holds more than `MAX_FREE_UNBOUNDED` unbounded quantifiers (polynomial
 * blow-ups such as `.*a.*b.*c.*d`). Risky patterns run on a linear-time engine (regex.ts); the rest keep
 * V8's faster backtracking engine. Pure.
 */

/** More unbounded quantifiers than this in one pattern count as risky (polynomial backtracking). */
export const MAX_FREE_UNBOUNDED = 3;

interface Frame {
  /** A quantifier or an alternation somewhere inside this group. */
  inner: boolean;
}

/** Reads a `{n}`, `{n,}` or `{n,m}` quantifier at `i`; returns its end index and whether it repeats. */
function braceQuantifier(p: string, i: number): { end: number; repeats: boolean; unbounded: boolean } | null {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
  if (!m) return null;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3]);
  return { end: i + m[0].length, repeats: max > 1, unbounded: max === Infinity };
}

/** True when `source` (a JavaScript regex source) may backtrack exponentially or past cubic. */
export function isRiskyRegex(source: string): boolean {
  return scan(source) === RISKY;
}

/**
 * How many unbounded quantifiers a non-risky pattern has, less one when it is anchored at the start
 * (`^…` without the `m` flag and without `|`): V8 tries an unanchored pattern at every start position,
 * so with d unbounded quantifiers a failing match costs up to ~n^(d+1) steps (`\w+@` over 100,000
 * word characters: 22 s; `a*a*c` over 1,000: 0.8 s). regex.ts keeps V8 only for subjects short
 * enough for that degree. Undefined for risky patterns.
 */
export function regexDegree(source: string, multiline: boolean): number | undefined {
  const n = scan(source);
  if (n === RISKY) return undefined;
  const anchored = source.startsWith("^") && !multiline && !source.includes("|");
  return anchored ? Math.max(0, n - 1) : n;
}

const RISKY = -1;

/** RISKY, or the number of unbounded quantifiers. */
function scan(source: string): number {
  const stack: Frame[] = [{ inner: false }];
  let unbounded = 0;
  let i = 0;
  /** Set after an atom that may take a quantifier: the frame of the group just closed, if any. */
  let lastGroup: Frame | null = null;
  let afterAtom = false;
  while (i < source.length) {
    const c = source[i] as string;
    const top = stack[stack.length - 1] as Frame;
    if (c === "\\") {
      i += 2;
      afterAtom = true;
      lastGroup = null;
      continue;
    }
    if (c === "[") {
      i++;
      if (source[i] === "^") i++;
      if (source[i] === "]") i++;
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
      i++;
      afterAtom = true;
      lastGroup = null;
      continue;
    }
    if (c === "(") {
      stack.push({ inner: false });
      i++;
      if (source[i] === "?") {
        // (?: (?= (?! (?<= (?<! (?<name> — skip the group's prefix
        i++;
        if (source[i] === "<" && source[i + 1] !== "=" && source[i + 1] !== "!") {
          while (i < source.length && source[i] !== ">") i++;
        }
        i++;
      }
      afterAtom = false;
      lastGroup = null;
      continue;
    }
    if (c === ")") {
      const closed = stack.length > 1 ? stack.pop() as Frame : top;
      const parent = stack[stack.length - 1] as Frame;
      if (closed.inner) parent.inner = true;
      i++;
      afterAtom = true;
      lastGroup = closed;
      continue;
    }
    if (c === "|") {
      top.inner = true;
      i++;
      afterAtom = false;
      lastGroup = null;
      continue;
    }
    let q: { end: number; repeats: boolean; unbounded: boolean } | null = null;
    if (c === "*" || c === "+") q = { end: i + 1, repeats: true, unbounded: true };
    else if (c === "?") q = { end: i + 1, repeats: false, unbounded: false };
    else if (c === "{") q = braceQuantifier(source, i);
    if (q && afterAtom) {
      if (q.unbounded && ++unbounded > MAX_FREE_UNBOUNDED) return RISKY;
      if (q.repeats && lastGroup?.inner) return RISKY;
      top.inner = true;
      i = q.end;
      if (source[i] === "?" || source[i] === "+") i++; // lazy (or PCRE possessive) suffix
      afterAtom = false;
      lastGroup = null;
      continue;
    }
    i++;
    afterAtom = true;
    lastGroup = null;
  }
  return unbounded;
}
