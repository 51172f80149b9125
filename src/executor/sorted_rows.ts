/**
 * sorted_rows.ts — the output of a blocking sort: an iterator with one row of look-ahead (the query
 * source stops mid-batch and resumes later), and the k-way merge of sorted sources an external sort
 * answers with (ties go to the earlier source, so a stable sort stays stable across runs).
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

/** Merges sorted iterators (binary heap on (row, source index)). */
export function* mergeSorted(sources: Iterator<Row>[], cmp: (a: Row, b: Row) => number): Generator<Row> {
  const heap: { row: Row; src: number }[] = [];
  const less = (a: { row: Row; src: number }, b: { row: Row; src: number }) =>
    (cmp(a.row, b.row) || a.src - b.src) < 0;
  const push = (src: number) => {
    const n = sources[src]!.next();
    if (n.done) return;
    heap.push({ row: n.value, src });
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  for (let s = 0; s < sources.length; s++) push(s);
  while (heap.length > 0) {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    yield top.row;
    push(top.src);
  }
}
