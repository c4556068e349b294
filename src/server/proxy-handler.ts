// Runs one proxied request through the stages; answers refusals in the client's API shape; logs it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGone } from '../errors/client-gone.ts';
import { toGatewayError } from '../errors/gateway-error.ts';
import { renderError } from '../errors/render.ts';
import type { Logger } from '../log/logger.ts';
import type { RequestEnded } from '../observe/request-log.ts';
import { createContext, type RequestContext } from '../pipeline/context.ts';
import { keepAliveOnlyIfRead, ownAnswerHeaders } from '../pipeline/exchange/client-answer.ts';
import { runStages, type Stage } from '../pipeline/stages.ts';
import { hostName } from '../routing/host-name.ts';
import type { Clock } from '../time/clock.ts';
import type { OriginPolicy } from './origin-policy.ts';

export interface ProxyHandlerDeps {
  /** Read per request, so a config reload swaps the stages for new requests only. */
  pipeline: { readonly current: RunningPipeline };
  clock: Clock;
  logger: Logger;
  /** Told about every request once it is over: the request log, totals, metrics. */
  requestEnded: RequestEnded;
  /** Called when a response is over (sent, failed or abandoned); shutdown uses it to close idle sockets. */
  onResponseClosed?: () => void;
  origins: OriginPolicy;
}

/** The stages a request runs through, and how many requests still run through them. */
export interface RunningPipeline {
  readonly stages: readonly Stage[];
  active: number;
  /** Set once a reload replaced it: called when its last request is over. */
  onIdle: (() => void) | undefined;
}

export type ProxyHandler = (
  id: string,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue?: boolean,
) => Promise<void>;

export function createProxyHandler(deps: ProxyHandlerDeps): ProxyHandler {
  const { pipeline, clock, logger } = deps;

  function answerError(ctx: RequestContext, err: unknown): void {
    const gatewayError = toGatewayError(err);
    ctx.errorCode = gatewayError.code;
    if (gatewayError.code === 'internal')
      logger.error({ err: gatewayError.cause, id: ctx.id }, 'request failed');
    if (ctx.headSent) {
      // Relay ends streams in-band itself; anything else that fails this late can only be cut off.
      ctx.res.destroy();
      return;
    }
    const { status, headers, body } = renderError(gatewayError, ctx.clientDialect);
    ctx.status = status;
    const out = ownAnswerHeaders(ctx, Buffer.byteLength(body));
    for (const name in headers) out.push(name, headers[name]!);
    if (ctx.target) out.push('x-cooldown-upstream', ctx.target.upstream.name);
    if (ctx.extraHeaders) out.push(...ctx.extraHeaders);
    // A body refused unread must not be parsed as the next request on this connection.
    keepAliveOnlyIfRead(ctx);
    ctx.res.writeHead(status, out);
    ctx.res.end(body);
  }

  return async (id, req, res, expectContinue = false) => {
    const ctx = createContext(id, req, res, clock.monotonic(), hostName(req.headers.host));
    ctx.expectContinue = expectContinue;
    const onClose = () => {
      if (!res.writableFinished) {
        ctx.clientGone = true;
        ctx.cancel?.();
      }
      deps.onResponseClosed?.();
    };
    res.once('close', onClose);
    const running = pipeline.current;
    running.active++;
    try {
      ctx.extraHeaders = deps.origins.check(req);
      await runStages(running.stages, ctx);
    } catch (err) {
      if (!(err instanceof ClientGone) && !ctx.clientGone) answerError(ctx, err);
    } finally {
      if (--running.active === 0) running.onIdle?.();
      deps.requestEnded(ctx, clock.monotonic() - ctx.startedAt, clock.now());
    }
  };
}
