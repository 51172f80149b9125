/**
 * A query's collection scan folded into a storage engine `$group` table (`ReadTxn.groupScan`): where
 * the fold stopped between slices and how many records it examined, counted into the query's stats
 * when the scan is done. `QuerySource.groupFold` hands it out.
 *
 * A scan may be split in two at the middle record id (`split`): the first part folds into the
 * query's table up to there, the second part into a table of its own, both on the thread pool at
 * once (two cores for one aggregate), and `join` merges the second into the first as if the first had
 * folded those records itself; when the second part gave up (a double summand does not merge exactly,
 * or a record it cannot fold), the first part goes on over the second's records instead.
 */
import type { CollectionEntry, GroupTableSlice, StorageEngine, StorageGroupTable } from "../storage/api.ts";
import type { ExecStats } from "./compiled_query.ts";

const EMPTY_FIELDS: ReadonlySet<string> = new Set();

export class GroupFold {
  /** Records folded so far, and the last one (the next slice starts after it). */
  #folded = 0;
  #after: bigint | undefined;
  /** A part of a split scan: its end is not the scan's (`join` counts the records). */
  #part = false;

  constructor(
    private readonly storage: StorageEngine,
    private readonly coll: CollectionEntry,
    private readonly reverse: boolean,
    private readonly stats: ExecStats,
    after?: bigint,
  ) {
    this.#after = after;
  }

  /** The next at most `max` records folded into `table`, in one snapshot. */
  slice(table: StorageGroupTable, max: number): GroupTableSlice {
    const opts = this.#options(max);
    return this.#count(this.storage.read((txn) => txn.groupScan!(this.coll, table, opts)));
  }

  /** `slice` off the JS thread (`readAsync`: a worker thread, its own snapshot); `slice` without one. */
  async sliceAsync(table: StorageGroupTable, max: number): Promise<GroupTableSlice> {
    if (!this.storage.readAsync) return this.slice(table, max);
    const opts = this.#options(max);
    return this.#count(await this.storage.readAsync((txn) => txn.groupScanAsync!(this.coll, table, opts)));
  }

  /**
   * Splits a scan that has not started and holds at least `minRecords` records in two at the middle
   * record id: `first` (this scan's table) then folds up to it, and the returned fold, the second
   * part, folds the records after it into `second`. Undefined (nothing changed) when the engine folds
   * on the JS thread only, cannot split, or the collection is smaller.
   */
  split(first: StorageGroupTable, second: StorageGroupTable, minRecords: number): GroupFold | undefined {
    if (
      !this.storage.readAsync || this.#after !== undefined || this.#part || !first.setPart ||
      !second.setPart ||
      !first.merge
    ) return undefined;
    const bounds = this.storage.read((txn) => {
      if (txn.count(this.coll) < minRecords) return undefined;
      const end = (reverse: boolean) => {
        for (const r of txn.scanFields(this.coll, EMPTY_FIELDS, { reverse })) return r.rid;
        return undefined;
      };
      const lo = end(false);
      const hi = end(true);
      return lo === undefined || hi === undefined || hi - lo < 2n ? undefined : { lo, hi };
    });
    if (bounds === undefined) return undefined;
    const mid = bounds.lo + (bounds.hi - bounds.lo) / 2n;
    // forward: the first part is rid <= mid, the second after mid; reverse: rid > mid, then the rest
    const at = this.reverse ? mid + 1n : mid;
    first.setPart("first", at);
    second.setPart("second");
    this.#part = true;
    const rest = new GroupFold(this.storage, this.coll, this.reverse, this.stats, at);
    rest.#part = true;
    rest.#start = at;
    return rest;
  }

  /** Where a second part started. */
  #start: bigint | undefined;

  /**
   * Merges the second part `rest` (its table `second`) into this first part's `first` once both are
   * done: status 1 merged (the scan is done), 0 the second part gave up and this scan goes on over
   * its records (more slices), 3 unsupported for good.
   */
  join(
    rest: GroupFold,
    first: StorageGroupTable,
    second: StorageGroupTable,
  ): { readonly status: 0 | 1 | 3; readonly groups: number; readonly idBytes: number } {
    const r = first.merge!(second);
    this.#part = false;
    if (r.status === 1) this.stats.docsExamined += this.#folded + rest.#folded;
    else if (r.status === 0) {
      first.setPart!("whole");
      this.#after = rest.#start;
    }
    return r;
  }

  #options(max: number): { after?: bigint; reverse: boolean; max: number } {
    const after = this.#after;
    return after === undefined ? { reverse: this.reverse, max } : { after, reverse: this.reverse, max };
  }

  /** When the scan is done the folded records count as examined ("unsupported" counts nothing). */
  #count(slice: GroupTableSlice): GroupTableSlice {
    this.#folded += slice.examined;
    if (slice.examined > 0) this.#after = slice.lastRid;
    if (slice.status === 1 && !this.#part) this.stats.docsExamined += this.#folded;
    return slice;
  }
}
