// A bounded in-memory index of embedding vectors, searched by brute-force cosine within one scope.
// All vectors live in one preallocated Float32Array (slot i at [i * dims, (i + 1) * dims)): a search
// is a tight loop over contiguous memory with no per-entry objects, fast enough for the thousands of
// entries a response cache holds. Vectors are stored normalized, so cosine is a dot product.
//
//   slots:  | 0 | 1 | 2 | 3 | ... | capacity-1 |      one Float32Array, dims floats per slot
//   order:  key 2 -> key 0 -> key 3 -> ...           oldest first (a Map keeps insertion order)
//   scopes: scope A -> {0, 3}, scope B -> {2}        a search reads its own scope's slots only

/** The best match of a search: the exact-cache key it points to, and its cosine similarity. */
export interface SemanticMatch {
  key: string;
  similarity: number;
}

/** Which entries `clear` removes: those matching every field given (all entries when none is). */
export interface SemanticFilter {
  upstream?: string;
  model?: string;
}

/** Told the key of an entry dropped to make room (not of entries removed or cleared on purpose). */
export type EvictionListener = (key: string) => void;

export class SemanticIndex {
  readonly #capacity: number;
  readonly #onEvict: EvictionListener | undefined;
  #dims: number | undefined;
  #vectors: Float32Array | undefined;
  /** Key to slot, oldest insert first: the eviction order. */
  readonly #slots = new Map<string, number>();
  readonly #scopes = new Map<string, Set<number>>();
  readonly #slotKey: (string | undefined)[];
  readonly #slotScope: string[];
  readonly #slotUpstream: string[];
  readonly #slotModel: string[];
  /** Slots never used or emptied by `remove`/`clear`. */
  readonly #free: number[] = [];

  /**
   * @param capacity most entries kept; when full, `add` evicts the oldest.
   * @param dims vector length; when omitted, fixed by the first `add`.
   * @param onEvict told each key evicted for room, so the answer it points to can go too.
   */
  constructor(capacity: number, dims?: number, onEvict?: EvictionListener) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity}`);
    if (dims !== undefined && (!Number.isInteger(dims) || dims < 1)) throw new RangeError(`dims ${dims}`);
    this.#capacity = capacity;
    this.#onEvict = onEvict;
    this.#slotKey = new Array<string | undefined>(capacity);
    this.#slotScope = new Array<string>(capacity);
    this.#slotUpstream = new Array<string>(capacity);
    this.#slotModel = new Array<string>(capacity);
    // Popped from the end: slot 0 first.
    for (let slot = capacity - 1; slot >= 0; slot--) this.#free.push(slot);
    if (dims !== undefined) this.#allocate(dims);
  }

  get size(): number {
    return this.#slots.size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The vector length, once fixed. */
  get dims(): number | undefined {
    return this.#dims;
  }

  /**
   * Stores `vector` (normalized here) for `key` in `scope`. An entry with the same key is replaced
   * and counts as new. Refused (false) when the length differs from the index's or the vector has
   * no direction (zero, or not finite).
   */
  add(scope: string, key: string, vector: ArrayLike<number>, upstream: string, model: string): boolean {
    const scale = inverseNorm(vector);
    if (scale === undefined || (this.#dims !== undefined && vector.length !== this.#dims)) return false;
    const vectors = this.#vectors ?? this.#allocate(vector.length);
    this.remove(key);
    const evicted = this.#free.length === 0 ? this.#evictOldest() : undefined;
    const slot = this.#free.pop()!;
    const base = slot * vector.length;
    for (let i = 0; i < vector.length; i++) vectors[base + i] = vector[i]! * scale;
    this.#slotKey[slot] = key;
    this.#slotScope[slot] = scope;
    this.#slotUpstream[slot] = upstream;
    this.#slotModel[slot] = model;
    this.#slots.set(key, slot);
    let inScope = this.#scopes.get(scope);
    if (!inScope) {
      inScope = new Set();
      this.#scopes.set(scope, inScope);
    }
    inScope.add(slot);
    // Told once the index is whole again, so the listener may use it.
    if (evicted !== undefined) this.#onEvict?.(evicted);
    return true;
  }

  /** The entry of `scope` most similar to `vector` (undefined when the scope is empty or the vector unfit). */
  nearest(scope: string, vector: ArrayLike<number>): SemanticMatch | undefined {
    const inScope = this.#scopes.get(scope);
    const vectors = this.#vectors;
    const dims = this.#dims;
    if (!inScope || !vectors || vector.length !== dims) return undefined;
    const scale = inverseNorm(vector);
    if (scale === undefined) return undefined;
    let bestSlot = -1;
    let best = -Infinity;
    for (const slot of inScope) {
      const base = slot * dims;
      let dot = 0;
      for (let i = 0; i < dims; i++) dot += vectors[base + i]! * vector[i]!;
      if (dot > best) {
        best = dot;
        bestSlot = slot;
      }
    }
    if (bestSlot < 0) return undefined;
    // Float rounding can push a perfect match a hair past 1.
    return { key: this.#slotKey[bestSlot]!, similarity: Math.min(1, Math.max(-1, best * scale)) };
  }

  /** Forgets the entry of `key`; false when there was none. */
  remove(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#release(key, slot);
    return true;
  }

  /** Forgets the entries matching `filter` (all when none is given); returns how many. */
  clear(filter: SemanticFilter = {}): number {
    let removed = 0;
    for (const [key, slot] of this.#slots) {
      if (filter.upstream !== undefined && this.#slotUpstream[slot] !== filter.upstream) continue;
      if (filter.model !== undefined && this.#slotModel[slot] !== filter.model) continue;
      // Deleting the entry being visited is safe while iterating a Map.
      this.#release(key, slot);
      removed++;
    }
    return removed;
  }

  #allocate(dims: number): Float32Array {
    this.#dims = dims;
    this.#vectors = new Float32Array(this.#capacity * dims);
    return this.#vectors;
  }

  #evictOldest(): string {
    const [key, slot] = this.#slots.entries().next().value!;
    this.#release(key, slot);
    return key;
  }

  #release(key: string, slot: number): void {
    this.#slots.delete(key);
    const scope = this.#slotScope[slot]!;
    const inScope = this.#scopes.get(scope);
    inScope?.delete(slot);
    if (inScope?.size === 0) this.#scopes.delete(scope);
    this.#slotKey[slot] = undefined;
    this.#free.push(slot);
  }
}

/** 1 / |vector|, or undefined when the vector has no direction to compare. */
function inverseNorm(vector: ArrayLike<number>): number | undefined {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return sum > 0 && Number.isFinite(sum) ? 1 / Math.sqrt(sum) : undefined;
}
