// Anthropic answers: /v1/messages (JSON and SSE), /v1/messages/count_tokens and the model list.
import { contentChars, estimateTokens, type Generation, messagesChars } from './mock-content.ts';

export function anthropicInputTokens(body: Record<string, unknown>): number {
  return estimateTokens(contentChars(body.system) + messagesChars(body.messages));
}

function stopReason(gen: Generation): string {
  return gen.reply.truncated ? 'max_tokens' : 'end_turn';
}

function usage(gen: Generation, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: gen.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
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

export function anthropicModelListJson(): string {
  const data = models.map((m) => anthropicModel(m[0]));
  return JSON.stringify({
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  });
}
