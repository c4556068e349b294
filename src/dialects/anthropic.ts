// Anthropic: separate request, input-token and output-token buckets; resets are RFC 3339 instants.
import type { Dialect, LimitDimension, RateLimitHeaderSpec } from './types.ts';

const buckets: ReadonlyArray<[LimitDimension, string]> = [
  ['requests', 'requests'],
  ['input_tokens', 'input-tokens'],
  ['output_tokens', 'output-tokens'],
  // The most restrictive token limit in force (or input + output combined).
  ['tokens', 'tokens'],
];

export const anthropicHeaders: readonly RateLimitHeaderSpec[] = buckets.map(([dimension, name]) => ({
  dimension,
  window: 'minute',
  limit: `anthropic-ratelimit-${name}-limit`,
  remaining: `anthropic-ratelimit-${name}-remaining`,
  reset: `anthropic-ratelimit-${name}-reset`,
  resetFormat: 'timestamp',
}));

export const anthropic: Dialect = {
  name: 'anthropic',
  family: 'anthropic',
  auth: { header: 'x-api-key', prefix: '' },
  rateLimitHeaders: anthropicHeaders,
  streamUsageOption: false,
  keyCheck: { path: '/v1/models', headers: { 'anthropic-version': '2023-06-01' } },
  // Prefill is Anthropic's own feature; models that refuse it get the answer regenerated instead.
  prefill: 'assistant',
  // A rate-limit 429 says when to retry; a spend-cap 429 does not, and retrying cannot help.
  finalRefusal: (headers) => headers['retry-after'] === undefined,
};
