/** Limits and wire versions this server advertises and enforces (mongod 7.0's values). */
export const LIMITS = {
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
} as const;

/** Wire versions: 21 = MongoDB 7.0. */
export const WIRE_VERSION = { min: 0, max: 21 } as const;
