// Stage: wait for room on a key, send the request upstream (key swapped in, body streamed or
// rebuilt), relay the answer. While nothing has reached the client, a refusal or failure is judged
// (failover.ts): a 429 waits for room, a failure goes to another key (then backs off), a rejected
// key leaves the pool, and when the upstream cannot serve in time the route's fallback takes over.

import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ClientGone } from '../errors/client-gone.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { addUsage } from '../spend/request-cost.ts';
import { neverReached } from '../upstreams/failure.ts';
import { outgoingHeaders } from '../upstreams/headers.ts';
import type { Scheduler } from '../upstreams/scheduler.ts';
import type { Upstream } from '../upstreams/upstream.ts';
import { boundedBody } from './body/bounded-body.ts';
import type { BodySilence } from './body/idle-guard.ts';
import { checkDeclaredLength, continueBody, receiveBody } from './body/read-body.ts';
import type { RequestContext } from './context.ts';
import { type AccountDeps, settleUnspent } from './exchange/account.ts';
import { endInBand, sendRefusal } from './exchange/client-answer.ts';
import type { AttemptOutcome } from './exchange/outcome.ts';
import { UpstreamRelay } from './exchange/relay.ts';
import { createNextTry, hasFallback, newTries, restartTries, type Tries } from './failover/next-try.ts';
import { isUpstreamFailure, mayResendAfterFailure } from './failover/verdicts.ts';
import { createStreamRescue, prefillStyleOf, refusesPrefill } from './rescue/rescue-for.ts';
import { planCost } from './schedule.ts';

export interface ForwardStageDeps extends AccountDeps {
  maxBody: number;
  /** Bounds a client's silence while it sends its body (server.body_idle_timeout). */
  silence: BodySilence;
  /** Where fallbacks are found by name. */
  upstreams: ReadonlyMap<string, Upstream>;
  /** A number in [0, 1), for backoff jitter. */
  random: () => number;
}

