// What the gateway itself writes to the client around an upstream exchange: an upstream refusal
// passed on as it came, a stream ended with an in-band error, and keep-alive only for bodies read.
import type { HeaderBag } from '../../dialects/types.ts';
import type { GatewayError } from '../../errors/gateway-error.ts';
import { renderStreamError } from '../../errors/render.ts';
import { formatUsd } from '../../spend/request-cost.ts';
import type { Clock } from '../../time/clock.ts';
import { incomingHeaders } from '../../upstreams/headers.ts';
import type { RequestContext } from '../context.ts';
import { limitHeaders } from './limit-headers.ts';
import type { Refusal } from './outcome.ts';

/** Ends a stream whose head went out with an error event in the client's format. */
export function endInBand(ctx: RequestContext, err: GatewayError): void {
  ctx.errorCode = err.code;
  ctx.res.end(renderStreamError(err, ctx.clientDialect));
}

/**
 * Writes the head of an upstream's answer: its own headers (hop-by-hop dropped), the gateway's, the
 * limiter's; `length` replaces the upstream's Content-Length, `dropLength` just removes it.
 */
export function writeUpstreamHead(
  ctx: RequestContext,
  status: number,
  headers: HeaderBag,
  dropLength: boolean,
  length?: number,
): void {
  const out = incomingHeaders(headers, {
    requestId: ctx.id,
    upstreamName: ctx.target!.upstream.name,
    dropLength: dropLength || length !== undefined,
  });
  if (length !== undefined) out.push('content-length', String(length));
  if (ctx.costUsd !== undefined) out.push('x-cooldown-cost-usd', formatUsd(ctx.costUsd));
  if (ctx.tokensSaved !== undefined) out.push('x-cooldown-tokens-saved', String(ctx.tokensSaved));
  if (ctx.lease) out.push(...limitHeaders(ctx));
  if (ctx.extraHeaders) out.push(...ctx.extraHeaders);
  keepAliveOnlyIfRead(ctx);
  ctx.headSent = true;
  ctx.res.writeHead(status, out);
}

const WAITED_FOR_BYTES = 256 * 1024;

/**
 * Sends the body and ends the answer; a client that does not take it within `idleMs` is cut off,
 * so bodies it does not read are not held for it forever.
 */
export function endWithin(ctx: RequestContext, body: Buffer, idleMs: number, clock: Clock): void {
  const res = ctx.res;
  res.end(body);
  // Small answers fit the socket's buffers whatever the client does; only a large one left waiting
  // for the client needs a bound.
  if (body.length < WAITED_FOR_BYTES || res.writableLength === 0 || res.writableFinished) return;
  const cancel = clock.setTimer(idleMs, () => {
    ctx.clientGone = true;
    res.destroy();
  });
  res.once('finish', cancel);
  res.once('close', cancel);
}

/** Passes an upstream refusal on as it came (when retrying cannot help, or time is up). */
export function sendRefusal(ctx: RequestContext, refusal: Refusal): void {
  ctx.status = refusal.status;
  writeUpstreamHead(ctx, refusal.status, refusal.headers, true, refusal.body.length);
  ctx.res.end(refusal.body);
}

/**
 * An answer can come before the request body was all read (an upstream refusing an upload early).
 * The rest of that body would be read as the next request on the connection: close it instead.
 */
export function keepAliveOnlyIfRead(ctx: RequestContext): void {
  if (!ctx.req.complete) ctx.res.shouldKeepAlive = false;
}

/**
 * The head of an answer the gateway writes itself: its length (none: a stream) and who made it.
 * More pairs follow.
 */
export function ownAnswerHeaders(ctx: RequestContext, length: number | undefined): string[] {
  const made = ['x-request-id', ctx.id, 'x-cooldown-request-id', ctx.id, 'x-proxy', 'cooldown'];
  return length === undefined ? made : ['content-length', String(length), ...made];
}
