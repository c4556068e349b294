// What a load-test answer says: its token usage, when a stream's first content came, and whether it
// ended as its dialect ends a stream. Pure: text in, facts out.
import { createSseSplitter, sseFields } from '../dialects/wire/sse.ts';
import type { LoadDialect } from './plan.ts';

export interface Usage {
  input: number;
  output: number;
}

/** How a stream went wrong: an in-band error event, no end marker, or bytes that are not its events. */
export type StreamProblem = 'stream_error' | 'broken_answer' | 'bad_answer';

/** An SSE event larger than this is not an LLM stream's; reading stops there. */
export const MAX_EVENT_CHARS = 1 << 20;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Usage from a whole JSON answer (or an OpenAI stream's usage chunk). */
export function usageOf(dialect: LoadDialect, body: unknown): Usage | undefined {
  if (!isRecord(body) || !isRecord(body.usage)) return undefined;
  const u = body.usage;
  const input = count(dialect === 'anthropic' ? u.input_tokens : u.prompt_tokens);
  const output = count(dialect === 'anthropic' ? u.output_tokens : u.completion_tokens);
  return input === undefined && output === undefined ? undefined : { input: input ?? 0, output: output ?? 0 };
}

/** The `error.message` of an error body, or undefined. */
export function errorMessageOf(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  return typeof body.error.message === 'string' ? body.error.message : undefined;
}

export interface StreamReader {
  push(text: string): void;
  /** A content-bearing event has arrived (text, a tool call's arguments, reasoning). */
  readonly sawContent: boolean;
  /** Set as soon as the stream is known to have failed; reading can stop. */
  readonly problem: StreamProblem | undefined;
  /** Call at the end of the body: the problem, if it did not end as its dialect ends a stream. */
  end(): StreamProblem | undefined;
  readonly usage: Usage | undefined;
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function openaiContent(chunk: Record<string, unknown>): boolean {
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.delta)) return false;
  const d = choice.delta;
  const text = (v: unknown) => typeof v === 'string' && v !== '';
  return (
    text(d.content) ||
    text(d.reasoning_content) ||
    text(d.reasoning) ||
    (Array.isArray(d.tool_calls) && d.tool_calls.length > 0)
  );
}

export function createStreamReader(dialect: LoadDialect): StreamReader {
  let sawContent = false;
  let ended = false;
  let problem: StreamProblem | undefined;
  let input: number | undefined;
  let output: number | undefined;

  const onOpenAi = (data: string) => {
    if (data === '[DONE]') {
      ended = true;
      return;
    }
    const chunk = parse(data);
    if (!isRecord(chunk)) {
      problem = 'bad_answer';
      return;
    }
    if (chunk.error !== undefined) {
      problem = 'stream_error';
      return;
    }
    if (!sawContent && openaiContent(chunk)) sawContent = true;
    const usage = usageOf('openai', chunk);
    if (usage) {
      input = usage.input;
      output = usage.output;
    }
  };

  const onAnthropic = (name: string | undefined, data: string) => {
    const ev = parse(data);
    if (!isRecord(ev)) {
      problem = 'bad_answer';
      return;
    }
    const type = typeof ev.type === 'string' ? ev.type : name;
    if (type === 'error') problem = 'stream_error';
    else if (type === 'content_block_delta') sawContent = true;
    else if (type === 'message_stop') ended = true;
    else if (type === 'message_start' && isRecord(ev.message)) {
      const usage = usageOf('anthropic', ev.message);
      if (usage) input = usage.input;
    } else if (type === 'message_delta' && isRecord(ev.usage)) {
      // Its counts are cumulative: the last one is the answer's.
      output = count(ev.usage.output_tokens) ?? output;
      input = count(ev.usage.input_tokens) ?? input;
    }
  };

  const splitter = createSseSplitter((raw) => {
    if (problem !== undefined) return;
    const { event, data } = sseFields(raw);
    if (data === '') return; // a comment, a keep-alive, a name with no data
    if (dialect === 'anthropic') onAnthropic(event, data);
    else onOpenAi(data);
  });

  return {
    push(text) {
      if (problem !== undefined) return;
      splitter.push(text);
      if (splitter.held > MAX_EVENT_CHARS) problem = 'bad_answer';
    },
    get sawContent() {
      return sawContent;
    },
    get problem() {
      return problem;
    },
    end() {
      if (problem === undefined) {
        const rest = splitter.flush();
        if (rest.trim() !== '') splitter.push(`${rest}\n\n`);
      }
      if (problem === undefined && !ended) problem = 'broken_answer';
      return problem;
    },
    get usage() {
      return input === undefined && output === undefined
        ? undefined
        : { input: input ?? 0, output: output ?? 0 };
    },
  };
}
