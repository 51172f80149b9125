/**
 * types.ts — shapes shared by the update operators.
 */
import type { Document } from "../../bson/document.ts";
import type { StringComparator } from "../../bson/compare.ts";
export type { Document };

export interface UpdateContext {
  /** True when the update builds a new (upserted) document: `$setOnInsert` applies. */
  readonly isInsert: boolean;
  /** The clock for `$currentDate` (injected for determinism). */
  readonly now: Date;
  /**
   * The array index the query matched (mongod's elemMatchKey), which the positional `$` component
   * stands for; undefined when the query did not match through an array.
   */
  readonly matchedIndex?: string | undefined;
}

/** One operator applied to one path, ready to run against a cloned document. */
export interface UpdateAction {
  readonly op: string;
  readonly path: string;
  readonly parts: readonly string[];
  /**
   * Mutates `doc` in place (a private clone). `at` is the concrete path when the compiled path has
   * positional components (`$`, `$[]`, `$[id]`) resolved per document; default `parts`.
   */
  apply(doc: Document, ctx: UpdateContext, at?: readonly string[]): void;
  /**
   * `$push` only: whether growing an array of `before` elements to `after` elements only appended
   * them (mongod then logs each new element rather than the whole array).
   */
  appends?(before: number, after: number): boolean;
}

/** How an update's operators compare strings: the operation's (or the collection's default) collation. */
export interface Collated {
  /** The collation document (for `$pull` conditions compiled as filters); undefined = simple. */
  readonly collation?: unknown;
  /** Its string comparator (`$min`/`$max`, `$addToSet`, `$pullAll`, `$push`'s `$sort`); undefined = binary. */
  readonly strCmp?: StringComparator | undefined;
}
