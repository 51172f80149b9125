/**
 * A query's collection scan folded into a storage engine `$group` table (`ReadTxn.groupScan`): where
 * the fold stopped between slices and how many records it examined, counted into the query's stats
 * when the scan is done. `QuerySource.foldGroup` / `foldGroupAsync` drive it.
 */
import type { CollectionEntry, GroupTableSlice, StorageEngine, StorageGroupTable } from "../storage/api.ts";
import type { ExecStats } from "./compiled_query.ts";

export class GroupFold {
  /** Records folded so far, and the last one (the next slice starts after it). */
  #folded = 0;
  #after: bigint | undefined;

  constructor(
    private readonly storage: StorageEngine,
    private readonly coll: CollectionEntry,
    private readonly reverse: boolean,
    private readonly stats: ExecStats,
  ) {}

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

  #options(max: number): { after?: bigint; reverse: boolean; max: number } {
    const after = this.#after;
    return after === undefined ? { reverse: this.reverse, max } : { after, reverse: this.reverse, max };
  }

  /** When the scan is done the folded records count as examined ("unsupported" counts nothing). */
  #count(slice: GroupTableSlice): GroupTableSlice {
    this.#folded += slice.examined;
    if (slice.examined > 0) this.#after = slice.lastRid;
    if (slice.status === 1) this.stats.docsExamined += this.#folded;
    return slice;
  }
}
