// The leader's side of a stream shared live: what its followers' heads repeat of its own, and how
// its answer ended for them, read off its request once the answer has started or is over.
import { isEventStream } from '../dialects/wire/content-type.ts';
import { wireOf } from '../dialects/wire/wire-of.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { RequestContext } from '../pipeline/context.ts';
import type { AnswerRecorder } from './answer-recorder.ts';
import { replayedHeaders } from './kept-answer.ts';
import type { LiveEnd, LiveHead } from './live-answer.ts';

/** The leader's head, as its answer starts going out (`now`, wall ms). */
export function liveHeadOf(ctx: RequestContext, now: number): LiveHead {
  const headers = ctx.upstreamHeaders!;
  const upstream = ctx.target!.upstream;
  const type = headers['content-type'];
  // Read as the relay reads it, so the followers end as the leader's stream does.
  const events = typeof type === 'string' && isEventStream(type);
  return {
    status: ctx.status,
    headers: replayedHeaders(headers),
    upstream: upstream.name,
    storedAt: now,
    // As the relay ends a broken stream: in-band for marked event streams, else cut off.
    errorsInBand: ctx.kind === 'api' && events && wireOf(ctx.path, upstream.dialect.family).marked,
  };
}

/** How the leader's answer ended, once its response is over. */
export function liveEndOf(ctx: RequestContext, recorder: AnswerRecorder): LiveEnd {
  // Every byte its client got went through the recorder (the gateway's own error events set
  // `errorCode`): the followers got the same bytes and end the same way.
  if (!ctx.clientGone && !ctx.errorCode && ctx.res.writableFinished)
    return { kind: 'ended', usage: recorder.succeeded && !ctx.upstreamBroke ? ctx.usage : undefined };
  // Its client left (or stopped reading) and the upstream call went with it; or the upstream broke.
  const message = ctx.clientGone
    ? 'The identical request whose answer this stream shared went away before it finished; send the request again.'
    : `The stream from upstream "${ctx.target!.upstream.name}" broke before it finished.`;
  const code = ctx.errorCode === 'upstream_timeout' ? 'upstream_timeout' : 'upstream_unavailable';
  return { kind: 'broken', error: new GatewayError(code, message) };
}
