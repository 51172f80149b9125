/**
 * Write conflicts outside transactions: a plain write (no `autocommit: false`) that touches a
 * document or unique key an open multi-document transaction has written gets WriteConflict from
 * storage (first writer wins). mongod never surfaces that to a plain write: it waits and retries
 * internally. Our writes are synchronous and the transaction holding the document can only progress
 * between our awaits, so one statement's write is retried here after an awaited, growing pause
 * (1 ms doubling to 50 ms) until it succeeds, the operation's deadline (maxTimeMS → 50
 * MaxTimeMSExpired) passes, it is killed, or the server stops. Only the failed statement is re-run:
 * its storage write rolled back as a whole, and statements before it stay committed.
 * Inside a transaction nothing is retried: the conflict is the transaction's (112 +
 * TransientTransactionError).
 */
import { CommandError } from "../../errors/command_error.ts";
import { StorageError } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { delay } from "../../timers.ts";

const FIRST_PAUSE_MS = 1;
const MAX_PAUSE_MS = 50;

/** True for a write conflict, raw from storage or already translated. */
export function isWriteConflict(e: unknown): boolean {
  return (e instanceof StorageError && e.code === "WriteConflict") ||
    (e instanceof CommandError && e.codeName === "WriteConflict");
}

/** Runs one statement's write, retrying it after a pause while it hits a transaction's write. */
export async function retryOnConflict<T>(ctx: RequestContext, statement: () => T | Promise<T>): Promise<T> {
  if (ctx.transaction) return await statement();
  try {
    return await statement();
  } catch (e) {
    if (!isWriteConflict(e) || ctx.isShuttingDown()) throw e;
  }
  return await retryAfterPauses(ctx, statement);
}

/**
 * `retryOnConflict` without a promise when the statement answers synchronously and does not hit a
 * conflict (the common update by `_id`: no await between the request and its reply).
 */
export function retryOnConflictNow<T>(ctx: RequestContext, statement: () => T | Promise<T>): T | Promise<T> {
  if (ctx.transaction) return statement();
  let r: T | Promise<T>;
  try {
    r = statement();
  } catch (e) {
    if (!isWriteConflict(e) || ctx.isShuttingDown()) throw e;
    return retryAfterPauses(ctx, statement);
  }
  if (!(r instanceof Promise)) return r;
  return r.catch((e) => {
    if (!isWriteConflict(e) || ctx.isShuttingDown()) throw e;
    return retryAfterPauses(ctx, statement);
  });
}

/** After a first attempt hit a conflict: pause (growing), retry, until done or stopped. */
async function retryAfterPauses<T>(ctx: RequestContext, statement: () => T | Promise<T>): Promise<T> {
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    ctx.control.check();
    const left = ctx.control.remainingMs();
    await delay(left === undefined ? pause : Math.max(0, Math.min(pause, left)));
    ctx.control.check();
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
    try {
      return await statement();
    } catch (e) {
      if (!isWriteConflict(e) || ctx.isShuttingDown()) throw e;
    }
  }
}
