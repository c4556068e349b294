// The gateway's own endpoints: /, /health and /dashboard open, the rest behind the admin token if set.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pkg from '../../package.json' with { type: 'json' };
import type { ResponseCache } from '../cache/response-cache.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { renderError } from '../errors/render.ts';
import type { Logger } from '../log/logger.ts';
import type { GatewayMetrics } from '../observe/metrics.ts';
import type { GatewayStats } from '../observe/stats.ts';
import type { Traffic } from '../observe/traffic.ts';
import type { PeriodCalendar } from '../spend/budget-period.ts';
import type { StateStore } from '../store/state-store.ts';
import type { Clock } from '../time/clock.ts';
import { createAdminGuard } from './admin-guard.ts';
import { registerCacheRoute } from './cache-route.ts';
import { registerDashboardRoutes } from './dashboard-routes.ts';
import type { OriginPolicy } from './origin-policy.ts';
import { registerSpendRoute } from './spend-route.ts';

export interface AdminRouteDeps {
  clock: Clock;
  logger: Logger;
  startedAt: number;
  upstreamNames: () => readonly string[];
  adminToken: string | undefined;
  origins: OriginPolicy;
  stats(): GatewayStats;
  traffic: Traffic;
  metrics: GatewayMetrics;
  store: StateStore;
  calendar: () => PeriodCalendar;
  cache: ResponseCache;
}

export const version: string = pkg.version;

/** Paths the gateway answers itself (on its own host names); everything else is proxied. */
export const ADMIN_PATHS: ReadonlySet<string> = new Set([
  '/',
  '/health',
  '/stats',
  '/stats/recent',
  '/metrics',
  '/spend',
  '/cache',
  '/dashboard',
]);

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  // Every admin answer says who made it, like proxied ones; a web page from elsewhere gets nothing.
  app.addHook('onRequest', async (request, reply) => {
    reply
      .header('x-request-id', request.id)
      .header('x-cooldown-request-id', request.id)
      .header('x-proxy', 'cooldown');
    const cors = deps.origins.check(request.raw);
    for (let i = 0; cors && i < cors.length; i += 2) reply.header(cors[i]!, cors[i + 1]!);
  });
  // Admin errors look like every other gateway error.
  app.setNotFoundHandler((request, reply) => {
    const err = new GatewayError(
      'route_not_found',
      `No ${request.method} ${request.url.split('?')[0]} on this gateway.`,
    );
    const { status, headers, body } = renderError(err, 'openai');
    reply.code(status).headers(headers).send(body);
  });
  app.setErrorHandler((error, _request, reply) => {
    const err =
      error instanceof GatewayError
        ? error
        : new GatewayError('internal', 'The admin endpoint failed.', { cause: error });
    const { status, headers, body } = renderError(err, 'openai');
    reply.code(status).headers(headers).send(body);
  });
  // Clients probe the base URL before they start (Claude Code sends `HEAD /`): say it is up.
  app.get('/', async () => ({ name: 'cooldown', version, status: 'ok' }));
  registerDashboardRoutes(app);
  const guard = createAdminGuard(deps.adminToken, deps.clock, deps.logger);
  // Open to anyone: whether it is up. What it fronts is for those who may see admin data.
  app.get('/health', async (request) => ({
    status: 'ok',
    version,
    uptime_s: Math.round((deps.clock.monotonic() - deps.startedAt) / 1000),
    ...(guard.allows(request.headers.authorization) ? { upstreams: deps.upstreamNames() } : {}),
  }));

  const adminOnly = async (request: FastifyRequest) => {
    guard.check(request.headers.authorization, request.ip, request.url.split('?')[0]!);
  };
  app.get('/stats', { onRequest: adminOnly }, async () => deps.stats());
  // The dashboard's live view: the last requests and the last minutes second by second.
  app.get('/stats/recent', { onRequest: adminOnly }, async () => ({
    requests: deps.traffic.recent.list(),
    series: deps.traffic.series.last(deps.clock.now()),
  }));
  app.get('/metrics', { onRequest: adminOnly }, async (_request, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.text();
  });
  registerSpendRoute(app, { store: deps.store, calendar: deps.calendar, clock: deps.clock, adminOnly });
  registerCacheRoute(app, { cache: deps.cache, adminOnly });
}
