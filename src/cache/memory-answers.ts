// Cached answers in memory: an LRU bounded by bytes (lru-cache, each entry weighed by its size).
import { LRUCache } from 'lru-cache';
import { type AnswerFilter, type AnswerStore, matches } from './answer-store.ts';
import { answerSize, type StoredAnswer } from './stored-answer.ts';

export interface AnswerBounds {
  /** All entries together, in bytes. */
  maxBytes: number;
  /** One entry, in bytes: a larger one is not kept (it would push out many small ones). */
  maxEntryBytes: number;
  /** Entries at most, whatever their size. */
  maxEntries: number;
}

export class MemoryAnswers implements AnswerStore {
  readonly backend = 'memory';
  readonly #lru: LRUCache<string, StoredAnswer>;

  constructor(bounds: AnswerBounds) {
    this.#lru = new LRUCache<string, StoredAnswer>({
      max: bounds.maxEntries,
      maxSize: bounds.maxBytes,
      maxEntrySize: Math.min(bounds.maxEntryBytes, bounds.maxBytes),
      sizeCalculation: answerSize,
    });
  }

  get(key: string, now: number): StoredAnswer | undefined {
    const answer = this.#lru.get(key);
    if (answer === undefined) return undefined;
    if (answer.expiresAt > now) return answer;
    this.#lru.delete(key);
    return undefined;
  }

  put(key: string, answer: StoredAnswer): void {
    this.#lru.set(key, answer);
  }

  clear(filter: AnswerFilter): number {
    if (filter.upstream === undefined && filter.model === undefined) {
      const n = this.#lru.size;
      this.#lru.clear();
      return n;
    }
    const gone: string[] = [];
    for (const [key, answer] of this.#lru.entries()) if (matches(filter, answer)) gone.push(key);
    for (const key of gone) this.#lru.delete(key);
    return gone.length;
  }

  sweep(now: number): void {
    // Collected first: the LRU is not changed while it is walked.
    const gone: string[] = [];
    for (const [key, answer] of this.#lru.entries()) if (answer.expiresAt <= now) gone.push(key);
    for (const key of gone) this.#lru.delete(key);
  }

  get entries(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  close(): void {
    this.#lru.clear();
  }
}
