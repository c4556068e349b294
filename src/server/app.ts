// The HTTP server: fastify with bodies left unread (stages read them), admin routes, a catch-all proxy.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hostName } from '../routing/host-name.ts';
import type { HostRouter } from '../routing/host-routes.ts';
import type { Clock } from '../time/clock.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import type { ProxyHandler } from './proxy-handler.ts';
import { createRequestIds } from './request-id.ts';

export interface AppDeps {
  clock: Clock;
  proxy: ProxyHandler;
  hostRouter: HostRouter;
  upstreamNames: readonly string[];
  trustProxy: boolean | string;
}

export function createApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    genReqId: createRequestIds(),
    trustProxy: deps.trustProxy,
    // Fastify answers 503 to requests that arrive while it drains for shutdown.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Longer than common client pools' idle time, so clients don't race a server-side close.
    keepAliveTimeout: 65_000,
  });
  // Bodies stay unread here: API stages read JSON with their own bound, REST bodies stream through.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  const proxy = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.hijack();
    await deps.proxy(request.id, request.raw, reply.raw);
  };
  registerAdminRoutes(app, {
    clock: deps.clock,
    startedAt: deps.clock.monotonic(),
    upstreamNames: deps.upstreamNames,
    isForeignHost: (request) => deps.hostRouter.match(hostName(request.headers.host)) !== undefined,
    proxy,
  });
  app.all('/', proxy);
  app.all('/*', proxy);
  return app;
}
