/**
 * Capped collections: FIFO eviction by `size` (bytes of stored documents) and `max` (documents),
 * in the same transaction as the insert that overflows them, and the wake-up tailable cursors on
 * them wait for. A write hook keeps each capped collection's data size (scanned once, then moved by
 * every committed insert/update/remove, whoever made it) so eviction never rescans the collection.
 * Eviction removes the oldest records (record-id order is insertion order) with their index keys.
 */
import type {
  CollectionEntry,
  HookTxn,
  RecordId,
  StorageChange,
  StorageEngine,
  WriteHook,
  WriteTxn,
} from "../storage/api.ts";
import type { Document as Doc } from "../bson/document.ts";
import { decodeDocument } from "../bson/decode.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import { type IndexKeyOptions, indexKeysOf } from "./index_keys.ts";
import { WakeList } from "../observability/wake_list.ts";

export function isCapped(coll: CollectionEntry): boolean {
  return coll.options["capped"] === true;
}

/** mongod's ceiling on a capped collection's size: 1 PB (0x4000000000000 bytes). */
export const MAX_CAPPED_SIZE = 1024 ** 5;
/** mongod stores a document limit <= 0 as this (no limit in practice); `max` must stay below 2^31. */
export const NO_CAPPED_MAX = 0x7fffffff;

/** A capped collection's limits (Infinity when unset). */
export function cappedLimits(coll: CollectionEntry): { size: number; max: number } {
  const size = Number(coll.options["size"] ?? Infinity);
  const max = Number(coll.options["max"] ?? 0);
  return { size: size > 0 ? size : Infinity, max: max > 0 ? max : Infinity };
}

export class CappedCollections implements WriteHook {
  readonly preImages = true; // removed/updated sizes come from the before bytes
  /** Committed data bytes per capped collection ident (absent: not measured yet). */
  readonly #bytes = new Map<string, number>();
  readonly #pending = new WeakMap<HookTxn, Map<string, number>>();
  readonly #wakeList = new WakeList();

  constructor(private readonly storage: StorageEngine, private readonly keyOpts: IndexKeyOptions) {}

  onChange(change: StorageChange, txn: HookTxn): void {
    switch (change.op) {
      case "insert":
      case "update":
      case "remove": {
        if (!isCapped(change.coll)) return;
        const delta = (change.op === "remove" ? 0 : change.bytes.length) -
          (change.op === "insert" ? 0 : change.before?.length ?? 0);
        let m = this.#pending.get(txn);
        if (!m) this.#pending.set(txn, m = new Map());
        m.set(change.coll.ident, (m.get(change.coll.ident) ?? 0) + delta);
        return;
      }
      case "dropCollection":
        this.#bytes.delete(change.coll.ident);
        return;
      case "dropDatabase":
        for (const c of change.colls) this.#bytes.delete(c.ident);
        return;
      default:
        return;
    }
  }

  beforeCommit(txn: HookTxn): void {
    const m = this.#pending.get(txn);
    if (!m) return;
    this.#pending.delete(txn);
    for (const [ident, delta] of m) {
      const b = this.#bytes.get(ident);
      if (b !== undefined) this.#bytes.set(ident, b + delta);
    }
    queueMicrotask(() => this.#wake());
  }

  #committedBytes(coll: CollectionEntry): number {
    let b = this.#bytes.get(coll.ident);
    if (b === undefined) {
      b = this.storage.read((r) => {
        let n = 0;
        for (const rec of r.scan(coll)) n += rec.bytes.length;
        return n;
      });
      this.#bytes.set(coll.ident, b);
    }
    return b;
  }

  /**
   * Removes the oldest documents of capped `coll` inside `txn` until it holds at most `max`
   * documents and `size` bytes (the newest document always stays). Returns how many were removed.
   */
  enforce(txn: WriteTxn, coll: CollectionEntry): number {
    if (!isCapped(coll)) return 0;
    const { size, max } = cappedLimits(coll);
    let count = txn.count(coll);
    let bytes = this.#committedBytes(coll) + (this.#pending.get(txn)?.get(coll.ident) ?? 0);
    if (count <= max && bytes <= size) return 0;
    const victims: { rid: RecordId; doc: Doc; len: number }[] = [];
    for (const rec of txn.scan(coll)) {
      if (count <= 1 || (count <= max && bytes <= size)) break;
      victims.push({ rid: rec.rid, doc: decodeDocument(rec.bytes), len: rec.bytes.length });
      count--;
      bytes -= rec.bytes.length;
    }
    for (const v of victims) txn.remove(coll, v.rid, indexKeysOf(coll, v.doc, this.keyOpts));
    return victims.length;
  }

  /** Resolves at the next commit that touched a capped collection, or after `ms`. */
  waitForInsert(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#wakeList.wait(ms, signal);
  }

  #wake(): void {
    this.#wakeList.wakeAll();
  }
}

/** The options `create` keeps for a capped collection, checked as mongod does (or an error message). */
export function cappedOptionsError(options: Doc): string | undefined {
  if (options["capped"] !== true) return undefined;
  const size = options["size"];
  if (size === undefined) return "the 'size' field is required when 'capped' is true";
  if (typeof size !== "number" || !(size > 0)) return "the 'size' field must be greater than 0";
  if (size > MAX_CAPPED_SIZE) return "the 'size' field must be less than or equal to 1 PB";
  const max = options["max"];
  if (max !== undefined && (typeof max !== "number" || isPlainDoc(max))) {
    return "the 'max' field must be a number";
  }
  return undefined;
}
