// OpenAI: per-minute request and token windows, Go-style reset durations.
import type { RateLimitHeaderSpec } from './types.ts';
import { openaiCompatible } from './wire/openai-wire.ts';

export const openaiHeaders: readonly RateLimitHeaderSpec[] = (['requests', 'tokens'] as const).map(
  (dimension) => ({
    dimension,
    window: 'minute',
    limit: `x-ratelimit-limit-${dimension}`,
    remaining: `x-ratelimit-remaining-${dimension}`,
    reset: `x-ratelimit-reset-${dimension}`,
    resetFormat: 'duration',
  }),
);

export const openai = openaiCompatible('openai', openaiHeaders, { streamUsageOption: true });
