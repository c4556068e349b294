// Stage: send the request upstream (key swapped in, body streamed or rebuilt) and relay the answer.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { outgoingHeaders } from '../upstreams/headers.ts';
import { boundedBody } from './bounded-body.ts';
import type { RequestContext } from './context.ts';
import { checkDeclaredLength } from './read-body.ts';
import { UpstreamRelay } from './relay.ts';

export interface ForwardStageDeps {
  maxBody: number;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function createForwardStage(deps: ForwardStageDeps) {
  return function forward(ctx: RequestContext): Promise<void> {
    const { upstream, origin, path } = ctx.target!;
    let body: Buffer | Readable | null = null;
    if (ctx.jsonChanged) body = ctx.body = Buffer.from(JSON.stringify(ctx.json));
    else if (ctx.body) body = ctx.body;
    else if (hasBody(ctx.req)) {
      checkDeclaredLength(ctx.req, deps.maxBody);
      // Streamed through unread; a body of unannounced size is counted on the way.
      body = ctx.req.headers['content-length'] === undefined ? boundedBody(ctx.req, deps.maxBody) : ctx.req;
    }
    const options: Dispatcher.DispatchOptions = {
      origin,
      path,
      method: ctx.req.method as Dispatcher.HttpMethod,
      headers: outgoingHeaders(ctx.req.rawHeaders, {
        key: upstream.keys.next(),
        dialect: upstream.dialect,
        bodyRebuilt: ctx.jsonChanged,
        identityEncoding: ctx.kind === 'api',
      }),
      body,
      headersTimeout: upstream.config.timeout,
      bodyTimeout: upstream.config.idle_timeout,
    };
    return new Promise((resolve, reject) => {
      upstream.dispatcher.dispatch(options, new UpstreamRelay(ctx, resolve, reject));
    });
  };
}
