/**
 * merge_sorted.ts — the k-way merge of sorted sources (a binary heap of each source's current head). PURE.
 * Ties go to the earlier source, so merging the sorted runs of a stable sort stays stable. Used by
 * the executor's external sort (its spilled runs) and by `sortedOrder`'s chunked in-memory sort.
 */

interface Head<T> {
  item: T;
  src: number;
}

/** The items of `sources` (each sorted by `cmp`) in `cmp` order; ties by source index. */
export function* mergeSorted<T>(sources: readonly Iterator<T>[], cmp: (a: T, b: T) => number): Generator<T> {
  const heap: Head<T>[] = [];
  const less = (a: Head<T>, b: Head<T>) => (cmp(a.item, b.item) || a.src - b.src) < 0;
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[m], heap[i]] = [heap[i]!, heap[m]!];
      i = m;
    }
  };
  for (let src = 0; src < sources.length; src++) {
    const n = sources[src]!.next();
    if (!n.done) heap.push({ item: n.value, src });
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  while (heap.length > 0) {
    const top = heap[0]!;
    const item = top.item;
    const n = sources[top.src]!.next();
    if (n.done) {
      const last = heap.pop()!;
      if (heap.length > 0) heap[0] = last;
    } else {
      top.item = n.value;
    }
    if (heap.length > 0) down(0);
    yield item;
  }
}
