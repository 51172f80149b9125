/**
 * backup/dump — mongodump's directory and archive formats (written and read byte for byte as the real
 * tools do, CRC-64 included) and the offline source over the storage API. The CLI subcommands
 * `secantusdb dump` and `secantusdb load` (src/cli/) drive them, over the wire or offline.
 */
export {
  type DumpCollection,
  type DumpEvent,
  openSink,
  OPLOG_FILE,
  readArchive,
  readDirectory,
  type Sink,
  writeArchive,
  writeDirectoryCollection,
  writeDirectoryOplog,
} from "./format.ts";
export { type CollectionMetadata, hex, metadataJson, parseMetadata } from "./metadata.ts";
export { storageCollections } from "./storage_source.ts";
