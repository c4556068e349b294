// Deterministic reply text, its split into stream pieces, ids, and the token arithmetic the mock bills with.
import { randomBytes } from 'node:crypto';

export const DEFAULT_REPLY = 'Hello from the mock upstream.';

/** One answer as every wire format renders it. */
export interface Reply {
  text: string;
  /** `text` split over the stream's content chunks (they concatenate to `text`). */
  pieces: string[];
  outputTokens: number;
  /** The output bound cut the text short (finish_reason 'length', stop_reason 'max_tokens'). */
  truncated: boolean;
}

/** Everything a generation endpoint needs to render its answer. */
export interface Generation {
  id: string;
  model: string;
  /** Unix seconds from the mock's clock. */
  created: number;
  inputTokens: number;
  reply: Reply;
  /** Anthropic: input tokens read from and written to the prompt cache (part of inputTokens here). */
  cache?: { read: number; write: number };
}

// Providers estimate input by characters before tokenizing; a quarter is the usual rule of thumb.
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Characters of text in a message `content`: a string or an array of parts carrying `text`. */
export function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const part of content) {
    if (typeof part === 'string') chars += part.length;
    else if (isRecord(part)) {
      if (typeof part.text === 'string') chars += part.text.length;
      else if (part.content !== undefined) chars += contentChars(part.content);
    }
  }
  return chars;
}

/** Characters of text over a `messages`/`input` array of `{content}` items (or a plain string). */
export function messagesChars(messages: unknown): number {
  if (typeof messages === 'string') return messages.length;
  if (!Array.isArray(messages)) return 0;
  let chars = 0;
  for (const message of messages) {
    if (typeof message === 'string') chars += message.length;
    else if (isRecord(message)) chars += contentChars(message.content);
  }
  return chars;
}

/** The first output bound the body sets, among the dialect's field names. */
export function outputBound(body: Record<string, unknown>, fields: readonly string[]): number | undefined {
  for (const field of fields) {
    const value = body[field];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  }
  return undefined;
}

const replyCache = new Map<string, Reply>();
const REPLY_CACHE_LIMIT = 512;

/**
 * The answer for `chunks` stream pieces under an output bound. Streams with more chunks than the base
 * text has words repeat the text so every piece carries content.
 */
export function composeReply(base: string, chunks: number, bound: number | undefined): Reply {
  const cacheKey = `${chunks}|${bound ?? ''}|${base}`;
  const cached = replyCache.get(cacheKey);
  if (cached) return cached;
  const words = Math.max(1, base.split(' ').length);
  const repeats = Math.max(1, Math.ceil(chunks / words));
  let text = repeats === 1 ? base : Array.from({ length: repeats }, () => base).join(' ');
  let truncated = false;
  if (bound !== undefined && estimateTokens(text.length) > bound) {
    text = text.slice(0, bound * 4);
    truncated = true;
  }
  const count = Math.max(1, chunks);
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) {
    pieces.push(
      text.slice(Math.floor((i * text.length) / count), Math.floor(((i + 1) * text.length) / count)),
    );
  }
  const reply = { text, pieces, outputTokens: estimateTokens(text.length), truncated };
  if (replyCache.size >= REPLY_CACHE_LIMIT) replyCache.clear();
  replyCache.set(cacheKey, reply);
  return reply;
}

// Unique per process without a crypto call per request: random prefix plus a counter.
const idPrefix = randomBytes(6).toString('hex');
let idCounter = 0;

export function newId(prefix: string): string {
  idCounter++;
  return `${prefix}${idPrefix}${idCounter.toString(36).padStart(8, '0')}`;
}
