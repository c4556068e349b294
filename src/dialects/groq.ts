// Groq: OpenAI's header names, but `-requests` counts per DAY (`-tokens` per minute).
import { openaiHeaders } from './openai.ts';
import type { RateLimitHeaderSpec } from './types.ts';
import { openaiCompatible } from './wire/openai-wire.ts';

export const groqHeaders: readonly RateLimitHeaderSpec[] = openaiHeaders.map((spec) =>
  spec.dimension === 'requests' ? { ...spec, window: 'day' } : spec,
);

// Groq reports stream usage in the last chunk's `x_groq.usage` without being asked.
export const groq = openaiCompatible('groq', groqHeaders, { streamUsageOption: false });
