// The HTTP server. Proxied requests go straight from node:http to the stages (the hot path stays
// free of framework work); the gateway's own endpoints are fastify routes with its lifecycle.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ResponseCache } from '../cache/response-cache.ts';
import type { Logger } from '../log/logger.ts';
import type { GatewayMetrics } from '../observe/metrics.ts';
import type { GatewayStats } from '../observe/stats.ts';
import type { Traffic } from '../observe/traffic.ts';
import { hostName, isOwnHost } from '../routing/host-name.ts';
import type { HostRouter } from '../routing/host-routes.ts';
import type { PeriodCalendar } from '../spend/budget-period.ts';
import type { StateStore } from '../store/state-store.ts';
import type { Clock } from '../time/clock.ts';
import { ADMIN_PATHS, registerAdminRoutes } from './admin-routes.ts';
import type { OriginPolicy } from './origin-policy.ts';
import type { ProxyHandler } from './proxy-handler.ts';
import { createRequestIds } from './request-id.ts';

export interface AppDeps {
  clock: Clock;
  logger: Logger;
  proxy: ProxyHandler;
  hostRouter: HostRouter;
  /** Names the gateway itself is reached by (besides loopback, IPs and single-label names). */
  ownNames: ReadonlySet<string>;
  origins: OriginPolicy;
  /** Read per request: a config reload changes them. */
  upstreamNames: () => readonly string[];
  trustProxy: boolean | string;
  adminToken: string | undefined;
  maxConnections: number;
  /** What a client is allowed for sending its request: its head, and the whole of it. */
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  /** Monotonic ms when the gateway started. */
  startedAt: number;
  stats(): GatewayStats;
  traffic: Traffic;
  metrics: GatewayMetrics;
  store: StateStore;
  calendar: () => PeriodCalendar;
  cache: ResponseCache;
}

function adminPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return ADMIN_PATHS.has(path) || path.startsWith('/dashboard/');
}

export function createApp(deps: AppDeps): FastifyInstance {
  const requestId = createRequestIds();
  // The gateway's own endpoints answer only on its own names: an admin path on a REST host's name
  // belongs to that host, and on any other name it is refused (DNS rebinding gets nothing).
  const isAdmin = (req: IncomingMessage) => {
    if (!adminPath(req.url ?? '/')) return false;
    const host = hostName(req.headers.host);
    return deps.hostRouter.match(host) === undefined && isOwnHost(host, deps.ownNames);
  };
  const app = Fastify({
    logger: false,
    genReqId: requestId,
    trustProxy: deps.trustProxy,
    forceCloseConnections: 'idle',
    serverFactory(fastifyHandler) {
      const handle = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => {
        if (deps.origins.preflight(req, res)) return;
        if (isAdmin(req)) {
          if (expectContinue) res.writeContinue();
          fastifyHandler(req, res);
        } else void deps.proxy(requestId(req), req, res, expectContinue);
      };
      const headersMs = Math.min(deps.timeouts.headersMs, deps.timeouts.requestMs);
      // Node looks for connections past these timeouts every so often (30 s by default): often
      // enough that a bound of seconds holds.
      const server = createServer(
        { connectionsCheckingInterval: Math.min(5000, Math.max(50, Math.floor(headersMs / 2))) },
        (req, res) => handle(req, res, false),
      );
      // With a listener, Node leaves `100 Continue` to us: sent only once a body is wanted.
      server.on('checkContinue', (req, res) => handle(req, res, true));
      // Longer than common client pools' idle time (65 s), so clients don't race a server-side close.
      server.keepAliveTimeout = deps.timeouts.keepAliveMs;
      // A client that sends its head or its request slowly (or never) is cut off, not waited for.
      server.requestTimeout = deps.timeouts.requestMs;
      server.headersTimeout = headersMs;
      server.maxConnections = deps.maxConnections;
      return server;
    },
  });
  registerAdminRoutes(app, {
    clock: deps.clock,
    logger: deps.logger,
    startedAt: deps.startedAt,
    upstreamNames: deps.upstreamNames,
    adminToken: deps.adminToken,
    origins: deps.origins,
    stats: deps.stats,
    traffic: deps.traffic,
    metrics: deps.metrics,
    store: deps.store,
    calendar: deps.calendar,
    cache: deps.cache,
  });
  return app;
}
