// OpenAI wire format (also Cerebras, Groq, NVIDIA and other compatible servers): usage and streams.
import type {
  Dialect,
  DialectName,
  HeaderBag,
  RateLimitHeaderSpec,
  StreamExpectation,
  StreamObserver,
  Usage,
} from '../types.ts';
import { NOT_JSON, OBJECT_VALUE, STRING_VALUE, scanJson, type WatchedKey } from './json-check.ts';
import { isRecord, numberField, tryParseJson } from './json-peek.ts';
import { createSseSplitter, eventName, findData, newDataSpan } from './sse.ts';

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

/** Keys the one pass over each event reports, so only the few events that carry them are parsed. */
const WATCH: readonly WatchedKey[] = [
  { name: 'usage', opens: OBJECT_VALUE }, // also Groq's `x_groq.usage` and Responses' `response.usage`
  { name: 'error', opens: OBJECT_VALUE },
  { name: 'finish_reason', opens: STRING_VALUE },
];
const USAGE = 1;
const ERROR = 2;
const FINISH = 4;

const ONE_CHOICE: StreamExpectation = { choices: 1, usage: false };

/**
 * Watches an OpenAI-style SSE stream: `data: {chunk}` ... `data: [DONE]` (Responses API: typed
 * events). Each event's data is checked to be JSON in the same pass that finds what is worth parsing.
 */
export function observeOpenaiStream(expect: StreamExpectation = ONE_CHOICE): StreamObserver {
  let usage: Usage | undefined;
  let finished = false;
  let typed = false;
  let error: string | undefined;
  /** Indexes of the choices that have their finish_reason (usually just 0). */
  const done = new Set<number>();
  const span = newDataSpan();
  const event = (raw: string): boolean => {
    if (!findData(raw, span)) return true; // a comment or keep-alive
    const { text, start, end } = span;
    if (end - start === 6 && text.startsWith('[DONE]', start)) {
      finished = true;
      return true;
    }
    const found = scanJson(text, start, end, WATCH);
    if (found === NOT_JSON) return false;
    let name: string | undefined;
    if (span.named) {
      typed = true;
      name = eventName(raw);
      if (name !== undefined && TERMINAL_RESPONSE_EVENTS.has(name)) finished = true;
    }
    if (found === 0 && name !== 'error') return true;
    const body = tryParseJson(text.slice(start, end));
    if (name === 'error' || (found & ERROR) !== 0) {
      error = text.slice(start, end);
      return true;
    }
    // Usage is cumulative in every dialect that repeats it, so the last one seen wins.
    if ((found & USAGE) !== 0) usage = openaiUsage(body) ?? usage;
    if ((found & FINISH) !== 0 && isRecord(body) && Array.isArray(body.choices)) {
      for (const choice of body.choices)
        if (isRecord(choice) && typeof choice.finish_reason === 'string')
          done.add(typeof choice.index === 'number' ? choice.index : 0);
    }
    return true;
  };
  const splitter = createSseSplitter(event);
  return {
    push: (text) => splitter.push(text),
    event,
    usage: () => usage,
    finished: () => finished,
    // Typed (Responses API) streams are whole only with their terminal event.
    complete: () =>
      finished || (!typed && done.size >= expect.choices && (!expect.usage || usage !== undefined)),
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
    keyCheck: { path: '/v1/models', headers: {} },
    // OpenAI-compatible servers that can continue a message say so in their upstream's `prefill`.
    prefill: 'none',
    finalRefusal: openaiFinalRefusal,
  };
}

// OpenAI `insufficient_quota` / `credit_balance_exhausted`, and "Request too large" (OpenAI, Groq).
const FINAL_429 = /insufficient_quota|credit_balance|billing|Request too large/i;

export function openaiFinalRefusal(_headers: HeaderBag, body: string): boolean {
  return FINAL_429.test(body);
}
