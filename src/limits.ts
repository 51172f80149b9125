/**
 * Every size and count limit this server advertises and enforces, in one place (mongod 8.0 values),
 * and the wire versions it speaks. A leaf module: any layer may import it.
 */

/** Largest user document (`maxBsonObjectSize`). */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
/** Largest command body / reply document: user limit plus 16 KiB of command overhead, as mongod allows. */
export const MAX_COMMAND_BODY_SIZE = MAX_BSON_OBJECT_SIZE + 16 * 1024;
/** Largest whole message (`maxMessageSizeBytes`). */
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
/** Largest number of statements in one write batch (`maxWriteBatchSize`). */
export const MAX_WRITE_BATCH_SIZE = 100_000;

/** The limits `hello` advertises. */
export const LIMITS = {
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
  maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
} as const;

/** Wire versions: 25 = MongoDB 8.0 (21 = 7.0). Keep in step with COMPAT_MONGODB_VERSION in src/version.ts. */
export const WIRE_VERSION = { min: 0, max: 25 } as const;

/** Cursor batches, as mongod: 101 documents in a first batch by default; 16 MiB per batch. */
export const FIRST_BATCH_DOCS = 101;
export const BATCH_BYTES = 16 * 1024 * 1024;
