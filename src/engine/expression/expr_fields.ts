/**
 * Which top-level fields of the current document an aggregation expression can read (for `$expr`
 * filters and pipeline dependency analysis: the executor then decodes only those). PURE.
 *
 * Conservative: `exprTopFields` answers false ("the whole document") for `$$ROOT` / `$$CURRENT` as a
 * whole and for operators whose arguments are field *names* or code rather than expressions
 * (`$getField`, `$setField`, `$unsetField`, `$function`). Over-reporting costs a little decoding;
 * under-reporting would be a wrong answer, so every doubt answers false.
 */
import type { Document as Doc } from "../../bson/document.ts";

function isDoc(v: unknown): v is Doc {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    (v as { _bsontype?: string })._bsontype === undefined && !(v instanceof Date);
}

/** The top-level field of a dotted path. */
export function topOf(path: string): string {
  const dot = path.indexOf(".");
  return dot < 0 ? path : path.slice(0, dot);
}

/** Operators whose spec holds field names or code, not expressions: they may read anything. */
const OPAQUE = new Set(["$getField", "$setField", "$unsetField", "$function"]);

/**
 * Adds to `out` the top-level fields `expr` reads; false when it may read the whole document
 * (`$$ROOT`, `$$CURRENT`, or an operator whose arguments are not plain expressions).
 */
export function exprTopFields(expr: unknown, out: Set<string>): boolean {
  return walk(expr, out, topOf);
}

/** `exprTopFields` with the whole paths read (`a.b`, not `a`). */
export function exprPaths(expr: unknown, out: Set<string>): boolean {
  return walk(expr, out, (p) => p);
}

function walk(expr: unknown, out: Set<string>, name: (path: string) => string): boolean {
  if (typeof expr === "string") {
    if (expr.startsWith("$$")) {
      const v = expr.slice(2);
      const root = v.split(".")[0];
      if (root === "ROOT" || root === "CURRENT") {
        if (!v.includes(".")) return false;
        out.add(name(v.slice(root!.length + 1)));
      }
      return true; // $$NOW, $$REMOVE, user variables: not document fields
    }
    if (expr.startsWith("$")) out.add(name(expr.slice(1)));
    return true;
  }
  if (Array.isArray(expr)) return expr.every((e) => walk(e, out, name));
  if (isDoc(expr)) {
    const keys = Object.keys(expr);
    if (keys.length === 1 && keys[0] === "$literal") return true;
    if (keys.some((k) => OPAQUE.has(k))) return false;
    return keys.every((k) => walk(expr[k], out, name));
  }
  return true;
}
