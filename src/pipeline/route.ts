// Stage: pick the upstream (by Host, by explicit header, by model, or the default) and its URL.
import { GatewayError } from '../errors/gateway-error.ts';
import type { DefaultUpstreams } from '../routing/default-upstream.ts';
import type { ModelRouter } from '../routing/model-routes.ts';
import { joinUpstreamPath } from '../routing/url-join.ts';
import type { Upstream, UpstreamSet } from '../upstreams/upstream.ts';
import type { RequestContext } from './context.ts';

export interface RouteStageDeps {
  upstreams: UpstreamSet;
  modelRouter: ModelRouter;
  /** Upstream for API calls without a model, by the client's dialect. */
  defaults: DefaultUpstreams;
}

/** Anthropic's SDKs and Claude Code send `anthropic-version` on every call, and their key as `x-api-key`. */
export function speaksAnthropic(ctx: RequestContext): boolean {
  const headers = ctx.req.headers;
  return (
    ctx.clientDialect === 'anthropic' ||
    headers['anthropic-version'] !== undefined ||
    headers['x-api-key'] !== undefined
  );
}

function pickByHeader(deps: RouteStageDeps, name: string): Upstream {
  const upstream = deps.upstreams.byName.get(name);
  if (!upstream) {
    // The names of the others are not the caller's business (`/stats` lists them for the operator).
    throw new GatewayError(
      'route_not_found',
      `Unknown upstream "${name.slice(0, 64)}" in x-cooldown-upstream.`,
    );
  }
  return upstream;
}

function pickByModel(ctx: RequestContext, deps: RouteStageDeps, model: string): Upstream {
  const match = deps.modelRouter.match(model);
  const upstream = match && deps.upstreams.byName.get(match.upstream);
  if (!match || !upstream) {
    throw new GatewayError(
      'route_not_found',
      `No route for model "${model}". Add one under routes.models, prefix the model with an upstream name (openai/${model}), or send x-cooldown-upstream.`,
      { param: 'model' },
    );
  }
  if (match.model !== model && ctx.json) {
    ctx.json.model = match.model;
    ctx.jsonChanged = true;
  }
  if (match.route) {
    ctx.modelRoute = match.route;
    ctx.fallbacks = match.route.fallbacks;
  }
  return upstream;
}

/** `GET /v1/models` and other model-less calls: Anthropic-looking requests go to the Anthropic default. */
function pickDefault(ctx: RequestContext, deps: RouteStageDeps): Upstream {
  const { openai, anthropic } = deps.defaults;
  const name = speaksAnthropic(ctx) ? (anthropic ?? openai) : openai;
  const upstream = name === undefined ? undefined : deps.upstreams.byName.get(name);
  if (!upstream) {
    throw new GatewayError(
      'route_not_found',
      `No upstream for ${ctx.path}: set routes.default or send x-cooldown-upstream.`,
    );
  }
  return upstream;
}

/** Sends the request to another upstream (a fallback), under another model name if given. */
export function retarget(ctx: RequestContext, upstream: Upstream, model: string | undefined): void {
  if (model !== undefined && ctx.json && ctx.json.model !== model) {
    ctx.json.model = model;
    ctx.jsonChanged = true;
  }
  const base = upstream.base!;
  ctx.target = { upstream, origin: base.origin, path: joinUpstreamPath(base, ctx.url) };
}

export function createRouteStage(deps: RouteStageDeps) {
  return function route(ctx: RequestContext): void {
    if (ctx.kind === 'rest') {
      const upstream = deps.upstreams.forHostRoute(ctx.hostRoute!)!;
      ctx.target = upstream.base
        ? { upstream, origin: upstream.base.origin, path: joinUpstreamPath(upstream.base, ctx.url) }
        : { upstream, origin: `https://${ctx.host}`, path: ctx.url };
      return;
    }
    const explicit = ctx.req.headers['x-cooldown-upstream'];
    const upstream =
      typeof explicit === 'string' && explicit !== ''
        ? pickByHeader(deps, explicit)
        : ctx.model !== undefined
          ? pickByModel(ctx, deps, ctx.model)
          : pickDefault(ctx, deps);
    const base = upstream.base!;
    ctx.target = { upstream, origin: base.origin, path: joinUpstreamPath(base, ctx.url) };
  };
}
