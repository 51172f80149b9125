/**
 * names_javascript.ts — whether a statement can run server-side JavaScript at all (`$where`,
 * `$function`, `$accumulator` anywhere in it): one without never needs a `$where` runner, a
 * JavaScript host or rounds.
 */

/** The keys through which a statement can run server-side JavaScript. */
const JS_KEYS: ReadonlySet<string> = new Set(["$where", "$function", "$accumulator"]);

/**
 * True when a key `$where`, `$function` or `$accumulator` appears anywhere in `v` (plain documents and
 * arrays), whatever its place: a statement without one never runs JavaScript, so its write needs no
 * `$where` runner, JavaScript host or rounds (shared/where.ts `jsQueryParts`). A false positive only
 * builds them.
 */
export function namesJavaScript(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) {
    for (const x of v) if (namesJavaScript(x)) return true;
    return false;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false; // a BSON value, a Date
  for (const k in v) {
    if (JS_KEYS.has(k) || namesJavaScript((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}
