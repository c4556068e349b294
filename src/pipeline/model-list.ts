// Stage: with several LLM upstreams, `GET /v1/models` is answered here with what a client can use
// through the gateway (every upstream's list and the routes' aliases), in the client's shape; so is
// `GET /v1/models/{id}` for an id on that list. With one upstream, or `x-cooldown-upstream`, the
// upstream's own list passes through as it is.
import type { Config } from '../config/load.ts';
import {
  anthropicModel,
  anthropicModelPage,
  type GatewayModel,
  openaiModel,
  openaiModelList,
  type PageQuery,
} from '../dialects/wire/map-model-list.ts';
import { ClientGone } from '../errors/client-gone.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../log/logger.ts';
import type { ModelRouter } from '../routing/model-routes.ts';
import { aliasRoutes, modelListUpstreams, unionModels } from '../routing/model-union.ts';
import type { Clock } from '../time/clock.ts';
import { ModelCatalog } from '../upstreams/model-catalog.ts';
import type { UpstreamSet } from '../upstreams/upstream.ts';
import type { RequestContext } from './context.ts';
import { endWithin, keepAliveOnlyIfRead, ownAnswerHeaders } from './exchange/client-answer.ts';
import { MAX_MODEL_NAME } from './parse.ts';
import { speaksAnthropic } from './route.ts';

export interface ModelListStageDeps {
  config: Config;
  upstreams: UpstreamSet;
  modelRouter: ModelRouter;
  clock: Clock;
  logger: Logger;
}

const LIST = '/v1/models';
const ONE = '/v1/models/';

/** Anthropic's page size unless asked, and its most. */
const DEFAULT_PAGE = 20;
const MAX_PAGE = 1000;

function pageQuery(url: string): PageQuery {
  const q = url.indexOf('?');
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const limitText = params.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new GatewayError('invalid_request', `limit: a whole number from 1 to ${MAX_PAGE}.`, {
      param: 'limit',
    });
  }
  return {
    limit,
    afterId: params.get('after_id') ?? undefined,
    beforeId: params.get('before_id') ?? undefined,
  };
}

/** The id of `/v1/models/{id}` (SDKs encode its slashes); undefined when it is not one. */
function modelIdOf(path: string): string | undefined {
  if (path.length === ONE.length) return undefined;
  try {
    return decodeURIComponent(path.slice(ONE.length));
  } catch {
    return undefined;
  }
}

/** Waits for `work` unless the client leaves first. */
function whileClientWaits<T>(ctx: RequestContext, work: Promise<T>): Promise<T> {
  if (ctx.clientGone) return Promise.reject(new ClientGone());
  return new Promise<T>((resolve, reject) => {
    ctx.cancel = () => reject(new ClientGone());
    work.then(resolve, reject).finally(() => {
      ctx.cancel = undefined;
    });
  });
}

function answer(ctx: RequestContext, payload: unknown, idleMs: number, clock: Clock): void {
  const body = Buffer.from(JSON.stringify(payload));
  const out = ownAnswerHeaders(ctx, body.length);
  out.push('content-type', 'application/json');
  if (ctx.extraHeaders) out.push(...ctx.extraHeaders);
  keepAliveOnlyIfRead(ctx);
  ctx.status = 200;
  ctx.headSent = true;
  ctx.res.writeHead(200, out);
  endWithin(ctx, body, idleMs, clock);
}

const NO_HEADERS: readonly string[] = [];

export function createModelListStage(deps: ModelListStageDeps) {
  const { config, modelRouter, clock } = deps;
  const upstreams = modelListUpstreams(config).map((name) => deps.upstreams.byName.get(name)!);
  if (upstreams.length < 2) return function modelList(): void {};
  const aliases = aliasRoutes(config, modelRouter);
  const catalog = new ModelCatalog({ clock, logger: deps.logger });
  const idleMs = config.server.body_idle_timeout;

  async function union(ctx: RequestContext): Promise<GatewayModel[] | undefined> {
    const asked = catalog.lists(
      upstreams,
      // A virtual key is the gateway's: it never goes upstream, not even to list models.
      ctx.client?.credentialIsVirtualKey ? NO_HEADERS : ctx.req.rawHeaders,
      ctx.clientDialect,
    );
    const { lists, failed } = await whileClientWaits(ctx, asked);
    if (lists.length === 0 && failed > 0) return undefined;
    return unionModels(lists, aliases, modelRouter, MAX_MODEL_NAME);
  }

  async function answerOne(ctx: RequestContext, id: string): Promise<void> {
    // An id not on the list goes to the default upstream, as any model-less call does.
    const found = (await union(ctx))?.find((m) => m.id === id);
    if (!found) return;
    answer(
      ctx,
      ctx.clientDialect === 'anthropic' ? anthropicModel(found) : openaiModel(found),
      idleMs,
      clock,
    );
  }

  async function answerList(ctx: RequestContext): Promise<void> {
    // A bad page query is refused before any upstream is asked.
    const query = ctx.clientDialect === 'anthropic' ? pageQuery(ctx.url) : undefined;
    const models = await union(ctx);
    if (!models) {
      throw new GatewayError(
        'upstream_unavailable',
        `No upstream answered GET /v1/models; they are asked again in ${catalog.retryAfterSeconds} s.`,
        { retryAfterSeconds: catalog.retryAfterSeconds },
      );
    }
    answer(ctx, query ? anthropicModelPage(models, query) : openaiModelList(models), idleMs, clock);
  }

  // Not async: every other request passes by without a promise.
  return function modelList(ctx: RequestContext): Promise<void> | undefined {
    if (ctx.kind !== 'api' || ctx.req.method !== 'GET') return;
    const path = ctx.path;
    const list = path === LIST;
    if (!list && !path.startsWith(ONE)) return;
    const explicit = ctx.req.headers['x-cooldown-upstream'];
    if (typeof explicit === 'string' && explicit !== '') return;
    if (speaksAnthropic(ctx)) ctx.clientDialect = 'anthropic';
    if (list) return answerList(ctx);
    const id = modelIdOf(path);
    return id === undefined ? undefined : answerOne(ctx, id);
  };
}
