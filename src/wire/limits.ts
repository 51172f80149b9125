/** Size limits the server advertises in `hello` and enforces on the wire (mongod's values). */

/** Largest user document (`maxBsonObjectSize`). */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
/** Largest command body / reply document: user limit plus 16 KiB of command overhead, as mongod allows. */
export const MAX_COMMAND_BODY_SIZE = MAX_BSON_OBJECT_SIZE + 16 * 1024;
/** Largest whole message (`maxMessageSizeBytes`). */
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
/** Largest number of statements in one write batch (`maxWriteBatchSize`); advertised, enforced upstream. */
export const MAX_WRITE_BATCH_SIZE = 100_000;
