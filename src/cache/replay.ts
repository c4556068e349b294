// Answers a request from the cache: the stored status, headers and bytes (a stream's events as
// they first went out), with the gateway's own headers and when the answer was made; or, for a
// coalesced follower, from an identical request's stream as it goes out.

import { ClientGone } from '../errors/client-gone.ts';
import type { RequestContext } from '../pipeline/context.ts';
import { endInBand, keepAliveOnlyIfRead, ownAnswerHeaders } from '../pipeline/exchange/client-answer.ts';
import type { LiveAnswer, LiveEnd, LiveFollower } from './live-answer.ts';
import type { StoredAnswer } from './stored-answer.ts';

/** What a replayed head says: a kept answer's, or a live one's. */
type ReplayedHead = Pick<StoredAnswer, 'status' | 'headers' | 'upstream' | 'storedAt'>;

/** `length`: none for a stream. `similarity`: served for a request like this one by meaning. */
function writeHead(
  ctx: RequestContext,
  head: ReplayedHead,
  length: number | undefined,
  now: number,
  similarity?: number,
): void {
  // A stream goes out as one, without a length, like the upstream's did.
  const out = [...head.headers, ...ownAnswerHeaders(ctx, length)];
  out.push(
    'x-cooldown-upstream',
    head.upstream,
    'x-cache',
    similarity === undefined ? 'HIT' : 'HIT-SEMANTIC',
    'x-cache-timestamp',
    new Date(head.storedAt).toISOString(),
    'age',
    String(Math.max(0, Math.floor((now - head.storedAt) / 1000))),
  );
  if (similarity !== undefined) out.push('x-cache-similarity', similarity.toFixed(4));
  if (ctx.extraHeaders) out.push(...ctx.extraHeaders);
  ctx.status = head.status;
  ctx.headSent = true;
  keepAliveOnlyIfRead(ctx);
  ctx.res.writeHead(head.status, out);
}

/** `similarity`: served for a request like this one by meaning (the semantic mode), not the same. */
export function replay(ctx: RequestContext, answer: StoredAnswer, now: number, similarity?: number): void {
  writeHead(ctx, answer, answer.stream ? undefined : answer.body.length, now, similarity);
  ctx.res.end(answer.body);
}

/**
 * Answers a follower from the leader's stream as it goes out, until it ends as the leader's did
 * (rejects with ClientGone when the follower's own client leaves). Undefined: it cannot join, and
 * nothing was sent; the follower goes upstream on its own.
 */
export function replayLive(ctx: RequestContext, live: LiveAnswer, now: number): Promise<LiveEnd> | undefined {
  let over!: (end: LiveEnd) => void;
  let gone!: (err: ClientGone) => void;
  const ended = new Promise<LiveEnd>((resolve, reject) => {
    over = resolve;
    gone = reject;
  });
  const follower: LiveFollower = {
    res: ctx.res,
    joined: () => writeHead(ctx, live.head, undefined, now),
    ended: (end) => {
      ctx.cancel = undefined;
      if (end.kind === 'ended') ctx.res.end();
      else if (live.head.errorsInBand) endInBand(ctx, end.error);
      else {
        // No event format to say it in: cut off, never ended as if it were whole.
        ctx.errorCode = end.error.code;
        ctx.res.destroy();
      }
      over(end);
    },
  };
  if (!live.join(follower)) return undefined;
  ctx.cancel = () => {
    live.leave(follower);
    gone(new ClientGone());
  };
  return ended;
}
