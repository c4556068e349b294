// Anthropic prompt caching for clients that do not ask for it: breakpoints at the end of the stable
// prefix (tools, system, every message but the last), so the next turn of the agent reads that
// prefix from the provider's cache. Opt-in, and never when the client placed breakpoints itself.
import { estimateInputTokens } from '../dialects/wire/estimate.ts';
import { isRecord } from '../dialects/wire/json-peek.ts';
import { minCacheTokens } from './cache-minimums.ts';

const EPHEMERAL = { type: 'ephemeral' } as const;
/** Anthropic accepts at most this many breakpoints in one request. */
export const MAX_BREAKPOINTS = 4;
/** Blocks Anthropic refuses a cache_control on. */
const NOT_CACHEABLE = new Set(['thinking', 'redacted_thinking']);

export interface Breakpoints {
  body: Record<string, unknown>;
  breakpoints: number;
}

/** True when any object under `value` has a cache_control (the client manages caching itself). */
export function hasCacheControl(value: unknown, depth = 0): boolean {
  if (depth > 10 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasCacheControl(v, depth + 1));
  if ('cache_control' in value) return true;
  for (const v of Object.values(value))
    if (typeof v === 'object' && hasCacheControl(v, depth + 1)) return true;
  return false;
}

function cacheable(block: unknown): block is Record<string, unknown> {
  if (!isRecord(block) || typeof block.type !== 'string' || NOT_CACHEABLE.has(block.type)) return false;
  return block.type !== 'text' || (typeof block.text === 'string' && block.text.length > 0);
}

/** Content (string or blocks) with a breakpoint on its last cacheable block, or undefined if none. */
function markLast(content: unknown): unknown[] | undefined {
  if (typeof content === 'string') {
    return content ? [{ type: 'text', text: content, cache_control: EPHEMERAL }] : undefined;
  }
  if (!Array.isArray(content)) return undefined;
  for (let i = content.length - 1; i >= 0; i--) {
    const block = content[i];
    if (!cacheable(block)) continue;
    const marked = [...content];
    marked[i] = { ...block, cache_control: EPHEMERAL };
    return marked;
  }
  return undefined;
}

/** The body with breakpoints added, or undefined when it has its own or its prefix is too small. */
export function addCacheBreakpoints(body: Record<string, unknown>): Breakpoints | undefined {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (hasCacheControl(body)) return undefined;
  const prefix = { tools: body.tools, system: body.system, messages: messages.slice(0, -1) };
  if (estimateInputTokens(prefix) < minCacheTokens(body.model)) return undefined;
  const out: Record<string, unknown> = { ...body };
  let breakpoints = 0;
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    const tools = [...body.tools];
    const last = tools[tools.length - 1];
    if (isRecord(last)) {
      tools[tools.length - 1] = { ...last, cache_control: EPHEMERAL };
      out.tools = tools;
      breakpoints++;
    }
  }
  const system = markLast(body.system);
  if (system) {
    out.system = system;
    breakpoints++;
  }
  const second = messages.length - 2;
  const message = messages[second];
  if (second >= 0 && isRecord(message) && breakpoints < MAX_BREAKPOINTS) {
    const content = markLast(message.content);
    if (content) {
      const copy = [...messages];
      copy[second] = { ...message, content };
      out.messages = copy;
      breakpoints++;
    }
  }
  return breakpoints > 0 ? { body: out, breakpoints } : undefined;
}
