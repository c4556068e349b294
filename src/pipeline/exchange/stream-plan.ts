// What a relayed API stream is held to: what the client asked of it (how many choices, the usage
// chunk), how its events are rewritten on the way, and, when its transport ends cleanly, whether
// it ended whole, with the upstream's own error, or cut short.
import type { StreamExpectation, StreamObserver } from '../../dialects/types.ts';
import { isRecord } from '../../dialects/wire/json-peek.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { RequestContext } from '../context.ts';
import { both, type EventTransform, stripUsageEvents } from './stream-tap.ts';

/** What the client asked of its stream: how many choices, and whether it wants the usage chunk. */
export function expectationOf(ctx: RequestContext): StreamExpectation {
  const json = ctx.json;
  const n = json?.n;
  const options = json?.stream_options;
  return {
    choices: typeof n === 'number' && Number.isInteger(n) && n > 1 ? n : 1,
    usage: !ctx.stripUsage && isRecord(options) && options.include_usage === true,
  };
}

/** How events are rewritten on their way: a continuation spliced in, a usage chunk taken out. */
export function transformOf(ctx: RequestContext): EventTransform | undefined {
  const splice = ctx.rescue?.splicing ? ctx.rescue.splice : undefined;
  if (!ctx.stripUsage) return splice;
  return splice ? both(splice, stripUsageEvents) : stripUsageEvents;
}

/**
 * How a stream whose transport ended cleanly ended: `upstream_error` (its own error event went to
 * the client), `diverged` (a regenerated answer never matched what the client has), `finished` (its
 * end marker came), `completed` (whole, but the client still needs the end marker), or `cut`.
 */
export type StreamEnd = 'upstream_error' | 'diverged' | 'finished' | 'completed' | 'cut';

export function streamEnd(ctx: RequestContext, observer: StreamObserver): StreamEnd {
  if (observer.upstreamError() !== undefined) return 'upstream_error';
  const rescue = ctx.rescue;
  if (rescue?.unverified && (rescue.diverged || observer.finished() || observer.complete()))
    return 'diverged';
  if (observer.finished()) return 'finished';
  return observer.complete() ? 'completed' : 'cut';
}

export function divergence(ctx: RequestContext): GatewayError {
  return new GatewayError(
    'upstream_unavailable',
    `The stream broke, and the answer upstream "${ctx.target!.upstream.name}" gave again differs from what was already sent, so it could not be continued.`,
  );
}
