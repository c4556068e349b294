// Runs one proxied request through the stages; answers refusals in the client's API shape; logs it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGone } from '../errors/client-gone.ts';
import { toGatewayError } from '../errors/gateway-error.ts';
import { renderError } from '../errors/render.ts';
import type { Logger } from '../log/logger.ts';
import type { RequestLog } from '../observe/request-log.ts';
import { createContext, type RequestContext } from '../pipeline/context.ts';
import { runStages, type Stage } from '../pipeline/stages.ts';
import { hostName } from '../routing/host-name.ts';
import type { Clock } from '../time/clock.ts';

export interface ProxyHandlerDeps {
  stages: readonly Stage[];
  clock: Clock;
  logger: Logger;
  /** Absent when the per-request log is off. */
  requestLog: RequestLog | undefined;
  /** Called when a response is over (sent, failed or abandoned); shutdown uses it to close idle sockets. */
  onResponseClosed?: () => void;
}

export type ProxyHandler = (id: string, req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createProxyHandler(deps: ProxyHandlerDeps): ProxyHandler {
  const { stages, clock, logger } = deps;

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
    const out: Record<string, string> = {
      ...headers,
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': ctx.id,
      'x-proxy': 'cooldown',
    };
    // A body we refused unread must not be parsed as the next request on this connection.
    if (gatewayError.code === 'payload_too_large') out.connection = 'close';
    ctx.res.writeHead(status, out);
    ctx.res.end(body);
  }

  return async (id, req, res) => {
    const ctx = createContext(id, req, res, clock.monotonic(), hostName(req.headers.host));
    const onClose = () => {
      if (!res.writableFinished) {
        ctx.clientGone = true;
        ctx.cancel?.();
      }
      deps.onResponseClosed?.();
    };
    res.once('close', onClose);
    try {
      await runStages(stages, ctx);
    } catch (err) {
      if (!(err instanceof ClientGone) && !ctx.clientGone) answerError(ctx, err);
    } finally {
      deps.requestLog?.(ctx, clock.monotonic() - ctx.startedAt, clock.now());
    }
  };
}
