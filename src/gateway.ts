// Builds the gateway from its config: every dependency is made here and handed down. Nothing global.
import type { FastifyInstance } from 'fastify';
import { openAnswerStore } from './cache/open-answer-store.ts';
import { ResponseCache } from './cache/response-cache.ts';
import { Embedder } from './cache/semantic/embedder.ts';
import { SemanticIndex } from './cache/semantic/semantic-index.ts';
import { SemanticLookup } from './cache/semantic/semantic-lookup.ts';
import { ClientTally } from './clients/client-tally.ts';
import { createIdentify } from './clients/identity.ts';
import { hasAmbientProxy } from './config/env.ts';
import type { Env } from './config/expand.ts';
import type { Config } from './config/load.ts';
import { createLogOutput, type Logger, type LogOutput } from './log/logger.ts';
import { GatewayMetrics } from './observe/metrics.ts';
import { createRequestLog, type RequestEnded } from './observe/request-log.ts';
import { collectStats } from './observe/stats.ts';
import { Traffic } from './observe/traffic.ts';
import type { OptimizeOptions } from './optimize/optimize-request.ts';
import { OptimizeTally } from './optimize/optimize-tally.ts';
import { BodySilence } from './pipeline/body/idle-guard.ts';
import { createCacheStage } from './pipeline/cache.ts';
import { createForwardStage } from './pipeline/forward.ts';
import { createGuardStage } from './pipeline/guard.ts';
import { createHostStage } from './pipeline/host.ts';
import { createIdentifyStage } from './pipeline/identify.ts';
import { createModelListStage } from './pipeline/model-list.ts';
import { createOptimizeStage } from './pipeline/optimize.ts';
import { createParseStage } from './pipeline/parse.ts';
import { createRouteStage } from './pipeline/route.ts';
import { createScheduleStage } from './pipeline/schedule.ts';
import { orderStages } from './pipeline/stages.ts';
import { defaultUpstreams } from './routing/default-upstream.ts';
import { createHostRouter, type HostRouter } from './routing/host-routes.ts';
import { createModelRouter } from './routing/model-routes.ts';
import { createApp } from './server/app.ts';
import { createOriginPolicy } from './server/origin-policy.ts';
import { createProxyHandler, type RunningPipeline } from './server/proxy-handler.ts';
import { BudgetBook, budgetRules } from './spend/budget-book.ts';
import { PeriodCalendar } from './spend/budget-period.ts';
import { PriceBook } from './spend/price-book.ts';
import { priceRequest } from './spend/request-cost.ts';
import { createSpendSettler, type SettleSpend } from './spend/spend-settler.ts';
import { openRedis } from './store/open-redis.ts';
import { openStore } from './store/open-store.ts';
import type { RedisConnection } from './store/redis-connection.ts';
import { SharedCounters } from './store/shared-counters.ts';
import { NOT_SHARED, openSharedState, type SharedState } from './store/shared-state.ts';
import type { StateStore } from './store/state-store.ts';
import { type Clock, systemClock } from './time/clock.ts';
import { createUpstreamSet, type UpstreamSet } from './upstreams/upstream.ts';

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
  /** The connection to Redis when the config keeps state there (`cache.store: redis`). */
  readonly redis: RedisConnection | undefined;
  /** Starts listening; resolves to the base URL (`http://127.0.0.1:8787`). */
  listen(): Promise<string>;
  /**
   * Swaps in a new config (keys, limits, routes, breakers) for new requests; in-flight ones finish
   * on the old upstreams. Server socket settings change only on a restart (logged).
   */
  reload(config: Config): void;
  /** Stops accepting, lets in-flight requests finish within `server.shutdown_grace`, closes pools. */
  close(): Promise<void>;
}

/** Listening on loopback only: the clients are this machine's. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** What a config reload replaces: the upstreams (keys, limits, breakers) and the stages using them. */
interface Pipeline extends RunningPipeline {
  readonly config: Config;
  readonly upstreams: UpstreamSet;
  readonly hostRouter: HostRouter;
  readonly prices: PriceBook;
  readonly budgets: BudgetBook;
}

