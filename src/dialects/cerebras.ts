// Cerebras: windows named by suffix (`-requests-day`, `-tokens-minute`, ...), resets in float seconds.
import type { LimitDimension, LimitWindow, RateLimitHeaderSpec } from './types.ts';
import { openaiCompatible } from './wire/openai-wire.ts';

const dimensions: readonly LimitDimension[] = ['requests', 'tokens'];
const windows: readonly LimitWindow[] = ['minute', 'hour', 'day'];

// Documented: requests-day and tokens-minute; the others are seen in the wild, so all six are read.
export const cerebrasHeaders: readonly RateLimitHeaderSpec[] = dimensions.flatMap((dimension) =>
  windows.map((window) => ({
    dimension,
    window,
    limit: `x-ratelimit-limit-${dimension}-${window}`,
    remaining: `x-ratelimit-remaining-${dimension}-${window}`,
    reset: `x-ratelimit-reset-${dimension}-${window}`,
    resetFormat: 'seconds' as const,
  })),
);

export const cerebras = openaiCompatible('cerebras', cerebrasHeaders, { streamUsageOption: true });