/** The changed body as JSON; one nested too deeply to write back is the client's error, not ours. */
function serialize(json: unknown): string {
  try {
    return JSON.stringify(json);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new GatewayError('invalid_json', 'The request body is nested too deeply to be sent on.');
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

interface BodyDeps {
  maxBody: number;
  silence: BodySilence;
}

function requestBody(ctx: RequestContext, deps: BodyDeps): Buffer | Readable | null {
  if (ctx.jsonChanged) {
    ctx.body = Buffer.from(serialize(ctx.json));
    return ctx.body;
  }
  if (ctx.body) return ctx.body;
  if (!hasBody(ctx.req)) return null;
  checkDeclaredLength(ctx.req, deps.maxBody);
  continueBody(ctx);
  // Streamed through unread, counted and watched on the way.
  return boundedBody(ctx.req, deps.maxBody, deps.silence);
}

/** REST bodies up to this size are read before sending, so a failed attempt can be sent again. */
const HELD_BODY_LIMIT = 64 * 1024;

/** A small REST body of an idempotent call is read whole first; larger ones stream, sent once. */
function holdsBody(ctx: RequestContext): boolean {
  return (
    !ctx.jsonChanged &&
    ctx.body === undefined &&
    hasBody(ctx.req) &&
    ctx.cost !== undefined &&
    mayResendAfterFailure(ctx) &&
    Number(ctx.req.headers['content-length']) <= HELD_BODY_LIMIT
  );
}

/** The client's own credential, which names its key at the provider when none is configured. */
function credentialOf(ctx: RequestContext): string {
  // A virtual key is the gateway's own and goes nowhere.
  if (ctx.client?.credentialIsVirtualKey) return '';
  const h = ctx.req.headers;
  const value = h.authorization ?? h['x-api-key'] ?? h['api-key'] ?? h['x-goog-api-key'];
  return typeof value === 'string' ? value : '';
}

const NO_SCOPE: readonly string[] = [];

/** A breaker that probes within this is about to let requests through: it is worth waiting for. */
const PROBE_SOON_MS = 1000;

/** Queue refusals after which another upstream may still serve in time. */
const ADMISSION_FAILURES = new Set([
  'queue_timeout',
  'queue_full',
  'upstream_unavailable',
  'request_too_large',
]);

export function createForwardStage(deps: ForwardStageDeps) {
  const { toFallback, afterFailure, afterRefusal } = createNextTry(deps);
  function attempt(ctx: RequestContext, body: Buffer | Readable | null, retryable: boolean) {
    // A continued stream's client has the earlier attempt's tokens: they are paid for too.
    if (ctx.headSent && ctx.usage)
      ctx.earlierUsage = ctx.earlierUsage ? addUsage(ctx.earlierUsage, ctx.usage) : ctx.usage;
    ctx.usage = undefined;
    const { upstream, origin, path } = ctx.target!;
    const key = ctx.lease ? ctx.lease.key : upstream.keys.next();
    const options: Dispatcher.DispatchOptions = {
      origin,
      path,
      method: ctx.req.method as Dispatcher.HttpMethod,
      headers: outgoingHeaders(ctx.req.rawHeaders, {
        key: key?.secret,
        keyScope: key?.scope ?? NO_SCOPE,
        dropCredentials: ctx.client?.credentialIsVirtualKey === true,
        dialect: upstream.dialect,
        bodyRebuilt: ctx.jsonChanged,
        identityEncoding: ctx.kind === 'api',
        connection: ctx.req.headers.connection,
      }),
      body,
      headersTimeout: upstream.config.timeout,
      bodyTimeout: upstream.config.idle_timeout,
    };
    const firstTokenMs = ctx.modelRoute?.first_token_timeout ?? upstream.config.first_token_timeout;
    return new Promise<AttemptOutcome>((resolve, reject) => {
      const sentAt = deps.clock.monotonic();
      ctx.sentAt = sentAt;
      const spent = () => {
        ctx.upstreamMs += deps.clock.monotonic() - sentAt;
      };
      upstream.dispatcher.dispatch(
        options,
        new UpstreamRelay(
          ctx,
          { ...deps, retryable, firstTokenMs },
          (outcome) => {
            spent();
            resolve(outcome);
          },
          (err) => {
            spent();
            reject(err);
          },
        ),
      );
    });
  }

  /** A lease on the target upstream, or on a fallback when the target cannot admit in time. */
  async function acquire(ctx: RequestContext, tries: Tries): Promise<Scheduler> {
    for (;;) {
      const upstream = ctx.target!.upstream;
      const scheduler = upstream.admission.schedulerFor(ctx.hostRoute, credentialOf(ctx));
      const cost = ctx.cost!;
      // Failing (an open breaker not about to probe, refused keys): the fallback serves now.
      if (hasFallback(ctx) && scheduler.waitFor(cost) > PROBE_SOON_MS) {
        const failing = scheduler.pool.explain(cost, PROBE_SOON_MS, true);
        if (failing && toFallback(ctx, tries, scheduler)) continue;
      }
      try {
        // A request sent before comes back first in line: it already waited its turn.
        const lease = scheduler.acquire(
          cost,
          ctx.priority,
          (cancel) => {
            // A client gone before it got in line (while its body was read) leaves at once.
            if (ctx.clientGone) cancel();
            else ctx.cancel = cancel;
          },
          Math.max(1, tries.until - deps.clock.monotonic()),
          ctx.attempts > 0,
          tries.tried,
        );
        ctx.lease = lease instanceof Promise ? await lease : lease;
        ctx.cancel = undefined;
        ctx.queueMs += ctx.lease.waitedMs;
        return scheduler;
      } catch (err) {
        ctx.cancel = undefined;
        if (
          err instanceof GatewayError &&
          ADMISSION_FAILURES.has(err.code) &&
          toFallback(ctx, tries, scheduler)
        )
          continue;
        throw err;
      }
    }
  }

  function pause(ctx: RequestContext, ms: number): Promise<void> {
    ctx.pausedMs += ms;
    return new Promise((resolve, reject) => {
      const cancelTimer = deps.clock.setTimer(ms, () => {
        ctx.cancel = undefined;
        resolve();
      });
      ctx.cancel = () => {
        cancelTimer();
        reject(new ClientGone());
      };
    });
  }

  return async function forward(ctx: RequestContext): Promise<void> {
    if (holdsBody(ctx)) ctx.body = await receiveBody(ctx, deps.maxBody, deps.silence);
    const body = requestBody(ctx, deps);
    // A streamed body is gone once sent; only a held (or absent) one can be sent again.
    if (body !== null && !Buffer.isBuffer(body)) return forwardOnce(ctx, body, true);
    if (ctx.cost === undefined) return forwardOnce(ctx, body, false);
    ctx.rescue = createStreamRescue(ctx);
    try {
      await forwardRetrying(ctx, body as Buffer | null);
    } catch (err) {
      // A continuation that cannot be had ends the stream the client already has, in-band.
      if (!(err instanceof GatewayError) || !ctx.headSent || ctx.res.writableEnded) throw err;
      endInBand(ctx, err);
    }
  };

  /**
   * Sent once, as it comes: the relay holds nothing back and breaks nothing off for rescue. An
   * upload streamed through holds an upstream connection for as long as its client takes, so at
   * most half of an upstream's connections carry them: stalled uploads cannot take them all.
   */
  async function forwardOnce(ctx: RequestContext, body: Buffer | Readable | null, upload: boolean) {
    const uploads = ctx.target!.upstream.uploads;
    if (upload && uploads.active >= uploads.max) {
      throw new GatewayError(
        'queue_full',
        `Upstream "${ctx.target!.upstream.name}" has ${uploads.max} uploads in flight, its most.`,
        { retryAfterSeconds: 1 },
      );
    }
    if (upload) uploads.active++;
    try {
      if (ctx.cost) await acquire(ctx, newTries(ctx, deadlineOf(ctx), ctx.startedAt));
      const outcome = await attempt(ctx, body, false);
      if (outcome !== 'done' && outcome !== 'broken') sendRefusal(ctx, outcome);
    } finally {
      if (upload) uploads.active--;
    }
  }

  async function forwardRetrying(ctx: RequestContext, firstBody: Buffer | null): Promise<void> {
    let body = firstBody;
    const tries = newTries(ctx, deadlineOf(ctx), ctx.startedAt);
    let bodyFor = ctx.nextFallback;
    for (;;) {
      const scheduler = await acquire(ctx, tries);
      // A fallback may rename the model (and continue a stream its own way): its body is built again.
      if (bodyFor !== ctx.nextFallback) {
        bodyFor = ctx.nextFallback;
        if (ctx.rescue?.splicing) continueStream(ctx);
        body = requestBody(ctx, deps) as Buffer;
      }
      let outcome: AttemptOutcome | GatewayError;
      try {
        outcome = await attempt(ctx, body, true);
      } catch (err) {
        if (!isUpstreamFailure(err) || ctx.headSent || ctx.clientGone) throw err;
        // A call that may have acted already is sent again only when that is safe.
        if (!mayResendAfterFailure(ctx) && !neverReached(err)) throw err;
        outcome = err;
      }
      if (outcome === 'done') return;
      ctx.attempts++;
      const refusal = typeof outcome === 'object' && !(outcome instanceof GatewayError) ? outcome : undefined;
      if (refusal && ctx.rescue && ctx.headSent && refusesPrefill(ctx.rescue, refusal)) {
        // The target takes no prefill: it is asked for the whole answer instead, which goes on
        // only if it starts with what the client has. Never the client's error.
        ctx.lease!.succeeded();
        settleUnspent(ctx);
        ctx.rescue.refusePrefill();
        continueStream(ctx);
        body = requestBody(ctx, deps) as Buffer;
        continue;
      }
      if (outcome === 'broken') {
        if (ctx.clientGone) throw new ClientGone();
        // A long stream may have outlived the first deadline: its continuation gets a new one.
        const now = deps.clock.monotonic();
        restartTries(ctx, tries, now + ctx.target!.upstream.config.queue.timeout, now);
        // The relay counted it against the key; go on where the client's stream stopped.
        const next = afterFailure(ctx, scheduler, tries);
        if (!next.again && !toFallback(ctx, tries, scheduler)) {
          throw new GatewayError(
            'upstream_unavailable',
            `The stream from upstream "${ctx.target!.upstream.name}" broke and could not be continued in time.`,
          );
        }
        ctx.upstreamBroke = false;
        continueStream(ctx);
        body = requestBody(ctx, deps) as Buffer;
        bodyFor = ctx.nextFallback;
        if (next.again && next.ms > 0) await pause(ctx, next.ms);
        continue;
      }
      const next =
        outcome instanceof GatewayError
          ? afterFailure(ctx, scheduler, tries, outcome)
          : await afterRefusal(ctx, outcome, scheduler, tries);
      if (next.again && !ctx.clientGone) {
        if (next.ms > 0) await pause(ctx, next.ms);
        continue;
      }
      if (ctx.clientGone) throw new ClientGone();
      // This upstream cannot serve it (in time): a fallback may; else the client gets the last answer.
      // A refusal of the request itself (a content policy, a bad request) is the client's, once.
      const canFallBack =
        outcome instanceof GatewayError || tries.verdict !== 'final' || outcome.status === 429;
      if (canFallBack && toFallback(ctx, tries, scheduler)) continue;
      if (outcome instanceof GatewayError) throw withRetryAfter(outcome, scheduler, ctx);
      if (ctx.headSent) {
        throw new GatewayError(
          'upstream_unavailable',
          `Upstream "${ctx.target!.upstream.name}" could not continue the stream (it answered ${outcome.status}).`,
        );
      }
      sendRefusal(ctx, outcome);
      return;
    }
  }
}

/** The request becomes the continuation of the client's stream, for the current target. */
function continueStream(ctx: RequestContext): void {
  // What the client gets is no longer one exchange's answer: not one to cache.
  if (ctx.recorder) ctx.recorder.spoiled = true;
  ctx.json = ctx.rescue!.continuation(ctx.json!, prefillStyleOf(ctx));
  ctx.jsonChanged = true;
  planCost(ctx);
}

/** The request must be served by then: the queue deadline of the upstream it was routed to. */
function deadlineOf(ctx: RequestContext): number {
  return ctx.startedAt + ctx.target!.upstream.config.queue.timeout;
}

/** The client is told when trying again can help, from the breaker's and the limiter's state. */
function withRetryAfter(err: GatewayError, scheduler: Scheduler, ctx: RequestContext): GatewayError {
  const wait = scheduler.waitFor(ctx.cost!);
  const seconds = Number.isFinite(wait) ? Math.max(1, Math.ceil(wait / 1000)) : (err.retryAfterSeconds ?? 1);
  return new GatewayError(err.code, err.message, { cause: err.cause, retryAfterSeconds: seconds });
}
