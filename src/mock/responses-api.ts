// OpenAI Responses API answers: the response object, and typed SSE events ending in `response.completed`.
import { estimateTokens, type Generation, messagesChars } from './mock-content.ts';

export function responsesInputTokens(body: Record<string, unknown>): number {
  const instructions = typeof body.instructions === 'string' ? body.instructions.length : 0;
  return estimateTokens(instructions + messagesChars(body.input));
}

interface ResponseParams {
  instructions: unknown;
  maxOutputTokens: unknown;
}

export function responseParams(body: Record<string, unknown>): ResponseParams {
  return { instructions: body.instructions ?? null, maxOutputTokens: body.max_output_tokens ?? null };
}

function messageItem(gen: Generation, text: string, done: boolean): Record<string, unknown> {
  return {
    id: `msg_${gen.id.slice(5)}`,
    type: 'message',
    status: done ? 'completed' : 'in_progress',
    role: 'assistant',
    content: done ? [outputText(text)] : [],
  };
}

function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

function responseObject(gen: Generation, params: ResponseParams, done: boolean): Record<string, unknown> {
  const truncated = gen.reply.truncated;
  return {
    id: gen.id,
    object: 'response',
    created_at: gen.created,
    status: done ? (truncated ? 'incomplete' : 'completed') : 'in_progress',
    background: false,
    error: null,
    incomplete_details: done && truncated ? { reason: 'max_output_tokens' } : null,
    instructions: params.instructions,
    max_output_tokens: params.maxOutputTokens,
    model: gen.model,
    output: done ? [messageItem(gen, gen.reply.text, true)] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: gen.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: gen.reply.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: gen.inputTokens + gen.reply.outputTokens,
        }
      : null,
    user: null,
    metadata: {},
  };
}

export function responseJson(gen: Generation, params: ResponseParams): string {
  return JSON.stringify(responseObject(gen, params, true));
}

/** The event sequence of a streamed text response; the terminal event is `response.completed`. */
export function responseFrames(gen: Generation, params: ResponseParams): string[] {
  let sequence = 0;
  const frames: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => {
    frames.push(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`,
    );
  };
  const itemId = `msg_${gen.id.slice(5)}`;
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  emit('response.created', { response: responseObject(gen, params, false) });
  emit('response.in_progress', { response: responseObject(gen, params, false) });
  emit('response.output_item.added', { output_index: 0, item: messageItem(gen, '', false) });
  emit('response.content_part.added', { ...at, part: outputText('') });
  for (const delta of gen.reply.pieces) emit('response.output_text.delta', { ...at, delta, logprobs: [] });
  emit('response.output_text.done', { ...at, text: gen.reply.text, logprobs: [] });
  emit('response.content_part.done', { ...at, part: outputText(gen.reply.text) });
  emit('response.output_item.done', { output_index: 0, item: messageItem(gen, gen.reply.text, true) });
  const final = responseObject(gen, params, true);
  emit(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  return frames;
}
