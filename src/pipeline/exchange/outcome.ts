// How one upstream exchange ended, as the relay reports it to the forward stage and failover.
import type { HeaderBag } from '../../dialects/types.ts';

/** An upstream refusal held back from the client, for the caller to retry or pass on. */
export interface Refusal {
  status: number;
  headers: HeaderBag;
  body: Buffer;
  retryAfterMs: number | undefined;
  /** Its headers said when the limit resets (a Retry-After, or a window's reset). */
  resetKnown: boolean;
}

/** 'broken': a stream broke after bytes went out and can be continued (stream rescue). */
export type AttemptOutcome = 'done' | 'broken' | Refusal;
