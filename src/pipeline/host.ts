// Stage: who is this request for? A configured REST host, or the gateway's own API. Never an open proxy.
import { GatewayError } from '../errors/gateway-error.ts';
import { isOwnHost } from '../routing/host-name.ts';
import type { HostRouter } from '../routing/host-routes.ts';
import type { RequestContext } from './context.ts';

/** A `.` or `..` path segment, as is or percent-encoded. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/** Letters, digits, dots and dashes, or a bracketed IPv6 address: anything else is refused unmatched. */
const HOST_NAME = /^(?:[a-z0-9.-]*|\[[0-9a-f:.]+\])$/;

export interface HostStageDeps {
  hostRouter: HostRouter;
  ownNames: ReadonlySet<string>;
}

export function createHostStage(deps: HostStageDeps) {
  return function host(ctx: RequestContext): void {
    // `GET http://elsewhere/ HTTP/1.1` asks for a forward proxy, which this is not.
    if (ctx.url.charCodeAt(0) !== 47 /* / */) {
      throw new GatewayError(
        'host_not_allowed',
        'Absolute request targets are not proxied; send a path and a Host header.',
      );
    }
    // `/v1/../../x` (or percent-encoded) could leave an upstream's base path: never sent on.
    const path = ctx.path;
    if ((path.includes('.') || path.includes('%')) && DOT_SEGMENT.test(path)) {
      throw new GatewayError('invalid_request', 'The path has "." or ".." segments; send it resolved.');
    }
    if (!HOST_NAME.test(ctx.host)) {
      throw new GatewayError('host_not_allowed', 'The Host header is not a valid host name.');
    }
    const route = deps.hostRouter.match(ctx.host);
    if (route) {
      ctx.kind = 'rest';
      ctx.hostRoute = route;
      return;
    }
    if (!isOwnHost(ctx.host, deps.ownNames)) {
      throw new GatewayError(
        'host_not_allowed',
        `Host "${ctx.host}" is not configured. Add it under routes.hosts to forward it, or under server.hostnames if it names this gateway.`,
      );
    }
    ctx.clientDialect = ctx.path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
    if (ctx.path !== '/v1' && !ctx.path.startsWith('/v1/')) {
      throw new GatewayError(
        'route_not_found',
        `No route for ${ctx.path}. Provider APIs are served under /v1 (base URL http://<gateway>/v1 for OpenAI clients, http://<gateway> for Anthropic clients).`,
      );
    }
  };
}
