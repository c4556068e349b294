// Sends the upstream's answer to the client as undici delivers it: small JSON whole in one write,
// everything else streamed with backpressure; a stream that breaks after its head went out ends with
// an in-band error in the client's format, never as a silently truncated success.
import { TextDecoder } from 'node:util';
import type { Dispatcher } from 'undici';
import type { StreamObserver } from '../dialects/types.ts';
import { lastObjectFieldIn } from '../dialects/wire/json-peek.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { renderStreamError } from '../errors/render.ts';
import { ClientGone, upstreamFailure } from '../upstreams/failure.ts';
import { incomingHeaders } from '../upstreams/headers.ts';
import type { RequestContext } from './context.ts';

/** JSON answers up to this size are read whole (their usage must be read anyway). */
const WHOLE_BODY_LIMIT = 8 * 1024 * 1024;

type Mode = 'whole' | 'stream' | 'none';
type Controller = Dispatcher.DispatchController;

/**
 * One upstream exchange as an undici dispatch handler: no intermediate streams or promises per
 * chunk, and the client's backpressure pauses the upstream socket directly.
 */
export class UpstreamRelay implements Dispatcher.DispatchHandler {
  readonly #ctx: RequestContext;
  readonly #done: () => void;
  readonly #fail: (err: unknown) => void;
  #mode: Mode = 'none';
  #chunks: Buffer[] = [];
  #size = 0;
  #observer: StreamObserver | undefined;
  #decoder: TextDecoder | undefined;
  #controller: Controller | undefined;
  #onDrain: (() => void) | undefined;

  constructor(ctx: RequestContext, done: () => void, fail: (err: unknown) => void) {
    this.#ctx = ctx;
    this.#done = done;
    this.#fail = fail;
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#ctx.clientGone) controller.abort(new ClientGone());
    else this.#ctx.cancel = () => controller.abort(new ClientGone());
  }

  onResponseStart(
    _controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    const ctx = this.#ctx;
    ctx.status = statusCode;
    ctx.upstreamHeaders = headers;
    const type = headers['content-type'];
    const contentType = typeof type === 'string' ? type : '';
    if (ctx.req.method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      this.#writeHead(false);
    } else if (contentType.startsWith('text/event-stream')) {
      if (ctx.kind === 'api') {
        this.#observer = ctx.target!.upstream.dialect.observeStream();
        this.#decoder = new TextDecoder();
      }
      this.#startStream(this.#observer !== undefined);
      // Clients (SDK stream helpers) wait for the head; send it now rather than with the first event.
      ctx.res.flushHeaders();
    } else if (ctx.kind === 'api' && contentType.includes('json')) {
      this.#mode = 'whole';
    } else {
      this.#startStream(false);
    }
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#mode === 'whole') {
      this.#size += chunk.length;
      this.#chunks.push(chunk);
      if (this.#size > WHOLE_BODY_LIMIT) {
        // Too big to hold: send what we have and stream the rest.
        this.#startStream(false);
        for (const c of this.#chunks) this.#ctx.res.write(c);
        this.#chunks = [];
      }
      return;
    }
    if (this.#mode !== 'stream') return;
    if (this.#observer) this.#observer.push(this.#decoder!.decode(chunk, { stream: true }));
    if (!this.#ctx.res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    const ctx = this.#ctx;
    if (this.#mode === 'whole') {
      const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
      if (ctx.status >= 200 && ctx.status < 300) {
        const usage = lastObjectFieldIn(body, 'usage');
        if (usage) ctx.usage = ctx.target!.upstream.dialect.usageFromBody({ usage });
      }
      this.#writeHead(true, body.length);
      ctx.res.end(body);
    } else if (this.#mode === 'stream') {
      const observer = this.#observer;
      if (observer) ctx.usage = observer.usage();
      if (observer && !observer.finished() && observer.upstreamError() === undefined) {
        this.#endInBand(
          new GatewayError(
            'upstream_unavailable',
            `Upstream "${ctx.target!.upstream.name}" ended the stream without finishing it.`,
          ),
        );
      } else ctx.res.end();
    } else ctx.res.end();
    this.#finish();
    this.#done();
  }

  onResponseError(_controller: Controller, err: Error): void {
    const ctx = this.#ctx;
    this.#finish();
    if (ctx.clientGone || err instanceof ClientGone) {
      this.#fail(new ClientGone());
      return;
    }
    const upstream = ctx.target!.upstream;
    // The gateway's own refusals (an upload over the size bound) keep their code.
    const failure =
      err instanceof GatewayError
        ? err
        : upstreamFailure(err, upstream.name, upstream.config.timeout, this.#mode !== 'none');
    if (!ctx.headSent) {
      this.#fail(failure);
      return;
    }
    // Bytes already went out: say so in the stream, never end it as if it were complete.
    if (this.#observer) {
      ctx.usage = this.#observer.usage();
      this.#endInBand(failure);
    } else ctx.res.destroy(err);
    this.#done();
  }

  #startStream(dropLength: boolean): void {
    this.#mode = 'stream';
    this.#writeHead(dropLength);
    this.#onDrain = () => this.#controller?.resume();
    this.#ctx.res.on('drain', this.#onDrain);
  }

  #writeHead(dropLength: boolean, length?: number): void {
    const ctx = this.#ctx;
    const out = incomingHeaders(ctx.upstreamHeaders!, {
      requestId: ctx.id,
      upstreamName: ctx.target!.upstream.name,
      dropLength: dropLength || length !== undefined,
    });
    if (length !== undefined) out.push('content-length', String(length));
    ctx.headSent = true;
    ctx.res.writeHead(ctx.status, out);
  }

  #endInBand(err: GatewayError): void {
    this.#ctx.errorCode = err.code;
    this.#ctx.res.end(renderStreamError(err, this.#ctx.clientDialect));
  }

  #finish(): void {
    this.#ctx.cancel = undefined;
    if (this.#onDrain) this.#ctx.res.off('drain', this.#onDrain);
  }
}