function buildPipeline(
  config: Config,
  deps: GatewayDeps,
  clock: Clock,
  logger: Logger,
  store: StateStore,
  settleSpend: SettleSpend,
  cache: ResponseCache,
  optimized: OptimizeTally,
  shared: SharedState | undefined,
  previous?: Pipeline,
): Pipeline {
  const prices = new PriceBook(config.pricing, logger);
  const budgets = new BudgetBook(
    budgetRules(config.budgets, config.clients.keys),
    new PeriodCalendar(config.budgets_timezone),
  );
  const upstreams = createUpstreamSet(config, {
    ambientProxy: hasAmbientProxy(deps.env ?? process.env),
    clock,
    shaping: config.rate_limit.enabled,
    previous: previous?.upstreams,
    sharedBudgets: shared?.budgets,
    sharedBreakers: shared?.breakers,
  });
  const hostRouter = createHostRouter(config.routes.hosts);
  const silence = new BodySilence(config.server.body_idle_timeout, clock);
  const ownNames = new Set([config.server.host.toLowerCase(), ...config.server.hostnames]);
  const modelRouter = createModelRouter(config.routes.models, [...upstreams.byName.keys()]);
  const stages = orderStages({
    host: createHostStage({ hostRouter, ownNames }),
    // The server's trust_proxy, as it started: like fastify's, it changes only on a restart.
    identify: createIdentifyStage(createIdentify(config.clients, deps.config.server.trust_proxy)),
    parse: createParseStage({ maxBody: config.server.max_body, silence }),
    models: createModelListStage({ config, upstreams, modelRouter, clock, logger }),
    route: createRouteStage({ upstreams, modelRouter, defaults: defaultUpstreams(config) }),
    cache: createCacheStage({
      enabled: config.cache.enabled,
      cache,
      ttlMs: config.cache.ttl,
      coalesceWaitMs: config.cache.coalesce_wait,
      statuses: new Set(config.cache.statuses),
      maxEntryBytes: megabytes(config.cache.max_entry_mb),
      prices,
      clock,
      logger,
      semantic: semanticLookup(config, upstreams, cache, logger),
    }),
    optimize: createOptimizeStage({
      enabled: config.optimize.enabled,
      options: optimizeOptions(config.optimize),
      tally: optimized,
    }),
    schedule: createScheduleStage({
      clientPriority: config.server.client_priority ?? isLoopback(config.server.host),
    }),
    guard: createGuardStage({ store, budgets, prices, ingress: config.rate_limit.enabled, clock }),
    forward: createForwardStage({
      prices,
      settleSpend,
      maxBody: config.server.max_body,
      silence,
      clock,
      logger,
      upstreams: upstreams.byName,
      random: deps.random ?? Math.random,
    }),
  });
  return { config, upstreams, hostRouter, prices, budgets, stages, active: 0, onIdle: undefined };
}

/** The semantic mode over the index kept across reloads, embedding with this pipeline's upstream. */
function semanticLookup(
  config: Config,
  upstreams: UpstreamSet,
  cache: ResponseCache,
  logger: Logger,
): SemanticLookup | undefined {
  const s = config.cache.semantic;
  if (!config.cache.enabled || !s.enabled || !cache.semanticIndex) return undefined;
  const name = s.upstream ?? defaultUpstreams(config).openai;
  const upstream = name === undefined ? undefined : upstreams.byName.get(name);
  if (!upstream?.base) {
    throw new Error(
      `cache.semantic.upstream: ${name === undefined ? 'no upstream is named' : `"${name}" is not an upstream with its own keys`}; name the one whose embeddings model embeds requests.`,
    );
  }
  const embedder = new Embedder(upstream, { model: s.model, timeoutMs: s.timeout });
  const settings = { threshold: s.threshold, shadow: s.shadow, anyTemperature: s.any_temperature };
  return new SemanticLookup(cache.semanticIndex, embedder, settings, logger);
}

function optimizeOptions(o: Config['optimize']): OptimizeOptions {
  return {
    crushJson: o.crush_json,
    compact: o.compact,
    dedupe: o.dedupe,
    promptCache: o.prompt_cache,
    lossyScope: o.lossy_scope,
    minTokens: o.min_tokens,
    maxItems: o.max_items,
  };
}

/** Closes what a failed start opened; its own failure must not hide the error that stopped the start. */
function closeQuietly(close: () => unknown): void {
  try {
    Promise.resolve(close()).catch(() => {});
  } catch {
    // already failing: the start's own error is the one to report
  }
}

function megabytes(mb: number): number {
  return Math.round(mb * 1024 * 1024);
}

/** How often counters that equal fresh ones (refilled buckets, ended periods) are forgotten. */
const SWEEP_MS = 60_000;
/** How long a starting process waits for Redis before it serves at its local share alone. */
const STARTUP_REDIS_WAIT_MS = 3_000;

