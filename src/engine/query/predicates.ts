/**
 * predicates.ts — the compiled shapes a filter turns into, and the combinators over them.
 *
 * A `ValueTest` judges one candidate value reached by a path (see `visitPathValues`); a `FieldPred`
 * is a test bound to a path that can run either against a whole document (`onPath`, with array
 * expansion and OR over candidates) or against one value (`onValue`, used inside value-form
 * `$elemMatch`). Negating operators (`$ne`, `$nin`, `$not`) negate the whole path result, as mongod
 * does: `{a: {$ne: 1}}` means "no candidate equals 1".
 */
import { visitPathValues } from "../path/field_path.ts";
import type { StringComparator } from "../../bson/compare.ts";

export type ValueTest = (value: unknown, isLeafArrayElement: boolean) => boolean;
export type DocPred = (doc: Record<string, unknown>) => boolean;

export interface FieldPred {
  onPath(root: unknown): boolean;
  onValue(value: unknown): boolean;
}

/** Options threaded through compilation. */
export interface CompileContext {
  readonly strCmp: StringComparator | undefined;
  /** Compiles a nested filter document (for `$elemMatch` object form). */
  readonly subFilter: (filter: Record<string, unknown>) => DocPred;
  /** Compiles a `$expr` aggregation expression into a document predicate. */
  readonly expr: (expression: unknown) => DocPred;
  /** Compiles a top-level `$text` argument (needs the collection's text index). */
  readonly text?: (arg: unknown) => DocPred;
  /** `$where` (absent: not allowed in this context). */
  readonly where?: { compile(code: string, scope: Record<string, unknown> | undefined): DocPred } | undefined;
}

/** Binds a value test to a path. */
export function leaf(parts: readonly string[], test: ValueTest): FieldPred {
  // (a `$`-named key may be a DBRef's `$ref` / `$id` / `$db`, which only the path walk reads from one)
  if (parts.length === 1 && (parts[0] as string)[0] !== "$") {
    const key = parts[0] as string;
    return {
      onPath(root) {
        const r = root as Record<string, unknown>;
        if (r !== null && typeof r === "object" && !Array.isArray(r)) {
          const v = Object.hasOwn(r, key) ? r[key] : undefined;
          if (!Array.isArray(v)) return test(v, false);
        }
        return visitPathValues(root, parts, test);
      },
      onValue: (v) => test(v, false),
    };
  }
  return { onPath: (root) => visitPathValues(root, parts, test), onValue: (v) => test(v, false) };
}

export function notPred(p: FieldPred): FieldPred {
  return { onPath: (r) => !p.onPath(r), onValue: (v) => !p.onValue(v) };
}

export function andPreds(ps: FieldPred[]): FieldPred {
  if (ps.length === 1) return ps[0] as FieldPred;
  return {
    onPath: (r) => ps.every((p) => p.onPath(r)),
    onValue: (v) => ps.every((p) => p.onValue(v)),
  };
}

export const ALWAYS_TRUE: DocPred = () => true;
export const ALWAYS_FALSE: DocPred = () => false;
