// Sends the upstream's answer to the client as undici delivers it: small JSON whole in one write,
// everything else streamed with backpressure; a stream that breaks after its head went out ends with
// an in-band error in the client's format, never as a silently truncated success. A refusal another
// try may cure (429, 5xx, a rejected key, a prompt too long for this model) is held back instead,
// for the caller to judge; so is a stream that fails before its first byte.
import type { Dispatcher } from 'undici';
import type { HeaderBag, RateLimitReading, StreamObserver } from '../../dialects/types.ts';
import { isEventStream, isJsonDocument } from '../../dialects/wire/content-type.ts';
import { lastObjectFieldIn } from '../../dialects/wire/json-peek.ts';
import { usageWireOf, type Wire, wireOf } from '../../dialects/wire/wire-of.ts';
import { ClientGone } from '../../errors/client-gone.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { priceRequest } from '../../spend/request-cost.ts';
import {
  eventTooLarge,
  firstTokenTimeout,
  neverReached,
  noHeadInTime,
  upstreamFailure,
} from '../../upstreams/failure.ts';
import type { RequestContext } from '../context.ts';
import { heldBack } from '../failover/verdicts.ts';
import { type AccountDeps, attemptFailed, learn, settle, settleUnspent } from './account.ts';
import { endInBand, endWithin, writeUpstreamHead } from './client-answer.ts';
import { type AttemptOutcome, resetKnown } from './outcome.ts';
import { divergence, expectationOf, streamEnd, transformOf } from './stream-plan.ts';
import { createStreamTap, type StreamTap } from './stream-tap.ts';

/** JSON answers up to this size are read whole (their usage must be read anyway). */
const WHOLE_BODY_LIMIT = 8 * 1024 * 1024;

/** Of an error answer held back to judge a retry, this much is enough (the rest is cut). */
const HELD_REFUSAL_LIMIT = 64 * 1024;

/** Of a whole answer too big to hold, this much of its end is kept to find its `usage`. */
const TAIL_BYTES = 64 * 1024;

type Mode = 'whole' | 'stream' | 'refused' | 'none';
type Controller = Dispatcher.DispatchController;

