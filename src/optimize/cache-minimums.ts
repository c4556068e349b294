// The smallest prefix (in tokens) Anthropic will cache, by model: a breakpoint on a shorter prefix
// is accepted but caches nothing. Data, first match wins; keep it in step with Anthropic's docs.

export interface CacheMinimum {
  model: RegExp;
  minTokens: number;
}

export const CACHE_MINIMUMS: readonly CacheMinimum[] = [
  { model: /claude-3-(5-)?haiku|claude-3-haiku/, minTokens: 2048 },
  { model: /claude-(haiku-4-5|opus-4-5|opus-4-6)/, minTokens: 4096 },
  { model: /claude-sonnet-4-6/, minTokens: 2048 },
];

export const DEFAULT_CACHE_MIN_TOKENS = 1024;

/** The minimum cacheable prefix of a model (1024 when the model is unknown). */
export function minCacheTokens(model: unknown): number {
  if (typeof model !== 'string') return DEFAULT_CACHE_MIN_TOKENS;
  return CACHE_MINIMUMS.find((entry) => entry.model.test(model))?.minTokens ?? DEFAULT_CACHE_MIN_TOKENS;
}
