/**
 * update_group.ts — consecutive single-document statements of one `update` command by `_id` (a sync
 * job's or an ODM's bulkWrite of `updateOne`/`replaceOne`, with or without `upsert`) written in one
 * storage transaction of up to GROUP_STATEMENTS statements, as an insert command's documents are
 * (insert.ts `CHUNK_DOCS`): one WiredTiger commit, one oplog batch and one retryable-write mark for the
 * group instead of one per statement (the commit and the oplog's before-commit work were ~30 µs of an
 * upsert's ~80, measured 2026-12-07).
 *
 * What a client sees stays what one transaction per statement gives: every statement is still its own
 * oplog entry (an upsert's insert entry, an update's entry) and change event, counted, profiled and
 * replied as before; the retryable write's reply is still recorded in the transaction of the last
 * statement. A statement inside a group sees the earlier ones' writes (its own transaction's), as it
 * would have seen them committed. Only the moment other clients see the writes changes: a group's at
 * once, as an insert command's chunk (mongod groups an insert's documents too; its updates commit one
 * by one, but no client can tell a statement's commit from the next one's but by racing them).
 *
 * When anything in a group fails (a duplicate key, a validation error, a write conflict with another
 * client, maxTimeMS, a statement the group cannot take after all), nothing of it was written: the
 * figures it counted are put back and its statements run again one per transaction (`update.ts`),
 * so each failure is reported at its own index with ordered/unordered semantics unchanged.
 * Not used inside a multi-document transaction (its statements already share one) nor for statements
 * that may yield, run JavaScript or create the collection.
 */
import type { RequestContext } from "../context.ts";
import type { WriteTxn } from "../../storage/api.ts";

/**
 * Statements one group's transaction takes at most, and the stored bytes after which it takes no more
 * (as an insert's chunk: insert.ts CHUNK_DOCS, CHUNK_BYTES and why).
 */
export const GROUP_STATEMENTS = 64;
export const GROUP_BYTES = 256 * 1024;

/** Thrown by a statement the group took but that needs its own transaction (the group then stops). */
export const NOT_GROUPED: unique symbol = Symbol("not grouped");

/** What the command gives the group. */
export interface GroupSteps<S> {
  /** Statement `i`'s shape lets a group take it (a cheap test; the statement may still refuse). */
  eligible(i: number): boolean;
  /**
   * Runs statement `i` in `txn`, counting it; the bytes of the documents it stored. Throws when it
   * fails (the group is then undone).
   */
  run(i: number, txn: WriteTxn): number;
  /** The command's figures before the group, and putting them back. */
  save(): S;
  restore(saved: S): void;
}

/** What `runGroup` did. */
export interface GroupResult {
  /** Statements written (0: none; the caller runs them one by one). */
  readonly done: number;
  /** The statements from `from` the caller runs one per transaction before grouping again. */
  readonly alone: number;
  /** A statement refused the group: don't group the rest of the command. */
  readonly stop: boolean;
}

/**
 * Writes statements `from..` (while eligible, at most GROUP_STATEMENTS, at least two) in one storage
 * transaction; on any failure puts the figures back and tells the caller to run them alone.
 */
export function runGroup<S>(
  ctx: RequestContext<unknown>,
  from: number,
  count: number,
  sync: boolean,
  steps: GroupSteps<S>,
): GroupResult {
  let end = from;
  while (end < count && end - from < GROUP_STATEMENTS && steps.eligible(end)) end++;
  if (end - from < 2) return { done: 0, alone: 1, stop: false };
  const saved = steps.save();
  try {
    ctx.storage.write((txn) => {
      let bytes = 0;
      for (let i = from; i < end; i++) {
        bytes += steps.run(i, txn);
        if (bytes >= GROUP_BYTES) end = i + 1; // (the group ends with this statement)
      }
    }, { sync });
    return { done: end - from, alone: 0, stop: false };
  } catch (e) {
    steps.restore(saved);
    return { done: 0, alone: end - from, stop: e === NOT_GROUPED };
  }
}
