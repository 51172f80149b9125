/** Limits and wire versions this server advertises and enforces (mongod 8.0 values). */
export const LIMITS = {
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
} as const;

/** Wire versions: 25 = MongoDB 8.0 (21 = 7.0). Keep in step with COMPAT_MONGODB_VERSION in src/version.ts. */
export const WIRE_VERSION = { min: 0, max: 25 } as const;
