// The sends a window has not heard answered yet, by sequence number: typed arrays indexed by the
// number modulo a power-of-two capacity. Not a Map: a long-lived Map with an entry set and deleted
// on every request makes a new hash table in the old generation each time it fills with deleted
// entries, garbage that only a full GC frees. Here a send costs three array writes. A send still
// unanswered when the numbers have moved a whole span past it (a long request among many short
// ones) moves to a small map, bounded by count, where it is answered as before.

/** A slot holding no number (numbers are at least 0). */
const EMPTY = -1;

export class SentRing {
  #seqs: Float64Array;
  #amounts: Float64Array;
  #ats: Float64Array;
  #mask: number;
  /** The lowest number that may still be held (valid while `size` > 0). */
  #oldest = 0;
  #newest = 0;
  #size = 0;
  readonly #maxSpan: number;
  /** Sends older than the span, still unanswered; at most `#maxOverflow`, the oldest forgotten. */
  readonly #overflow = new Map<number, { amount: number; at: number }>();
  readonly #maxOverflow: number;

  /**
   * `maxSpan`: the widest range of numbers the arrays cover; `maxOverflow`: how many sends older
   * than that are kept, past which the oldest is forgotten (its amount stays counted by the caller).
   */
  constructor(maxSpan: number, maxOverflow: number, initial = 64) {
    this.#maxSpan = maxSpan;
    this.#maxOverflow = maxOverflow;
    this.#seqs = new Float64Array(initial).fill(EMPTY);
    this.#amounts = new Float64Array(initial);
    this.#ats = new Float64Array(initial);
    this.#mask = initial - 1;
  }

  get size(): number {
    return this.#size + this.#overflow.size;
  }

  /** Holds `seq` (at least 0, above every number added before); may forget the oldest held. */
  add(seq: number, amount: number, at: number): void {
    if (this.#size === 0) this.#oldest = seq;
    while (seq - this.#oldest > this.#mask) {
      if (this.#mask + 1 < this.#maxSpan) this.#grow();
      else {
        this.#spill(this.#oldest);
        if (this.#size === 0) this.#oldest = seq;
      }
    }
    const slot = seq & this.#mask;
    this.#seqs[slot] = seq;
    this.#amounts[slot] = amount;
    this.#ats[slot] = at;
    this.#newest = seq;
    this.#size++;
  }

  amountOf(seq: number): number | undefined {
    const slot = seq & this.#mask;
    if (this.#seqs[slot] === seq && seq >= 0) return this.#amounts[slot];
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(seq)?.amount;
  }

  setAmount(seq: number, amount: number): void {
    const slot = seq & this.#mask;
    if (this.#seqs[slot] === seq && seq >= 0) this.#amounts[slot] = amount;
    else if (this.#overflow.size > 0) {
      const old = this.#overflow.get(seq);
      if (old) old.amount = amount;
    }
  }

  /** Lets go of `seq`; its amount, or undefined when it was not held. */
  remove(seq: number): number | undefined {
    const slot = seq & this.#mask;
    if (this.#seqs[slot] !== seq || seq < 0) {
      if (this.#overflow.size === 0) return undefined;
      const old = this.#overflow.get(seq);
      if (old) this.#overflow.delete(seq);
      return old?.amount;
    }
    this.#seqs[slot] = EMPTY;
    this.#size--;
    if (seq === this.#oldest) this.#advance();
    return this.#amounts[slot];
  }

  /** Lets go of the sends made before `at`; the sum of the amounts still held. */
  dropBefore(at: number): number {
    let sum = 0;
    for (const [seq, old] of this.#overflow) {
      if (old.at < at) this.#overflow.delete(seq);
      else sum += old.amount;
    }
    for (let seq = this.#oldest; this.#size > 0 && seq <= this.#newest; seq++) {
      const slot = seq & this.#mask;
      if (this.#seqs[slot] !== seq) continue;
      if (this.#ats[slot]! < at) this.remove(seq);
      else sum += this.#amounts[slot]!;
    }
    return sum;
  }

  /** Moves the send `seq` (held in the arrays) out to the overflow map. */
  #spill(seq: number): void {
    const slot = seq & this.#mask;
    const amount = this.#amounts[slot]!;
    const at = this.#ats[slot]!;
    this.remove(seq);
    this.#overflow.set(seq, { amount, at });
    if (this.#overflow.size > this.#maxOverflow) this.#overflow.delete(this.#overflow.keys().next().value!);
  }

  /** Moves the oldest mark to the next number held (past the holes answers left). */
  #advance(): void {
    if (this.#size === 0) return;
    do this.#oldest++;
    while (this.#oldest < this.#newest && this.#seqs[this.#oldest & this.#mask] !== this.#oldest);
  }

  #grow(): void {
    const capacity = (this.#mask + 1) * 2;
    const seqs = new Float64Array(capacity).fill(EMPTY);
    const amounts = new Float64Array(capacity);
    const ats = new Float64Array(capacity);
    const mask = capacity - 1;
    for (let seq = this.#oldest; seq <= this.#newest; seq++) {
      const from = seq & this.#mask;
      if (this.#seqs[from] !== seq) continue;
      const to = seq & mask;
      seqs[to] = seq;
      amounts[to] = this.#amounts[from]!;
      ats[to] = this.#ats[from]!;
    }
    this.#seqs = seqs;
    this.#amounts = amounts;
    this.#ats = ats;
    this.#mask = mask;
  }
}
