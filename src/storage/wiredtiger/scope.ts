/**
 * `TxnScope`: what the objects living inside one WiredTiger transaction (scan iterators, internal
 * table views) need from it: its session, its set of open scans, and the liveness and error rules.
 * `WtTxn` (record transactions and handles) and `CatalogScope` (the catalog's DDL transaction, seen
 * by write hooks) implement it. `LeasedIterator` is a scan bound to a scope: it holds a private cursor
 * until it finishes, returns, or the scope ends; after that it throws.
 */

import { StorageError } from "../api.ts";
import type { Cursor } from "../../../ffi/wiredtiger/mod.ts";
import { guard, toStorageError } from "./errors.ts";
import type { SessionCtx } from "./sessions.ts";

export interface TxnScope {
  readonly ctx: SessionCtx;
  /** Open scans: undefined (or empty) when none. */
  leases: Set<LeasedIterator<unknown>> | undefined;
  /** Throws unless the transaction can still be used. */
  assertActive(): void;
  /** Run a read step: FFI errors become StorageErrors (a WriteConflict fails the transaction). */
  readStep<T>(context: string, fn: () => T): T;
  /** Run a write step: refused when read-only; any error fails the transaction. */
  writeStep<T>(context: string, fn: () => T): T;
}

/** An iterator bound to a transaction scope and a leased cursor. */
export class LeasedIterator<T> implements IterableIterator<T> {
  #gen: Generator<T, void, undefined> | undefined;
  #cursor: Cursor | undefined;
  #done = false;
  #revoked = false;
  constructor(
    readonly scope: TxnScope,
    readonly ident: string,
    readonly start: (c: Cursor) => Generator<T, void, undefined>,
  ) {}

  next(): IteratorResult<T> {
    if (this.#revoked) {
      throw new StorageError("InternalError", "storage iterator used after its transaction ended");
    }
    if (this.#done) return { done: true, value: undefined };
    this.scope.assertActive();
    if (this.#gen === undefined) {
      this.#cursor = this.scope.ctx.acquire(this.ident);
      (this.scope.leases ??= new Set()).add(this);
      this.#gen = this.start(this.#cursor);
    }
    let r: IteratorResult<T>;
    try {
      r = this.#gen!.next();
    } catch (e) {
      this.finish();
      throw toStorageError(e, `scan ${this.ident}`);
    }
    if (r.done) this.finish();
    return r;
  }

  return(): IteratorResult<T> {
    this.finish();
    return { done: true, value: undefined };
  }

  /** The transaction ended: release the cursor and refuse further use. */
  revoke(): void {
    this.#revoked = true;
    this.finish();
  }

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.scope.leases?.delete(this);
    if (this.#cursor !== undefined) this.scope.ctx.release(this.#cursor);
    this.#cursor = undefined;
    this.#gen = undefined;
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}

/** Revoke every open scan of a scope (its transaction is ending). */
export function revokeAll(scope: TxnScope): void {
  const leases = scope.leases;
  if (leases === undefined || leases.size === 0) return;
  for (const it of [...leases]) it.revoke();
}

/**
 * The scope of one catalog transaction, handed to write hooks for a DDL change: valid only during
 * the hook calls (`end()` afterwards). Its errors do not need to fail anything: the catalog rolls
 * its transaction back whenever a hook throws.
 */
export class CatalogScope implements TxnScope {
  leases: Set<LeasedIterator<unknown>> | undefined;
  #active = true;
  constructor(readonly ctx: SessionCtx) {}

  assertActive(): void {
    if (!this.#active) {
      throw new StorageError("InternalError", "catalog transaction used after the write hook returned");
    }
  }
  readStep<T>(context: string, fn: () => T): T {
    this.assertActive();
    return guard(context, fn);
  }
  writeStep<T>(context: string, fn: () => T): T {
    this.assertActive();
    return guard(context, fn);
  }
  end(): void {
    this.#active = false;
    revokeAll(this);
  }
}
