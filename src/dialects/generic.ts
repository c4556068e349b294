// Plain REST APIs (GitHub, Stripe, ...): the common `X-RateLimit-*` and IETF `RateLimit-*` headers.
import type { Dialect, RateLimitHeaderSpec } from './types.ts';

export const genericHeaders: readonly RateLimitHeaderSpec[] = [
  {
    dimension: 'requests',
    window: 'unspecified',
    limit: 'x-ratelimit-limit',
    remaining: 'x-ratelimit-remaining',
    reset: 'x-ratelimit-reset', // GitHub: epoch seconds; many others: seconds from now
    resetFormat: 'epoch-or-seconds',
  },
  {
    dimension: 'requests',
    window: 'unspecified',
    limit: 'ratelimit-limit',
    remaining: 'ratelimit-remaining',
    reset: 'ratelimit-reset',
    resetFormat: 'epoch-or-seconds',
  },
];

export const generic: Dialect = {
  name: 'generic',
  family: 'generic',
  auth: { header: 'authorization', prefix: 'Bearer ' },
  rateLimitHeaders: genericHeaders,
  streamUsageOption: false,
  prefill: 'none',
  finalRefusal: () => false,
};
