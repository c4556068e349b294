// The bounded label values a request is counted under: nothing a client sends freely becomes one.
import type { RequestContext } from '../pipeline/context.ts';

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'none'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Index into STATUS_CLASSES; `none`: no answer went out (the client left first). */
export function statusClassIndex(status: number): number {
  return status >= 100 && status < 600 ? Math.floor(status / 100) - 1 : 5;
}

/** The upstream that served (or last tried) the request; `none` when it was refused before routing. */
export function upstreamLabel(ctx: RequestContext): string {
  return ctx.target ? ctx.target.upstream.name : 'none';
}

/**
 * The model route's `match` (config, so bounded); `other` for a model no route names (a client may
 * send any string), `none` for calls without a model.
 */
export function modelLabel(ctx: RequestContext): string {
  if (ctx.modelRoute) return ctx.modelRoute.match;
  return ctx.model === undefined ? 'none' : 'other';
}

/** The gateway absorbed a rate limit: the request waited for room, or an upstream 429 was retried, and the client got no 429. */
export function absorbed(ctx: RequestContext): boolean {
  return (ctx.queueMs > 0 || ctx.upstream429s > 0) && ctx.status !== 429;
}

/** What the gateway itself added: everything but waiting for room, backoff pauses and upstream time. */
export function overheadMs(ctx: RequestContext, elapsedMs: number): number {
  return Math.max(0, elapsedMs - ctx.queueMs - ctx.pausedMs - ctx.upstreamMs);
}

/** A client-supplied string kept at most `limit` characters long (`...` marks a cut). */
export function clipped(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}
