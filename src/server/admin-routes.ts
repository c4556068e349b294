// The gateway's own endpoints: /health (open), the rest behind the admin token when one is set.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pkg from '../../package.json' with { type: 'json' };
import type { Clock } from '../time/clock.ts';

export interface AdminRouteDeps {
  clock: Clock;
  startedAt: number;
  upstreamNames: readonly string[];
  /** Hands requests that name a REST host (not this gateway) to the proxy. */
  isForeignHost(request: FastifyRequest): boolean;
  proxy(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export const version: string = pkg.version;

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  app.get('/health', async (request, reply) => {
    if (deps.isForeignHost(request)) return deps.proxy(request, reply);
    return {
      status: 'ok',
      version,
      uptime_s: Math.round((deps.clock.monotonic() - deps.startedAt) / 1000),
      upstreams: deps.upstreamNames,
    };
  });
}
