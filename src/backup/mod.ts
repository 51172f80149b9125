/**
 * backup/ — native backup and restore through the storage API only: `createArchive` (WiredTiger
 * backup cursor → tar (npm:tar-stream) → gzip (CompressionStream) → temp file → link to the final
 * name), `restoreArchive` (verify every member against the manifest, refuse unsafe members and
 * directories a running server holds), the manifest format, and point-in-time recovery's checks and
 * entry selection over the oplog archive (`pitr.ts`). May import: storage, oplog, bson, errors,
 * observability. Used by the `secantusAdmin.backupArchive`/`restoreArchive` commands and the
 * `secantusdb backup` / `restore-archive` subcommands.
 */
export { type BackupOptions, type BackupRecord, checkOutputPath, createArchive } from "./archive.ts";
export {
  checkTarget,
  restoreArchive,
  RestoreError,
  type RestoreOptions,
  type RestoreResult,
} from "./restore.ts";
export { type Manifest, MANIFEST_NAME, parseManifest, safeMemberName } from "./manifest.ts";
export { lockedByProcess } from "./wt_lock.ts";
