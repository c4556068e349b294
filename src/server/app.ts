// The HTTP server. Proxied requests go straight from node:http to the stages (the hot path stays
// free of framework work); the gateway's own endpoints are fastify routes with its lifecycle.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GatewayStats } from '../observe/stats.ts';
import { hostName } from '../routing/host-name.ts';
import type { HostRouter } from '../routing/host-routes.ts';
import type { Clock } from '../time/clock.ts';
import { ADMIN_PATHS, registerAdminRoutes } from './admin-routes.ts';
import type { ProxyHandler } from './proxy-handler.ts';
import { createRequestIds } from './request-id.ts';

export interface AppDeps {
  clock: Clock;
  proxy: ProxyHandler;
  hostRouter: HostRouter;
  upstreamNames: readonly string[];
  trustProxy: boolean | string;
  adminToken: string | undefined;
  stats(): GatewayStats;
}

function adminPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return ADMIN_PATHS.has(path) || path.startsWith('/dashboard/');
}

export function createApp(deps: AppDeps): FastifyInstance {
  const requestId = createRequestIds();
  // Admin paths on a REST host's name belong to that host (`Host: api.github.com` + `/health`).
  const isAdmin = (req: IncomingMessage) =>
    adminPath(req.url ?? '/') && deps.hostRouter.match(hostName(req.headers.host)) === undefined;
  const app = Fastify({
    logger: false,
    genReqId: requestId,
    trustProxy: deps.trustProxy,
    forceCloseConnections: 'idle',
    serverFactory(fastifyHandler) {
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        if (isAdmin(req)) fastifyHandler(req, res);
        else void deps.proxy(requestId(req), req, res);
      });
      // Longer than common client pools' idle time, so clients don't race a server-side close.
      server.keepAliveTimeout = 65_000;
      return server;
    },
  });
  registerAdminRoutes(app, {
    clock: deps.clock,
    startedAt: deps.clock.monotonic(),
    upstreamNames: deps.upstreamNames,
    adminToken: deps.adminToken,
    stats: deps.stats,
  });
  return app;
}
