// Groq: OpenAI's header names, but `-requests` counts per DAY and `-tokens` per minute.
import type { Dialect, RateLimitHeaderSpec } from './types.ts';
import { observeOpenaiStream, openaiUsage } from './wire/openai-wire.ts';

export const groqHeaders: readonly RateLimitHeaderSpec[] = [
  {
    dimension: 'requests',
    window: 'day',
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

export const groq: Dialect = {
  name: 'groq',
  family: 'openai',
  auth: { header: 'authorization', prefix: 'Bearer ' },
  rateLimitHeaders: groqHeaders,
  // Groq reports stream usage in the last chunk's `x_groq.usage` without being asked.
  streamUsageOption: false,
  usageFromBody: openaiUsage,
  observeStream: observeOpenaiStream,
};
