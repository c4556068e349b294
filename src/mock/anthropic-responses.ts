// Anthropic answers: /v1/messages (JSON and SSE), /v1/messages/count_tokens and the model list.
import {
  contentChars,
  estimateTokens,
  type Generation,
  isRecord,
  messagesChars,
  type Reply,
} from './mock-content.ts';

export function anthropicInputTokens(body: Record<string, unknown>): number {
  return estimateTokens(contentChars(body.system) + messagesChars(body.messages));
}

/** The text of a final assistant message (a prefill the answer continues), if the messages end in one. */
export function assistantPrefill(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  const last: unknown = messages.at(-1);
  if (!isRecord(last) || last.role !== 'assistant') return undefined;
  if (typeof last.content === 'string') return last.content;
  if (!Array.isArray(last.content)) return undefined;
  let text = '';
  for (const part of last.content) if (isRecord(part) && typeof part.text === 'string') text += part.text;
  return text;
}

/**
 * With a prefill the model goes on from where it stops: the reply's text after it when the reply
 * begins with it (as a real model continues its own words), else the whole reply.
 */
export function continueAfter(reply: Reply, prefill: string): Reply {
  if (prefill === '' || !reply.text.startsWith(prefill)) return reply;
  const text = reply.text.slice(prefill.length);
  const count = Math.max(1, Math.min(reply.pieces.length, text.length));
  const pieces: string[] = [];
  for (let i = 0; i < count; i++)
    pieces.push(
      text.slice(Math.floor((i * text.length) / count), Math.floor(((i + 1) * text.length) / count)),
    );
  return { text, pieces, outputTokens: estimateTokens(text.length), truncated: reply.truncated };
}

function stopReason(gen: Generation): string {
  return gen.reply.truncated ? 'max_tokens' : 'end_turn';
}

function usage(gen: Generation, outputTokens: number): Record<string, unknown> {
  // Like the real API: input_tokens is what was neither read from nor written to the cache.
  const read = Math.min(gen.cache?.read ?? 0, gen.inputTokens);
  const write = Math.min(gen.cache?.write ?? 0, gen.inputTokens - read);
  return {
    input_tokens: gen.inputTokens - read - write,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function message(gen: Generation, done: boolean): Record<string, unknown> {
  return {
    id: gen.id,
    type: 'message',
    role: 'assistant',
    model: gen.model,
    content: done ? [{ type: 'text', text: gen.reply.text }] : [],
    stop_reason: done ? stopReason(gen) : null,
    stop_sequence: null,
    // Like the real API, message_start already reports a small initial output count.
    usage: usage(gen, done ? gen.reply.outputTokens : 1),
  };
}

export function messageJson(gen: Generation): string {
  return JSON.stringify(message(gen, true));
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** message_start, content_block_start, ping, deltas, content_block_stop, message_delta, message_stop. */
export function messageFrames(gen: Generation): string[] {
  const frames = [
    event('message_start', { message: message(gen, false) }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
  ];
  for (const text of gen.reply.pieces) {
    frames.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
  }
  frames.push(event('content_block_stop', { index: 0 }));
  // Usage in message_delta is cumulative.
  const final = usage(gen, gen.reply.outputTokens);
  delete final.service_tier;
  frames.push(
    event('message_delta', { delta: { stop_reason: stopReason(gen), stop_sequence: null }, usage: final }),
  );
  frames.push(event('message_stop', {}));
  return frames;
}

export function countTokensJson(inputTokens: number): string {
  return JSON.stringify({ input_tokens: inputTokens });
}

const models: ReadonlyArray<readonly [string, string, string]> = [
  ['claude-sonnet-4-6', 'Claude Sonnet 4.6', '2026-02-17T00:00:00Z'],
  ['claude-haiku-4-5', 'Claude Haiku 4.5', '2025-10-01T00:00:00Z'],
  ['claude-opus-4-7', 'Claude Opus 4.7', '2026-04-16T00:00:00Z'],
];

export function anthropicModel(id: string): Record<string, unknown> {
  const known = models.find((m) => m[0] === id);
  return {
    type: 'model',
    id,
    display_name: known?.[1] ?? id,
    created_at: known?.[2] ?? '2025-01-01T00:00:00Z',
  };
}

/** Anthropic pages its list: `limit` (1 to 1000, default 20), then `after_id` or `before_id`. */
export function anthropicModelListJson(
  ids: readonly string[] = models.map((m) => m[0]),
  url = '/v1/models',
): string {
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 20) || 20));
  const before = query.get('before_id');
  const after = query.get('after_id');
  let start = 0;
  let end = ids.length;
  if (before !== null) end = Math.max(0, ids.indexOf(before));
  else if (after !== null) start = ids.includes(after) ? ids.indexOf(after) + 1 : ids.length;
  if (before !== null) start = Math.max(0, end - limit);
  else end = Math.min(ids.length, start + limit);
  const data = ids.slice(start, end).map((id) => anthropicModel(id));
  return JSON.stringify({
    data,
    has_more: before !== null ? start > 0 : end < ids.length,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  });
}
