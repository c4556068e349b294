// Stage: wait for room on a key, send the request upstream (key swapped in, body streamed or
// rebuilt), relay the answer. An upstream 429/503/529 before anything reached the client pauses
// that key and sends the request again when there is room, within the queue deadline.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Cost } from '../limits/cost.ts';
import { outgoingHeaders } from '../upstreams/headers.ts';
import type { Scheduler } from '../upstreams/scheduler.ts';
import type { AccountDeps } from './account.ts';
import { settleUnspent } from './account.ts';
import { boundedBody } from './bounded-body.ts';
import type { RequestContext } from './context.ts';
import { checkDeclaredLength, continueBody } from './read-body.ts';
import { type AttemptOutcome, type Refusal, sendRefusal, UpstreamRelay } from './relay.ts';

export interface ForwardStageDeps extends AccountDeps {
  maxBody: number;
}

/** Without a reset or retry-after to go by, a refused key rests 1 s, 2 s, 4 s ... up to 30 s. */
function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** attempt);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function requestBody(ctx: RequestContext, maxBody: number): Buffer | Readable | null {
  if (ctx.jsonChanged) {
    ctx.body = Buffer.from(JSON.stringify(ctx.json));
    return ctx.body;
  }
  if (ctx.body) return ctx.body;
  if (!hasBody(ctx.req)) return null;
  checkDeclaredLength(ctx.req, maxBody);
  continueBody(ctx);
  // Streamed through unread; a body of unannounced size is counted on the way.
  return ctx.req.headers['content-length'] === undefined ? boundedBody(ctx.req, maxBody) : ctx.req;
}

/** The client's own credential, which names its key at the provider when none is configured. */
function credentialOf(ctx: RequestContext): string {
  const h = ctx.req.headers;
  const value = h.authorization ?? h['x-api-key'] ?? h['api-key'] ?? h['x-goog-api-key'];
  return typeof value === 'string' ? value : '';
}

export function createForwardStage(deps: ForwardStageDeps) {
  function attempt(
    ctx: RequestContext,
    body: Buffer | Readable | null,
    retryable: boolean,
  ): Promise<AttemptOutcome> {
    const { upstream, origin, path } = ctx.target!;
    const key = ctx.lease ? ctx.lease.key.secret : upstream.keys.next();
    const options: Dispatcher.DispatchOptions = {
      origin,
      path,
      method: ctx.req.method as Dispatcher.HttpMethod,
      headers: outgoingHeaders(ctx.req.rawHeaders, {
        key,
        dialect: upstream.dialect,
        bodyRebuilt: ctx.jsonChanged,
        identityEncoding: ctx.kind === 'api',
      }),
      body,
      headersTimeout: upstream.config.timeout,
      bodyTimeout: upstream.config.idle_timeout,
    };
    return new Promise((resolve, reject) => {
      upstream.dispatcher.dispatch(options, new UpstreamRelay(ctx, { ...deps, retryable }, resolve, reject));
    });
  }

  /** After a refusal: true to try again (the key is paused), false to pass the refusal on. */
  function retryAfterRefusal(
    ctx: RequestContext,
    refusal: Refusal,
    scheduler: Scheduler,
    cost: Cost,
    deadline: number,
  ): boolean {
    const dialect = ctx.target!.upstream.dialect;
    const text = refusal.body.toString('utf8', 0, Math.min(refusal.body.length, 8192));
    if (refusal.status === 429 && dialect.finalRefusal(refusal.headers, text)) return false;
    const lease = ctx.lease!;
    // A 429 whose headers already showed the window empty needs no extra pause; otherwise rest a while.
    const pause = refusal.retryAfterMs ?? (lease.key.budget.waitFor(cost) > 0 ? 0 : backoffMs(ctx.attempts));
    if (pause > 0) lease.pause(pause);
    const left = deadline - deps.clock.monotonic();
    return left > 0 && !ctx.clientGone && scheduler.waitFor(cost) < left;
  }

  return async function forward(ctx: RequestContext): Promise<void> {
    const upstream = ctx.target!.upstream;
    const body = requestBody(ctx, deps.maxBody);
    // A streamed body is gone once sent; only a held (or absent) one can be sent again.
    const retryable = ctx.cost !== undefined && (body === null || Buffer.isBuffer(body));
    const deadline = ctx.startedAt + upstream.config.queue.timeout;
    for (;;) {
      let scheduler: Scheduler | undefined;
      if (ctx.cost) {
        scheduler = upstream.admission.schedulerFor(ctx.hostRoute, credentialOf(ctx));
        const timeout = Math.max(1, deadline - deps.clock.monotonic());
        // A request the upstream refused comes back first in line: it already waited its turn.
        const lease = scheduler.acquire(
          ctx.cost,
          ctx.priority,
          (cancel) => (ctx.cancel = cancel),
          timeout,
          ctx.attempts > 0,
        );
        ctx.lease = lease instanceof Promise ? await lease : lease;
        ctx.cancel = undefined;
      }
      const outcome = await attempt(ctx, body, retryable);
      if (outcome === 'done') return;
      // Pause the key before its reservation is released, so no one waiting slips onto it.
      const again =
        scheduler !== undefined &&
        ctx.cost !== undefined &&
        retryAfterRefusal(ctx, outcome, scheduler, ctx.cost, deadline);
      settleUnspent(ctx);
      ctx.attempts++;
      if (again) continue;
      sendRefusal(ctx, outcome);
      return;
    }
  };
}
