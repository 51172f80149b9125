/**
 * Plan cache: the index chosen for a query SHAPE (fields, operators and value types of the filter,
 * sort, projection, collation — not the values), per collection and index set. When several index
 * plans qualified, the winner is remembered; the next query of the same shape plans only that index
 * (its bounds still come from the new values). If the cached index is not usable for the new values
 * (a partial index whose filter the values miss), the caller plans from scratch. Bounded in size;
 * a changed index set or a recreated collection (new uuid) gives new keys, so nothing goes stale.
 * PURE (plain data; the caller owns the instance).
 */
import type { Document as Doc } from "../bson/document.ts";

function typeTag(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "date";
  const t = typeof v;
  if (t !== "object") return t;
  const bt = (v as { _bsontype?: string })._bsontype;
  return bt ?? "object";
}

/** The shape of a filter: structure and operators kept, values replaced by their types. */
export function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shapeOf);
  if (v !== null && typeof v === "object" && typeTag(v) === "object") {
    const out: Doc = {};
    for (const [k, x] of Object.entries(v as Doc)) {
      out[k] = k === "$in" || k === "$nin"
        ? ["in", Array.isArray(x) ? [...new Set(x.map(typeTag))].sort() : typeTag(x)]
        : shapeOf(x);
    }
    return out;
  }
  return typeTag(v);
}

export class PlanCache {
  readonly #entries = new Map<string, string>();
  hits = 0;
  constructor(private readonly maxEntries = 5000) {}

  get(key: string): string | undefined {
    const v = this.#entries.get(key);
    if (v !== undefined) this.hits++;
    return v;
  }

  set(key: string, indexName: string): void {
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(key, indexName);
  }

  /** Forgets every shape of a collection (planCacheClear); `prefix` is the collection part of keys. */
  clear(prefix?: string): void {
    if (prefix === undefined) this.#entries.clear();
    else for (const k of [...this.#entries.keys()]) if (k.startsWith(prefix)) this.#entries.delete(k);
  }

  /** The remembered shapes whose key starts with `prefix`, with their winning index ($planCacheStats). */
  entries(prefix: string): [string, string][] {
    return [...this.#entries].filter(([k]) => k.startsWith(prefix));
  }

  get size(): number {
    return this.#entries.size;
  }
}
