// OpenAI: per-minute request and token windows, Go-style reset durations.
import type { Dialect, RateLimitHeaderSpec } from './types.ts';
import { observeOpenaiStream, openaiUsage } from './wire/openai-wire.ts';

export const openaiHeaders: readonly RateLimitHeaderSpec[] = [
  {
    dimension: 'requests',
    window: 'minute',
    limit: 'x-ratelimit-limit-requests',
    remaining: 'x-ratelimit-remaining-requests',
    reset: 'x-ratelimit-reset-requests',
    resetFormat: 'duration',
  },
  {
    dimension: 'tokens',
    window: 'minute',
    limit: 'x-ratelimit-limit-tokens',
    remaining: 'x-ratelimit-remaining-tokens',
    reset: 'x-ratelimit-reset-tokens',
    resetFormat: 'duration',
  },
];

export const openai: Dialect = {
  name: 'openai',
  family: 'openai',
  auth: { header: 'authorization', prefix: 'Bearer ' },
  rateLimitHeaders: openaiHeaders,
  streamUsageOption: true,
  usageFromBody: openaiUsage,
  observeStream: observeOpenaiStream,
};
