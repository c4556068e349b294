// DELETE /cache[?model=&upstream=]: empties the response cache, or the part of it one model (the
// client's model name) or one upstream answered. Admin only.
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AnswerFilter } from '../cache/answer-store.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import { GatewayError } from '../errors/gateway-error.ts';

export interface CacheRouteDeps {
  cache: ResponseCache;
  adminOnly: onRequestHookHandler;
}

function name(value: unknown, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= 256) return value;
  throw new GatewayError('invalid_request', `${param} must be one name (1 to 256 characters).`, { param });
}

export function registerCacheRoute(app: FastifyInstance, deps: CacheRouteDeps): void {
  app.delete('/cache', { onRequest: deps.adminOnly }, async (request: FastifyRequest) => {
    const q = request.query as Record<string, unknown>;
    const filter: AnswerFilter = {};
    const model = name(q.model, 'model');
    const upstream = name(q.upstream, 'upstream');
    if (model !== undefined) filter.model = model;
    if (upstream !== undefined) filter.upstream = upstream;
    const cleared = await deps.cache.clear(filter);
    return { cleared, entries: deps.cache.store.entries };
  });
}
