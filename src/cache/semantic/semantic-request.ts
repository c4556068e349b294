// What of a chat request the semantic cache compares: the last user message's text by meaning, and
// everything else by exact digest (the scope), so a stored answer is only offered to a request that
// differs in the wording of its final question and in nothing that could change the answer.
import { createHash } from 'node:crypto';

/** The parts of an eligible request: the digest its match must share, and the text to embed. */
export interface SemanticParts {
  /** SHA-256 hex of everything but the last user text and fields that do not shape the answer. */
  scope: string;
  /** The last user message's text parts, joined with "\n". */
  text: string;
}

const OPENAI_CHAT = '/v1/chat/completions';
const ANTHROPIC_MESSAGES = '/v1/messages';

/** Top-level fields that change how the answer is delivered or billed, not what it says. */
const DELIVERY_FIELDS = new Set(['messages', 'stream', 'stream_options', 'user', 'metadata']);

/** Anthropic's prompt-caching markers, stripped at any depth: they change the price, not the answer. */
const CACHE_MARKER = 'cache_control';

/** Deeper than any real request; a body nested past it is not compared rather than risk the stack. */
const MAX_DEPTH = 64;

/**
 * The scope and text of a chat request (`/v1/chat/completions` or `/v1/messages`), or undefined
 * when it may not be answered by a similar one: another path; sampling (temperature not exactly 0,
 * or missing, since providers then sample; unless `anyTemperature`); several choices (`n` not 1);
 * a last message that is not the user's, or holds anything but text (images, tool results), or no
 * text at all.
 */
export function semanticPartsOf(
  path: string,
  json: Record<string, unknown>,
  anyTemperature: boolean,
): SemanticParts | undefined {
  const route = path.split('?', 1)[0];
  if (route !== OPENAI_CHAT && route !== ANTHROPIC_MESSAGES) return undefined;
  if (!anyTemperature && json.temperature !== 0) return undefined;
  if (json.n != null && json.n !== 1) return undefined;
  const messages = json.messages;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  const last: unknown = messages[messages.length - 1];
  if (!isObject(last) || last.role !== 'user') return undefined;
  const text = textOf(last.content);
  if (text === undefined || text.trim() === '') return undefined;

  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(json)) if (!DELIVERY_FIELDS.has(field)) rest[field] = value;
  const { content: _text, ...lastWithoutText } = last;
  // The path keeps the two dialects apart; the last message's other fields (a name) still count.
  const canonical = canonicalJson(
    { path: route, request: rest, earlier: messages.slice(0, -1), last: lastWithoutText },
    0,
  );
  if (canonical === undefined) return undefined;
  return { scope: createHash('sha256').update(canonical).digest('hex'), text };
}

/** A message's content as text: a string, or text blocks only (OpenAI parts and Anthropic blocks alike). */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const parts: string[] = [];
  for (const block of content) {
    if (!isObject(block) || block.type !== 'text' || typeof block.text !== 'string') return undefined;
    parts.push(block.text);
  }
  return parts.join('\n');
}

/** JSON with object keys sorted at every depth and cache markers left out; undefined when too deep. */
function canonicalJson(value: unknown, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value) {
      const json = canonicalJson(item, depth + 1);
      if (json === undefined) return undefined;
      items.push(json);
    }
    return `[${items.join(',')}]`;
  }
  if (isObject(value)) {
    const fields: string[] = [];
    for (const key of Object.keys(value).sort()) {
      if (key === CACHE_MARKER || value[key] === undefined) continue;
      const json = canonicalJson(value[key], depth + 1);
      if (json === undefined) return undefined;
      fields.push(`${JSON.stringify(key)}:${json}`);
    }
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
