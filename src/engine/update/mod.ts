/**
 * engine/update — update specifications: parse once (`compileUpdate`), apply to many documents.
 * Pure; the clock is injected through `UpdateContext.now`.
 */
export {
  type BytesUpdateResult,
  compileUpdate,
  type UpdateOptions,
  type Updater,
  type UpdateResult,
} from "./update.ts";
export { upsertSeed } from "./upsert_seed.ts";
export type { Document, UpdateContext } from "./types.ts";
