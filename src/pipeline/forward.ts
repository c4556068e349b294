// Stage: send the request upstream (key swapped in, body streamed or rebuilt) and relay the answer.
import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import { ClientGone, upstreamFailure } from '../upstreams/failure.ts';
import { outgoingHeaders } from '../upstreams/headers.ts';
import type { RequestContext } from './context.ts';
import { checkDeclaredLength } from './read-body.ts';
import { relayResponse } from './relay.ts';

export interface ForwardStageDeps {
  maxBody: number;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function createForwardStage(deps: ForwardStageDeps) {
  return async function forward(ctx: RequestContext): Promise<void> {
    const { upstream, origin, path } = ctx.target!;
    let body: Buffer | IncomingMessage | undefined;
    if (ctx.jsonChanged) body = ctx.body = Buffer.from(JSON.stringify(ctx.json));
    else if (ctx.body) body = ctx.body;
    else if (hasBody(ctx.req)) {
      checkDeclaredLength(ctx.req, deps.maxBody);
      body = ctx.req; // streamed through unread
    }
    const headers = outgoingHeaders(ctx.req.rawHeaders, {
      key: upstream.keys.next(),
      dialect: upstream.dialect,
      bodyRebuilt: ctx.jsonChanged,
      identityEncoding: ctx.kind === 'api',
    });
    let response: Dispatcher.ResponseData;
    try {
      response = await upstream.dispatcher.request({
        origin,
        path,
        method: ctx.req.method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: ctx.abort.signal,
        headersTimeout: upstream.config.timeout,
        bodyTimeout: upstream.config.idle_timeout,
      });
    } catch (err) {
      if (ctx.abort.signal.aborted) throw new ClientGone('client went away before the upstream answered');
      throw upstreamFailure(err, upstream.name, upstream.config.timeout);
    }
    await relayResponse(ctx, response);
  };
}
