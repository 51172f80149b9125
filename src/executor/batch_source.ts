/**
 * batch_source.ts — the contract between a cursor and whatever produces its documents. The executor's
 * `QuerySource` (and the command layer's pipeline source) implement it; the cursor registry, above
 * this layer, holds any `BatchSource` without knowing storage or plans. It lives here, at the bottom
 * of the producers, so the executor never imports upward for it.
 */

/** Produces the next documents (already-BSON) of a cursor, up to count/byte limits. */
export interface BatchSource {
  /** Next batch; `done` when nothing more will ever come. */
  nextBatch(maxDocs: number, maxBytes: number): { docs: Uint8Array[]; done: boolean };
  /** Release whatever the source holds (called once). */
  close(): void;
}