function sweepEvery(ms: number, clock: Clock, fn: () => unknown, logger: Logger): () => void {
  const failed = (err: unknown) => logger.warn({ err }, 'sweeping the store failed');
  let cancel = clock.setTimer(ms, function tick() {
    try {
      const done = fn();
      if (done instanceof Promise) done.catch(failed);
    } catch (err) {
      failed(err);
    }
    cancel = clock.setTimer(ms, tick);
  });
  return () => cancel();
}

/** A failing store is logged at most once per 10 s, with how many writes failed since. */
function storeFailures(logger: Logger, clock: Clock): (err: unknown) => void {
  let lastSaid = Number.NEGATIVE_INFINITY;
  let failed = 0;
  return (err) => {
    failed++;
    const now = clock.monotonic();
    if (now - lastSaid < 10_000) return;
    lastSaid = now;
    logger.error({ err, failed }, 'spend could not be written to the store (it is still counted in memory)');
    failed = 0;
  };
}

/** Server settings a reload cannot change (the socket and its policies are made once). */
const RESTART_ONLY = [
  'host',
  'port',
  'admin_token',
  'trust_proxy',
  'hostnames',
  'allowed_origins',
  'max_connections',
  'headers_timeout',
  'body_timeout',
  'keep_alive_timeout',
] as const;

