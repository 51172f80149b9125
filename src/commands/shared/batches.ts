/** Cursor batch sizing, as mongod: 101 documents in a first batch by default; 16 MiB per batch. */
export const FIRST_BATCH_DOCS = 101;
export const BATCH_BYTES = 16 * 1024 * 1024;
