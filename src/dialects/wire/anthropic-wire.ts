// Anthropic Messages wire format: usage from bodies and from message_start / message_delta events.
import type { StreamObserver, Usage } from '../types.ts';
import { isJson } from './json-check.ts';
import { isRecord, numberField, tryParseJson } from './json-peek.ts';
import { createSseSplitter, eventName, findData, newDataSpan } from './sse.ts';

interface AnthropicUsageFields {
  input?: number;
  cacheWrite?: number;
  cacheRead?: number;
  output?: number;
}

function readFields(usage: Record<string, unknown>): AnthropicUsageFields {
  return {
    input: numberField(usage, 'input_tokens'),
    cacheWrite: numberField(usage, 'cache_creation_input_tokens'),
    cacheRead: numberField(usage, 'cache_read_input_tokens'),
    output: numberField(usage, 'output_tokens'),
  };
}

function toUsage(f: AnthropicUsageFields): Usage | undefined {
  if (f.input === undefined && f.output === undefined) return undefined;
  // `input_tokens` excludes cache reads and writes; the total input is their sum.
  const inputTokens = (f.input ?? 0) + (f.cacheWrite ?? 0) + (f.cacheRead ?? 0);
  const usage: Usage = { inputTokens, outputTokens: f.output ?? 0 };
  if (f.cacheRead) usage.cachedInputTokens = f.cacheRead;
  if (f.cacheWrite) usage.cacheWriteTokens = f.cacheWrite;
  return usage;
}

export function anthropicUsage(body: unknown): Usage | undefined {
  if (!isRecord(body) || !isRecord(body.usage)) {
    // count_tokens answers `{input_tokens}` with no usage wrapper
    if (isRecord(body) && typeof body.input_tokens === 'number') return toUsage(readFields(body));
    return undefined;
  }
  return toUsage(readFields(body.usage));
}

/**
 * message_start carries the input side; each message_delta carries cumulative counts, and its
 * stop_reason says the answer is whole. Every event's data is checked to be JSON.
 */
export function observeAnthropicStream(): StreamObserver {
  const fields: AnthropicUsageFields = {};
  let seen = false;
  let finished = false;
  let stopped = false;
  let error: string | undefined;
  const merge = (usage: unknown) => {
    if (!isRecord(usage)) return;
    const f = readFields(usage);
    for (const k of ['input', 'cacheWrite', 'cacheRead', 'output'] as const) {
      if (f[k] !== undefined) fields[k] = f[k];
    }
    seen = true;
  };
  const span = newDataSpan();
  const event = (raw: string): boolean => {
    if (!findData(raw, span)) return true; // a comment or keep-alive
    const { text, start, end } = span;
    if (!isJson(text, start, end)) return false;
    // Content deltas are most events and carry nothing to count: only these names are parsed.
    if (!raw.includes('message_') && !raw.includes('error')) return true;
    switch (eventName(raw)) {
      case 'message_start': {
        const body = tryParseJson(text.slice(start, end));
        if (isRecord(body) && isRecord(body.message)) merge(body.message.usage);
        break;
      }
      case 'message_delta': {
        const body = tryParseJson(text.slice(start, end));
        if (isRecord(body)) {
          merge(body.usage);
          if (isRecord(body.delta) && typeof body.delta.stop_reason === 'string') stopped = true;
        }
        break;
      }
      case 'message_stop':
        finished = true;
        break;
      case 'error':
        error = text.slice(start, end);
        break;
    }
    return true;
  };
  const splitter = createSseSplitter(event);
  return {
    push: (text) => splitter.push(text),
    event,
    usage: () => (seen ? toUsage(fields) : undefined),
    finished: () => finished,
    complete: () => finished || stopped,
    upstreamError: () => error,
  };
}