export function createGateway(deps: GatewayDeps): Gateway {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogOutput({ level: config.log.level, file: config.log.file });
  const logger = log.logger;
  // Made once: spend and counters outlive config reloads.
  const storeFailed = storeFailures(logger, clock);
  const ownStore = openStore({
    sqlite: config.store.sqlite,
    maxCounters: config.clients.max_tracked,
    onError: storeFailed,
  });
  // One client for all state kept in Redis; it reconnects by itself and is closed last.
  const redis = openRedis(config, logger);
  const shared = redis ? openSharedState(redis, clock) : undefined;
  // With Redis, client limits and budgets are counted there; the ledger stays in this process's store.
  const store: StateStore = shared
    ? new SharedCounters(ownStore, shared.connection, {
        reach: shared.reach,
        maxLevels: config.clients.max_tracked,
        onError: storeFailed,
      })
    : ownStore;
  const stopSweeping = sweepEvery(SWEEP_MS, clock, () => store.sweep(clock.now()), logger);
  const settleSpend = createSpendSettler(store, storeFailed);
  const semantic = config.cache.semantic;
  const optimized = new OptimizeTally();
  const built = (() => {
    let answers: ResponseCache | undefined;
    try {
      answers = new ResponseCache(
        openAnswerStore(config, clock.now(), { redis, logger, clock }),
        megabytes(config.cache.max_size_mb),
        semantic.enabled ? new SemanticIndex(semantic.max_entries) : undefined,
      );
      const first = buildPipeline(
        config,
        deps,
        clock,
        logger,
        store,
        settleSpend,
        answers,
        optimized,
        shared,
      );
      return { cache: answers, pipeline: first };
    } catch (err) {
      // A config that cannot be built leaves nothing open behind it (timers, stores, Redis).
      stopSweeping();
      const closers = [
        () => answers?.store.close(),
        () => store.close(),
        () => shared?.close(),
        () => redis?.close(),
      ];
      for (const close of closers) closeQuietly(close);
      throw err;
    }
  })();
  const cache = built.cache;
  let pipeline = built.pipeline;
  const stopSweepingCache = sweepEvery(SWEEP_MS, clock, () => cache.store.sweep(clock.now()), logger);
  const ownNames = new Set([config.server.host.toLowerCase(), ...config.server.hostnames]);
  const origins = createOriginPolicy(config.server.allowed_origins);
  /** Pipelines a reload replaced whose requests have not all finished yet. */
  const retiring = new Set<Pipeline>();
  let closing = false;
  const traffic = new Traffic();
  const tally = new ClientTally();
  const startedAt = clock.monotonic();
  const stats = () =>
    collectStats({
      upstreams: pipeline.upstreams,
      shaping: pipeline.config.rate_limit.enabled,
      traffic,
      uptimeMs: clock.monotonic() - startedAt,
      wallMs: clock.now(),
      clients: pipeline.config.clients,
      ingress: pipeline.config.rate_limit.enabled,
      tally,
      store,
      budgets: pipeline.budgets,
      cache: () => cache.stats(pipeline.config.cache.enabled, pipeline.config.cache.ttl),
      optimize: () => optimized.stats(pipeline.config.optimize.enabled),
      shared: () => shared?.stats() ?? NOT_SHARED,
    });
  const metrics = new GatewayMetrics(traffic, stats);
  const requestLog =
    config.log.requests && logger.isLevelEnabled('info') ? createRequestLog(log.writeLine) : undefined;
  const requestEnded: RequestEnded = (ctx, elapsedMs, wallMs) => {
    // A stream's cost is known only at its end (an aborted one's from what was counted).
    priceRequest(ctx, pipeline.prices);
    if (ctx.breakpointsPlaced) optimized.recordCacheReads(ctx.usage);
    settleSpend(ctx, wallMs);
    tally.record(ctx, wallMs);
    traffic.record(ctx, elapsedMs, wallMs);
    metrics.record(ctx, elapsedMs);
    requestLog?.(ctx, elapsedMs, wallMs);
  };
  const proxy = createProxyHandler({
    pipeline: {
      get current() {
        return pipeline;
      },
    },
    clock,
    logger,
    requestEnded,
    // While draining, a keep-alive connection whose last response just ended is closed at once,
    // so shutdown waits for in-flight work only, not for clients' idle pools.
    onResponseClosed: () => {
      if (closing) setImmediate(() => app.server.closeIdleConnections());
    },
    origins,
  });
  const app = createApp({
    clock,
    logger,
    proxy,
    hostRouter: { match: (host) => pipeline.hostRouter.match(host) },
    ownNames,
    origins,
    upstreamNames: () => [...pipeline.upstreams.byName.keys()],
    trustProxy: config.server.trust_proxy,
    adminToken: config.server.admin_token,
    maxConnections: config.server.max_connections,
    timeouts: {
      headersMs: config.server.headers_timeout,
      requestMs: config.server.body_timeout,
      keepAliveMs: config.server.keep_alive_timeout,
    },
    startedAt,
    stats,
    traffic,
    metrics,
    store,
    calendar: () => pipeline.budgets.calendar,
    cache,
  });

  return {
    app,
    get config() {
      return pipeline.config;
    },
    logger,
    log,
    redis,
    async listen() {
      // Traffic before Redis answers would be counted by this process alone, at a share of 1.
      if (shared && !(await shared.ready(STARTUP_REDIS_WAIT_MS)))
        logger.warn("Redis did not answer at startup: each limit is enforced here at this process's share");
      await app.listen({ host: config.server.host, port: config.server.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
      return `http://${host}:${port}`;
    },
    reload(next) {
      const kept = RESTART_ONLY.filter(
        (k) => JSON.stringify(next.server[k]) !== JSON.stringify(pipeline.config.server[k]),
      ).map((k) => `server.${k}`);
      // The store is opened once: its file and its bound stay until a restart.
      if (next.store.sqlite !== pipeline.config.store.sqlite) kept.push('store.sqlite');
      if (next.store.redis !== pipeline.config.store.redis) kept.push('store.redis');
      if (next.clients.max_tracked !== pipeline.config.clients.max_tracked) kept.push('clients.max_tracked');
      for (const k of ['store', 'max_size_mb', 'max_entries'] as const)
        if (next.cache[k] !== pipeline.config.cache[k]) kept.push(`cache.${k}`);
      if (next.cache.semantic.enabled !== pipeline.config.cache.semantic.enabled)
        kept.push('cache.semantic.enabled');
      if (next.cache.semantic.max_entries !== pipeline.config.cache.semantic.max_entries)
        kept.push('cache.semantic.max_entries');
      if (kept.length > 0) logger.warn({ settings: kept }, 'these settings change only on a restart');
      if (closing) return;
      const old = pipeline;
      pipeline = buildPipeline(next, deps, clock, logger, store, settleSpend, cache, optimized, shared, old);
      // Requests that started on the old pipeline finish on it; its pools close after the last one.
      const retire = () => {
        retiring.delete(old);
        void old.upstreams.close();
      };
      if (old.active === 0) retire();
      else {
        retiring.add(old);
        old.onIdle = retire;
      }
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
      await Promise.all([pipeline, ...retiring].map((p) => p.upstreams.close()));
      stopSweeping();
      stopSweepingCache();
      await cache.store.close();
      await store.close();
      await shared?.close();
      await redis?.close();
      log.flush();
    },
  };
}
