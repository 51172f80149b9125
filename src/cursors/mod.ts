/**
 * cursors/ — the cursor registry: int64 ids, batch sources, idle expiry (injected clock). Knows
 * nothing of storage or plans; a cursor is any BatchSource.
 */
export { type BatchSource, type CursorEntry, CursorRegistry } from "./registry.ts";
