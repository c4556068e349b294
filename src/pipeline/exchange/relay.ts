// Sends the upstream's answer to the client as undici delivers it: small JSON whole in one write,
// everything else streamed with backpressure; a stream that breaks after its head went out ends with
// an in-band error in the client's format, never as a silently truncated success. A refusal another
// try may cure (429, 5xx, a rejected key, a prompt too long for this model) is held back instead,
// for the caller to judge; so is a stream that fails before its first byte.
import type { Dispatcher } from 'undici';
import type { HeaderBag, StreamObserver } from '../../dialects/types.ts';
import { isJsonDocument } from '../../dialects/wire/content-type.ts';
import { lastObjectFieldIn } from '../../dialects/wire/json-peek.ts';
import { usageWireOf, wireOf } from '../../dialects/wire/wire-of.ts';
import { ClientGone } from '../../errors/client-gone.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { MALFORMED_EVENT, neverReached, upstreamFailure } from '../../upstreams/failure.ts';
import type { RequestContext } from '../context.ts';
import { heldBack } from '../failover/verdicts.ts';
import { type AccountDeps, learn, settle, settleUnspent } from './account.ts';
import { endInBand, writeUpstreamHead } from './client-answer.ts';
import type { AttemptOutcome } from './outcome.ts';
import { createStreamTap, type StreamTap, stripUsageEvents, wholeEvents } from './stream-tap.ts';

/** JSON answers up to this size are read whole (their usage must be read anyway). */
const WHOLE_BODY_LIMIT = 8 * 1024 * 1024;

type Mode = 'whole' | 'stream' | 'refused' | 'none';
type Controller = Dispatcher.DispatchController;

export interface RelayOptions extends AccountDeps {
  /** The request can be sent again (its body is held, or it has none). */
  retryable: boolean;
}

/**
 * One upstream exchange as an undici dispatch handler: no intermediate streams or promises per
 * chunk, and the client's backpressure pauses the upstream socket directly.
 */
export class UpstreamRelay implements Dispatcher.DispatchHandler {
  readonly #ctx: RequestContext;
  readonly #o: RelayOptions;
  readonly #done: (outcome: AttemptOutcome) => void;
  readonly #fail: (err: unknown) => void;
  #mode: Mode = 'none';
  #chunks: Buffer[] = [];
  #size = 0;
  #retryAfterMs: number | undefined;
  #observer: StreamObserver | undefined;
  #tap: StreamTap | undefined;
  #strip = false;
  #controller: Controller | undefined;
  /** A stream's head waits for its first byte, so a stream that dies before it can be sent again. */
  #headPending = false;
  /** This exchange's status (the client's may be an earlier one's, when a stream is continued). */
  #status = 0;
  /** The upstream's stream was cut off by the gateway (garbled); later data is ignored. */
  #cutOff = false;
  #onDrain: (() => void) | undefined;
  #cancelStall: (() => void) | undefined;

