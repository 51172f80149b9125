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
import type { RaceMemo } from "./sort_trial.ts";

function typeTag(v: unknown): string {
  if (v === null) return "null";
  // (an expression's field path or variable is kept: `$expr` comparisons of different fields bound
  // different indexes)
  if (typeof v === "string" && v.startsWith("$")) return v;
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
      // (`$exists: false` bounds an index, `$exists: true` mostly does not: the value is the shape)
      out[k] = k === "$in" || k === "$nin"
        ? ["in", Array.isArray(x) ? [...new Set(x.map(typeTag))].sort() : typeTag(x)]
        : k === "$exists"
        ? ["exists", x === true || (typeof x === "number" && x !== 0)]
        : shapeOf(x);
    }
    return out;
  }
  return typeTag(v);
}

/** One query shape's entry: the winner of a ranking (shown by $planCacheStats) and/or a template. */
interface Entry<T> {
  winner?: string;
  template?: T;
  /**
   * The shape's plan is raced on the data (planner/sort_trial.ts), never kept: the last race's outcome
   * (`true` until the first race ends), which lets the next query of the shape skip the race while the
   * data still agrees (`RaceMemo`).
   */
  raced?: RaceMemo | true;
  /**
   * The winner's entries in its bounds when the data chose it (planner/bounds_trial.ts): the next
   * query keeps it while its bounds hold at most RACE_REPLAN_FACTOR times as many.
   */
  works?: number;
  /** Queries planned from that winner since its entries were last counted. */
  uses?: number;
}

export class PlanCache<T = unknown> {
  readonly #entries = new Map<string, Entry<T>>();
  hits = 0;
  constructor(private readonly maxEntries = 5000) {}

  /** The winning index remembered for a shape (counts a hit). */
  get(key: string): string | undefined {
    const v = this.#entries.get(key)?.winner;
    if (v !== undefined) this.hits++;
    return v;
  }

  /** The shape's entry as it is (no hit counted). */
  peek(key: string): Readonly<Entry<T>> | undefined {
    return this.#entries.get(key);
  }

  set(key: string, indexName: string): void {
    const e = this.#entry(key);
    // (a chosen winner's entry count is its own: another winner starts without one)
    if (e.winner !== indexName) {
      delete e.works;
      delete e.uses;
    }
    e.winner = indexName;
  }

  /**
   * The winner the data chose (bounds_trial.ts) with its entries: a template made for another index
   * is dropped.
   */
  setChosen(key: string, indexName: string, works: number): void {
    const e = this.#entry(key);
    if (e.winner !== indexName) delete e.template;
    e.winner = indexName;
    e.works = works;
    e.uses = 0;
  }

  /** Counts one more query planned from a chosen winner; true when its entries are due a recount. */
  useChosen(key: string, every: number): boolean {
    const e = this.#entries.get(key);
    if (e === undefined) return true;
    e.uses = (e.uses ?? 0) + 1;
    return e.uses % every === 0;
  }

  /**
   * Keeps a plan template for a shape (planner/plan_template.ts). A shape with only a template is
   * not a cached plan for $planCacheStats or `size`: mongod caches only shapes that had a choice.
   */
  setTemplate(key: string, template: T): void {
    this.#entry(key).template = template;
  }

  /**
   * Marks a shape whose plan is raced on the data (sort_trial.ts), with the last race's outcome when
   * there is one: no winner or template is kept for it.
   */
  setRaced(key: string, memo?: RaceMemo): void {
    const e = this.#entry(key);
    delete e.winner;
    delete e.template;
    e.raced = memo ?? (e.raced === undefined ? true : e.raced);
  }

  #entry(key: string): Entry<T> {
    let e = this.#entries.get(key);
    if (e === undefined) {
      if (this.#entries.size >= this.maxEntries) this.clear();
      e = {};
      this.#entries.set(key, e);
    }
    return e;
  }

  /**
   * Forgets every shape of a collection (planCacheClear); `prefix` is the collection part of keys, and
   * `suffix` (planCacheClear with a query) keeps to the keys of one shape.
   */
  clear(prefix?: string, suffix?: string): void {
    if (prefix === undefined) {
      this.#entries.clear();
      return;
    }
    for (const k of [...this.#entries.keys()]) {
      if (!k.startsWith(prefix) || (suffix !== undefined && !k.endsWith(suffix))) continue;
      this.#entries.delete(k);
    }
  }

  /**
   * The remembered shapes whose key starts with `prefix`, with their winning index ($planCacheStats):
   * a ranked shape's winner, or a raced shape's last winner.
   */
  entries(prefix: string): [string, string][] {
    const out: [string, string][] = [];
    for (const [k, e] of this.#entries) {
      const name = winnerOf(e);
      if (name !== undefined && k.startsWith(prefix)) out.push([k, name]);
    }
    return out;
  }

  /** Shapes with a remembered winner (ranked or raced). */
  get size(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (winnerOf(e) !== undefined) n++;
    return n;
  }
}

function winnerOf(e: Entry<unknown>): string | undefined {
  return e.winner ?? (e.raced === undefined || e.raced === true ? undefined : e.raced.indexName);
}
