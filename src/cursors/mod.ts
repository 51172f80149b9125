/**
 * cursors/ — the cursor registry: int64 ids, batch sources, idle expiry (injected clock). Knows
 * nothing of storage or plans; a cursor is any BatchSource (the interface lives with its producers,
 * in executor/batch_source.ts, so this folder imports that one type file downward and nothing else).
 */
export { type BatchSource, type CursorEntry, CursorRegistry } from "./registry.ts";
