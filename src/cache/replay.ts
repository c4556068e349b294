// Answers a request from the cache: the stored status, headers and bytes (a stream's events as
// they first went out), with the gateway's own headers and when the answer was made.

import type { RequestContext } from '../pipeline/context.ts';
import { keepAliveOnlyIfRead, ownAnswerHeaders } from '../pipeline/exchange/client-answer.ts';
import type { StoredAnswer } from './stored-answer.ts';

/** `similarity`: served for a request like this one by meaning (the semantic mode), not the same. */
export function replay(ctx: RequestContext, answer: StoredAnswer, now: number, similarity?: number): void {
  // A stream goes out as one, without a length, like the upstream's did.
  const out = [...answer.headers, ...ownAnswerHeaders(ctx, answer.stream ? undefined : answer.body.length)];
  out.push(
    'x-cooldown-upstream',
    answer.upstream,
    'x-cache',
    similarity === undefined ? 'HIT' : 'HIT-SEMANTIC',
    'x-cache-timestamp',
    new Date(answer.storedAt).toISOString(),
    'age',
    String(Math.max(0, Math.floor((now - answer.storedAt) / 1000))),
  );
  if (similarity !== undefined) out.push('x-cache-similarity', similarity.toFixed(4));
  if (ctx.extraHeaders) out.push(...ctx.extraHeaders);
  ctx.status = answer.status;
  ctx.headSent = true;
  keepAliveOnlyIfRead(ctx);
  ctx.res.writeHead(answer.status, out);
  ctx.res.end(answer.body);
}
