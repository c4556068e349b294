// OpenAI-shaped answers: chat completions and legacy completions (JSON and SSE), and the model list.
import { estimateTokens, type Generation, messagesChars } from './mock-content.ts';
import type { MockDialect } from './types.ts';

const FINGERPRINT = 'fp_mock';

/** `usage` of a chat/completions answer, with each provider's extras. */
function usageOf(gen: Generation, dialect: MockDialect): Record<string, unknown> {
  const usage: Record<string, unknown> = {
    prompt_tokens: gen.inputTokens,
    completion_tokens: gen.reply.outputTokens,
    total_tokens: gen.inputTokens + gen.reply.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  if (dialect === 'groq') Object.assign(usage, timings(gen));
  return usage;
}

// Deterministic fake timings, in seconds, for Groq's usage and Cerebras's `time_info`.
function timings(gen: Generation): Record<string, number> {
  const prompt = gen.inputTokens / 100_000;
  const completion = gen.reply.outputTokens / 1000;
  return {
    queue_time: 0.0001,
    prompt_time: prompt,
    completion_time: completion,
    total_time: prompt + completion,
  };
}

function finishReason(gen: Generation): string {
  return gen.reply.truncated ? 'length' : 'stop';
}

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

const DONE = 'data: [DONE]\n\n';

export function chatInputTokens(body: Record<string, unknown>): number {
  return estimateTokens(messagesChars(body.messages));
}

export function chatCompletionJson(gen: Generation, dialect: MockDialect, requestId: string): string {
  const body: Record<string, unknown> = {
    id: gen.id,
    object: 'chat.completion',
    created: gen.created,
    model: gen.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: gen.reply.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReason(gen),
      },
    ],
    usage: usageOf(gen, dialect),
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  };
  if (dialect === 'groq') body.x_groq = { id: requestId };
  if (dialect === 'cerebras') body.time_info = timings(gen);
  return JSON.stringify(body);
}

/**
 * Chat SSE: content chunks, a finish chunk, the usage chunk when asked (OpenAI, Cerebras, NVIDIA), `[DONE]`.
 * Groq ignores the option and puts usage in the finish chunk's `x_groq.usage`.
 */
export function chatCompletionFrames(
  gen: Generation,
  dialect: MockDialect,
  includeUsage: boolean,
  requestId: string,
): string[] {
  const usageChunk = includeUsage && dialect !== 'groq';
  const chunk = (choices: unknown[], extra?: Record<string, unknown>) => {
    const data: Record<string, unknown> = {
      id: gen.id,
      object: 'chat.completion.chunk',
      created: gen.created,
      model: gen.model,
      system_fingerprint: FINGERPRINT,
      choices,
    };
    if (usageChunk) data.usage = null;
    return frame(extra ? Object.assign(data, extra) : data);
  };
  const frames = gen.reply.pieces.map((piece, i) =>
    chunk(
      [
        {
          index: 0,
          delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece },
          logprobs: null,
          finish_reason: null,
        },
      ],
      i === 0 && dialect === 'groq' ? { x_groq: { id: requestId } } : undefined,
    ),
  );
  const finish = [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(gen) }];
  frames.push(
    chunk(
      finish,
      dialect === 'groq' ? { x_groq: { id: requestId, usage: usageOf(gen, dialect) } } : undefined,
    ),
  );
  if (usageChunk) {
    const extra: Record<string, unknown> = { usage: usageOf(gen, dialect) };
    if (dialect === 'cerebras') extra.time_info = timings(gen);
    frames.push(chunk([], extra));
  }
  frames.push(DONE);
  return frames;
}

export function completionInputTokens(body: Record<string, unknown>): number {
  const prompt = body.prompt;
  const chars = Array.isArray(prompt)
    ? messagesChars(prompt)
    : typeof prompt === 'string'
      ? prompt.length
      : 0;
  return estimateTokens(chars);
}

export function completionJson(gen: Generation, dialect: MockDialect): string {
  return JSON.stringify({
    id: gen.id,
    object: 'text_completion',
    created: gen.created,
    model: gen.model,
    choices: [{ text: gen.reply.text, index: 0, logprobs: null, finish_reason: finishReason(gen) }],
    usage: usageOf(gen, dialect),
  });
}

export function completionFrames(gen: Generation, dialect: MockDialect, includeUsage: boolean): string[] {
  const base = { id: gen.id, object: 'text_completion', created: gen.created, model: gen.model };
  const frames = gen.reply.pieces.map((text) =>
    frame({ ...base, choices: [{ text, index: 0, logprobs: null, finish_reason: null }] }),
  );
  frames.push(
    frame({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: finishReason(gen) }] }),
  );
  if (includeUsage && dialect !== 'groq')
    frames.push(frame({ ...base, choices: [], usage: usageOf(gen, dialect) }));
  frames.push(DONE);
  return frames;
}

const catalog: Record<MockDialect, { owner: string; ids: readonly string[] }> = {
  openai: { owner: 'system', ids: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'] },
  groq: { owner: 'Meta', ids: ['llama-3.1-8b-instant', 'llama-3.3-70b-versatile'] },
  cerebras: { owner: 'Cerebras', ids: ['llama3.1-8b', 'llama-3.3-70b'] },
  nvidia: { owner: 'meta', ids: ['meta/llama-3.1-8b-instruct', 'meta/llama-3.3-70b-instruct'] },
  anthropic: { owner: 'anthropic', ids: ['claude-sonnet-4-6', 'claude-haiku-4-5'] },
  generic: { owner: 'system', ids: ['gpt-4o-mini'] },
};

export function modelObject(dialect: MockDialect, id: string): Record<string, unknown> {
  return { id, object: 'model', created: 1_700_000_000, owned_by: catalog[dialect].owner };
}

export function modelListJson(dialect: MockDialect, ids = catalog[dialect].ids): string {
  return JSON.stringify({ object: 'list', data: ids.map((id) => modelObject(dialect, id)) });
}