export interface RelayOptions extends AccountDeps {
  /** The request can be sent again (its body is held, or it has none). */
  retryable: boolean;
  /** Longest wait from sending to the first content (a stream's first event, or the body). */
  firstTokenMs: number | undefined;
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
  /** The last bytes of a whole answer too big to hold, where its `usage` is. */
  #tail: Buffer[] | undefined;
  #tailSize = 0;
  #reading: RateLimitReading | undefined;
  #wire: Wire | undefined;
  #observer: StreamObserver | undefined;
  #tap: StreamTap | undefined;
  #controller: Controller | undefined;
  /** A stream's head waits for its first byte, so a stream that dies before it can be sent again. */
  #headPending = false;
  /** This exchange's status (the client's may be an earlier one's, when a stream is continued). */
  #status = 0;
  #onDrain: (() => void) | undefined;
  #cancelStall: (() => void) | undefined;
  #cancelFirstToken: (() => void) | undefined;
  #firstInformational: number | undefined;
  /** The held-back answer outgrew its bound and was cut: it is judged on what came. */
  #refusalCut = false;

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
    if (this.#ctx.clientGone) {
      controller.abort(new ClientGone());
      return;
    }
    this.#ctx.cancel = () => controller.abort(new ClientGone());
    const ms = this.#o.firstTokenMs;
    if (ms !== undefined) {
      this.#cancelFirstToken = this.#o.clock.setTimer(ms, () => {
        this.#cancelFirstToken = undefined;
        controller.abort(firstTokenTimeout(ms));
      });
    }
  }

  onResponseStart(controller: Controller, statusCode: number, headers: HeaderBag): void {
    // Informational answers (102, 103) come before the real one; undici reports them too. Each one
    // restarts undici's head timer, so a storm of them is bounded here: `timeout` from the first.
    if (statusCode < 200) {
      const now = this.#o.clock.monotonic();
      this.#firstInformational ??= now;
      if (now - this.#firstInformational > this.#ctx.target!.upstream.config.timeout)
        controller.abort(noHeadInTime());
      return;
    }
    const ctx = this.#ctx;
    this.#status = statusCode;
    ctx.firstByteMs = this.#o.clock.monotonic() - ctx.sentAt;
    if (statusCode === 429) ctx.upstream429s++;
    // The client's status is the head it got; a continuation's does not change it.
    if (!ctx.headSent) ctx.status = statusCode;
    ctx.upstreamHeaders = headers;
    this.#reading = learn(ctx, headers, this.#o);
    // An error answer is an answer: the wait for content is over.
    if (statusCode >= 300) this.#contentCame();
    const type = headers['content-type'];
    const contentType = typeof type === 'string' ? type : '';
    // A continuation (stream rescue) that is not a stream cannot go into the client's: held back.
    const continuing = ctx.headSent && (statusCode >= 300 || !isEventStream(contentType));
    if ((this.#o.retryable && heldBack(ctx, statusCode)) || continuing) {
      this.#mode = 'refused';
    } else if (ctx.req.method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      this.#writeHead(false);
    } else if (isEventStream(contentType)) {
      const wire = ctx.kind === 'api' ? wireOf(ctx.path, ctx.target!.upstream.dialect.family) : undefined;
      if (wire?.marked) {
        this.#wire = wire;
        this.#observer = wire.observeStream(expectationOf(ctx));
        this.#tap = createStreamTap(this.#observer, transformOf(ctx), ctx.rescue?.observe);
      }
      this.#startStream(this.#tap !== undefined, this.#o.retryable);
    } else if (ctx.kind === 'api' && !ctx.stream && isJsonDocument(contentType)) {
      this.#mode = 'whole';
    } else {
      this.#startStream(false);
    }
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#mode === 'whole' || this.#mode === 'refused') {
      this.#contentCame();
      if (this.#mode === 'refused' && this.#size + chunk.length > HELD_REFUSAL_LIMIT) {
        // An error answer that does not end (or is huge): judged on its start, the rest cut.
        this.#chunks.push(chunk.subarray(0, HELD_REFUSAL_LIMIT - this.#size));
        this.#size = HELD_REFUSAL_LIMIT;
        this.#refusalCut = true;
        controller.abort(new Error('an error answer over the held bound'));
        return;
      }
      this.#size += chunk.length;
      this.#chunks.push(chunk);
      if (this.#mode === 'whole' && this.#size > WHOLE_BODY_LIMIT) {
        // Too big to hold: send what we have and stream the rest, keeping its end for the usage.
        this.#startStream(false);
        this.#tail = [];
        for (const c of this.#chunks) {
          this.#ctx.recorder?.data(c);
          this.#ctx.res.write(c);
          this.#keepTail(c);
        }
        this.#chunks = [];
      }
      return;
    }
    if (this.#mode !== 'stream') return;
    let out = chunk;
    const tap = this.#tap;
    if (tap) {
      const kept = tap.push(chunk.toString('latin1'));
      if (this.#ctx.rescue?.diverged) {
        // A regenerated answer did not start with what the client has: it cannot go into its stream.
        controller.abort(divergence(this.#ctx));
        return;
      }
      if (tap.oversized) {
        controller.abort(eventTooLarge());
        return;
      }
      // Content came, even if none goes out yet (a regenerated answer being checked).
      if (tap.sawData) this.#contentCame();
      // The bytes go on exactly as they came unless an event was held, dropped or rewritten.
      if (!tap.passedWhole) {
        if (kept === '') return; // nothing to send yet (part of an event, or a dropped one)
        out = Buffer.from(kept, 'latin1');
      }
    } else this.#contentCame();
    if (this.#headPending) this.#sendHead();
    if (this.#tail) this.#keepTail(chunk);
    this.#ctx.recorder?.data(out);
    if (!this.#ctx.res.write(out)) {
      controller.pause();
      this.#armStall();
    }
  }

  onResponseEnd(): void {
    const ctx = this.#ctx;
    let rescued = false;
    if (this.#mode === 'refused') {
      this.#endRefusal();
      return;
    }
    if (this.#mode === 'whole') {
      const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
      if (ctx.status >= 200 && ctx.status < 300) {
        const usage = lastObjectFieldIn(body, 'usage');
        if (usage)
          ctx.usage = usageWireOf(ctx.path, ctx.target!.upstream.dialect.family).usageFromBody({ usage });
        // A whole answer's cost is known before its head goes out: it is sent with it.
        priceRequest(ctx, this.#o.prices);
      }
      this.#writeHead(true, body.length);
      const recorder = ctx.recorder;
      if (recorder) {
        recorder.data(body);
        recorder.succeeded = true;
      }
      const end = () => endWithin(ctx, body, ctx.target!.upstream.config.idle_timeout, this.#o.clock);
      // Its spend is on file before the client has the answer: a kill -9 cannot lose what was answered.
      if (ctx.usage) this.#o.settleSpend(ctx, this.#o.clock.now(), end);
      else end();
    } else if (this.#mode === 'stream') {
      const observer = this.#observer;
      const rest = this.#tap ? this.#tap.end() : '';
      this.#reportMalformed();
      if (this.#headPending && rest === '') {
        // Not one event came: a failure before the first byte, sent again like any other.
        this.#finish();
        attemptFailed(ctx);
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
      if (rest !== '') {
        const bytes = Buffer.from(rest, 'latin1');
        ctx.recorder?.data(bytes);
        ctx.res.write(bytes);
      }
      if (!observer) {
        if (this.#tail) this.#usageFromTail();
        if (ctx.recorder) ctx.recorder.succeeded = true;
        ctx.res.end();
      } else {
        ctx.usage = observer.usage();
        const end = streamEnd(ctx, observer);
        // The upstream's own error event already went to the client, in its words.
        if (end === 'upstream_error') {
          ctx.upstreamBroke = true;
          ctx.res.end();
        } else if (end === 'diverged') {
          // A regenerated answer that ended without matching what the client has: never a success.
          ctx.upstreamBroke = true;
          this.#endInBand(divergence(ctx));
        } else if (end === 'finished' || end === 'completed') {
          // Whole: its spend goes on file before the end the client waits for (the marker it never
          // got, when the upstream left it out).
          const terminator = end === 'completed' ? this.#wire!.terminator : undefined;
          const recorder = ctx.recorder;
          if (recorder) {
            if (terminator !== undefined) recorder.data(terminator);
            recorder.succeeded = true;
          }
          priceRequest(ctx, this.#o.prices);
          this.#o.settleSpend(ctx, this.#o.clock.now(), () => ctx.res.end(terminator));
        } else {
          ctx.upstreamBroke = true;
          // A rescued stream stays open: the caller continues it.
          rescued = ctx.rescue?.possible === true;
          if (!rescued)
            this.#endInBand(
              new GatewayError(
                'upstream_unavailable',
                `Upstream "${ctx.target!.upstream.name}" ended the stream without finishing it.`,
              ),
            );
        }
      }
    } else ctx.res.end();
    this.#finish();
    // The verdict before the settle: settling wakes the queue, which must see the breaker's new state.
    if (this.#status >= 500 || ctx.upstreamBroke) attemptFailed(ctx);
    else ctx.lease?.succeeded();
    if (this.#status >= 400) settleUnspent(ctx);
    else settle(ctx, ctx.usage);
    this.#done(rescued ? 'broken' : 'done');
  }

  #keepTail(chunk: Buffer): void {
    const tail = this.#tail!;
    tail.push(chunk);
    this.#tailSize += chunk.length;
    while (tail.length > 1 && this.#tailSize - tail[0]!.length >= TAIL_BYTES)
      this.#tailSize -= tail.shift()!.length;
  }

  /** A whole answer streamed for its size still has its usage read, from its end. */
  #usageFromTail(): void {
    const ctx = this.#ctx;
    if (ctx.status < 200 || ctx.status >= 300) return;
    const usage = lastObjectFieldIn(Buffer.concat(this.#tail!, this.#tailSize), 'usage');
    if (usage)
      ctx.usage = usageWireOf(ctx.path, ctx.target!.upstream.dialect.family).usageFromBody({ usage });
  }

  onResponseError(_controller: Controller, err: Error): void {
    const ctx = this.#ctx;
    if (this.#refusalCut) {
      this.#endRefusal();
      return;
    }
    this.#finish();
    this.#reportMalformed();
    if (this.#observer) ctx.usage = this.#observer.usage();
    // The gateway's own refusals (an upload over the size bound) are not the upstream's fault.
    if (!ctx.clientGone && !(err instanceof ClientGone) && !(err instanceof GatewayError)) attemptFailed(ctx);
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

  /** The held-back answer goes to the caller to judge (whole, or its start when it was cut). */
  #endRefusal(): void {
    const ctx = this.#ctx;
    const body = Buffer.concat(this.#chunks, this.#size);
    this.#finish();
    this.#done({
      status: this.#status,
      headers: ctx.upstreamHeaders!,
      body,
      retryAfterMs: this.#reading?.retryAfterMs,
      resetKnown: resetKnown(this.#reading),
    });
  }

  /** Malformed events were dropped: the stream went on without them; say so once per exchange. */
  #reportMalformed(): void {
    const dropped = this.#tap?.malformed ?? 0;
    if (dropped === 0) return;
    const ctx = this.#ctx;
    if (ctx.lease) ctx.lease.key.health.malformedEvents += dropped;
    this.#o.logger.warn(
      { id: ctx.id, upstream: ctx.target!.upstream.name, key: ctx.lease?.key.label, dropped },
      'the upstream sent malformed stream events; they were left out and the stream went on',
    );
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

  #contentCame(): void {
    if (this.#cancelFirstToken === undefined) return;
    this.#cancelFirstToken();
    this.#cancelFirstToken = undefined;
  }

  #finish(): void {
    this.#contentCame();
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
