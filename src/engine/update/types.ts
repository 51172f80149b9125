/**
 * types.ts — shapes shared by the update operators.
 */
export type Document = Record<string, unknown>;

export interface UpdateContext {
  /** True when the update builds a new (upserted) document: `$setOnInsert` applies. */
  readonly isInsert: boolean;
  /** The clock for `$currentDate` (injected for determinism). */
  readonly now: Date;
}

/** One operator applied to one path, ready to run against a cloned document. */
export interface UpdateAction {
  readonly op: string;
  readonly path: string;
  readonly parts: readonly string[];
  /** Mutates `doc` in place (a private clone). */
  apply(doc: Document, ctx: UpdateContext): void;
}
