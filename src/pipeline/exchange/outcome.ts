// How one upstream exchange ended, as the relay reports it to the forward stage and failover.
import type { HeaderBag, RateLimitReading } from '../../dialects/types.ts';

/** An upstream refusal held back from the client, for the caller to retry or pass on. */
export interface Refusal {
  status: number;
  headers: HeaderBag;
  body: Buffer;
  retryAfterMs: number | undefined;
  /** Its headers said when the limit resets (a Retry-After, or a window's reset). */
  resetKnown: boolean;
}

/** The start of a refusal's body as text, enough to tell what it is about. */
export function refusalText(refusal: Refusal): string {
  return refusal.body.toString('utf8', 0, Math.min(refusal.body.length, 8192));
}

/** 'broken': a stream broke after bytes went out and can be continued (stream rescue). */
export type AttemptOutcome = 'done' | 'broken' | Refusal;

/** Whether an answer's headers said when the limit resets (a Retry-After, or a window's reset). */
export function resetKnown(reading: RateLimitReading | undefined): boolean {
  if (!reading) return false;
  if (reading.retryAfterMs !== undefined) return true;
  for (const w of reading.windows) if (w.resetAt !== undefined) return true;
  return false;
}
