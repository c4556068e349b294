// Where the tool outputs of a chat request sit, in either dialect, and which of them answer the
// newest turn: OpenAI's trailing run of `role: "tool"` messages, or the tool_result blocks of an
// Anthropic request's last message when the user sends it.
import { isRecord } from '../dialects/wire/json-peek.ts';

export type Dialect = 'openai' | 'anthropic';

export interface ToolOutput {
  /** Index of the message in `messages`. */
  message: number;
  /** Index of the tool_result block in the message's content (Anthropic), else undefined. */
  block: number | undefined;
  /** The tool call it answers: OpenAI tool_call_id, Anthropic tool_use_id. */
  id: string | undefined;
  content: unknown;
  isError: boolean;
  newest: boolean;
}

function roleOf(message: unknown): unknown {
  return isRecord(message) ? message.role : undefined;
}

function openaiOutputs(messages: unknown[]): ToolOutput[] {
  let trailing = messages.length;
  while (trailing > 0 && roleOf(messages[trailing - 1]) === 'tool') trailing--;
  const outputs: ToolOutput[] = [];
  messages.forEach((m, i) => {
    if (!isRecord(m) || m.role !== 'tool') return;
    const id = typeof m.tool_call_id === 'string' ? m.tool_call_id : undefined;
    outputs.push({
      message: i,
      block: undefined,
      id,
      content: m.content,
      isError: false,
      newest: i >= trailing,
    });
  });
  return outputs;
}

function anthropicOutputs(messages: unknown[]): ToolOutput[] {
  const outputs: ToolOutput[] = [];
  const last = messages.length - 1;
  messages.forEach((m, i) => {
    if (!isRecord(m) || m.role !== 'user' || !Array.isArray(m.content)) return;
    m.content.forEach((block, b) => {
      if (!isRecord(block) || block.type !== 'tool_result') return;
      const id = typeof block.tool_use_id === 'string' ? block.tool_use_id : undefined;
      const isError = block.is_error === true;
      outputs.push({ message: i, block: b, id, content: block.content, isError, newest: i === last });
    });
  });
  return outputs;
}

/** Every tool output of the request, in order. */
export function findToolOutputs(dialect: Dialect, messages: unknown[]): ToolOutput[] {
  return dialect === 'openai' ? openaiOutputs(messages) : anthropicOutputs(messages);
}

/** The texts of a tool output's content: a string, or the `text` parts of an array. */
export function textsOf(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const texts: string[] = [];
  for (const part of content)
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
  return texts;
}

/** True when the content is only text (a string or text parts), so one note can stand for all of it. */
export function isTextOnly(content: unknown): boolean {
  if (typeof content === 'string') return true;
  return (
    Array.isArray(content) &&
    content.every((p) => isRecord(p) && p.type === 'text' && typeof p.text === 'string')
  );
}

/** The content with its texts replaced in order: a new string or array, the untouched parts shared. */
export function withTexts(content: unknown, texts: string[]): unknown {
  if (typeof content === 'string') return texts[0];
  if (!Array.isArray(content)) return content;
  let k = 0;
  return content.map((part) => {
    if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') return part;
    const text = texts[k++]!;
    return text === part.text ? part : { ...part, text };
  });
}

function userText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p) => isRecord(p) && p.type === 'text' && typeof p.text === 'string')
    .map((p) => (p as { text: string }).text)
    .join('\n');
}

/** What the user last wrote in words (not tool results): the request the outputs are relevant to. */
export function latestUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'user') continue;
    const text = userText(m.content).trim();
    if (text) return text;
  }
  return '';
}
