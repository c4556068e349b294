// What an upstream's refusal or failure means for the request, while nothing has reached the
// client: wait and resend (429), resend on another key (failures), drop the key (401/403), go to
// the fallback (context too long), or pass it on as it came.
import { GatewayError } from '../../errors/gateway-error.ts';
import type { RequestContext } from '../context.ts';
import { type Refusal, refusalText } from '../exchange/outcome.ts';

export type Verdict =
  /** 429: the key is out of room; wait for it (or another) within the queue deadline. */
  | 'rate_limited'
  /** 5xx, a reset, a timeout: the key (or upstream) failed; another key, then backoff. */
  | 'failed'
  /** 401/403 on a configured key: the key itself is bad. */
  | 'key_rejected'
  /** The prompt is over the model's context: a fallback with a larger one may serve it. */
  | 'too_long'
  /** Anything else (a content-policy refusal, a bad request): the client's answer, once. */
  | 'final';

/** Errors that say the prompt does not fit the model, across OpenAI-style and Anthropic bodies. */
const CONTEXT_TOO_LONG = /context_length_exceeded|maximum context length|prompt is too long|context window/i;
/** A 403 about the key itself (revoked, invalid), not about what the request asked for. */
const KEY_REFUSED = /api[ _-]?key|invalid[ _-]?key|revoked|deactivated/i;

/** REST methods that may be sent twice (RFC 9110's idempotent ones). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether a failure that may have happened after the upstream acted on the request (a 5xx, a reset,
 * a timeout) allows sending it again: always for LLM calls, for REST only with an idempotent method.
 * A 429, 503 or 529 says the request was not served, so any of them may be sent again.
 */
export function mayResendAfterFailure(ctx: RequestContext): boolean {
  return ctx.kind === 'api' || IDEMPOTENT.has(ctx.req.method ?? 'GET');
}

/** Whether an answer with this status is held back (read whole, not sent) for the caller to judge. */
export function heldBack(ctx: RequestContext, status: number): boolean {
  if (status === 503 || status === 529) return true;
  if (status >= 500) return mayResendAfterFailure(ctx);
  // Without shaping a 429 is the client's to see (and to handle).
  if (status === 429) return ctx.target!.upstream.admission.shaping;
  if (status === 401 || status === 403) return ctx.lease?.key.secret !== undefined;
  if (status === 400 || status === 413) return ctx.nextFallback < ctx.fallbacks.length;
  return false;
}

export function judgeRefusal(ctx: RequestContext, refusal: Refusal): Verdict {
  const { status } = refusal;
  const text = () => refusalText(refusal);
  if (status === 429)
    return ctx.target!.upstream.dialect.finalRefusal(refusal.headers, text()) ? 'final' : 'rate_limited';
  if (status >= 500) return 'failed';
  if (ctx.lease?.key.secret !== undefined) {
    // A 401 is about the key; a 403 often about the request (a model the project may not use).
    if (status === 401 || (status === 403 && KEY_REFUSED.test(text()))) return 'key_rejected';
  }
  if ((status === 400 || status === 413) && CONTEXT_TOO_LONG.test(text())) return 'too_long';
  return 'final';
}

/** A failure of the upstream call itself (not the gateway refusing the client). */
export function isUpstreamFailure(err: unknown): err is GatewayError {
  return (
    err instanceof GatewayError && (err.code === 'upstream_unavailable' || err.code === 'upstream_timeout')
  );
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** A number in [0, 1). */
  random: () => number;
}

/** Exponential with jitter: round 0 waits base/2..base, round 1 base..2 base, and so on, capped. */
export function backoffMs(round: number, b: Backoff): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** round);
  return ceiling / 2 + (ceiling / 2) * b.random();
}
