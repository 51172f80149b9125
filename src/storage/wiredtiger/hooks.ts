/**
 * `HookSet`: the registered `WriteHook`s of one engine. `active` and `preImages` are plain fields so
 * that a write with no hooks pays one property read.
 */

import type { HookTxn, StorageChange, WriteHook } from "../api.ts";

export class HookSet {
  #hooks: readonly WriteHook[] = [];
  /** True when at least one hook is registered. */
  active = false;
  /** True when some hook wants `before` bytes for update/remove. */
  preImages = false;
  /** Told after every change of the registered hooks (`NativeReads.onWriteHooksChange`). */
  readonly listeners = new Set<() => void>();

  /** How many hooks are registered. */
  get count(): number {
    return this.#hooks.length;
  }

  add(hook: WriteHook): () => void {
    this.#set([...this.#hooks, hook]);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.#set(this.#hooks.filter((h) => h !== hook));
    };
  }

  /**
   * Runs `fn` (synchronously) with no hook registered: its record writes and catalog changes are
   * reported to none (`StorageEngine.withoutWriteHooks`). A hook added meanwhile stays added.
   */
  without<T>(fn: () => T): T {
    const saved = this.#hooks;
    this.#set([]);
    try {
      return fn();
    } finally {
      this.#set([...saved, ...this.#hooks]);
    }
  }

  /** Tell every hook, in registration order; the first that throws stops the rest (and the write). */
  notify(change: StorageChange, txn: HookTxn): void {
    for (const h of this.#hooks) h.onChange(change, txn);
  }

  /** Tell every hook that has `beforeCommit` that `txn` is about to commit. */
  beforeCommit(txn: HookTxn): void {
    for (const h of this.#hooks) h.beforeCommit?.(txn);
  }

  #set(list: readonly WriteHook[]): void {
    this.#hooks = list;
    this.active = list.length > 0;
    this.preImages = list.some((h) => h.preImages === true);
    for (const fn of this.listeners) fn();
  }
}
