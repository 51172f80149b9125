/**
 * batch_source.ts — the contract between a cursor and whatever produces its documents. The executor's
 * `QuerySource` (and the command layer's pipeline source) implement it; the cursor registry, above
 * this layer, holds any `BatchSource` without knowing storage or plans. It lives here, at the bottom
 * of the producers, so the executor never imports upward for it.
 */

import type { OpControl } from "../observability/op_control.ts";

/** One batch of a cursor. */
export interface Batch {
  docs: Uint8Array[];
  done: boolean;
  /** Fields the reply's `cursor` document carries after `ns` (a change stream's postBatchResumeToken). */
  cursorFields?: Record<string, unknown>;
  /**
   * Frees the memory `docs` are views into at once (they read as empty afterwards): the caller calls it
   * when it has copied them into its reply. Without a call, a GC frees it.
   */
  release?: () => void;
}

export interface BatchOptions {
  /** For `awaitData` sources: how long to wait for new documents when there are none (ms). */
  readonly awaitMs?: number;
}

/** Produces the next documents (already-BSON) of a cursor, up to count/byte limits. */
export interface BatchSource {
  /**
   * Next batch; `done` when nothing more will ever come. Long work yields through `ctl` (the
   * running command's deadline / kill / time slice; docs/concurrency.md).
   */
  nextBatch(
    maxDocs: number,
    maxBytes: number,
    ctl: OpControl,
    opts?: BatchOptions,
  ): Promise<Batch>;
  /**
   * A tailable awaitData cursor (change streams, tailing the oplog): a getMore waits up to its
   * maxTimeMS (default 1 s) for new documents instead of timing out, and the cursor never ends by
   * running dry.
   */
  readonly awaitData?: boolean;
  /**
   * Reads the oplog, not its namespace's collection (a change stream): a drop or rename of that
   * namespace does not kill the cursor, which reports them as events.
   */
  readonly readsOplog?: boolean;
  /**
   * What the source's reads examined so far (a collection query's; absent when it reads no
   * collection): a getMore's figures are what its batch added.
   */
  readonly stats?: { readonly keysExamined: number; readonly docsExamined: number };
  /** Release whatever the source holds (called once). */
  close(): void;
}
