// Which cacheable misses' answers are kept (and so may be shared with identical requests), judged
// on their head as it goes out and on how they ended, and the answer as it is kept.
import { isEventStream } from '../dialects/wire/content-type.ts';
import type { RequestContext } from '../pipeline/context.ts';
import type { AnswerRecorder } from './answer-recorder.ts';
import { type CacheDirectives, upstreamForbidsStoring } from './cache-policy.ts';
import { REPLAYED_HEADERS, type StoredAnswer } from './stored-answer.ts';

export interface KeepRules {
  /** Statuses whose answers are kept. */
  readonly statuses: ReadonlySet<number>;
  readonly ttlMs: number;
}

type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** How long the answer may be kept (ms): the TTL, or less when the client asked for less. */
function keptFor(d: CacheDirectives, rules: KeepRules): number {
  return d.maxAgeMs === undefined ? rules.ttlMs : Math.min(rules.ttlMs, d.maxAgeMs);
}

/** Its head allows keeping it: a kept status, nothing personal, a client that lets it be kept. */
export function headMayBeKept(ctx: RequestContext, d: CacheDirectives, rules: KeepRules): boolean {
  const headers = ctx.upstreamHeaders;
  if (!d.store || ctx.errorCode || ctx.upstreamBroke || ctx.clientGone || !headers) return false;
  return rules.statuses.has(ctx.status) && !upstreamForbidsStoring(headers) && keptFor(d, rules) > 0;
}

/** The answer goes out as a stream (replayed without a length). */
export function isStream(ctx: RequestContext): boolean {
  const type = ctx.upstreamHeaders?.['content-type'];
  return ctx.stream || (type !== undefined && isEventStream(type.toString()));
}

/** The upstream headers a replay repeats, as flat name/value pairs. */
export function replayedHeaders(headers: UpstreamHeaders): string[] {
  const kept: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string' && REPLAYED_HEADERS.has(name)) kept.push(name, value);
  }
  return kept;
}

/** The answer to keep, when its client got all of it and it may be kept. */
export function keptAnswer(
  ctx: RequestContext,
  recorder: AnswerRecorder,
  d: CacheDirectives,
  rules: KeepRules,
  now: number,
): StoredAnswer | undefined {
  if (!ctx.res.writableFinished || !headMayBeKept(ctx, d, rules)) return;
  const body = recorder.body();
  if (!body) return;
  return {
    status: ctx.status,
    headers: replayedHeaders(ctx.upstreamHeaders!),
    body,
    stream: isStream(ctx),
    storedAt: now,
    expiresAt: now + keptFor(d, rules),
    upstream: ctx.target!.upstream.name,
    model: ctx.model ?? '',
    usage: ctx.usage,
  };
}
