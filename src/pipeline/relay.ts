// Sends the upstream's answer to the client: small JSON whole in one write, everything else streamed
// with backpressure; a stream that breaks after its head went out ends with an in-band error.
import type { Dispatcher } from 'undici';
import type { StreamObserver } from '../dialects/types.ts';
import { lastObjectField } from '../dialects/wire/json-peek.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { renderStreamError } from '../errors/render.ts';
import { incomingHeaders } from '../upstreams/headers.ts';
import type { RequestContext } from './context.ts';

/** JSON answers up to this size are read whole (their usage must be read anyway). */
const WHOLE_BODY_LIMIT = 8 * 1024 * 1024;

export function relayResponse(ctx: RequestContext, response: Dispatcher.ResponseData): Promise<void> {
  const { statusCode, headers, body } = response;
  ctx.status = statusCode;
  const contentType = headers['content-type'];
  const type = typeof contentType === 'string' ? contentType : '';
  if (ctx.req.method === 'HEAD' || statusCode === 204 || statusCode === 304) {
    writeHead(ctx, statusCode, headers, false);
    ctx.res.end();
    body.dump().catch(() => {});
    return Promise.resolve();
  }
  if (type.startsWith('text/event-stream')) {
    return relayStream(
      ctx,
      response,
      ctx.kind === 'api' ? ctx.target!.upstream.dialect.observeStream() : undefined,
    );
  }
  if (ctx.kind === 'api' && type.includes('json')) return relayWhole(ctx, response);
  return relayStream(ctx, response, undefined);
}

function writeHead(
  ctx: RequestContext,
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  dropLength: boolean,
  extra?: string[],
): void {
  const out = incomingHeaders(headers, {
    requestId: ctx.id,
    upstreamName: ctx.target!.upstream.name,
    dropLength,
  });
  if (extra) out.push(...extra);
  ctx.headSent = true;
  ctx.res.writeHead(status, out);
}

function relayWhole(
  ctx: RequestContext,
  { statusCode, headers, body }: Dispatcher.ResponseData,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > WHOLE_BODY_LIMIT) {
        // Too big to hold: send what we have and stream the rest.
        body.off('data', onData).off('end', onEnd).off('error', onError);
        writeHead(ctx, statusCode, headers, false);
        for (const c of chunks) ctx.res.write(c);
        relayStream(ctx, { statusCode, headers, body } as Dispatcher.ResponseData, undefined, true).then(
          resolve,
          reject,
        );
      }
    };
    const onEnd = () => {
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      if (statusCode >= 200 && statusCode < 300) {
        const usage = lastObjectField(buf.toString('utf8'), 'usage');
        if (usage) ctx.usage = ctx.target!.upstream.dialect.usageFromBody({ usage });
      }
      writeHead(ctx, statusCode, headers, true, ['content-length', String(size)]);
      ctx.res.end(buf);
      resolve();
    };
    const onError = (err: Error) => reject(ctx.abort.signal.aborted ? err : bodyFailure(ctx, err));
    body.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function bodyFailure(ctx: RequestContext, err: Error): GatewayError {
  const name = ctx.target!.upstream.name;
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_BODY_TIMEOUT'
    ? new GatewayError('upstream_timeout', `Upstream "${name}" stopped sending mid-answer.`, {
        cause: err,
        retryAfterSeconds: 1,
      })
    : new GatewayError(
        'upstream_unavailable',
        `Upstream "${name}" broke off its answer (${code ?? err.message}).`,
        {
          cause: err,
          retryAfterSeconds: 1,
        },
      );
}

/** Pipes the body; with an observer (API streams) it also reads usage and checks the stream ended properly. */
function relayStream(
  ctx: RequestContext,
  { statusCode, headers, body }: Dispatcher.ResponseData,
  observer: StreamObserver | undefined,
  headAlreadySent = false,
): Promise<void> {
  const res = ctx.res;
  if (!headAlreadySent) {
    writeHead(ctx, statusCode, headers, observer !== undefined);
    // Clients (SDK stream helpers) wait for the head; send it now rather than with the first event.
    if (observer) res.flushHeaders();
  }
  const decoder = observer ? new TextDecoder() : undefined;
  return new Promise((resolve) => {
    const onDrain = () => body.resume();
    const done = () => {
      res.off('drain', onDrain);
      if (observer) ctx.usage = observer.usage();
      resolve();
    };
    body.on('data', (chunk: Buffer) => {
      if (decoder) observer!.push(decoder.decode(chunk, { stream: true }));
      if (!res.write(chunk)) body.pause();
    });
    res.on('drain', onDrain);
    body.on('end', () => {
      if (observer && !observer.finished() && observer.upstreamError() === undefined) {
        endInBand(
          ctx,
          new GatewayError(
            'upstream_unavailable',
            `Upstream "${ctx.target!.upstream.name}" ended the stream without finishing it.`,
          ),
        );
      } else res.end();
      done();
    });
    body.on('error', (err: Error) => {
      if (!ctx.abort.signal.aborted) {
        // Bytes already went out: say so in the stream, never end it as if it were complete.
        if (observer) endInBand(ctx, bodyFailure(ctx, err));
        else res.destroy(err);
      }
      done();
    });
  });
}

function endInBand(ctx: RequestContext, err: GatewayError): void {
  ctx.errorCode = err.code;
  ctx.res.end(renderStreamError(err, ctx.clientDialect));
}
