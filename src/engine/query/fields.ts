/**
 * Which top-level fields a filter (or sort) reads, so the executor can decode only those fields of
 * each stored document. `null` means "the whole document" (`$where`, `$jsonSchema`, `$text`, an
 * `$expr` that may read the whole document — `$$ROOT`, `$getField`… (expr_fields.ts) — or any operator
 * this analysis does not know); an `$expr` reads the fields its expression names. Field-level operators (`{a: {$elemMatch: …}}`) only
 * read their own field, whatever they contain. PURE.
 */

import { exprTopFields } from "../expression/expr_fields.ts";

const IGNORED = new Set(["$comment"]);
const LOGICAL = new Set(["$and", "$or", "$nor"]);

function add(fields: Set<string>, path: string): void {
  const dot = path.indexOf(".");
  fields.add(dot < 0 ? path : path.slice(0, dot));
}

function walk(filter: Record<string, unknown>, fields: Set<string>): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (!key.startsWith("$")) {
      add(fields, key);
      continue;
    }
    if (IGNORED.has(key)) continue;
    if (key === "$expr") {
      if (!exprTopFields(value, fields)) return false;
      continue;
    }
    if (!LOGICAL.has(key) || !Array.isArray(value)) return false;
    for (const sub of value) {
      if (sub === null || typeof sub !== "object" || Array.isArray(sub)) return false;
      if (!walk(sub as Record<string, unknown>, fields)) return false;
    }
  }
  return true;
}

/** Top-level fields read by `filter`, or null when it may read the whole document. */
export function filterTopFields(filter: Record<string, unknown>): Set<string> | null {
  const fields = new Set<string>();
  return walk(filter, fields) ? fields : null;
}

/** Top-level fields read by a sort spec, or null (`$meta` sorts and anything unusual). */
export function sortTopFields(sort: Record<string, unknown>): Set<string> | null {
  const fields = new Set<string>();
  for (const [key, value] of Object.entries(sort)) {
    if (key.startsWith("$") || (value !== null && typeof value === "object")) return null;
    add(fields, key);
  }
  return fields;
}
