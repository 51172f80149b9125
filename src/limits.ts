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

/**
 * Bytes of the documents one `$lookup` joins to one outer document (mongod's
 * internalLookupStageIntermediateDocumentMaxSizeBytes, 100 MiB; approximate in-memory sizes): past it,
 * 4568. The array may make a document past 16 MiB inside a pipeline, not in a reply.
 */
export const MAX_LOOKUP_JOINED_BYTES = 100 * 1024 * 1024;

/** Wire versions: 25 = MongoDB 8.0 (21 = 7.0). Keep in step with COMPAT_MONGODB_VERSION in src/version.ts. */
export const WIRE_VERSION = { min: 0, max: 25 } as const;

/** Cursor batches, as mongod: 101 documents in a first batch by default; 16 MiB per batch. */
export const FIRST_BATCH_DOCS = 101;
export const BATCH_BYTES = 16 * 1024 * 1024;
/**
 * What a document costs in a batch beyond its own bytes: the array element's type byte, decimal
 * index (up to 6 digits) and NUL. Counted against BATCH_BYTES so a full batch of small documents plus
 * the cursor envelope stays under mongod's 16 MiB + 16 KiB reply limit (mongodump and other clients
 * refuse larger replies with BSONObjectTooLarge).
 */
export const BATCH_ELEMENT_OVERHEAD = 8;

/**
 * Deepest request document, in levels with the root as level 1: mongod's `maxBSONDepth` (200) nested
 * levels below the root. Deeper BSON in a request is refused (15 Overflow, "BSONObj exceeds maximum
 * nested object depth") before it is decoded, so no recursive decoder, comparer or engine ever sees it.
 */
export const MAX_REQUEST_BSON_DEPTH = 201;
/**
 * Deepest document that may be stored (root = level 1): mongod's `getMaxDepthForUserStorage()`,
 * maxBSONDepth minus its 20 levels of headroom for system wrappers such as oplog entries (180; the
 * manual's "100 levels" is older and lower than what mongod enforces). Deeper → 15 Overflow.
 */
export const MAX_STORED_DOCUMENT_DEPTH = 180;

/**
 * Memory one `$push` / `$addToSet` accumulator (one group) may hold: mongod's internalQueryMaxPushBytes
 * and internalQueryMaxAddToSetBytes (100 MiB). Past it: 146 ExceededMemoryLimit.
 */
export const MAX_PUSH_BYTES = 100 * 1024 * 1024;
export const MAX_ADD_TO_SET_BYTES = 100 * 1024 * 1024;

/**
 * Total bytes of large incoming messages (those beyond a connection's 4 KiB read buffer) being read or
 * served at once, server-wide. Past it further large messages wait before they are allocated
 * (backpressure), so 100 clients sending 48 MB at once cost ~256 MiB of buffers, not 4.8 GB. One
 * message may exceed it alone.
 */
export const INCOMING_MESSAGE_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * Wire compressors the server negotiates in `hello.compression` (wire/op_compressed.ts implements them;
 * `noop` is accepted on the wire but never offered, as mongod).
 */
export const SUPPORTED_COMPRESSORS: readonly string[] = ["snappy", "zstd", "zlib"];
