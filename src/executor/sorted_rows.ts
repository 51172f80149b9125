/**
 * sorted_rows.ts — the output of a blocking sort: an iterator with one row of look-ahead (the query
 * source stops mid-batch and resumes later). An external sort's runs are merged by
 * `mergeSorted` (merge_sorted.ts).
 */
import type { Row } from "./rows.ts";

export class SortedRows {
  #next: IteratorResult<Row> | undefined;
  constructor(private readonly it: Iterator<Row>) {}
  /** The next row, or undefined at the end. */
  peek(): Row | undefined {
    this.#next ??= this.it.next();
    return this.#next.done ? undefined : this.#next.value;
  }
  advance(): void {
    this.peek();
    if (!this.#next!.done) this.#next = undefined;
  }
}
