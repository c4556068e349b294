// A fast estimate of a request's cost before it is sent: input tokens from the characters of its
// text (a quarter token each: the rule providers' rate limiters themselves apply at admission) and
// its output bound. Over-estimating costs capacity; the real usage settles it afterwards.
import type { Cost } from '../../limits/cost.ts';
import { isRecord } from './json-peek.ts';

/** Content parts that carry encoded media (base64, URLs), not text the model reads char by char. */
const MEDIA_PARTS = new Set([
  'image',
  'image_url',
  'input_image',
  'input_audio',
  'audio',
  'document',
  'file',
  'input_file',
]);
/** Structural fields whose values are markers, not text (`"role": "user"`, `"type": "text"`). */
const NOT_TEXT = new Set(['role', 'type', 'id', 'tool_call_id', 'cache_control']);
/** A picture (or file) costs about this many tokens whatever its encoded size. */
const IMAGE_TOKENS = 1000;

function walk(value: unknown, acc: { chars: number; images: number }, depth: number): void {
  if (typeof value === 'string') {
    acc.chars += value.length;
    return;
  }
  if (depth > 12 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, acc, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.type === 'string' && MEDIA_PARTS.has(record.type)) {
    acc.images++;
    return;
  }
  for (const key in record) if (!NOT_TEXT.has(key)) walk(record[key], acc, depth + 1);
}

/** Input tokens of the parts of a body the model reads (messages, system, prompt, input, tools). */
export function estimateInputTokens(body: Record<string, unknown>): number {
  const acc = { chars: 0, images: 0 };
  for (const field of ['messages', 'system', 'prompt', 'input', 'instructions', 'tools', 'functions']) {
    const value = body[field];
    if (value === undefined) continue;
    walk(value, acc, 0);
  }
  return Math.ceil(acc.chars / 4) + acc.images * IMAGE_TOKENS;
}

/** The request's own bound on its output, if it gives one. */
export function outputBound(body: Record<string, unknown>): number | undefined {
  for (const field of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const v = body[field];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  }
  return undefined;
}

/** What a generation request reserves: one request, its input, and its output bound (or the default). */
export function estimateCost(
  body: Record<string, unknown> | undefined,
  defaultMaxTokens: number,
  generates: boolean,
): Cost {
  if (!body || !isRecord(body)) return { requests: 1, inputTokens: 0, outputTokens: 0 };
  return {
    requests: 1,
    inputTokens: estimateInputTokens(body),
    outputTokens: generates ? (outputBound(body) ?? defaultMaxTokens) : 0,
  };
}
