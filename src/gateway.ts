// Builds the gateway from its config: every dependency is made here and handed down. Nothing global.
import type { FastifyInstance } from 'fastify';
import { hasAmbientProxy } from './config/env.ts';
import type { Env } from './config/expand.ts';
import type { Config } from './config/load.ts';
import { createLogOutput, type Logger, type LogOutput } from './log/logger.ts';
import { createRequestLog } from './observe/request-log.ts';
import { collectStats } from './observe/stats.ts';
import { createForwardStage } from './pipeline/forward.ts';
import { createHostStage } from './pipeline/host.ts';
import { createParseStage } from './pipeline/parse.ts';
import { createRouteStage } from './pipeline/route.ts';
import { createScheduleStage } from './pipeline/schedule.ts';
import { orderStages } from './pipeline/stages.ts';
import { createHostRouter } from './routing/host-routes.ts';
import { createModelRouter } from './routing/model-routes.ts';
import { createApp } from './server/app.ts';
import { createOriginPolicy } from './server/origin-policy.ts';
import { createProxyHandler } from './server/proxy-handler.ts';
import { type Clock, systemClock } from './time/clock.ts';
import { createUpstreamSet, type Upstream } from './upstreams/upstream.ts';

export interface GatewayDeps {
  config: Config;
  clock?: Clock;
  log?: LogOutput;
  env?: Env;
  /** Numbers in [0, 1) for backoff jitter (tests make it predictable). */
  random?: () => number;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly logger: Logger;
  readonly log: LogOutput;
  /** Starts listening; resolves to the base URL (`http://127.0.0.1:8787`). */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish within `server.shutdown_grace`, closes pools. */
  close(): Promise<void>;
}

function firstByDialect(upstreams: Iterable<Upstream>, family: 'openai' | 'anthropic'): Upstream | undefined {
  for (const u of upstreams) if (u.dialect.family === family) return u;
  return undefined;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogOutput({ level: config.log.level, file: config.log.file });
  const logger = log.logger;
  const upstreams = createUpstreamSet(config, {
    ambientProxy: hasAmbientProxy(deps.env ?? process.env),
    clock,
  });
  const hostRouter = createHostRouter(config.routes.hosts);
  const named = config.routes.default !== undefined ? upstreams.byName.get(config.routes.default) : undefined;
  const ownNames = new Set([config.server.host.toLowerCase(), ...config.server.hostnames]);
  const origins = createOriginPolicy(config.server.allowed_origins);
  const stages = orderStages({
    host: createHostStage({ hostRouter, ownNames }),
    parse: createParseStage({ maxBody: config.server.max_body }),
    route: createRouteStage({
      upstreams,
      modelRouter: createModelRouter(config.routes.models, [...upstreams.byName.keys()]),
      defaults: {
        openai:
          named ?? upstreams.byName.get('openai') ?? firstByDialect(upstreams.byName.values(), 'openai'),
        anthropic:
          named ??
          upstreams.byName.get('anthropic') ??
          firstByDialect(upstreams.byName.values(), 'anthropic'),
      },
    }),
    schedule: createScheduleStage({ shaping: config.rate_limit.enabled }),
    forward: createForwardStage({
      maxBody: config.server.max_body,
      clock,
      logger,
      upstreams: upstreams.byName,
      random: deps.random ?? Math.random,
    }),
  });
  let closing = false;
  const proxy = createProxyHandler({
    stages,
    clock,
    logger,
    requestLog:
      config.log.requests && logger.isLevelEnabled('info') ? createRequestLog(log.writeLine) : undefined,
    // While draining, a keep-alive connection whose last response just ended is closed at once,
    // so shutdown waits for in-flight work only, not for clients' idle pools.
    onResponseClosed: () => {
      if (closing) setImmediate(() => app.server.closeIdleConnections());
    },
    origins,
  });
  const app = createApp({
    clock,
    proxy,
    hostRouter,
    ownNames,
    origins,
    upstreamNames: [...upstreams.byName.keys()],
    trustProxy: config.server.trust_proxy,
    adminToken: config.server.admin_token,
    maxConnections: config.server.max_connections,
    stats: () => collectStats(upstreams, config.rate_limit.enabled),
  });

  return {
    app,
    config,
    logger,
    log,
    async listen() {
      await app.listen({ host: config.server.host, port: config.server.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
      return `http://${host}:${port}`;
    },
    async close() {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          // Past the grace period: cut what is left rather than hang the shutdown.
          app.server.closeAllConnections();
          resolve();
        }, config.server.shutdown_grace);
        timer.unref();
      });
      await Promise.race([app.close(), grace]);
      clearTimeout(timer);
      await upstreams.close();
      log.flush();
    },
  };
}
