// OpenAI wire format (also Cerebras, Groq, NVIDIA and other compatible servers): usage and streams.
import type {
  Dialect,
  DialectName,
  HeaderBag,
  RateLimitHeaderSpec,
  StreamObserver,
  Usage,
} from '../types.ts';
import { hasObjectField, isRecord, numberField, tryParseJson } from './json-peek.ts';
import { createSseSplitter, sseFields } from './sse.ts';

/** Usage from a Chat Completions, Completions, Embeddings or Responses body (or a stream chunk). */
export function openaiUsage(body: unknown): Usage | undefined {
  if (!isRecord(body)) return undefined;
  const usage = isRecord(body.usage)
    ? body.usage
    : isRecord(body.x_groq) && isRecord(body.x_groq.usage)
      ? body.x_groq.usage // Groq puts stream usage here
      : isRecord(body.response) && isRecord(body.response.usage)
        ? body.response.usage // Responses API stream events wrap the response
        : undefined;
  if (!usage) return undefined;
  const input = numberField(usage, 'prompt_tokens') ?? numberField(usage, 'input_tokens');
  if (input === undefined) return undefined;
  const output = numberField(usage, 'completion_tokens') ?? numberField(usage, 'output_tokens') ?? 0;
  const details = isRecord(usage.prompt_tokens_details)
    ? usage.prompt_tokens_details
    : isRecord(usage.input_tokens_details)
      ? usage.input_tokens_details
      : undefined;
  const cached = details ? numberField(details, 'cached_tokens') : undefined;
  return cached
    ? { inputTokens: input, outputTokens: output, cachedInputTokens: cached }
    : { inputTokens: input, outputTokens: output };
}

const TERMINAL_RESPONSE_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/** Watches an OpenAI-style SSE stream: `data: {chunk}` ... `data: [DONE]` (Responses API: typed events). */
export function observeOpenaiStream(): StreamObserver {
  let usage: Usage | undefined;
  let finished = false;
  let error: string | undefined;
  // Most events are content deltas: cheap substring checks decide which ones are worth parsing.
  const event = (raw: string) => {
    // With include_usage every chunk carries `"usage":null`: only an object is worth parsing.
    const done = raw.includes('[DONE]');
    const typed = raw.includes('event:');
    const failed = raw.includes('"error"') && hasObjectField(raw, 'error');
    const counted = raw.includes('"usage"') && (hasObjectField(raw, 'usage') || raw.includes('"x_groq"'));
    if (!done && !typed && !failed && !counted) return;
    const { event: name, data } = sseFields(raw);
    if (data === '[DONE]') {
      finished = true;
      return;
    }
    if (name !== undefined && TERMINAL_RESPONSE_EVENTS.has(name)) finished = true;
    if (name === 'error' || failed) {
      error = data;
      return;
    }
    // Usage is cumulative in every dialect that repeats it, so the last one seen wins.
    if (counted) {
      const found = openaiUsage(tryParseJson(data));
      if (found) usage = found;
    }
  };
  const splitter = createSseSplitter(event);
  return {
    push: (text) => splitter.push(text),
    event,
    usage: () => usage,
    finished: () => finished,
    upstreamError: () => error,
  };
}

/** A dialect that speaks OpenAI's wire format: what differs between providers is data. */
export function openaiCompatible(
  name: DialectName,
  rateLimitHeaders: readonly RateLimitHeaderSpec[],
  options: { streamUsageOption: boolean },
): Dialect {
  return {
    name,
    family: 'openai',
    auth: { header: 'authorization', prefix: 'Bearer ' },
    rateLimitHeaders,
    streamUsageOption: options.streamUsageOption,
    finalRefusal: openaiFinalRefusal,
  };
}

// OpenAI `insufficient_quota` / `credit_balance_exhausted`, and "Request too large" (OpenAI, Groq).
const FINAL_429 = /insufficient_quota|credit_balance|billing|Request too large/i;

export function openaiFinalRefusal(_headers: HeaderBag, body: string): boolean {
  return FINAL_429.test(body);
}
