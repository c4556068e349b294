// Anthropic's prompt cache as the mock plays it: each `cache_control` breakpoint marks the prefix
// up to and including its block (tools, then system, then messages). A prefix the same API key
// sent within five minutes is read from the cache; the longest new one is written. Prefixes under
// the minimum cacheable size are not cached at all, as the real API silently does.
import { createHash, type Hash } from 'node:crypto';
import { contentChars, estimateTokens, isRecord } from './mock-content.ts';

export interface PromptCacheUsage {
  /** Input tokens read from the cache, and written to it. */
  read: number;
  write: number;
}

const TTL_MS = 5 * 60_000;
/** The smallest prefix the API caches (most models), in tokens. */
const MIN_TOKENS = 1024;
/** Prefixes remembered at most; the oldest go first. */
const MAX_PREFIXES = 10_000;

interface Breakpoint {
  digest: string;
  tokens: number;
}

const withoutMarker = (key: string, value: unknown) => (key === 'cache_control' ? undefined : value);

export class MockPromptCache {
  /** Prefix digest (scoped by key) -> when it stops being served. */
  readonly #prefixes = new Map<string, number>();

  account(body: Record<string, unknown>, key: string, now: number): PromptCacheUsage {
    const points = breakpoints(body, key).filter((p) => p.tokens >= MIN_TOKENS);
    let read = 0;
    for (const p of points) {
      const until = this.#prefixes.get(p.digest);
      if (until !== undefined && until > now) read = Math.max(read, p.tokens);
    }
    const longest = points.at(-1);
    const write = longest && longest.tokens > read ? longest.tokens - read : 0;
    for (const p of points) {
      this.#prefixes.delete(p.digest);
      this.#prefixes.set(p.digest, now + TTL_MS);
    }
    while (this.#prefixes.size > MAX_PREFIXES) this.#prefixes.delete(this.#prefixes.keys().next().value!);
    return { read, write };
  }
}

function breakpoints(body: Record<string, unknown>, key: string): Breakpoint[] {
  const hash = createHash('sha256').update(key);
  const found: Breakpoint[] = [];
  let chars = 0;
  const visit = (block: unknown, text: number) => {
    hash.update(JSON.stringify(block, withoutMarker) ?? '');
    chars += text;
    if (isRecord(block) && block.cache_control !== undefined) found.push(mark(hash, chars));
  };
  if (Array.isArray(body.tools)) for (const tool of body.tools) visit(tool, JSON.stringify(tool).length);
  if (typeof body.system === 'string') visit(body.system, body.system.length);
  else if (Array.isArray(body.system)) for (const block of body.system) visit(block, contentChars([block]));
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (!isRecord(message)) continue;
      hash.update(String(message.role));
      if (typeof message.content === 'string') visit(message.content, message.content.length);
      else if (Array.isArray(message.content))
        for (const block of message.content) visit(block, contentChars([block]));
    }
  }
  return found;
}

function mark(hash: Hash, chars: number): Breakpoint {
  return { digest: hash.copy().digest('hex'), tokens: estimateTokens(chars) };
}