  constructor(
    ctx: RequestContext,
    options: RelayOptions,
    done: (outcome: AttemptOutcome) => void,
    fail: (err: unknown) => void,
  ) {
    this.#ctx = ctx;
    this.#o = options;
    this.#done = done;
    this.#fail = fail;
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#ctx.clientGone) controller.abort(new ClientGone());
    else this.#ctx.cancel = () => controller.abort(new ClientGone());
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: HeaderBag): void {
    // Informational answers (102, 103) come before the real one; undici reports them too.
    if (statusCode < 200) return;
    const ctx = this.#ctx;
    this.#status = statusCode;
    // The client's status is the head it got; a continuation's does not change it.
    if (!ctx.headSent) ctx.status = statusCode;
    ctx.upstreamHeaders = headers;
    this.#retryAfterMs = learn(ctx, headers, this.#o);
    const type = headers['content-type'];
    const contentType = typeof type === 'string' ? type : '';
    // A continuation (stream rescue) that is not a stream cannot go into the client's: held back.
    const continuing = ctx.headSent && (statusCode >= 300 || !contentType.startsWith('text/event-stream'));
    if ((this.#o.retryable && heldBack(ctx, statusCode)) || continuing) {
      this.#mode = 'refused';
    } else if (ctx.req.method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      this.#writeHead(false);
    } else if (contentType.startsWith('text/event-stream')) {
      if (ctx.kind === 'api') {
        this.#observer = wireOf(ctx.path, ctx.target!.upstream.dialect.family).observeStream();
        const rescue = ctx.rescue;
        // With rescue on, only whole events go out, so a continuation never lands inside one.
        const transform = rescue
          ? rescue.splicing
            ? rescue.splice
            : wholeEvents
          : ctx.stripUsage
            ? stripUsageEvents
            : undefined;
        this.#tap = createStreamTap(this.#observer, transform, rescue?.observe);
        this.#strip = transform !== undefined;
      }
      this.#startStream(this.#observer !== undefined, this.#o.retryable);
    } else if (ctx.kind === 'api' && !ctx.stream && isJsonDocument(contentType)) {
      this.#mode = 'whole';
    } else {
      this.#startStream(false);
    }
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#mode === 'whole' || this.#mode === 'refused') {
      this.#size += chunk.length;
      this.#chunks.push(chunk);
      if (this.#mode === 'whole' && this.#size > WHOLE_BODY_LIMIT) {
        // Too big to hold: send what we have and stream the rest.
        this.#startStream(false);
        for (const c of this.#chunks) this.#ctx.res.write(c);
        this.#chunks = [];
      }
      return;
    }
    if (this.#mode !== 'stream' || this.#cutOff) return;
    const text = this.#tap ? chunk.toString('latin1') : '';
    const kept = this.#tap ? this.#tap.push(text) : '';
    if (this.#tap?.broken) {
      this.#cutOffGarbled(controller, chunk, kept);
      return;
    }
    if (this.#headPending) {
      // Only once there is something to send (a stripped or held event is not).
      if (this.#strip && !this.#tap!.passedWhole && kept === '') return;
      this.#sendHead();
    }
    let ok: boolean;
    if (this.#tap) {
      // The bytes go on exactly as they came unless an event was held back or dropped.
      if (!this.#strip || this.#tap.passedWhole) ok = this.#ctx.res.write(chunk);
      else ok = kept === '' || this.#ctx.res.write(Buffer.from(kept, 'latin1'));
    } else ok = this.#ctx.res.write(chunk);
    if (!ok) {
      controller.pause();
      this.#armStall();
    }
  }

  onResponseEnd(): void {
    const ctx = this.#ctx;
    let rescued = false;
    if (this.#mode === 'refused') {
      const body = Buffer.concat(this.#chunks, this.#size);
      this.#finish();
      this.#done({
        status: this.#status,
        headers: ctx.upstreamHeaders!,
        body,
        retryAfterMs: this.#retryAfterMs,
      });
      return;
    }
    if (this.#mode === 'whole') {
      const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
      if (ctx.status >= 200 && ctx.status < 300) {
        const usage = lastObjectFieldIn(body, 'usage');
        if (usage)
          ctx.usage = usageWireOf(ctx.path, ctx.target!.upstream.dialect.family).usageFromBody({ usage });
      }
      this.#writeHead(true, body.length);
      ctx.res.end(body);
    } else if (this.#mode === 'stream') {
      const observer = this.#observer;
      const rest = this.#tap?.end();
      if (this.#headPending && !rest) {
        // Not one event came: a failure before the first byte, sent again like any other.
        this.#finish();
        ctx.lease?.failed();
        settleUnspent(ctx);
        this.#fail(
          new GatewayError(
            'upstream_unavailable',
            `Upstream "${ctx.target!.upstream.name}" ended the stream before sending anything.`,
            { retryAfterSeconds: 1 },
          ),
        );
        return;
      }
      if (this.#headPending) this.#sendHead();
      const unfinished = observer && !observer.finished() && observer.upstreamError() === undefined;
      rescued = unfinished === true && ctx.rescue?.possible === true;
      // A last event without its blank line: closed, so what follows it reads on its own.
      if (rest) ctx.res.write(Buffer.from(rescued ? `${rest}\n\n` : rest, 'latin1'));
      if (observer) ctx.usage = observer.usage();
      if (observer && observer.upstreamError() !== undefined) ctx.upstreamBroke = true;
      if (unfinished) {
        ctx.upstreamBroke = true;
        // A rescued stream stays open: the caller continues it.
        if (!rescued)
          this.#endInBand(
            new GatewayError(
              'upstream_unavailable',
              `Upstream "${ctx.target!.upstream.name}" ended the stream without finishing it.`,
            ),
          );
      } else ctx.res.end();
    } else ctx.res.end();
    this.#finish();
    // The verdict before the settle: settling wakes the queue, which must see the breaker's new state.
    if (this.#status >= 500 || ctx.upstreamBroke) ctx.lease?.failed();
    else ctx.lease?.succeeded();
    if (this.#status >= 400) settleUnspent(ctx);
    else settle(ctx, ctx.usage);
    this.#done(rescued ? 'broken' : 'done');
  }

  onResponseError(_controller: Controller, err: Error): void {
    const ctx = this.#ctx;
    this.#finish();
    if (this.#observer) ctx.usage = this.#observer.usage();
    // The gateway's own refusals (an upload over the size bound) are not the upstream's fault.
    if (!ctx.clientGone && !(err instanceof ClientGone) && !(err instanceof GatewayError))
      ctx.lease?.failed();
    if (this.#mode === 'none' && !ctx.clientGone && neverReached(err)) settleUnspent(ctx);
    else settle(ctx, ctx.usage);
    if (ctx.clientGone || err instanceof ClientGone) {
      this.#fail(new ClientGone());
      return;
    }
    const upstream = ctx.target!.upstream;
    // The gateway's own refusals (an upload over the size bound) keep their code.
    const failure =
      err instanceof GatewayError ? err : upstreamFailure(err, upstream.config, this.#mode !== 'none');
    if (!ctx.headSent) {
      this.#fail(failure);
      return;
    }
    // Bytes already went out: say so in the stream, never end it as if it were complete.
    ctx.upstreamBroke = true;
    if (ctx.rescue?.possible) {
      this.#done('broken');
      return;
    }
    if (this.#observer) this.#endInBand(failure);
    else ctx.res.destroy(err);
    this.#done('done');
  }

  /**
   * The upstream sent a garbled event: what came before it goes on, the garbled part does not, and
   * the exchange is aborted as a failure (sent again if nothing reached the client yet).
   */
  #cutOffGarbled(controller: Controller, chunk: Buffer, kept: string): void {
    const tap = this.#tap!;
    this.#cutOff = true;
    const before = this.#strip
      ? Buffer.from(kept, 'latin1')
      : tap.brokenAt > 0
        ? chunk.subarray(0, tap.brokenAt)
        : undefined;
    if (before && before.length > 0) {
      if (this.#headPending) this.#sendHead();
      this.#ctx.res.write(before);
    }
    // A garbled event already partly sent: end it, so the error event after it reads on its own.
    if (!this.#strip && tap.brokenAt === -1 && !this.#headPending) this.#ctx.res.write('\n\n');
    controller.abort(Object.assign(new Error('a malformed stream event'), { code: MALFORMED_EVENT }));
  }

  /** `deferHead`: the head waits for the first byte (it goes out in one write with it anyway). */
  #startStream(dropLength: boolean, deferHead = false): void {
    this.#mode = 'stream';
    // A continuation (stream rescue) goes on in a stream whose head the client has.
    if (this.#ctx.headSent) {
      // nothing to send first
    } else if (deferHead) {
      this.#headPending = true;
      this.#dropLength = dropLength;
    } else this.#writeHead(dropLength);
    this.#onDrain = () => {
      this.#cancelStall?.();
      this.#cancelStall = undefined;
      this.#controller?.resume();
    };
    this.#ctx.res.on('drain', this.#onDrain);
  }

  #dropLength = false;

  #sendHead(): void {
    this.#headPending = false;
    this.#writeHead(this.#dropLength);
  }

  #writeHead(dropLength: boolean, length?: number): void {
    const ctx = this.#ctx;
    writeUpstreamHead(ctx, ctx.status, ctx.upstreamHeaders!, dropLength, length);
  }

  #endInBand(err: GatewayError): void {
    endInBand(this.#ctx, err);
  }

  #finish(): void {
    this.#ctx.cancel = undefined;
    if (this.#onDrain) this.#ctx.res.off('drain', this.#onDrain);
    this.#cancelStall?.();
    this.#cancelStall = undefined;
  }

  /**
   * A client that stops reading holds an upstream connection (paused, so undici's own idle timer
   * does not run); after the idle timeout it is cut off, both ways.
   */
  #armStall(): void {
    if (this.#cancelStall) return;
    const ctx = this.#ctx;
    this.#cancelStall = this.#o.clock.setTimer(ctx.target!.upstream.config.idle_timeout, () => {
      this.#cancelStall = undefined;
      ctx.clientGone = true;
      this.#controller?.abort(new ClientGone('the client stopped reading'));
      ctx.res.destroy();
    });
  }
}
