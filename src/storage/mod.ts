/**
 * src/storage: the storage layer's public surface: the engine-agnostic contract (`api.ts`) and its
 * WiredTiger implementation (`openWiredTiger`). Storage knows BSON bytes and pre-encoded index keys
 * only; it imports `bson`, `ffi/wiredtiger/` and nothing from the layers above it.
 */

export * from "./api.ts";
export { openWiredTiger } from "./wiredtiger/mod.ts";
