// One cached answer as it is kept: what the client got (status, the headers worth replaying, the
// body or the stream's whole event sequence as its bytes), when, for whom it may be cleared, and
// the usage it stood for, so a hit can count the tokens and the cost it saved.
import type { Usage } from '../dialects/types.ts';

export interface StoredAnswer {
  readonly status: number;
  /** Header name/value pairs, flat, lower-case names. */
  readonly headers: readonly string[];
  /** The body, or a stream's events exactly as they went out. */
  readonly body: Buffer;
  /** A stream (replayed as `text/event-stream`) or a whole answer. */
  readonly stream: boolean;
  /** Wall ms when it was stored, and when it stops being served. */
  readonly storedAt: number;
  readonly expiresAt: number;
  /** The upstream and the client's model name, for clearing part of the cache. */
  readonly upstream: string;
  readonly model: string;
  readonly usage: Usage | undefined;
}

/**
 * Upstream headers a replayed answer keeps: what describes the body. Ids, dates, rate-limit
 * readings and cookies belonged to the first exchange and are not repeated.
 */
export const REPLAYED_HEADERS = new Set([
  'content-type',
  'content-encoding',
  'content-language',
  'etag',
  'last-modified',
  'openai-model',
  'openai-version',
  'anthropic-version',
]);

/**
 * What an entry holds in memory, roughly: its bytes plus a fixed share for the objects around them
 * (the answer, its buffer, the key, the LRU's slot), 512 B as `npm run bench -- cache` measures it.
 */
const ENTRY_OVERHEAD = 512;

export function answerSize(answer: StoredAnswer): number {
  let size = ENTRY_OVERHEAD + answer.body.length + answer.upstream.length + answer.model.length;
  for (const h of answer.headers) size += h.length;
  return size;
}
