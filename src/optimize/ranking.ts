// The items a signal would keep, best first, handed out one at a time: crushing keeps a few dozen,
// while thousands may score (every item that mentions a word of the request), and sorting them all
// cost more than finding them.

/** An item worth keeping and how strongly (bigger first). */
export interface Ranked {
  index: number;
  score: number;
}

/** Items best first. */
export interface Ranking {
  /** The next item's index, or -1 when there is none. */
  next(): number;
}

/** The items of a list already sorted best first. */
export function inOrder(ranked: Ranked[]): Ranking {
  let k = 0;
  return { next: () => (k < ranked.length ? ranked[k++]!.index : -1) };
}

/** Items by score, ties by index: a binary heap, popped on demand. */
export class BestFirst implements Ranking {
  private readonly heap: Int32Array;
  private readonly scores: Float64Array;
  private size: number;

  /** `items` holds `count` item indices; `scores` is indexed by item. */
  constructor(items: Int32Array, count: number, scores: Float64Array) {
    this.heap = items;
    this.size = count;
    this.scores = scores;
    for (let k = (count >> 1) - 1; k >= 0; k--) this.siftDown(k);
  }

  next(): number {
    if (this.size === 0) return -1;
    const best = this.heap[0]!;
    this.heap[0] = this.heap[--this.size]!;
    this.siftDown(0);
    return best;
  }

  private before(a: number, b: number): boolean {
    const sa = this.scores[a]!;
    const sb = this.scores[b]!;
    return sa > sb || (sa === sb && a < b);
  }

  private siftDown(k: number): void {
    const heap = this.heap;
    const item = heap[k]!;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, item)) break;
      heap[k] = heap[child]!;
      k = child;
    }
    heap[k] = item;
  }
}
