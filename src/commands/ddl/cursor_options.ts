/**
 * The `cursor` sub-document the listing commands (listCollections, listIndexes) accept: mongod's
 * `SimpleCursorOptions` ({batchSize: non-negative integer}; any other field is 40415 with its dotted
 * path, `listIndexes.cursor.foo`).
 */
import { count, optional, type Parsed, shape } from "../params/schema.ts";

export const CURSOR_OPTIONS = { batchSize: optional(count) } as const;

export type CursorOptions = Parsed<typeof CURSOR_OPTIONS>;

/** Reader for a `cursor: {batchSize}` field. */
export const cursorOptions = shape(CURSOR_OPTIONS);
