// Writes a key's window as each provider's rate-limit headers (reference §3 and §6), with each reset format.
import type { MockLimitDimension, RateLimitState, WindowView } from './rate-limit-state.ts';
import type { MockDialect } from './types.ts';

// Reported when a dimension has no hidden limit: large enough that no limiter will ever pace on it.
const UNLIMITED_REQUESTS = 10_000_000;
const UNLIMITED_TOKENS = 10_000_000_000;
const DAY_MS = 86_400_000;

export type HeaderMap = Record<string, string>;

/** Go's time.Duration.String() at millisecond precision: `0s`, `12ms`, `1.56s`, `6m0s`, `1h2m3.5s`. */
export function formatGoDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${trimDecimals(ms)}ms`;
  const totalSeconds = Math.round(ms) / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds - hours * 3600) / 60);
  const seconds = `${trimDecimals(totalSeconds - hours * 3600 - minutes * 60)}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

function trimDecimals(value: number): string {
  return String(Number(value.toFixed(3)));
}

/** `retry-after` in whole seconds, rounded up so a client that obeys it never arrives early. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** RFC 3339 at second precision, rounded up like Anthropic's "fully replenished at". */
function rfc3339(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

interface Bucket {
  limit: number;
  remaining: number;
  resetMs: number;
}

function bucket(
  state: RateLimitState,
  view: WindowView | undefined,
  dim: MockLimitDimension,
  now: number,
): Bucket {
  const configured = state.limits?.[dim];
  if (configured === undefined) {
    const limit = dim === 'requests' ? UNLIMITED_REQUESTS : UNLIMITED_TOKENS;
    return { limit, remaining: limit, resetMs: 0 };
  }
  const used = view?.used[dim] ?? 0;
  return {
    limit: configured,
    remaining: Math.max(0, configured - used),
    resetMs: view && used > 0 ? Math.max(0, view.endsAt - now) : 0,
  };
}

function triple(into: HeaderMap, names: readonly [string, string, string], b: Bucket, reset: string): void {
  into[names[0]] = String(b.limit);
  into[names[1]] = String(b.remaining);
  into[names[2]] = reset;
}

const openaiRequests = [
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
] as const;
const openaiTokens = [
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
] as const;
const cerebrasNames = (dimension: string, window: string) =>
  [
    `x-ratelimit-limit-${dimension}-${window}`,
    `x-ratelimit-remaining-${dimension}-${window}`,
    `x-ratelimit-reset-${dimension}-${window}`,
  ] as const;
const cerebrasRequestsDay = cerebrasNames('requests', 'day');
const cerebrasRequestsMinute = cerebrasNames('requests', 'minute');
const cerebrasTokensMinute = cerebrasNames('tokens', 'minute');
const anthropicNames = (name: string) =>
  [
    `anthropic-ratelimit-${name}-limit`,
    `anthropic-ratelimit-${name}-remaining`,
    `anthropic-ratelimit-${name}-reset`,
  ] as const;
const anthropicRequests = anthropicNames('requests');
const anthropicInput = anthropicNames('input-tokens');
const anthropicOutput = anthropicNames('output-tokens');
const anthropicTokens = anthropicNames('tokens');
const genericNames = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'] as const;

/** Adds the dialect's rate-limit headers for the key's window to `into`. NVIDIA sends none. */
export function writeLimitHeaders(
  dialect: MockDialect,
  state: RateLimitState,
  view: WindowView | undefined,
  now: number,
  into: HeaderMap,
): void {
  switch (dialect) {
    case 'openai':
    case 'groq': {
      // Groq's `-requests` means per day; the mock still uses its one configured window for both.
      const requests = bucket(state, view, 'requests', now);
      const tokens = bucket(state, view, 'tokens', now);
      triple(into, openaiRequests, requests, formatGoDuration(requests.resetMs));
      triple(into, openaiTokens, tokens, formatGoDuration(tokens.resetMs));
      return;
    }
    case 'cerebras': {
      // The documented pair is requests-day and tokens-minute; a configured request limit shows as -minute.
      const untilMidnight = DAY_MS - (now % DAY_MS);
      const day = { limit: UNLIMITED_REQUESTS, remaining: UNLIMITED_REQUESTS, resetMs: untilMidnight };
      triple(into, cerebrasRequestsDay, day, String(day.resetMs / 1000));
      if (state.limits?.requests !== undefined) {
        const requests = bucket(state, view, 'requests', now);
        triple(into, cerebrasRequestsMinute, requests, String(requests.resetMs / 1000));
      }
      const tokens = bucket(state, view, 'tokens', now);
      triple(into, cerebrasTokensMinute, tokens, String(tokens.resetMs / 1000));
      return;
    }
    case 'anthropic': {
      const requests = bucket(state, view, 'requests', now);
      const input = bucket(state, view, 'inputTokens', now);
      const output = bucket(state, view, 'outputTokens', now);
      triple(into, anthropicRequests, requests, rfc3339(now + requests.resetMs));
      triple(into, anthropicInput, input, rfc3339(now + input.resetMs));
      triple(into, anthropicOutput, output, rfc3339(now + output.resetMs));
      // The most restrictive token limit in force, otherwise input + output combined.
      let tokens = bucket(state, view, 'tokens', now);
      if (state.limits?.tokens === undefined && state.limits?.inputTokens !== undefined) {
        if (state.limits.outputTokens !== undefined) {
          tokens = {
            limit: input.limit + output.limit,
            remaining: input.remaining + output.remaining,
            resetMs: Math.max(input.resetMs, output.resetMs),
          };
        }
      }
      triple(into, anthropicTokens, tokens, rfc3339(now + tokens.resetMs));
      return;
    }
    case 'generic': {
      const requests = bucket(state, view, 'requests', now);
      triple(into, genericNames, requests, String(Math.ceil(requests.resetMs / 1000)));
      return;
    }
    case 'nvidia':
      return;
  }
}
