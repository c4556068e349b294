// Which requests the cache answers and which answers it keeps, and what the client's own
// `Cache-Control` asks for: `no-store` (neither look nor keep), `no-cache` (keep, do not look),
// `max-age=N` (nothing older, and kept no longer).
import type { RequestContext } from '../pipeline/context.ts';

/** LLM API calls worth keeping: the same question gets the same answer's bytes back. */
const CACHEABLE_POSTS = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/messages',
]);

export function isCacheable(ctx: RequestContext): boolean {
  const method = ctx.req.method;
  if (method === 'GET') return ctx.target !== undefined;
  return method === 'POST' && ctx.kind === 'api' && ctx.json !== undefined && CACHEABLE_POSTS.has(ctx.path);
}

export interface CacheDirectives {
  lookup: boolean;
  store: boolean;
  /** The oldest answer the client takes, and the longest it may be kept (ms); undefined: the TTL. */
  maxAgeMs: number | undefined;
}

const DEFAULT: CacheDirectives = { lookup: true, store: true, maxAgeMs: undefined };

export function directivesOf(header: string | undefined): CacheDirectives {
  if (header === undefined || header === '') return DEFAULT;
  let lookup = true;
  let store = true;
  let maxAgeMs: number | undefined;
  for (const part of header.toLowerCase().split(',')) {
    const directive = part.trim();
    if (directive === 'no-store') {
      lookup = false;
      store = false;
    } else if (directive === 'no-cache') lookup = false;
    else if (directive.startsWith('max-age=')) {
      const seconds = Number(directive.slice(8));
      if (Number.isInteger(seconds) && seconds >= 0) maxAgeMs = seconds * 1000;
    }
  }
  return { lookup, store, maxAgeMs };
}

/** The upstream said the answer is not to be kept, or that it depends on more than the request. */
export function upstreamForbidsStoring(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): boolean {
  if (headers['set-cookie'] !== undefined) return true;
  // A header sent more than once arrives as an array: every value counts.
  const control = joined(headers['cache-control']);
  if (control !== undefined && /no-store|private/i.test(control)) return true;
  const vary = joined(headers.vary);
  return vary?.split(',').some((v) => v.trim().toLowerCase() !== 'accept-encoding') === true;
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
